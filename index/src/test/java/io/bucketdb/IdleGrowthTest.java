package io.bucketdb;

import io.bucketdb.inspect.IndexInspector;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.locks.LockSupport;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Issue 16, "growth finishes without writes": an index whose writes stop soon after a doubling began finishes the
 * doubling by itself, so its gets read only the new array; and a close that comes while it does leaves an index that
 * opens clean, holds every write and finishes the growth after the open. Waits poll {@link BucketDB#growth()} a
 * bounded number of times.
 */
class IdleGrowthTest {
    /** Polls (a millisecond apart) before a wait counts as a failure: far more than finishing a growth takes. */
    private static final int POLLS = 30_000;

    @TempDir
    Path tmp;

    private static Options options() {
        return Options.defaults().withDurability(Durability.ASYNC).withChunking(16, 16).withHashSeed(0x1D1EL);
    }

    /** Puts keys from 0 until a doubling of at least {@code minOldBuckets} old buckets began; returns the key count. */
    private static long loadIntoADoubling(BucketDB db, long minOldBuckets) {
        long k = 0;
        while (true) {
            db.putLong(k, k * 5 + 1);
            k++;
            if ((k & 63) == 0) {
                Growth g = db.growth();
                if (g.growing() && !g.sameSizeGrowth() && g.oldBuckets() >= minOldBuckets) {
                    return k;
                }
            }
        }
    }

    private static Growth awaitSettled(BucketDB db) {
        for (int i = 0; ; i++) {
            Growth g = db.growth();
            if (!g.growing()) {
                return g;
            }
            assertTrue(i < POLLS, "the growth did not finish without writes: " + g);
            LockSupport.parkNanos(1_000_000);
        }
    }

    @Test
    void aDoublingThatWritesLeftFinishesAndGetsReadOnlyTheNewArray() throws Exception {
        try (BucketDB db = BucketDB.open(tmp.resolve("idx"), options())) {
            long n = loadIntoADoubling(db, 4096);
            Growth during = db.growth();
            assertTrue(during.evacuated() < during.oldBuckets(), "the doubling has old buckets left: " + during);
            Growth after = awaitSettled(db);
            assertEquals(during.b(), after.b(), "the same doubling ended, no other began: " + after);
            Stats s = db.stats();
            assertFalse(s.growing(), s::toString);
            assertEquals(0, s.oldBuckets(), "no old array left for gets to look at: " + s);
            assertEquals(n, db.size());
            for (long k = 0; k < n; k++) {
                assertEquals(k * 5 + 1, db.getLong(k, -1), "key " + k);
            }
        }
        try (IndexInspector inspector = IndexInspector.open(tmp.resolve("idx"))) {
            assertEquals(List.of(), inspector.verify());
            assertFalse(inspector.header().growing());
        }
    }

    @Test
    void aCloseDuringIdleEvacuationLeavesAnIndexThatOpensCleanAndFinishesTheGrowth() throws Exception {
        Path dir = tmp.resolve("idx");
        long n;
        Growth atClose;
        try (BucketDB db = BucketDB.open(dir, options())) {
            n = loadIntoADoubling(db, 8192);
            Growth start = db.growth();
            // Close once idle evacuation has moved the mark (it may also have finished: then the close covers that).
            for (int i = 0; db.growth().evacuated() == start.evacuated() && db.growth().growing(); i++) {
                assertTrue(i < POLLS, "idle evacuation did not begin: " + db.growth());
                LockSupport.parkNanos(100_000);
            }
            atClose = db.growth();
        }
        try (IndexInspector inspector = IndexInspector.open(dir)) {
            assertEquals(List.of(), inspector.verify(), "after a close during idle evacuation (" + atClose + ")");
        }
        try (BucketDB db = BucketDB.open(dir, options())) {
            assertEquals(0, db.recovery().recordsReplayed(), "a clean close: " + db.recovery());
            Growth opened = db.growth();
            assertTrue(opened.b() == atClose.b() && (!opened.growing() || opened.evacuated() >= atClose.evacuated()),
                    "the close kept the idle steps: " + atClose + " then " + opened);
            awaitSettled(db);
            assertEquals(n, db.size());
            for (long k = 0; k < n; k++) {
                assertEquals(k * 5 + 1, db.getLong(k, -1), "key " + k);
            }
        }
    }
}
