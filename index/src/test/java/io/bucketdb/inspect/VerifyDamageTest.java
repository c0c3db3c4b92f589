package io.bucketdb.inspect;

import io.bucketdb.storage.BucketLayout;
import io.bucketdb.spi.CorruptIndexException;
import io.bucketdb.storage.ExtentClasses;
import io.bucketdb.storage.Header;
import io.bucketdb.storage.HeaderLayout;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HexFormat;
import java.util.List;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.*;

/**
 * Plants one kind of damage by hand in a copy of a real index and checks that {@code verify()}
 * reports exactly it: the file, the offset and what was expected there. The damage is planted as a
 * writer bug would leave it, checkpointed with matching page checksums ({@link Indexes#resealPages}),
 * so that only the structural check can see it; {@link PageChecksumVerifyTest} covers damage at rest.
 */
class VerifyDamageTest {
    private static final int KEYS = 20_000;

    @TempDir
    static Path shared;
    @TempDir
    Path tmp;

    private static Path grown;
    private static Path growing;
    /** A doubling that copies: from 128 buckets, less than one 256-bucket piece (64 KiB alignment). */
    private static Path copying;

    @BeforeAll
    static void buildIndexes() throws IOException {
        grown = Indexes.build(shared.resolve("grown"), KEYS);
        growing = shared.resolve("growing");
        Indexes.buildGrowing(growing, 10, db -> { });
        copying = shared.resolve("copying");
        Indexes.buildGrowing(copying, 8, db -> { });
    }

    private Path copy(Path from) throws IOException {
        return Indexes.copy(from, tmp.resolve("damaged"));
    }

    private static List<Problem> verify(Path dir) throws IOException {
        Indexes.resealPages(dir);
        try (IndexInspector in = IndexInspector.open(dir)) {
            return in.verify();
        }
    }

    private static void assertOnly(List<Problem> problems, Path dir, long offset, String expected, String found) {
        assertEquals(1, problems.size(), () -> "one problem, found " + problems);
        assertProblem(problems.getFirst(), dir, offset, expected, found);
    }

    private static void assertProblem(Problem p, Path dir, long offset, String expected, String found) {
        assertEquals(Indexes.table(dir), p.file(), p::toString);
        assertEquals(offset, p.offset(), p::toString);
        assertEquals(expected, p.expected(), p::toString);
        assertEquals(found, p.found(), p::toString);
    }

    /** A chain of the current array with at least two buckets. */
    private static BucketView chainWithOverflow(IndexInspector in) throws IOException {
        for (long j = 0; j < 1L << in.header().b; j++) {
            BucketView v = in.bucket(j);
            if (v.chain().size() >= 2) {
                return v;
            }
        }
        throw new AssertionError("no overflow chain in the test index");
    }

    @Test
    void shouldReportAKeyThatNoLongerHashesToItsBucket() throws IOException {
        Path dir = copy(grown);
        long key = 1234;
        long koff;
        long bucket;
        long flipped = key;
        long wrong;
        int b;
        try (IndexInspector in = IndexInspector.open(dir)) {
            b = in.header().b;
            Location loc = in.locate(Indexes.longBytes(key));
            koff = loc.foundBucketOffset() + in.layout().keyOffset(loc.slot());
            bucket = loc.bucket();
            // The file's own hash (its kind and seed), as verify rehashes with it.
            for (int bit = 40; ((in.hash(Indexes.longBytes(flipped)) & ((1L << b) - 1)) == bucket); bit++) {
                flipped = key ^ (1L << bit);
            }
            wrong = in.hash(Indexes.longBytes(flipped)) & ((1L << b) - 1);
        }
        Indexes.write(dir, koff, Indexes.longBytes(flipped));
        assertOnly(verify(dir), dir, koff, "a key whose hash selects bucket " + bucket,
                "key 0x" + HexFormat.of().formatHex(Indexes.longBytes(flipped)) + ", whose hash selects bucket " + wrong);
    }

    @Test
    void shouldReportACorruptTophash() throws IOException {
        Path dir = copy(grown);
        Location loc;
        try (IndexInspector in = IndexInspector.open(dir)) {
            loc = in.locate(Indexes.longBytes(777));
        }
        int bad = loc.tophash() == 0xFF ? 0x80 : loc.tophash() + 1;
        long at = loc.foundBucketOffset() + loc.slot();
        Indexes.writeByte(dir, at, bad);
        assertOnly(verify(dir), dir, at, "tophash " + BucketLayout.stateName(loc.tophash()) + " for key 0x"
                + HexFormat.of().formatHex(Indexes.longBytes(777)) + " in bucket " + loc.bucket(), BucketLayout.stateName(bad));
    }

