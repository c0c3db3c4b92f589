package io.bucketdb.storage.sim;

/**
 * A deterministic crash for {@link CrashSimulator#writeCrashImage(java.nio.file.Path, java.nio.file.Path,
 * CrashMode)}: the two extremes of what a power loss can leave, useful when a test wants one exact outcome
 * instead of a seeded random one.
 */
public enum CrashMode {
    /**
     * Every operation not yet durable reached the disk whole: the image is the files as they are now, except
     * for the changes a failed force lost, which no image holds.
     */
    KEEP_ALL,
    /** No operation that was not yet durable reached the disk: the image holds only forced and synced state. */
    DROP_ALL
}
