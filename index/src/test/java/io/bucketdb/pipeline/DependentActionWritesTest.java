package io.bucketdb.pipeline;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Writes from a future's non-async dependent actions, which run on the thread that completed the
 * future: they work (the pipeline completes futures after releasing the writer role, so the action's
 * write leads its own group), including one that joins its own asynchronous write, and chains of
 * them. A write from inside a writer task, which holds the role, still fails clearly. On the old
 * pipeline such actions ran on the writer thread and their writes threw IllegalStateException.
 */
class DependentActionWritesTest {
    @TempDir
    Path dir;

    @Test
    void shouldRunABlockingWriteFromADependentAction() throws Exception {
        try (PipelineFixture fx = new PipelineFixture(dir, 11)) {
            WritePipeline p = fx.pipeline;
            List<CompletableFuture<Boolean>> chained = new ArrayList<>();
            for (long k = 0; k < 200; k++) {
                long key = k;
                chained.add(p.putLongAsync(key, key).thenApply(isNew -> {
                    assertFalse(p.onWriterThread(), "a dependent action runs without the writer role");
                    try {
                        return isNew && p.putLong(key + 1_000, key) && !p.deleteLong(key + 2_000);
                    } catch (java.io.IOException e) {
                        throw new CompletionException(e);
                    }
                }));
            }
            for (CompletableFuture<Boolean> f : chained) {
                assertTrue(f.join(), "the dependent action's writes were acknowledged");
            }
            for (long k = 0; k < 200; k++) {
                assertEquals(k, fx.table.getLong(k, -1));
                assertEquals(k, fx.table.getLong(k + 1_000, -1));
            }
        }
    }

    @Test
    void shouldCompleteAnAsyncWriteThatADependentActionJoins() throws Exception {
        try (PipelineFixture fx = new PipelineFixture(dir, 12)) {
            WritePipeline p = fx.pipeline;
            CompletableFuture<Boolean> f = p.putLongAsync(1, 1).thenApply(a -> a && p.putLongAsync(2, 2).join()
                    && p.writeAsync(new io.bucketdb.WriteBatch().putLong(3, 3).putLong(4, 4)).thenApply(v -> true).join());
            assertTrue(f.join());
            assertEquals(4, fx.table.size());
        }
    }

    /**
     * A chain: each write's completion publishes the next (asynchronously), 300 deep. (Not thousands: a
     * write from a dependent action usually completes before the action attaches the next link, so
     * {@code whenComplete} runs the next action on the same stack, as with any completed future.)
     */
    @Test
    void shouldCompleteALongChainOfWritesPublishedByDependentActions() throws Exception {
        try (PipelineFixture fx = new PipelineFixture(dir, 13)) {
            WritePipeline p = fx.pipeline;
            CompletableFuture<Long> done = new CompletableFuture<>();
            chain(p, 0, 300, done);
            assertEquals(300L, done.join());
            assertEquals(300, fx.table.size());
        }
    }

    private static void chain(WritePipeline p, long k, long n, CompletableFuture<Long> done) {
        if (k == n) {
            done.complete(k);
            return;
        }
        CompletableFuture<Boolean> f;
        try {
            f = p.putLongAsync(k, k);
        } catch (RuntimeException refused) {
            done.completeExceptionally(refused); // the old writer thread refused writes from its actions
            return;
        }
        f.whenComplete((r, t) -> {
            if (t != null) {
                done.completeExceptionally(t);
            } else {
                chain(p, k + 1, n, done);
            }
        });
    }

    @Test
    void shouldStillRejectAWriteFromInsideAWriterTask() throws Exception {
        try (PipelineFixture fx = new PipelineFixture(dir, 14)) {
            WritePipeline p = fx.pipeline;
            CompletionException e = assertThrows(CompletionException.class, () -> p.runOnWriter(() -> p.putLongAsync(1, 1)).join());
            assertTrue(e.getCause() instanceof IllegalStateException, e.toString());
            assertTrue(e.getCause().getMessage().contains("writer role"), e.getCause().getMessage());
            // The task's own future completes after the role is released: its dependent action may write.
            assertTrue(p.runOnWriter(() -> 5L).thenApply(x -> p.putLongAsync(x, x).join()).join());
            assertEquals(5, fx.table.getLong(5, -1));
        }
    }
}
