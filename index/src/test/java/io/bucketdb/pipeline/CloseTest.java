package io.bucketdb.pipeline;

import io.bucketdb.WriteBatch;

import io.bucketdb.storage.testkit.Seeds;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class CloseTest {
    @TempDir
    Path dir;

    /** A journal that parks at the end of each batch, so operations pile up in the ring. */
    private static final JournalStage SLOW = new JournalStage() {
        @Override
        public void append(WriteEvent event) {
        }

        @Override
        public void endOfBatch(boolean sync) {
            LockSupport.parkNanos(200_000);
        }
    };

    @Test
    void shouldDrainEveryPublishedOperationBeforeReturningAndRejectLaterCalls() throws Exception {
        long seed = Seeds.seed();
        System.out.println("CloseTest seed " + seed);
        Seeds.run(seed, () -> {
            ConcurrentLinkedQueue<CompletableFuture<?>> futures = new ConcurrentLinkedQueue<>();
            ConcurrentLinkedQueue<Long> ackedBlocking = new ConcurrentLinkedQueue<>();
            ConcurrentLinkedQueue<Throwable> unexpected = new ConcurrentLinkedQueue<>();
            AtomicInteger rejected = new AtomicInteger();
            PipelineFixture fx = new PipelineFixture(dir, seed, SLOW, PipelineConfig.defaults().withRingSize(64));
            WritePipeline p = fx.pipeline;
            List<Thread> producers = new ArrayList<>();
            for (int t = 0; t < 4; t++) {
                SplittableRandom rnd = new SplittableRandom(seed + t);
                long base = t * 1_000_000L;
                producers.add(Thread.ofPlatform().start(() -> {
                    for (long k = base; ; k++) {
                        try {
                            if (rnd.nextInt(4) == 0) {
                                p.putLong(k, k);
                                ackedBlocking.add(k);
                            } else {
                                futures.add(rnd.nextBoolean() ? p.putLongAsync(k, k)
                                        : p.writeAsync(new WriteBatch().putLong(k, k).putLong(-k - 1, k)));
                            }
                        } catch (IllegalStateException closed) {
                            rejected.incrementAndGet();
                            return;
                        } catch (Throwable other) {
                            unexpected.add(other);
                            return;
                        }
                    }
                }));
            }
            while (futures.size() < 200 + new SplittableRandom(seed).nextInt(300)) {
                LockSupport.parkNanos(100_000);
            }
            p.close();
            // Every future handed out before close() returned is complete now, without waiting.
            List<CompletableFuture<?>> snapshot = new ArrayList<>(futures);
            for (CompletableFuture<?> f : snapshot) {
                assertTrue(f.isDone(), "an operation published before close() is still pending after it");
            }
            for (Thread t : producers) {
                t.join();
            }
            assertTrue(unexpected.isEmpty(), () -> "unexpected: " + unexpected.peek());
            assertEquals(4, rejected.get(), "every producer was stopped by IllegalStateException");
            for (CompletableFuture<?> f : futures) {
                assertTrue(f.isDone(), "no future hangs");
                f.join(); // the journal never failed, so every one succeeded
            }
            for (long k : ackedBlocking) {
                assertEquals(k, fx.table.getLong(k, -1));
            }
            assertThrows(IllegalStateException.class, () -> p.putLongAsync(1, 1));
            assertThrows(IllegalStateException.class, () -> p.write(new WriteBatch().putLong(1, 1)));
            assertThrows(IllegalStateException.class, () -> p.runOnWriter(() -> 1));
            p.close(); // idempotent
            fx.close();
        });
    }
}
