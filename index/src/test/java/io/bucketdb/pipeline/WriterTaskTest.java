package io.bucketdb.pipeline;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class WriterTaskTest {
    @TempDir
    Path dir;

    @Test
    void shouldRunTasksHoldingTheWriterRoleAfterEveryEarlierWrite() throws Exception {
        try (PipelineFixture fx = new PipelineFixture(dir, 3)) {
            WritePipeline p = fx.pipeline;
            for (int k = 0; k < 100; k++) {
                p.putLongAsync(k, k * 10);
            }
            CompletableFuture<Long> size = p.runOnWriter(() -> {
                assertTrue(p.onWriterThread(), "a task runs holding the writer role");
                return fx.table.size();
            });
            assertEquals(100L, size.join());
        }
    }

    @Test
    void shouldRejectWritesFromInsideATaskInsteadOfDeadlocking() throws Exception {
        try (PipelineFixture fx = new PipelineFixture(dir, 4)) {
            WritePipeline p = fx.pipeline;
            CompletionException e = assertThrows(CompletionException.class, () -> p.runOnWriter(() -> p.putLong(1, 1)).join());
            assertTrue(e.getCause() instanceof IllegalStateException, e.toString());
            assertFalse(p.isReadOnly(), "a task's failure fails only its own future");
            assertTrue(p.putLong(1, 1));
        }
    }

    @Test
    void shouldReportPutAndDeleteResultsForLongAndByteKeys() throws Exception {
        try (PipelineFixture fx = new PipelineFixture(dir, 5)) {
            WritePipeline p = fx.pipeline;
            assertTrue(p.putLong(7, 70));
            assertFalse(p.putLong(7, 71));
            assertEquals(71, p.getLong(7, -1));
            byte[] k = {1, 2, 3, 4, 5, 6, 7, 8};
            byte[] v = {9, 9, 9, 9, 9, 9, 9, 9};
            assertTrue(p.put(k, v));
            byte[] out = new byte[8];
            assertTrue(p.get(k, out));
            assertEquals(java.util.Arrays.toString(v), java.util.Arrays.toString(out));
            assertTrue(p.delete(k));
            assertFalse(p.deleteAsync(k).join());
            assertTrue(p.deleteLong(7));
            assertFalse(p.deleteLongAsync(7).join());
            assertThrows(IllegalArgumentException.class, () -> p.putAsync(new byte[3], v));
            assertEquals(0, fx.table.size());
        }
    }
}
