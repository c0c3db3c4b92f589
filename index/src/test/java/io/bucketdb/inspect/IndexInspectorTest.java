package io.bucketdb.inspect;

import io.bucketdb.spi.CorruptIndexException;
import io.bucketdb.BucketDB;
import io.bucketdb.storage.BucketLayout;
import io.bucketdb.storage.Header;
import io.bucketdb.storage.IndexFileNames;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.*;

class IndexInspectorTest {
    @TempDir
    Path tmp;

    @Test
    void shouldFindEveryKeyAndVerifyCleanAfterSeveralGrowths() throws IOException {
        Path dir = Indexes.build(tmp.resolve("idx"), 20_000);
        try (IndexInspector in = IndexInspector.open(dir)) {
            Header h = in.header();
            assertEquals(20_000, h.count);
            assertTrue(h.b >= 11, "grew several times, B=" + h.b);
            assertEquals(java.util.List.of(), in.verify());
            for (long k = 0; k < 20_000; k++) {
                assertEquals(Indexes.value(k), in.getLong(k, -1), "key " + k);
            }
            assertEquals(-1, in.getLong(20_000, -1));
            Census c = in.census();
            assertEquals(20_000, c.entries());
            assertEquals(1L << h.b, java.util.Arrays.stream(c.chainHistogram()).sum());
            assertEquals(h.overflowBuckets, c.overflowBuckets());
        }
    }

    /** verify tells its progress in walked buckets, up to every bucket of both arrays, in order. */
    @Test
    void shouldReportVerifyProgressInWalkedBuckets() throws IOException {
        Path dir = tmp.resolve("idx");
        // Sized for 600,000 entries: B=17, so 131,072 buckets to walk with only a few entries.
        try (BucketDB db = BucketDB.open(dir, Indexes.options().withExpectedEntries(600_000))) {
            for (long k = 0; k < 1_000; k++) {
                db.putLong(k, Indexes.value(k));
            }
        }
        try (IndexInspector in = IndexInspector.open(dir)) {
            assertEquals(1L << 17, in.bucketsToWalk());
            java.util.List<Long> reports = new java.util.ArrayList<>();
            assertEquals(java.util.List.of(), in.verify(reports::add));
            assertEquals(java.util.List.of(1L << 16, 1L << 17), reports);
        }
    }

    @Test
    void shouldVerifyCleanInTheMiddleOfAGrowth() throws IOException {
        Path dir = tmp.resolve("idx");
        long n = Indexes.buildGrowing(dir, 10, db -> { });
        try (IndexInspector in = IndexInspector.open(dir)) {
            Header h = in.header();
            assertTrue(h.growing());
            assertTrue(h.nevacuate > 0 && h.nevacuate < 1L << h.oldB);
            assertEquals(java.util.List.of(), in.verify());
            for (long k = 0; k < n; k++) {
                assertEquals(Indexes.value(k), in.getLong(k, -1), "key " + k);
            }
            Census c = in.census();
            assertEquals(n, c.entries());
            assertTrue(c.evacuatedOldBuckets() >= h.nevacuate && c.evacuatedOldBuckets() < c.oldBuckets());
        }
    }

    @Test
    void shouldVerifyCleanAfterDeletesDuringGrowth() throws IOException {
        Path dir = tmp.resolve("idx");
        Set<Long> deleted = new HashSet<>();
        long n = Indexes.buildGrowing(dir, 10, db -> {
            for (long k = 0; k < 3000; k += 3) {
                assertTrue(db.deleteLong(k));
                deleted.add(k);
            }
        });
        try (IndexInspector in = IndexInspector.open(dir)) {
            assertEquals(java.util.List.of(), in.verify());
            assertEquals(n - deleted.size(), in.header().count);
            for (long k = 0; k < n; k++) {
                assertEquals(deleted.contains(k) ? -1 : Indexes.value(k), in.getLong(k, -1), "key " + k);
            }
        }
    }

