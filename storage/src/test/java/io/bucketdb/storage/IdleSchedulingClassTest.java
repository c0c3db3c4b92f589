package io.bucketdb.storage;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.bucketdb.storage.testkit.TaskStat;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.Locale;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/**
 * {@link NativeFileOps#idleCurrentThread} and {@link NativeFileOps#batchCurrentThread}: {@code SCHED_IDLE} or
 * {@code SCHED_BATCH} for the calling thread only, as the kernel reports it.
 */
class IdleSchedulingClassTest {
    private static final Path SELF = Path.of("/proc/thread-self/stat");

    @Test
    void theCallingThreadAloneBecomesIdle() throws Exception {
        assumeTrue(System.getProperty("os.name", "").toLowerCase(Locale.ROOT).startsWith("linux"), "Linux only");
        assertEquals(TaskStat.SCHED_OTHER, TaskStat.read(SELF).policy(), "the test thread starts ordinary");
        AtomicBoolean idled = new AtomicBoolean();
        AtomicInteger after = new AtomicInteger(-1);
        Thread t = new Thread(() -> {
            idled.set(NativeFileOps.idleCurrentThread());
            try {
                after.set(TaskStat.read(SELF).policy());
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        });
        t.start();
        t.join();
        assertTrue(idled.get(), "native access is on in the tests: the call succeeds");
        assertEquals(TaskStat.SCHED_IDLE, after.get(), "the caller is in SCHED_IDLE");
        assertEquals(TaskStat.SCHED_OTHER, TaskStat.read(SELF).policy(), "other threads keep their class");
    }

    @Test
    void theCallingThreadAloneMovesToTheBatchClass() throws Exception {
        assumeTrue(System.getProperty("os.name", "").toLowerCase(Locale.ROOT).startsWith("linux"), "Linux only");
        AtomicBoolean moved = new AtomicBoolean();
        AtomicInteger after = new AtomicInteger(-1);
        Thread t = new Thread(() -> {
            moved.set(NativeFileOps.batchCurrentThread());
            try {
                after.set(TaskStat.read(SELF).policy());
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        });
        t.start();
        t.join();
        assertTrue(moved.get(), "native access is on in the tests: the call succeeds");
        assertEquals(TaskStat.SCHED_BATCH, after.get(), "the caller is in SCHED_BATCH");
        assertEquals(TaskStat.SCHED_OTHER, TaskStat.read(SELF).policy(), "other threads keep their class");
    }
}
