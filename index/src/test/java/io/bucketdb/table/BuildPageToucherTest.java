package io.bucketdb.table;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.bucketdb.storage.FileDurableIO;
import io.bucketdb.storage.TableFile;
import io.bucketdb.storage.testkit.Seeds;
import java.io.IOException;
import java.nio.file.Path;
import java.util.SplittableRandom;
import java.util.concurrent.locks.LockSupport;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@link BuildPageToucher}: touching a build's array ahead of (and behind) its puts changes no byte, the toucher stays
 * within its lead of the builder and skips what the builder passed, and its thread ends when the load does.
 */
class BuildPageToucherTest {
    @TempDir
    Path dir;

    /**
     * Two tables sized alike take the same entries in bucket order; in one a toucher's round runs in the test's thread
     * after every small step (so it runs for sure, at every position), and so does a touch of the whole array (a
     * toucher the builder overtook), beside the load's own toucher thread: every bucket of both arrays has the same
     * bytes, and every key reads back its last value.
     */
    @Test
    void touchingAheadOfABuildChangesNoByte() throws Exception {
        long seed = Seeds.seed(); // rerun with -Dbucketdb.seed=<seed>
        int n = 60_000;
        SplittableRandom random = new SplittableRandom(seed);
        try (TableFile plainFile = create("plain.bdb"); TableFile touchedFile = create("touched.bdb");
             EntryBuffer entries = new EntryBuffer(8, 8)) {
            long[] keys = new long[n];
            java.util.Map<Long, Long> last = new java.util.HashMap<>();
            for (int i = 0; i < n; i++) {
                keys[i] = i > 0 && random.nextInt(10) == 0 ? keys[random.nextInt(i)] : random.nextLong(); // some twice
                long value = random.nextLong();
                entries.appendLong(keys[i], value);
                last.put(keys[i], value);
            }
            HashTable plain = HashTable.create(plainFile, GrowthListener.NONE, n);
            HashTable touched = HashTable.create(touchedFile, GrowthListener.NONE, n);
            try (BucketOrderLoad p = new BucketOrderLoad(plain, entries);
                 BucketOrderLoad t = new BucketOrderLoad(touched, entries)) {
                p.order();
                while (p.applyNext(n)) {
                    // one step
                }
                BuildPageToucher rounds = new BuildPageToucher(touched.snapshot); // not started: the test runs its rounds
                t.order();
                boolean more = true;
                while (more) {
                    more = t.applyNext(97);
                    rounds.builderAt((t.applied() << touched.snapshot.b) / n); // about where the ordered puts are
                    assertTrue(rounds.touchAhead(), "seed " + seed);
                    assertTrue(BucketPageTouch.touch(touched.snapshot, 0, 1L << touched.snapshot.b) >= 0, "seed " + seed);
                }
                assertTrue(rounds.touchedPages() > 0, "the rounds touched no page, seed " + seed);
            }
            SplitPageToucherTest.assertSameBuckets(plain, touched, "seed " + seed);
            for (var e : last.entrySet()) {
                assertEquals((long) e.getValue(), touched.getLong(e.getKey(), 0), "key " + e.getKey() + ", seed " + seed);
            }
        }
    }

    /** A round touches up to the lead past the builder, in order, and starts at the builder when it has passed it. */
    @Test
    void theLeadIsBoundedAndWhatTheBuilderPassedIsSkipped() throws Exception {
        try (TableFile file = create("big.bdb")) {
            HashTable table = HashTable.create(file, GrowthListener.NONE, 3_000_000); // 2^19 buckets: 72 MiB
            ArraySnapshot g = table.snapshot;
            long buckets = 1L << g.b;
            long ahead = BuildPageToucher.AHEAD_BYTES / g.bucketSize;
            assertTrue(buckets > 2 * ahead, buckets + " buckets");
            BuildPageToucher toucher = new BuildPageToucher(g); // not started
            assertTrue(toucher.touchAhead());
            assertEquals(ahead, toucher.doneTo(), "before the builder moves, the lead from the start");
            long pages = toucher.touchedPages();
            long slices = BuildPageToucher.AHEAD_BYTES / BuildPageToucher.SLICE_BYTES; // a page at a slice's end: twice
            assertTrue(pages >= BuildPageToucher.AHEAD_BYTES / 4096 - 1 && pages <= BuildPageToucher.AHEAD_BYTES / 4096 + slices + 1,
                    pages + " pages for the first lead");
            toucher.builderAt(ahead / 2);
            assertTrue(toucher.touchAhead());
            assertEquals(ahead / 2 + ahead, toucher.doneTo(), "the lead past the builder's new position");
            long past = buckets - ahead / 4;
            toucher.builderAt(past); // the builder overtook the toucher
            long before = toucher.touchedPages();
            assertTrue(toucher.touchAhead());
            assertEquals(buckets, toucher.doneTo());
            long tail = toucher.touchedPages() - before;
            long tailBytes = (buckets - past) * g.bucketSize;
            assertTrue(tail <= tailBytes / 4096 + tailBytes / BuildPageToucher.SLICE_BYTES + 2, tail + " pages touched for " + tailBytes + " bytes past the builder");
            for (long k = 0; k < 10_000; k++) { // the table takes puts as before
                table.putLong(k, ~k);
            }
            for (long k = 0; k < 10_000; k++) {
                assertEquals(~k, table.getLong(k, 0));
            }
        }
    }

    /** The load's toucher thread runs from the order pass and ends after the last step, or after an early close. */
    @Test
    void theThreadEndsWithTheLoad() throws Exception {
        for (boolean early : new boolean[] {false, true}) {
            try (TableFile file = create("t" + early + ".bdb"); EntryBuffer entries = new EntryBuffer(8, 8)) {
                for (long k = 0; k < 20_000; k++) {
                    entries.appendLong(k, ~k);
                }
                HashTable table = HashTable.create(file, GrowthListener.NONE, 20_000);
                BuildPageToucher toucher;
                try (BucketOrderLoad load = new BucketOrderLoad(table, entries)) {
                    load.order();
                    toucher = load.toucher();
                    assertTrue(toucher != null, "the order pass starts the toucher");
                    if (!early) {
                        while (load.applyNext(1_000)) {
                            // steps
                        }
                        assertEquals(null, load.toucher(), "the last step stops the toucher");
                    }
                }
                for (int i = 0; toucher.alive(); i++) { // stop does not wait for the idle-class thread; a bounded poll does
                    assertTrue(i < 60_000, "the thread ends after the load (early close: " + early + ")");
                    LockSupport.parkNanos(1_000_000);
                }
                if (!early) {
                    for (long k = 0; k < 20_000; k++) {
                        assertEquals(~k, table.getLong(k, 0));
                    }
                }
            }
        }
    }

    private TableFile create(String name) throws IOException {
        return TableFile.create(FileDurableIO.INSTANCE, dir.resolve(name), 8, 8, 16, 7, 16);
    }
}