    @Test
    void shouldReportAnOverflowReferenceOutsideTheFile() throws IOException {
        Path dir = copy(grown);
        long linkAt;
        long bucket;
        long outside;
        long fileEnd;
        try (IndexInspector in = IndexInspector.open(dir)) {
            BucketView v = chainWithOverflow(in);
            bucket = v.index();
            linkAt = v.chain().getLast().offset() + in.layout().overflowOffset();
            fileEnd = in.header().fileEnd;
            outside = Files.size(Indexes.table(dir)) + 8192;
        }
        Indexes.writeLong(dir, linkAt, outside);
        assertOnly(verify(dir), dir, linkAt, "an overflow bucket reference within [" + HeaderLayout.DATA_START + ", "
                + (fileEnd - 144) + "] in the chain of bucket " + bucket, "reference " + outside);
    }

    @Test
    void shouldReportAChainCycle() throws IOException {
        Path dir = copy(grown);
        BucketView v;
        long linkAt;
        try (IndexInspector in = IndexInspector.open(dir)) {
            v = chainWithOverflow(in);
            linkAt = v.chain().getLast().offset() + in.layout().overflowOffset();
        }
        long target = v.chain().get(1).offset();
        Indexes.writeLong(dir, linkAt, target);
        assertOnly(verify(dir), dir, linkAt, "an overflow chain without cycles from bucket " + v.index(),
                "a link back to chain position 1 (offset " + target + ")");
        try (IndexInspector in = IndexInspector.open(dir)) {
            BucketView broken = in.bucket(v.index());
            assertNotNull(broken.broken());
            assertThrows(CorruptIndexException.class, in::census);
        }
    }

    @Test
    void shouldReportABrokenFreeListCount() throws IOException {
        Path dir = copy(grown);
        Header h;
        try (IndexInspector in = IndexInspector.open(dir)) {
            h = in.header();
        }
        int c = 0;
        while (h.freeCounts[c] == 0) {
            c++;
        }
        int cls = c;
        Indexes.editHeader(dir, hd -> hd.freeCounts[cls]++);
        long at = Indexes.activeHeader(dir) + HeaderLayout.FREE_LISTS_OFFSET + 16L * cls + 8;
        assertOnly(verify(dir), dir, at, "free extent count " + h.freeCounts[cls] + " for class " + cls + " (the length of its free list)",
                String.valueOf(h.freeCounts[cls] + 1));
    }

    @Test
    void shouldReportABrokenOverflowFreeListCount() throws IOException {
        Path dir = copy(grown);
        long count;
        try (IndexInspector in = IndexInspector.open(dir)) {
            count = in.header().ovfFreeCount;
        }
        Indexes.editHeader(dir, hd -> hd.ovfFreeCount++);
        assertOnly(verify(dir), dir, Indexes.activeHeader(dir) + HeaderLayout.OVF_FREE_COUNT_OFFSET,
                "ovfFreeCount " + count + " (the length of the overflow free list)", String.valueOf(count + 1));
    }

    @Test
    void shouldReportAWrongEntryCount() throws IOException {
        Path dir = copy(grown);
        Indexes.editHeader(dir, hd -> hd.count--);
        assertOnly(verify(dir), dir, Indexes.activeHeader(dir) + HeaderLayout.COUNT_OFFSET,
                "count " + KEYS + " (the used slots of live chains)", String.valueOf(KEYS - 1));
    }

    @Test
    void shouldReportUnaccountedWastedBytes() throws IOException {
        Path dir = copy(grown);
        long wasted;
        try (IndexInspector in = IndexInspector.open(dir)) {
            wasted = in.header().wastedBytes;
        }
        Indexes.editHeader(dir, hd -> hd.wastedBytes += ExtentClasses.PAGE_SIZE);
        assertOnly(verify(dir), dir, Indexes.activeHeader(dir) + HeaderLayout.WASTED_BYTES_OFFSET,
                "wastedBytes " + wasted + " (the alignment gaps between extents)", String.valueOf(wasted + ExtentClasses.PAGE_SIZE));
    }

    @Test
    void shouldReportAUsedSlotAfterEmptyRest() throws IOException {
        Path dir = copy(grown);
        long b = -1;
        int s = -1;
        long j = -1;
        try (IndexInspector in = IndexInspector.open(dir)) {
            search:
            for (j = 0; j < 1L << in.header().b; j++) {
                BucketView v = in.bucket(j);
                List<Slot> slots = v.chain().getFirst().slots();
                for (int i = 1; i < BucketLayout.SLOTS; i++) {
                    if (v.chain().size() == 1 && slots.get(i - 1).used() && slots.get(i).tophash() == BucketLayout.EMPTY_REST) {
                        b = v.offset();
                        s = i;
                        break search;
                    }
                }
            }
            BucketLayout l = in.layout();
            // Move the entry of slot s-1 into slot s and leave emptyRest (zeroed) behind it.
            Slot used = in.bucket(j).chain().getFirst().slots().get(s - 1);
            Indexes.write(dir, b + l.keyOffset(s), used.key());
            Indexes.write(dir, b + l.valueOffset(s), used.value());
            Indexes.writeByte(dir, b + s, used.tophash());
            Indexes.write(dir, b + l.keyOffset(s - 1), new byte[8]);
            Indexes.write(dir, b + l.valueOffset(s - 1), new byte[8]);
            Indexes.writeByte(dir, b + s - 1, BucketLayout.EMPTY_REST);
            assertOnly(verify(dir), dir, b + s, "no used slot after the emptyRest slot at offset " + (b + s - 1)
                    + " in the chain of bucket " + j, "tophash " + BucketLayout.stateName(used.tophash()));
        }
    }

