package io.bucketdb;

import io.bucketdb.spi.AppendWindow;
import io.bucketdb.spi.DurableFile;
import io.bucketdb.spi.DurableIO;
import io.bucketdb.storage.FileDurableIO;
import io.bucketdb.storage.ForwardingAppendWindow;
import io.bucketdb.storage.ForwardingDurableFile;
import io.bucketdb.storage.ForwardingDurableIO;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Path;
import java.util.concurrent.ConcurrentMap;
import java.util.concurrent.atomic.AtomicLong;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The map view's {@code clear()} holds the writer role for its whole run, so every other writer of the index waits
 * for it: it must not force the journal once per entry. (It did: a clear of n entries was n forces in {@code SYNC}.)
 * It commits its deletes in groups, and what it acknowledged survives a reopen.
 */
class MapClearTest {
    @TempDir
    Path tmp;

    @Test
    void aClearForcesTheJournalOncePerGroupOfDeletesNotOncePerEntry() throws Exception {
        AtomicLong forces = new AtomicLong();
        DurableIO counting = new ForwardingDurableIO(FileDurableIO.INSTANCE) {
            @Override
            public DurableFile open(Path file, Mode mode) throws IOException {
                return new ForwardingDurableFile(super.open(file, mode)) {
                    @Override
                    public AppendWindow mapAppendWindow(long position, long size) throws IOException {
                        return new ForwardingAppendWindow(super.mapAppendWindow(position, size)) {
                            @Override
                            public void force(long from, long to) throws IOException {
                                forces.incrementAndGet();
                                super.force(from, to);
                            }
                        };
                    }
                };
            }
        };
        Path dir = tmp.resolve("clear");
        // Just past the load that doubles the table to B=12, with no idle evacuation: the clear's deletes evacuate the
        // rest, so growth markers follow each group of deletes in the journal, which a replay must accept.
        int n = 13_312 + 100;
        Options options = Options.defaults().withDurability(Durability.SYNC).withDurableIO(counting).withIdleEvacuation(false)
                .withCheckpointTriggers(1L << 40, 1L << 40, java.time.Duration.ofHours(1)); // no checkpoint meanwhile
        try (BucketDB db = BucketDB.open(dir, options)) {
            try (BulkLoad load = db.bulkLoad(4096)) {
                for (long k = 0; k < n; k++) {
                    load.putLong(k, k);
                }
            }
            ConcurrentMap<Long, Long> map = db.asMap(Codec.LONG, Codec.LONG);
            assertTrue(db.growth().growing(), () -> "a growth in progress: " + db.growth());
            long before = forces.get();
            map.clear();
            long during = forces.get() - before;
            assertTrue(during <= 2 * (n / BucketMap.CLEAR_GROUP + 1), () -> "a clear of " + n + " entries forced the journal "
                    + during + " times");
            assertTrue(map.isEmpty());
            assertEquals(0, db.size());
            assertTrue(!db.growth().growing(), () -> "the clear's deletes finished the growth: " + db.growth());
            // A view replays the journal since the index was created: the load, the clear's groups and their markers.
            try (BucketDB view = BucketDB.open(dir, Options.defaults().withReadOnly(true))) {
                assertEquals(0, view.size());
                assertTrue(view.recovery().recordsReplayed() > n, () -> "replayed " + view.recovery());
            }
        }
        try (BucketDB db = BucketDB.open(dir)) {
            assertEquals(0, db.size(), "every delete of the clear was committed");
        }
    }
}
