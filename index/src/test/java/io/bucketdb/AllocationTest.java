package io.bucketdb;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.lang.management.ManagementFactory;
import java.nio.file.Path;
import java.util.Set;
import java.util.stream.Collectors;

import static org.junit.jupiter.api.Assertions.*;

/**
 * The primitive {@code long → long} API allocates nothing per call on the caller's thread:
 * {@code putLong}, {@code deleteLong} and {@code getLong}, after warm-up, across growth. (Bytes,
 * not time: the JVM's per-thread allocation counter is exact enough to tell zero from one object
 * per call, which would be at least 16 bytes per call.)
 */
class AllocationTest {
    @TempDir
    Path tmp;

    @Test
    void longApiAllocatesNothingPerCallOnTheCallersThread() throws Exception {
        var mx = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        long me = Thread.currentThread().threadId();
        try (BucketDB db = BucketDB.open(tmp.resolve("a"), Options.defaults().withDurability(Durability.ASYNC))) {
            int n = 200_000;
            long sink = 0;
            for (int round = 0; round < 3; round++) { // warm-up, so the JIT has compiled the paths
                for (long k = 0; k < n; k++) {
                    db.putLong(k * 31 + round, k);
                    sink += db.getLong(k * 31, -1);
                    if ((k & 7) == 0) {
                        db.deleteLong(k * 31 + round);
                    }
                }
            }
            // Two windows of new keys, the least of them counted: an object every few calls shows in both, a first use
            // that the warm-up did not reach (a class the JVM loads once, the journal preparer's thread made at its
            // first spare) in one. Run alone, such first uses put 232 KB into a single window.
            long allocated = Long.MAX_VALUE;
            for (int window = 0; window < 2; window++) {
                long before = mx.getThreadAllocatedBytes(me);
                for (long k = window * (long) n; k < (window + 1) * (long) n; k++) {
                    db.putLong(k * 17 + 1_000_000_000L, k); // new keys: the table grows meanwhile
                    sink += db.getLong(k * 17 + 1_000_000_000L, -1);
                    if ((k & 3) == 0) {
                        db.deleteLong(k * 17 + 1_000_000_000L);
                    }
                }
                allocated = Math.min(allocated, mx.getThreadAllocatedBytes(me) - before);
            }
            assertTrue(sink != 42, "keep the reads");
            assertTrue(allocated < n, "the caller's thread allocated " + allocated + " bytes over " + n
                    + " put+get(+delete) rounds in each of two windows: that is an object every few calls, not zero");
        }
    }

    /**
     * The writer's side of the same calls: applying blocking puts of new keys, each its own group, while
     * the table doubles allocates nothing per put on the role holder's thread (a blocking caller leads its
     * own group, so that is the caller's thread, plus the background thread, which should have nothing to
     * do). A JFR of a 10M load found two allocations there, both fixed: the journal flush's list iterator
     * (one per batch) and the growth marker's record object (one per evacuation step); their young
     * collections were 10 to 13 ms put stalls. The doubling at 851,968 entries (6.5 per bucket, B=17)
     * falls in the measured puts, the one at 425,984 in the warm-up.
     */
    @Test
    void writerRoleAllocatesNothingPerPutWhileTheTableGrows() throws Exception {
        var mx = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        Set<Long> backgroundBefore = backgroundThreads();
        long me = Thread.currentThread().threadId();
        try (BucketDB db = BucketDB.open(tmp.resolve("w"), Options.defaults().withDurability(Durability.ASYNC))) {
            long background = backgroundThreads().stream().filter(id -> !backgroundBefore.contains(id)).findFirst()
                    .orElseThrow(() -> new AssertionError("no new bucketdb-background thread"));
            int warm = 500_000;
            int measured = 400_000;
            for (long k = 0; k < warm; k++) {
                db.putLong(k, k);
            }
            long before = mx.getThreadAllocatedBytes(me) + mx.getThreadAllocatedBytes(background);
            for (long k = warm; k < warm + measured; k++) {
                db.putLong(k, k);
            }
            long allocated = mx.getThreadAllocatedBytes(me) + mx.getThreadAllocatedBytes(background) - before;
            assertEquals(warm + measured, db.size());
            assertTrue(allocated < measured, "the writer role's threads allocated " + allocated + " bytes for " + measured
                    + " blocking puts across a doubling: that is an object every few puts, not zero");
        }
    }

    private static Set<Long> backgroundThreads() {
        return Thread.getAllStackTraces().keySet().stream().filter(t -> t.getName().equals("bucketdb-background"))
                .map(Thread::threadId).collect(Collectors.toSet());
    }
}
