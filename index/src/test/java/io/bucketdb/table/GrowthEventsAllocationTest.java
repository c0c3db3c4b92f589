package io.bucketdb.table;

import io.bucketdb.storage.FileDurableIO;
import io.bucketdb.storage.TableFile;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.lang.management.ManagementFactory;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.*;

/**
 * With no JFR recording, the growth events cost the writer nothing it allocates per evacuation or per
 * evacuation sample: the same doubling (B=16 to 17, 65,536 evacuations, 64 sample boundaries) allocates
 * on the writer's thread what it allocates with a plain listener, give or take the two event objects of the
 * growth itself. (The caller's side is {@code io.bucketdb.AllocationTest}; this is the thread that evacuates.)
 */
class GrowthEventsAllocationTest {
    @TempDir
    Path tmp;

    @Test
    void evacuationWithGrowthEventsAllocatesNothingMoreWhenNoRecordingRuns() throws Exception {
        long plain = allocatedByOneDoubling(GrowthListener.NONE, null, "plain");
        GrowthEvents events = new GrowthEvents(GrowthListener.NONE);
        long withEvents = allocatedByOneDoubling(events, events, "events");
        // One object per sample boundary would be 64 x at least 16 bytes more.
        assertTrue(withEvents - plain < 512, "with GrowthEvents the writer allocated " + withEvents
                + " bytes over one doubling, with a plain listener " + plain + ": evacuation sampling allocates");
    }

    private long allocatedByOneDoubling(GrowthListener listener, GrowthEvents events, String name) throws Exception {
        var mx = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        long me = Thread.currentThread().threadId();
        TableFile file = TableFile.create(FileDurableIO.INSTANCE, tmp.resolve(name + ".bdb"), 8, 8, 16, 7, 16);
        try {
            HashTable table = HashTable.create(file, listener);
            if (events != null) {
                events.watch(table, 0);
            }
            for (long k = 0; k < 300_000; k++) { // warm-up: doubles up to B=16 and compiles the paths
                table.putLong(k, k);
            }
            long before = mx.getThreadAllocatedBytes(me);
            for (long k = 300_000; k < 600_000; k++) { // 425,984 entries (6.5 per bucket) doubles to B=17
                table.putLong(k, k);
            }
            long allocated = mx.getThreadAllocatedBytes(me) - before;
            assertEquals(600_000, table.size());
            assertEquals(0, table.growthProgress()[1], "the doubling to B=17 finished");
            return allocated;
        } finally {
            file.closeAndTrim();
        }
    }
}
