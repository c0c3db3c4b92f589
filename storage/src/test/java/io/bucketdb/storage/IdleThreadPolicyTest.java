package io.bucketdb.storage;

import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

import static org.junit.jupiter.api.Assertions.*;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/** {@code SCHED_IDLE} for the calling thread only, as the kernel reports it in {@code /proc/thread-self/stat}. */
class IdleThreadPolicyTest {
    private static final int SCHED_OTHER = 0;
    private static final int SCHED_IDLE = 5;

    @Test
    void theCallingThreadAloneBecomesIdle() throws Exception {
        assumeTrue(System.getProperty("os.name", "").toLowerCase().startsWith("linux"), "Linux only");
        assertEquals(SCHED_OTHER, policy(Path.of("/proc/thread-self/stat")), "the test thread starts ordinary");
        AtomicBoolean idled = new AtomicBoolean();
        AtomicInteger after = new AtomicInteger(-1);
        Thread t = new Thread(() -> {
            idled.set(IdleThreadPolicy.idleCurrentThread());
            try {
                after.set(policy(Path.of("/proc/thread-self/stat")));
            } catch (IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        });
        t.start();
        t.join();
        assertTrue(idled.get(), "native access is on in the tests: the call succeeds");
        assertEquals(SCHED_IDLE, after.get(), "the caller is in SCHED_IDLE");
        assertEquals(SCHED_OTHER, policy(Path.of("/proc/thread-self/stat")), "other threads keep their class");
    }

    /** The scheduling policy of a task: field 41 of its stat line, counted after the command name's parenthesis. */
    static int policy(Path stat) throws IOException {
        String line = Files.readString(stat);
        String[] f = line.substring(line.lastIndexOf(')') + 2).split(" ");
        return Integer.parseInt(f[41 - 3]);
    }
}
