package io.bucketdb.engine;

import io.bucketdb.Growth;
import io.bucketdb.Stats;
import io.bucketdb.inspect.Census;
import io.bucketdb.inspect.HeapUsage;
import io.bucketdb.inspect.StatsCollector;
import io.bucketdb.storage.TableFile;
import io.bucketdb.table.HashTable;
import io.bucketdb.table.TableScan;

import java.io.IOException;
import java.nio.file.Path;

/** The numbers of {@code BucketDB.stats()}: the table in memory, the last checkpoint's header, the journal after it. */
public final class IndexStats {
    private IndexStats() {
    }

    /**
     * Collects the numbers; in the writer role, so the table holds still (a scan of every chain).
     *
     * @param dir             the index directory
     * @param file            the table file
     * @param table           the table
     * @param journal         the journal's writer, or null for a read-only view (its pending replay is read from the files)
     * @param cleanBeforeOpen whether the index had been closed cleanly
     * @return the numbers
     * @throws IOException if listing the directory's files fails
     */
    public static Stats collect(Path dir, TableFile file, HashTable table, JournalingStage journal, boolean cleanBeforeOpen)
            throws IOException {
        var h = file.header();
        long oldBuckets = table.growthProgress()[1];
        Census census = new Census(table.size(), TableScan.chainHistogram(table, 8),
                TableScan.evacuatedOldBuckets(table), oldBuckets, h.overflowBuckets);
        StatsCollector.PendingReplay pending = journal == null
                ? StatsCollector.pendingReplay(dir, h.checkpointLsn)
                : new StatsCollector.PendingReplay(journal.writtenLsn() - h.checkpointLsn, 0);
        return StatsCollector.collect(dir, h, file.activeSlot(), table.size(), census, HeapUsage.of(h), file.fileSize(),
                cleanBeforeOpen, pending);
    }

    /**
     * Where growth stands, from the header and the table's evacuation progress (in the writer role).
     *
     * @param file  the table file
     * @param table the table
     * @return where growth stands
     */
    public static Growth growth(TableFile file, HashTable table) {
        var h = file.header();
        long[] progress = table.growthProgress();
        return new Growth(h.b, h.growing(), h.sameSizeGrow(), progress[0], progress[1], h.overflowBuckets);
    }
}