    @Test
    void shouldLocateAKeyAndExplainItsPlace() throws IOException {
        Path dir = tmp.resolve("idx");
        long n = Indexes.buildGrowing(dir, 10, db -> { });
        try (IndexInspector in = IndexInspector.open(dir)) {
            Header h = in.header();
            int seenOld = 0;
            int seenNew = 0;
            for (long k = 0; k < n; k += 97) {
                Location loc = in.locate(Indexes.longBytes(k));
                assertTrue(loc.found());
                assertEquals(in.hash(Indexes.longBytes(k)), loc.hash());
                assertEquals(loc.hash() & ((1L << h.b) - 1), loc.bucket());
                assertEquals(BucketLayout.tophash(loc.hash()), loc.tophash());
                assertEquals(loc.hash() & ((1L << h.oldB) - 1), loc.oldBucket());
                assertEquals(in.oldEvacuated(loc.oldBucket()), loc.oldEvacuated());
                assertEquals(!loc.oldEvacuated(), loc.inOldArray());
                BucketView v = loc.inOldArray() ? in.oldBucket(loc.oldBucket()) : in.bucket(loc.bucket());
                assertEquals(BucketView.State.LIVE, v.state());
                ChainBucket cb = v.chain().get(loc.chainPosition());
                assertEquals(loc.foundBucketOffset(), cb.offset());
                Slot s = cb.slots().get(loc.slot());
                assertTrue(s.used());
                assertArrayEquals(Indexes.longBytes(k), s.key());
                assertArrayEquals(Indexes.longBytes(Indexes.value(k)), loc.value());
                // An in-place split (format version 7) keeps old bucket i as bucket i: live on both sides of the mark.
                boolean inPlace = h.splittingInPlace();
                if (loc.inOldArray()) {
                    seenOld++;
                    assertEquals(inPlace && loc.bucket() == loc.oldBucket() ? BucketView.State.LIVE : BucketView.State.PENDING,
                            in.bucket(loc.bucket()).state());
                } else {
                    seenNew++;
                    assertEquals(inPlace ? BucketView.State.LIVE : BucketView.State.EVACUATED, in.oldBucket(loc.oldBucket()).state());
                }
            }
            assertTrue(seenOld > 0 && seenNew > 0, "keys on both sides of the growth: " + seenOld + "/" + seenNew);
            Location missing = in.locate(Indexes.longBytes(-5));
            assertFalse(missing.found());
            assertEquals(-1, missing.slot());
            assertNull(missing.value());
        }
    }

    @Test
    void shouldVisitEveryEntryOnce() throws IOException {
        Path dir = tmp.resolve("idx");
        long n = Indexes.buildGrowing(dir, 9, db -> { });
        Set<Long> seen = new HashSet<>();
        try (IndexInspector in = IndexInspector.open(dir)) {
            in.forEach((key, value) -> {
                long k = java.nio.ByteBuffer.wrap(key).order(java.nio.ByteOrder.LITTLE_ENDIAN).getLong();
                assertTrue(seen.add(k), "key " + k + " twice");
                assertEquals(Indexes.value(k), java.nio.ByteBuffer.wrap(value).order(java.nio.ByteOrder.LITTLE_ENDIAN).getLong());
            });
        }
        assertEquals(n, seen.size());
    }

    @Test
    void shouldInspectWideKeysAndValues() throws IOException {
        Path dir = tmp.resolve("wide");
        try (BucketDB db = BucketDB.open(dir, Indexes.options().withKeyWidth(20).withValueWidth(3))) {
            for (int i = 0; i < 3000; i++) {
                db.put(key20(i), new byte[]{(byte) i, (byte) (i >> 8), 9});
            }
        }
        try (IndexInspector in = IndexInspector.open(dir)) {
            assertEquals(java.util.List.of(), in.verify());
            for (int i = 0; i < 3000; i++) {
                assertArrayEquals(new byte[]{(byte) i, (byte) (i >> 8), 9}, in.get(key20(i)), "key " + i);
            }
            assertNull(in.get(key20(3001)));
            assertThrows(IllegalArgumentException.class, () -> in.getLong(1, 0));
            assertThrows(IllegalArgumentException.class, () -> in.locate(new byte[8]));
        }
    }

    @Test
    void shouldRefuseWhatIsNotAnIndex() throws IOException {
        assertThrows(NoSuchFileException.class, () -> IndexInspector.open(tmp.resolve("missing")));
        Path empty = Files.createDirectories(tmp.resolve("empty"));
        assertThrows(NoSuchFileException.class, () -> IndexInspector.open(empty));
        Path notIndex = Files.createDirectories(tmp.resolve("junk"));
        Files.write(notIndex.resolve(IndexFileNames.TABLE), new byte[10_000]);
        var e = assertThrows(io.bucketdb.spi.CorruptIndexException.class, () -> IndexInspector.open(notIndex));
        assertTrue(e.getMessage().contains("not a BucketDB table file"), e.getMessage());
    }

    private static byte[] key20(int i) {
        byte[] k = new byte[20];
        for (int b = 0; b < 4; b++) {
            k[b] = (byte) (i >>> (8 * b));
        }
        k[19] = 'k';
        return k;
    }
}
