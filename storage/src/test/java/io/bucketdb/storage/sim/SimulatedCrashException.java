package io.bucketdb.storage.sim;

import java.io.IOException;

/**
 * Thrown by every operation of a {@link CrashSimulator} once its crash point has passed: the process is
 * "dead" from there on. It is an {@link IOException} so the code under test takes the same path it would
 * take if the disk vanished (fail closed, never acknowledge); a test catches it to know that the workload
 * stopped exactly at the chosen operation.
 */
public final class SimulatedCrashException extends IOException {

    public SimulatedCrashException(String message) {
        super(message);
    }
}
