package io.bucketdb.table;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.bucketdb.storage.FileDurableIO;
import io.bucketdb.storage.TableFile;
import io.bucketdb.storage.testkit.Seeds;
import java.io.IOException;
import java.lang.foreign.ValueLayout;
import java.nio.file.Path;
import java.util.SplittableRandom;
import java.util.concurrent.locks.LockSupport;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@link SplitPageToucher}: touching the upper buckets ahead of the split mark changes no byte of the table, whatever the
 * writer does meanwhile, and the thread lives from start to stop.
 */
class SplitPageToucherTest {
    @TempDir
    Path dir;

    /**
     * Two tables take the same puts; in one the toucher's round runs after every put (in the test's thread, so it runs
     * for sure and at every mark), and so does a touch of the whole upper half, split buckets included (a toucher the
     * writer overtook): every bucket of both arrays has the same bytes at every growth's end and at the end,
     * and the toucher did touch pages.
     */
    @Test
    void touchingAheadOfTheSplitsChangesNoByte() throws Exception {
        long seed = Seeds.seed(); // rerun with -Dbucketdb.seed=<seed>
        try (TableFile plainFile = create("plain.bdb"); TableFile touchedFile = create("touched.bdb")) {
            HashTable plain = HashTable.create(plainFile, GrowthListener.NONE);
            HashTable touched = HashTable.create(touchedFile, GrowthListener.NONE);
            SplitPageToucher toucher = new SplitPageToucher(touched); // not started: the test runs its rounds
            SplittableRandom random = new SplittableRandom(seed);
            int growthEnds = 0;
            int inPlace = 0;
            while (touched.snapshot.b < 12 || touched.snapshot.growing) {
                long k = random.nextLong();
                boolean wasGrowing = touched.snapshot.growing;
                boolean wasInPlace = touched.snapshot.inPlace;
                plain.putLong(k, ~k);
                touched.putLong(k, ~k);
                toucher.touchAhead();
                ArraySnapshot g = touched.snapshot;
                if (g.growing && g.inPlace) {
                    // A toucher that fell behind the writer: every upper bucket split so far, and the ones ahead.
                    toucher.touch(g, 0, 1L << g.oldB);
                }
                if (wasGrowing && !touched.snapshot.growing) {
                    growthEnds++;
                    inPlace += wasInPlace ? 1 : 0;
                    assertSameBuckets(plain, touched, "seed " + seed + ", growth end " + growthEnds);
                }
            }
            assertTrue(inPlace >= 3, inPlace + " in-place splits seen, seed " + seed);
            assertTrue(toucher.touchedPages() > 0, "the toucher touched no page, seed " + seed);
            assertSameBuckets(plain, touched, "seed " + seed + ", at the end");
        }
    }

    @Test
    void theThreadRunsFromStartToStop() throws Exception {
        try (TableFile file = create("t.bdb")) {
            HashTable table = HashTable.create(file, GrowthListener.NONE);
            table.startSplitPageToucher();
            SplitPageToucher toucher = table.pageToucher;
            table.startSplitPageToucher();
            assertTrue(toucher == table.pageToucher, "a second start keeps the first toucher");
            for (long k = 0; k < 20_000; k++) {
                table.putLong(k, ~k); // splits in place from 2^9 buckets on, with requests to the thread
            }
            table.stopSplitPageToucher();
            for (int i = 0; toucher.alive(); i++) { // stop does not wait for the idle-class thread; a bounded poll does
                assertTrue(i < 60_000, "the thread ends after stop");
                LockSupport.parkNanos(1_000_000);
            }
            assertEquals(null, table.pageToucher);
            table.stopSplitPageToucher(); // nothing to stop
            for (long k = 0; k < 20_000; k++) {
                assertEquals(~k, table.getLong(k, 0), "key " + k);
            }
        }
    }

    private TableFile create(String name) throws IOException {
        // 64 KiB alignment: pieces of 256 buckets, so the doublings from 2^9 buckets on split in place.
        return TableFile.create(FileDurableIO.INSTANCE, dir.resolve(name), 8, 8, 16, 7, 16);
    }

    static void assertSameBuckets(HashTable a, HashTable b, String where) {
        ArraySnapshot ga = a.snapshot;
        ArraySnapshot gb = b.snapshot;
        assertEquals(ga.b, gb.b, where);
        assertEquals(ga.growing, gb.growing, where);
        for (long i = 0; i < 1L << ga.b; i++) {
            int pa = (int) (i >>> ga.pieceShift);
            int pb = (int) (i >>> gb.pieceShift);
            byte[] x = ga.pieceSeg[pa].asSlice(ga.pieceLocal[pa] + (i & ga.pieceMask) * ga.bucketSize, ga.bucketSize)
                    .toArray(ValueLayout.JAVA_BYTE);
            byte[] y = gb.pieceSeg[pb].asSlice(gb.pieceLocal[pb] + (i & gb.pieceMask) * gb.bucketSize, gb.bucketSize)
                    .toArray(ValueLayout.JAVA_BYTE);
            assertArrayEquals(x, y, where + ", bucket " + i);
        }
    }
}
