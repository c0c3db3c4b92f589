package io.bucketdb.pipeline;

import io.bucketdb.WriteBatch;

import io.bucketdb.storage.testkit.Seeds;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.LockSupport;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A journal that fails in the middle of a batch: the journal thread is held inside the first
 * append until a known set of operations is published, so the next batch is exactly that set;
 * then an append (or the batch's force) throws.
 */
class JournalFailureTest {
    @TempDir
    Path dir;

    /** Holds the first append until released; throws at append number {@code failAt} or at the force of the second batch. */
    private static final class FailingJournal implements JournalStage {
        final CountDownLatch release = new CountDownLatch(1);
        final AtomicInteger appends = new AtomicInteger();
        final AtomicInteger batches = new AtomicInteger();
        final int failAt;
        final boolean failForce;

        FailingJournal(int failAt, boolean failForce) {
            this.failAt = failAt;
            this.failForce = failForce;
        }

        @Override
        public void append(WriteEvent event) throws IOException {
            int n = appends.incrementAndGet();
            if (n == 1) {
                try {
                    release.await();
                } catch (InterruptedException e) {
                    throw new IOException(e);
                }
            }
            if (!failForce && n == failAt) {
                throw new IOException("injected append failure at record " + n);
            }
        }

        @Override
        public void endOfBatch(boolean sync) throws IOException {
            if (batches.incrementAndGet() == 2 && failForce) {
                throw new IOException("injected force failure");
            }
        }
    }

    @ParameterizedTest(name = "failForce={0}")
    @ValueSource(booleans = {false, true})
    void shouldFailTheWholeBatchApplyNothingOfItAndTurnReadOnly(boolean failForce) throws Exception {
        long seed = Seeds.seed();
        System.out.println("JournalFailureTest seed " + seed);
        Seeds.run(seed, () -> {
            SplittableRandom rnd = new SplittableRandom(seed);
            int batchOps = 5 + rnd.nextInt(40);
            // Record 1 is the held first batch; the failing batch holds records 2 .. batchOps + 1.
            int failAt = 2 + rnd.nextInt(batchOps);
            FailingJournal journal = new FailingJournal(failAt, failForce);
            PipelineFixture fx = new PipelineFixture(dir, seed, journal, PipelineConfig.defaults());
            try {
                WritePipeline p = fx.pipeline;
                CompletableFuture<Boolean> first = p.putLongAsync(-1, -1);
                while (journal.appends.get() == 0) {
                    LockSupport.parkNanos(100_000);
                }
                // The failing batch, from several threads, one blocking caller among them.
                List<CompletableFuture<?>> futures = new ArrayList<>();
                AtomicReference<Throwable> blockingOutcome = new AtomicReference<>();
                Thread blocking = Thread.ofPlatform().start(() -> {
                    try {
                        p.putLong(1_000_000, 1);
                        blockingOutcome.set(new AssertionError("a blocking put in the failed batch returned"));
                    } catch (Throwable t) {
                        blockingOutcome.set(t);
                    }
                });
                while (!p.isPublished(1)) {
                    LockSupport.parkNanos(100_000);
                }
                List<Thread> producers = new ArrayList<>();
                int perThread = (batchOps - 1 + 2) / 3;
                List<List<CompletableFuture<?>>> lists = new ArrayList<>();
                for (int t = 0; t < 3; t++) {
                    int from = t * perThread;
                    int to = Math.min(batchOps - 1, from + perThread);
                    List<CompletableFuture<?>> mine = new ArrayList<>();
                    lists.add(mine);
                    producers.add(Thread.ofPlatform().start(() -> {
                        for (int k = from; k < to; k++) {
                            mine.add(k % 7 == 3 ? p.writeAsync(new WriteBatch().putLong(k, k).putLong(k + 500_000, k))
                                    : p.putLongAsync(k, k));
                        }
                    }));
                }
                for (Thread t : producers) {
                    t.join();
                }
                lists.forEach(futures::addAll);
                for (long seq = 1; seq <= batchOps; seq++) {
                    assertTrue(p.isPublished(seq), "all of the failing batch is published before release");
                }
                journal.release.countDown();
                blocking.join();

                assertTrue(first.join(), "the batch before the failure is acknowledged");
                IOException cause = null;
                for (CompletableFuture<?> f : futures) {
                    CompletionException e = assertThrows(CompletionException.class, f::join);
                    IOException io = assertInstanceOfIo(e.getCause());
                    if (cause == null) {
                        cause = io;
                    }
                    assertSame(cause, io, "every operation of the batch fails with the journal's exception");
                }
                assertTrue(blockingOutcome.get() instanceof IOException, "blocking caller got " + blockingOutcome.get());
                assertTrue(p.isReadOnly());
                for (int k = 0; k < batchOps; k++) {
                    assertEquals(-7, fx.table.getLong(k, -7), "key " + k + " of the failed batch is not in the table");
                    assertEquals(-7, fx.table.getLong(k + 500_000, -7));
                }
                assertEquals(-7, fx.table.getLong(1_000_000, -7));
                assertEquals(1, fx.table.size());
                IllegalStateException later = assertThrows(IllegalStateException.class, () -> p.putLong(5, 5));
                assertTrue(later.getMessage().startsWith("index is read-only after an I/O failure: "), later.getMessage());
                assertThrows(IllegalStateException.class, () -> p.writeAsync(new WriteBatch().deleteLong(-1)));
                assertEquals(-1, fx.table.getLong(-1, 0));
                assertEquals(Boolean.TRUE, p.runOnWriter(() -> true).join(), "writer tasks still run when read-only");
            } finally {
                journal.release.countDown(); // an assertion failing before the release must not hang close()
                fx.close();
            }
        });
    }

    private static IOException assertInstanceOfIo(Throwable t) {
        assertTrue(t instanceof IOException, "expected the journal's IOException, got " + t);
        return (IOException) t;
    }
}