    @Test
    void shouldReportAnEvacuatedStateOutsideAGrowth() throws IOException {
        Path dir = copy(grown);
        long at = -1;
        long j = -1;
        try (IndexInspector in = IndexInspector.open(dir)) {
            for (long b = 0; at < 0; b++) {
                ChainBucket last = in.bucket(b).chain().getLast();
                if (!last.slots().get(7).used()) {
                    j = b;
                    at = last.offset() + 7;
                }
            }
        }
        Indexes.writeByte(dir, at, BucketLayout.EVACUATED_X);
        assertOnly(verify(dir), dir, at, "a used or empty slot in bucket " + j + " (no growth in progress)", "evacuatedX");
    }

    @Test
    void shouldReportABucketBelowTheSplitMarkThatIsNotSplit() throws IOException {
        Path dir = copy(growing);
        long i;
        long upper;
        try (IndexInspector in = IndexInspector.open(dir)) {
            assertTrue(in.header().splittingInPlace(), "the fixture doubles in place");
            i = in.header().nevacuate;
            assertFalse(in.oldEvacuated(i), "the mark is the next bucket to split");
            upper = i + (1L << in.header().oldB);
        }
        long mark = i + 1;
        Indexes.editHeader(dir, hd -> hd.nevacuate = mark);
        List<Problem> problems = verify(dir);
        // Its entries whose hash selects the upper sibling were never moved there: each is a misplaced key.
        assertFalse(problems.isEmpty());
        for (Problem p : problems) {
            assertEquals("a key whose hash selects bucket " + i, p.expected(), problems::toString);
            assertTrue(p.found().endsWith("whose hash selects bucket " + upper), problems::toString);
        }
    }

    @Test
    void shouldReportAnOldBucketBelowTheMarkThatIsNotEvacuated() throws IOException {
        Path dir = copy(copying);
        long i;
        long off;
        try (IndexInspector in = IndexInspector.open(dir)) {
            assertFalse(in.header().splittingInPlace(), "the fixture copies");
            i = in.header().nevacuate;
            assertFalse(in.oldEvacuated(i), "the evacuation mark stops at a bucket not yet evacuated");
            off = in.oldBucket(i).offset();
        }
        long mark = i + 1;
        Indexes.editHeader(dir, hd -> hd.nevacuate = mark);
        List<Problem> problems = verify(dir);
        assertEquals(1, problems.size(), problems::toString);
        assertEquals(off, problems.getFirst().offset());
        assertEquals("old bucket " + i + " evacuated (it is below the evacuation mark nevacuate=" + mark + ")",
                problems.getFirst().expected());
    }

    @Test
    void shouldReportATornOlderHeaderSlot() throws IOException {
        Path dir = copy(grown);
        long active = Indexes.activeHeader(dir);
        long older = active == HeaderLayout.SLOT_A ? HeaderLayout.SLOT_B : HeaderLayout.SLOT_A;
        Indexes.writeByte(dir, older + HeaderLayout.COUNT_OFFSET, 0x7F);
        List<Problem> problems = verify(dir);
        assertEquals(1, problems.size(), problems::toString);
        assertEquals(older + HeaderLayout.CHECKSUM_OFFSET, problems.getFirst().offset());
        assertTrue(problems.getFirst().expected().startsWith("header CRC32C"), problems::toString);
    }

    @Test
    void shouldNeverThrowOrHangOnRandomDamage() throws IOException {
        Path small = Indexes.build(tmp.resolve("small"), 3000);
        Path dir = copy(small);
        long size = Files.size(Indexes.table(dir));
        Random rnd = new Random(42);
        int reported = 0;
        for (int round = 0; round < 150; round++) {
            long off = rnd.nextInt(4) == 0 ? rnd.nextLong(HeaderLayout.DATA_START) : HeaderLayout.DATA_START + rnd.nextLong(size - HeaderLayout.DATA_START);
            byte[] orig = Indexes.read(dir, off, 1);
            Indexes.writeByte(dir, off, orig[0] ^ (1 << rnd.nextInt(8)));
            try (IndexInspector in = IndexInspector.open(dir)) {
                if (!in.verify().isEmpty()) {
                    reported++;
                }
                try {
                    in.census();
                    in.forEach((k, v) -> { });
                } catch (CorruptIndexException expected) {
                    // allowed: a named offset, not a crash
                }
            } catch (CorruptIndexException unreadable) {
                // both header slots unreadable cannot happen with one flip, but is an allowed outcome
            } finally {
                Indexes.write(dir, off, orig);
            }
        }
        assertTrue(reported > 0, "random flips were noticed");
        assertEquals(List.of(), verify(dir));
    }
}
