package io.bucketdb.pipeline;

import io.bucketdb.storage.testkit.Seeds;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Path;
import java.util.SplittableRandom;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.LockSupport;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The background thread finishing a growth while writes pause ({@link IdleEvacuation}), on a pipeline over a small
 * table: it finishes, it then waits for a nudge again, a caller arriving during a step is served, close and a failed
 * pipeline stop it. Waits are polls bounded in iterations; what they wait for needs no time to pass beyond the
 * background thread's one-millisecond quiet wait.
 */
class IdleEvacuationTest {
    /** Polls of at most a millisecond each before a wait counts as a failure: far more than any of them needs. */
    private static final int POLLS = 60_000;

    @TempDir
    Path dir;

    private static PipelineConfig idleOn() {
        return PipelineConfig.defaults().withSync(false).withIdleEvacuation(true);
    }

    /** Puts keys from {@code from} on until a doubling with at least {@code minOldBuckets} old buckets begins. */
    private static long writeUntilGrowing(PipelineFixture fx, long from, long minOldBuckets) throws IOException {
        long k = from;
        while (!(fx.table.growing() && fx.table.growthProgress()[1] >= minOldBuckets)) {
            fx.pipeline.putLong(k, k * 7);
            k++;
        }
        return k;
    }

    private static void await(String what, java.util.function.BooleanSupplier done) {
        for (int i = 0; !done.getAsBoolean(); i++) {
            assertTrue(i < POLLS, "gave up waiting: " + what);
            LockSupport.parkNanos(1_000_000);
        }
    }

    @Test
    void shouldFinishAGrowthOnceWritesPauseAndThenWaitForANudgeAgain() throws Exception {
        try (PipelineFixture fx = new PipelineFixture(dir, 7, JournalStage.NONE, idleOn())) {
            long n = writeUntilGrowing(fx, 0, 256);
            long oldBuckets = fx.table.growthProgress()[1];
            // Steps before this growth: an earlier growth had some if the writing thread paused for over 1 ms in it
            // (a fresh JVM's compiles, a loaded machine).
            long earlier = fx.pipeline.idleEvacuation.steps();
            await("the growth to finish without writes", () -> !fx.table.growing());
            // Once the growth is over the thread waits for a nudge, with no timed wake-ups: it does not spin.
            await("the background thread to wait for a nudge", fx.pipeline.background::waitsUntimed);
            long steps = fx.pipeline.idleEvacuation.steps();
            assertTrue(steps > 0 && steps - earlier <= (oldBuckets + IdleEvacuation.STEP_BUCKETS - 1) / IdleEvacuation.STEP_BUCKETS,
                    "idle steps: " + (steps - earlier) + " for " + oldBuckets + " old buckets (" + earlier + " before)");
            for (long k = 0; k < n; k++) {
                assertEquals(k * 7, fx.pipeline.getLong(k, -1), "key " + k);
            }
            // The next doubling wakes it again.
            writeUntilGrowing(fx, n, 2 * oldBuckets);
            await("the next growth to finish without writes", () -> !fx.table.growing());
            assertTrue(fx.pipeline.idleEvacuation.steps() > steps);
        }
    }

    @Test
    void shouldLeaveAGrowthToWritesWhenIdleEvacuationIsOff() throws Exception {
        try (PipelineFixture fx = new PipelineFixture(dir, 7, JournalStage.NONE, idleOn().withIdleEvacuation(false))) {
            writeUntilGrowing(fx, 0, 64);
            await("the background thread to wait for a nudge", fx.pipeline.background::waitsUntimed);
            assertTrue(fx.table.growing());
            assertEquals(0, fx.pipeline.idleEvacuation.steps());
        }
    }

