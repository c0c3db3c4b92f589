package io.bucketdb.pipeline;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class BackpressureTest {
    private static final int RING = 8;

    @TempDir
    Path dir;

    /** Stalls in the first append until released. */
    private static final class StalledJournal implements JournalStage {
        final CountDownLatch release = new CountDownLatch(1);

        @Override
        public void append(WriteEvent event) {
            try {
                release.await();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }

        @Override
        public void endOfBatch(boolean sync) {
        }
    }

    @Test
    void shouldRejectWithAClearExceptionWhenTheRingStaysFullPastTheTimeout() throws Exception {
        StalledJournal journal = new StalledJournal();
        PipelineConfig config = PipelineConfig.defaults().withRingSize(RING).withPublishTimeoutNanos(TimeUnit.MILLISECONDS.toNanos(20));
        try (PipelineFixture fx = new PipelineFixture(dir, 1, journal, config)) {
            WritePipeline p = fx.pipeline;
            List<CompletableFuture<Boolean>> accepted = new ArrayList<>();
            for (int k = 0; k < RING; k++) {
                accepted.add(p.putLongAsync(k, k));
            }
            try {
                RejectedExecutionException e = assertThrows(RejectedExecutionException.class, () -> p.putLongAsync(99, 99));
                assertTrue(e.getMessage().startsWith("write pipeline full"), e.getMessage());
                assertThrows(RejectedExecutionException.class, () -> p.putLong(99, 99));
                for (CompletableFuture<Boolean> f : accepted) {
                    assertFalse(f.isDone(), "nothing is acknowledged while the journal is stalled");
                }
            } finally {
                journal.release.countDown();
            }
            for (CompletableFuture<Boolean> f : accepted) {
                assertTrue(f.join());
            }
            assertTrue(p.putLong(99, 99), "the pipeline accepts writes again once the journal catches up");
            assertEquals(RING + 1, fx.table.size());
        }
    }

    @Test
    void shouldBlockByDefaultUntilASlotFrees() throws Exception {
        StalledJournal journal = new StalledJournal();
        try (PipelineFixture fx = new PipelineFixture(dir, 2, journal, PipelineConfig.defaults().withRingSize(RING))) {
            WritePipeline p = fx.pipeline;
            for (int k = 0; k < RING; k++) {
                p.putLongAsync(k, k);
            }
            AtomicReference<CompletableFuture<Boolean>> late = new AtomicReference<>();
            Thread producer = Thread.ofPlatform().start(() -> late.set(p.putLongAsync(99, 99)));
            try {
                assertFalse(p.isPublished(RING), "the ninth operation is not in the ring while it is full");
            } finally {
                journal.release.countDown();
            }
            producer.join();
            assertTrue(late.get().join());
            assertEquals(99, fx.table.getLong(99, -1));
        }
    }
}
