package io.bucketdb.table;

import io.bucketdb.storage.FileDurableIO;
import io.bucketdb.storage.TableFile;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.lang.management.ManagementFactory;
import java.nio.file.Path;
import java.util.List;

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

    /**
     * Evacuation itself allocates nothing: finishing a doubling of 65,536 old buckets allocates on the
     * writer's thread only what the dirty-page tracking of the grown file needs (about 7 KB, a few bytes
     * per page). It runs in a child JVM with C1 only: C2's escape analysis sometimes removes temporary
     * objects and sometimes does not (it depends on what ran before), and C1 never does, so a temporary
     * per bucket always shows. Zeroing buckets through slices ({@code asSlice(..).fill(0)}) allocated
     * 5.5 MB for this doubling, about 84 bytes per evacuation.
     */
    @Test
    void evacuationAllocatesNothingPerBucket() throws Exception {
        Process child = new ProcessBuilder(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-XX:TieredStopAtLevel=1", "--enable-native-access=ALL-UNNAMED", "-cp", System.getProperty("java.class.path"),
                EvacuationChild.class.getName(), tmp.resolve("evacuate.bdb").toString()))
                .redirectErrorStream(true).start();
        String out = new String(child.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8).strip();
        assertEquals(0, child.waitFor(), out);
        String[] f = out.lines().reduce((a, b) -> b).orElse("").split(" ");
        assertEquals("evacuated", f[0], out);
        assertEquals(1L << 16, Long.parseLong(f[1]), out);
        long allocated = Long.parseLong(f[2]);
        assertTrue(allocated < 64 << 10, "evacuating " + f[1] + " old buckets allocated " + allocated + " bytes");
    }

    /** The child: grows a table to B=16, starts the doubling to 17, prints what finishing it allocated. */
    static final class EvacuationChild {
        public static void main(String[] args) throws Exception {
            var mx = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
            long me = Thread.currentThread().threadId();
            TableFile file = TableFile.create(FileDurableIO.INSTANCE, Path.of(args[0]), 8, 8, 16, 7, 16);
            try {
                HashTable table = HashTable.create(file, GrowthListener.NONE);
                long k = 0;
                for (; k < 300_000; k++) {
                    table.putLong(k, k);
                }
                table.finishGrowthNow();
                while (table.growthProgress()[1] == 0) { // until the doubling to B=17 starts (its new array is allocated then)
                    table.putLong(k, k);
                    k++;
                }
                long oldBuckets = table.growthProgress()[1];
                long before = mx.getThreadAllocatedBytes(me);
                table.finishGrowthNow();
                System.out.println("evacuated " + oldBuckets + " " + (mx.getThreadAllocatedBytes(me) - before));
            } finally {
                file.closeAndTrim();
            }
        }
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