    /**
     * A blocking caller that publishes while a step holds the role finds the role taken and waits (it is parked
     * when the step goes on); the background thread looks at the ring after the step and commits it. Rounds of a
     * fresh doubling each; a round whose growth ended before the hook was set is not counted.
     */
    @Test
    void shouldServeAWriterThatArrivesDuringAnIdleStep() throws Exception {
        long seed = Seeds.seed();
        System.out.println("IdleEvacuationTest writer during a step seed " + seed);
        Seeds.run(seed, () -> {
            try (PipelineFixture fx = new PipelineFixture(dir, seed, JournalStage.NONE, idleOn())) {
                WritePipeline p = fx.pipeline;
                SplittableRandom rnd = new SplittableRandom(seed);
                long k = 0;
                int rounds = 0;
                for (int attempt = 0; rounds < 6; attempt++) {
                    assertTrue(attempt < 40, "only " + rounds + " of " + attempt + " growths had an idle step after the hook was set");
                    k = writeUntilGrowing(fx, k, 64);
                    long key = -1 - attempt;
                    long value = rnd.nextLong();
                    AtomicReference<Thread> writer = new AtomicReference<>();
                    AtomicReference<Throwable> failed = new AtomicReference<>();
                    AtomicInteger hooked = new AtomicInteger();
                    p.idleEvacuation.duringStep(() -> {
                        if (writer.get() != null) {
                            hooked.incrementAndGet();
                            return;
                        }
                        Thread w = Thread.ofPlatform().unstarted(() -> {
                            try {
                                assertTrue(p.putLong(key, value));
                            } catch (Throwable t) {
                                failed.set(t);
                            }
                        });
                        writer.set(w);
                        w.start();
                        // Parked in its wait for completion: it published, found the role taken, and waits.
                        await("the writer to wait during the step", () -> w.getState() == Thread.State.WAITING
                                || w.getState() == Thread.State.TIMED_WAITING);
                        hooked.incrementAndGet();
                    });
                    // Not growing with no step hooked: the growth ended before the hook was set, and no step can start.
                    await("an idle step or the growth's end", () -> hooked.get() > 0 || !fx.table.growing());
                    p.idleEvacuation.duringStep(null);
                    if (hooked.get() == 0) {
                        continue;
                    }
                    writer.get().join();
                    assertEquals(null, failed.get(), "attempt " + attempt);
                    assertEquals(value, p.getLong(key, 0), "attempt " + attempt);
                    await("the growth to finish", () -> !fx.table.growing());
                    rounds++;
                }
                for (long j = 0; j < k; j++) {
                    assertEquals(j * 7, p.getLong(j, -1), "key " + j);
                }
            }
        });
    }

    /**
     * Writes into a new growth and sets {@code hook} for its idle steps; again with the next growth if this one
     * ended (the test thread was descheduled long enough) before a step ran the hook, which counts in {@code hooked}.
     * Returns the keys written, {@code 0..n-1}.
     */
    private static long growUntilAStepRunsTheHook(PipelineFixture fx, AtomicInteger hooked, Runnable hook) throws IOException {
        long k = 0;
        for (int attempt = 0; ; attempt++) {
            assertTrue(attempt < 6, "no idle step ran the hook in " + attempt + " growths");
            k = writeUntilGrowing(fx, k, 256);
            fx.pipeline.idleEvacuation.duringStep(hook);
            await("an idle step or the growth's end", () -> hooked.get() > 0 || !fx.table.growing());
            if (hooked.get() > 0) {
                return k;
            }
            // The growth ended with no step hooked, and no step can start without a growth: safe to unset.
            fx.pipeline.idleEvacuation.duringStep(null);
        }
    }

    /** close() during a step waits for it, stops the thread, and no step runs after the one close() came during. */
    @Test
    void shouldStopOnCloseDuringAnIdleStep() throws Exception {
        PipelineFixture fx = new PipelineFixture(dir, 11, JournalStage.NONE, idleOn());
        try {
            WritePipeline p = fx.pipeline;
            AtomicReference<Thread> closer = new AtomicReference<>();
            AtomicInteger hooked = new AtomicInteger();
            long[] stepsAtHook = new long[1];
            long n = growUntilAStepRunsTheHook(fx, hooked, () -> {
                if (closer.get() == null) {
                    stepsAtHook[0] = p.idleEvacuation.steps() + 1;
                    closer.set(Thread.ofPlatform().start(p::close));
                    await("close() to begin", () -> !p.idleEvacuation.wanted());
                }
                hooked.incrementAndGet();
            });
            closer.get().join();
            assertFalse(p.backgroundThread().isAlive(), "close() stopped the background thread");
            assertEquals(1, hooked.get(), "no step after the one close() came during");
            assertEquals(stepsAtHook[0], p.idleEvacuation.steps());
            assertThrows(IllegalStateException.class, () -> p.putLong(-1, 1));
            for (long k = 0; k < n; k++) {
                assertEquals(k * 7, fx.table.getLong(k, -1), "key " + k);
            }
        } finally {
            fx.close();
        }
    }

    /** A failed pipeline changes the table no more: the step during which it failed is the last one. */
    @Test
    void shouldStopWhenThePipelineFails() throws Exception {
        try (PipelineFixture fx = new PipelineFixture(dir, 13, JournalStage.NONE, idleOn())) {
            WritePipeline p = fx.pipeline;
            AtomicInteger hooked = new AtomicInteger();
            long[] stepsAtHook = new long[1];
            growUntilAStepRunsTheHook(fx, hooked, () -> {
                if (hooked.get() == 0) {
                    stepsAtHook[0] = p.idleEvacuation.steps() + 1;
                    p.fail(new IOException("simulated failure"));
                }
                hooked.incrementAndGet();
            });
            await("the background thread to wait for a nudge", p.background::waitsUntimed);
            assertEquals(1, hooked.get());
            assertEquals(stepsAtHook[0], p.idleEvacuation.steps(), "no step after the one the failure came during");
            assertThrows(IllegalStateException.class, () -> p.putLong(-1, 1));
        }
    }
}
