package io.bucketdb;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.locks.LockSupport;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Every {@link WaitStrategy} acknowledges writes from several threads and lets {@code close()}
 * end the background writer thread (which drains asynchronous writes when no caller leads); the
 * option reaches it (idle, it parks under PARK and stays runnable under YIELD and BUSY_SPIN); a null
 * strategy is refused.
 */
class WaitStrategyTest {
    private static final int PRODUCERS = 4;
    private static final int PUTS = 2_000;

    @TempDir
    Path dir;

    @ParameterizedTest
    @EnumSource(WaitStrategy.class)
    void shouldAcknowledgeEveryWriteAndEndTheWriterOnClose(WaitStrategy strategy) throws Exception {
        Set<Thread> before = Thread.getAllStackTraces().keySet();
        BucketDB db = BucketDB.open(dir.resolve(strategy.name()),
                Options.defaults().withDurability(Durability.ASYNC).withWaitStrategy(strategy));
        Thread writer = Thread.getAllStackTraces().keySet().stream()
                .filter(t -> t.getName().equals("bucketdb-background") && !before.contains(t))
                .findFirst().orElseThrow(() -> new AssertionError("no background writer thread started by open"));
        try {
            ConcurrentLinkedQueue<Throwable> errors = new ConcurrentLinkedQueue<>();
            List<Thread> producers = new ArrayList<>();
            for (int p = 0; p < PRODUCERS; p++) {
                long base = p * 1_000_000L;
                producers.add(Thread.ofPlatform().start(() -> {
                    try {
                        List<CompletableFuture<Boolean>> async = new ArrayList<>();
                        for (long k = base; k < base + PUTS; k++) {
                            if ((k & 1) == 0) {
                                assertTrue(db.putLong(k, ~k), "a new key is new");
                            } else {
                                async.add(db.putLongAsync(k, ~k));
                            }
                        }
                        for (CompletableFuture<Boolean> f : async) {
                            assertTrue(f.join(), "a new key is new");
                        }
                    } catch (Throwable t) {
                        errors.add(t);
                    }
                }));
            }
            for (Thread t : producers) {
                t.join();
            }
            assertTrue(errors.isEmpty(), () -> "a producer failed: " + errors.peek());
            assertEquals(PRODUCERS * PUTS, db.size());
            for (int p = 0; p < PRODUCERS; p++) {
                for (long k = p * 1_000_000L; k < p * 1_000_000L + PUTS; k++) {
                    assertEquals(~k, db.getLong(k, -1), "key " + k);
                }
            }
            assertIdleWriterWaitsAsConfigured(strategy, writer);
        } finally {
            db.close();
        }
        assertFalse(writer.isAlive(), "close() ended the writer thread");
        assertThrows(IllegalStateException.class, () -> db.putLong(1, 1));
        try (BucketDB reopened = BucketDB.open(dir.resolve(strategy.name()), Options.defaults().withDurability(Durability.ASYNC))) {
            assertEquals(PRODUCERS * PUTS, reopened.size(), "close() drained and checkpointed every acknowledged write");
        }
    }

    /**
     * PARK: the idle writer is found parked (WAITING) within a few seconds of sampling; the timer's
     * periodic ASYNC force wakes it now and then. YIELD and BUSY_SPIN never park: nearly every sample
     * finds the writer RUNNABLE (a sample may catch it inside a timer task's lock or I/O).
     */
    private static void assertIdleWriterWaitsAsConfigured(WaitStrategy strategy, Thread writer) {
        int samples = 200;
        int waiting = 0;
        int runnable = 0;
        for (int i = 0; i < samples; i++) {
            Thread.State s = writer.getState();
            if (s == Thread.State.WAITING || s == Thread.State.TIMED_WAITING) {
                waiting++;
                if (strategy == WaitStrategy.PARK) {
                    return;
                }
            } else if (s == Thread.State.RUNNABLE) {
                runnable++;
            }
            LockSupport.parkNanos(10_000_000);
        }
        assertTrue(strategy != WaitStrategy.PARK, "the idle writer never parked under PARK in " + samples + " samples");
        assertTrue(runnable >= samples * 9 / 10, "under " + strategy + " the idle writer was RUNNABLE in only " + runnable
                + " of " + samples + " samples (" + waiting + " waiting): it does not spin or yield");
    }

    @Test
    void shouldDefaultToParkAndRefuseNull() {
        assertSame(WaitStrategy.PARK, Options.defaults().waitStrategy());
        assertSame(WaitStrategy.YIELD, Options.defaults().withWaitStrategy(WaitStrategy.YIELD).waitStrategy());
        Options o = Options.defaults().withWaitStrategy(WaitStrategy.BUSY_SPIN);
        NullPointerException e = assertThrows(NullPointerException.class, () -> o.withWaitStrategy(null));
        assertTrue(e.getMessage().contains("wait strategy must not be null"), e.getMessage());
        assertSame(WaitStrategy.BUSY_SPIN, o.waitStrategy(), "a refused change leaves the options as they were");
    }
}
