package io.bucketdb;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.lang.management.ManagementFactory;
import java.nio.file.Path;

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
            long before = mx.getThreadAllocatedBytes(me);
            for (long k = 0; k < n; k++) {
                db.putLong(k * 17 + 1_000_000_000L, k); // new keys: the table grows meanwhile
                sink += db.getLong(k * 17 + 1_000_000_000L, -1);
                if ((k & 3) == 0) {
                    db.deleteLong(k * 17 + 1_000_000_000L);
                }
            }
            long allocated = mx.getThreadAllocatedBytes(me) - before;
            assertTrue(sink != 42, "keep the reads");
            assertTrue(allocated < n, "the caller's thread allocated " + allocated + " bytes over " + n
                    + " put+get(+delete) rounds: that is an object every few calls, not zero");
        }
    }
}
