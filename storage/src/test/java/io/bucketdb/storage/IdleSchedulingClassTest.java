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
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.Test;

/**
 * {@link NativeFileOps#idleCurrentThread} and {@link NativeFileOps#batchCurrentThread}: {@code SCHED_IDLE} or
 * {@code SCHED_BATCH} for the calling thread only, as the kernel reports it.
 */
class IdleSchedulingClassTest {
    private static final Path SELF = Path.of("/proc/thread-self/stat");

    @Test
    void theCallingThreadAloneBecomesIdle() throws Exception {
        assertOnlyTheCallerMoves(NativeFileOps::idleCurrentThread, TaskStat.SCHED_IDLE, "SCHED_IDLE");
    }

    @Test
    void theCallingThreadAloneMovesToTheBatchClass() throws Exception {
        assertOnlyTheCallerMoves(NativeFileOps::batchCurrentThread, TaskStat.SCHED_BATCH, "SCHED_BATCH");
    }

    /** Runs {@code move} on a new thread: it succeeds, that thread reports {@code policy}, this one keeps its class. */
    private static void assertOnlyTheCallerMoves(BooleanSupplier move, int policy, String name) throws Exception {
        assumeTrue(System.getProperty("os.name", "").toLowerCase(Locale.ROOT).startsWith("linux"), "Linux only");
        assertEquals(TaskStat.SCHED_OTHER, TaskStat.read(SELF).policy(), "the test thread starts ordinary");
        AtomicBoolean moved = new AtomicBoolean();
        AtomicInteger after = new AtomicInteger(-1);
        Thread t = new Thread(() -> {
            moved.set(move.getAsBoolean());
            try {
                after.set(TaskStat.read(SELF).policy());
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        });
        t.start();
        t.join();
        assertTrue(moved.get(), "native access is on in the tests: the call succeeds");
        assertEquals(policy, after.get(), "the caller is in " + name);
        assertEquals(TaskStat.SCHED_OTHER, TaskStat.read(SELF).policy(), "other threads keep their class");
    }
}
