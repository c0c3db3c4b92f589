package io.bucketdb.pipeline;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.*;

/**
 * The groups of a bulk flush ({@link BulkFlush#putAll}): each {@link WriteEvent.Type#BULK} entry is a group of
 * its own, journaled once, so a write published while the flush's first group is being journaled lands between
 * two of its groups instead of behind the whole flush; and the writer role is never held across groups.
 */
class BulkGroupsTest {
    @TempDir
    Path dir;

    /** Records every group as the list of what it journaled; stalls in the first append until released. */
    private static final class GroupLog implements JournalStage {
        final List<List<String>> groups = Collections.synchronizedList(new ArrayList<>());
        final CountDownLatch inFirstAppend = new CountDownLatch(1);
        final CountDownLatch release = new CountDownLatch(1);
        private List<String> current = new ArrayList<>();
        private boolean first = true;

        @Override
        public void append(WriteEvent e) throws IOException {
            if (first) {
                first = false;
                inFirstAppend.countDown();
                try {
                    assertTrue(release.await(30, TimeUnit.SECONDS), "released");
                } catch (InterruptedException x) {
                    throw new IOException(x);
                }
            }
            current.add(e.type() == WriteEvent.Type.BULK ? "bulk " + e.bulkFrom() + ".." + e.bulkTo() : e.type() + " " + e.key());
        }

        @Override
        public void endOfBatch(boolean sync) {
            groups.add(current);
            current = new ArrayList<>();
        }
    }

    @Test
    void aWritePublishedDuringAFlushLandsBetweenItsGroups() throws Exception {
        GroupLog log = new GroupLog();
        try (PipelineFixture fx = new PipelineFixture(dir, 7, log, PipelineConfig.defaults().withSync(false))) {
            int n = 3 * BulkFlush.GROUP;
            long[] keys = new long[n];
            long[] values = new long[n];
            for (int i = 0; i < n; i++) {
                keys[i] = i;
                values[i] = -i;
            }
            Throwable[] loaderFailure = new Throwable[1];
            long[] added = new long[1];
            Thread loader = new Thread(() -> {
                try {
                    BulkFlush flush = new BulkFlush();
                    flush.useLongs(keys, values);
                    added[0] = flush.putAll(fx.pipeline, 0, n);
                } catch (Throwable t) {
                    loaderFailure[0] = t;
                }
            });
            loader.start();
            assertTrue(log.inFirstAppend.await(30, TimeUnit.SECONDS), "the loader leads its first group");
            Thread writer = new Thread(() -> {
                try {
                    fx.pipeline.putLong(-1, 1);
                } catch (IOException e) {
                    throw new RuntimeException(e);
                }
            });
            writer.start();
            // The write is in the ring before the first group ends (the ring's cursor passed it).
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
            while (!fx.pipeline.isPublished(1) && System.nanoTime() < deadline) {
                Thread.onSpinWait();
            }
            assertTrue(fx.pipeline.isPublished(1), "the single write was published");
            log.release.countDown();
            loader.join();
            writer.join();
            assertNull(loaderFailure[0]);
            assertEquals(n, added[0]);
            // The loader's first group is its bulk entry alone. Then the loader hands the role to the waiting writer
            // (RoleHandOffTest), and the write is committed either alone or in one group with the loader's next bulk
            // entry, whichever thread leads first: in ring order either way, and a bulk entry always ends its group.
            List<List<String>> groups = List.copyOf(log.groups);
            assertEquals(List.of("bulk 0..4096"), groups.get(0), groups.toString());
            assertEquals(List.of("bulk 0..4096", "PUT_LONG -1", "bulk 4096..8192", "bulk 8192..12288"),
                    groups.stream().flatMap(List::stream).toList(), "the write lands between the flush's groups: " + groups);
            for (List<String> g : groups) {
                for (int i = 0; i < g.size() - 1; i++) {
                    assertFalse(g.get(i).startsWith("bulk"), "a bulk entry ends its group: " + groups);
                }
            }
            assertEquals(n + 1, fx.table.size());
            assertEquals(-(n - 1), fx.pipeline.getLong(n - 1, 0));
            assertEquals(1, fx.pipeline.getLong(-1, 0));
        }
    }
}
