package io.bucketdb.storage;

import io.bucketdb.spi.CorruptIndexException;
import org.junit.jupiter.api.Test;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.*;

/** Header encode/decode and every validation naming the right field offset. */
class HeaderTest {
    private static final Path FILE = Path.of("t.bdb");
    private static final long SIZE = 1 << 20;

    private static Header valid() {
        Header h = new Header();
        h.keyWidth = 8;
        h.valueWidth = 8;
        h.alignShift = 16;
        h.pieceShift = TableGeometry.pieceShift(h.bucketSize(), 16);
        h.hashSeed = 42;
        h.b = 3;
        h.count = 20;
        h.bucketDir = HeaderLayout.DATA_START;
        h.fileEnd = 1 << 19;
        h.generation = 7;
        return h;
    }

    @Test
    void roundTrips() throws Exception {
        Header h = valid();
        h.freeHeads[3] = HeaderLayout.DATA_START + 4096;
        h.freeCounts[3] = 2;
        Header d = Header.decode(FILE, 0, h.encode(), SIZE);
        assertEquals(h.generation, d.generation);
        assertEquals(h.hashSeed, d.hashSeed);
        assertEquals(h.freeHeads[3], d.freeHeads[3]);
        assertEquals(h.freeCounts[3], d.freeCounts[3]);
        assertEquals(h.count, d.count);
    }

    @Test
    void heapFieldsAndVariableLengthFlagsRoundTrip() throws Exception {
        Header h = valid();
        h.flags = HeaderLayout.VAR_KEYS | HeaderLayout.VAR_VALUES;
        h.keyWidth = VarSlotLayout.slotWidth(12);
        h.valueWidth = VarSlotLayout.slotWidth(28);
        h.pieceShift = TableGeometry.pieceShift(h.bucketSize(), 16);
        h.heapFreeHeads[2] = HeaderLayout.DATA_START + 4096 + 64;
        h.heapFreeCounts[2] = 10;
        h.heapBlocks[2] = 64;
        h.heapLargeBlocks = 2;
        h.heapLargeBytes = 3 * 4096;
        h.freeHeads[ExtentClasses.COUNT - 1] = HeaderLayout.DATA_START;
        Header d = Header.decode(FILE, 0, h.encode(), SIZE);
        assertTrue(d.varKeys() && d.varValues());
        assertEquals(h.keyWidth, d.keyWidth);
        assertEquals(h.heapFreeHeads[2], d.heapFreeHeads[2]);
        assertEquals(h.heapFreeCounts[2], d.heapFreeCounts[2]);
        assertEquals(h.heapBlocks[2], d.heapBlocks[2]);
        assertEquals(h.heapLargeBlocks, d.heapLargeBlocks);
        assertEquals(h.heapLargeBytes, d.heapLargeBytes);
        assertEquals(h.freeHeads[ExtentClasses.COUNT - 1], d.freeHeads[ExtentClasses.COUNT - 1], "the 256 MiB raw class has a free list");
    }

    /** A version-1 header (before the value heap): 32 free lists, the checksum at 704, no heap fields, no flags. */
    static ByteBuffer versionOne(Header h) {
        ByteBuffer v2 = h.encode().order(ByteOrder.LITTLE_ENDIAN);
        ByteBuffer v1 = ByteBuffer.allocate(HeaderLayout.SLOT_SIZE).order(ByteOrder.LITTLE_ENDIAN);
        v1.put(0, v2, 0, HeaderLayout.V1_CHECKSUM_OFFSET);
        v1.putInt(HeaderLayout.FORMAT_VERSION_OFFSET, 1);
        java.util.zip.CRC32C crc = new java.util.zip.CRC32C();
        crc.update(v1.duplicate().position(0).limit(HeaderLayout.V1_CHECKSUM_OFFSET));
        v1.putInt(HeaderLayout.V1_CHECKSUM_OFFSET, (int) crc.getValue());
        return v1;
    }

    @Test
    void versionOneHeadersAreStillReadAsFixedWidthTablesWithAnEmptyHeap() throws Exception {
        Header h = valid();
        h.freeHeads[31] = HeaderLayout.DATA_START + 8192;
        h.freeCounts[31] = 1;
        ByteBuffer v1 = versionOne(h);
        assertTrue(Header.checksumMatches(v1));
        Header d = Header.decode(FILE, 0, v1, SIZE);
        assertEquals(h.count, d.count);
        assertEquals(h.freeHeads[31], d.freeHeads[31], "the 32 free lists of version 1 are a prefix of version 2's");
        assertEquals(0, d.freeHeads[32]);
        assertFalse(d.varKeys() || d.varValues());
        assertEquals(0, d.heapLargeBlocks);
        // The next write-back is version 2.
        assertEquals(HeaderLayout.UNKEYED_FORMAT_VERSION, d.encode().order(ByteOrder.LITTLE_ENDIAN).getInt(HeaderLayout.FORMAT_VERSION_OFFSET));
        // A flipped bit in a version-1 header is caught by the version-1 checksum.
        v1.put(HeaderLayout.COUNT_OFFSET, (byte) (v1.get(HeaderLayout.COUNT_OFFSET) ^ 1));
        CorruptIndexException e = assertThrows(CorruptIndexException.class, () -> Header.decode(FILE, 0, v1, SIZE));
        assertEquals(HeaderLayout.V1_CHECKSUM_OFFSET, e.offset());
    }

    @Test
    void versionOneCannotCarryVariableLengthFlags() {
        Header h = valid();
        h.flags = HeaderLayout.VAR_KEYS;
        CorruptIndexException e = assertThrows(CorruptIndexException.class, () -> Header.decode(FILE, 0, versionOne(h), SIZE));
        assertEquals(HeaderLayout.FLAGS_OFFSET, e.offset(), e.getMessage());
    }

    @Test
    void notAnIndexNamesTheMagic() {
        ByteBuffer buf = ByteBuffer.allocate(HeaderLayout.SLOT_SIZE);
        CorruptIndexException e = assertThrows(CorruptIndexException.class, () -> Header.decode(FILE, 4096, buf, SIZE));
        assertEquals(4096 + HeaderLayout.MAGIC_OFFSET, e.offset());
        assertTrue(e.getMessage().contains("not a BucketDB table file"), e.getMessage());
    }

    @Test
    void flippedBitFailsTheChecksum() {
        ByteBuffer buf = valid().encode();
        buf.put(HeaderLayout.COUNT_OFFSET, (byte) (buf.get(HeaderLayout.COUNT_OFFSET) ^ 4));
        CorruptIndexException e = assertThrows(CorruptIndexException.class, () -> Header.decode(FILE, 0, buf, SIZE));
        assertEquals(HeaderLayout.V5_CHECKSUM_OFFSET, e.offset(), "a version-2 header keeps its checksum where versions 2 to 5 did");
        assertTrue(e.getMessage().contains("CRC32C"));
    }

    @Test
    void impossibleValuesAreRejectedAtTheirField() {
        assertRejected(h -> h.b = 63, HeaderLayout.B_OFFSET, "B 0..62");
        assertRejected(h -> h.b = 40, HeaderLayout.B_OFFSET, "fit");
        assertRejected(h -> h.count = 1_000_000, HeaderLayout.COUNT_OFFSET, "count");
        assertRejected(h -> h.keyWidth = 0, HeaderLayout.KEY_WIDTH_OFFSET, "key width");
        assertRejected(h -> h.fileEnd = SIZE + 1, HeaderLayout.FILE_END_OFFSET, "allocation end");
        assertRejected(h -> h.bucketDir = 12, HeaderLayout.BUCKET_DIR_OFFSET, "bucket directory");
        assertRejected(h -> h.ovfFreeHead = SIZE * 2, HeaderLayout.OVF_FREE_HEAD_OFFSET, "overflow free list");
        assertRejected(h -> h.growFlags = 7, HeaderLayout.GROW_FLAGS_OFFSET, "grow flags");
        assertRejected(h -> {
            h.growFlags = HeaderLayout.GROWING;
            h.oldB = 1;
            h.oldBucketDir = HeaderLayout.DATA_START;
        }, HeaderLayout.OLD_B_OFFSET, "old B 2");
        assertRejected(h -> h.pieceShift = 1, HeaderLayout.PIECE_SHIFT_OFFSET, "piece shift");
        assertRejected(h -> h.flags = 256, HeaderLayout.FLAGS_OFFSET, "flags"); // 8 is OVERFLOW_FIRST since version 4, 16 OUTLINE_VALUES since 5, 32 FINE_HEAP_CLASSES since 6, 64 SPLIT_GROWTH since 7, 128 VALUE_BLOCK_NUMBERS since 8
        assertRejected(h -> h.flags = HeaderLayout.VAR_KEYS, HeaderLayout.KEY_WIDTH_OFFSET, "variable-length key slot");
        assertRejected(h -> h.heapFreeHeads[1] = 5, HeaderLayout.HEAP_CLASSES_OFFSET + 24, "heap free list head");
        assertRejected(h -> {
            h.heapBlocks[0] = 10;
            h.heapFreeCounts[0] = 11;
        }, HeaderLayout.HEAP_CLASSES_OFFSET + 8, "free heap blocks");
        assertRejected(h -> h.heapLargeBytes = SIZE * 4, HeaderLayout.V5_HEAP_LARGE_BYTES_OFFSET, "large heap bytes");
    }

    @Test
    void newerFormatVersionIsNamed() {
        ByteBuffer buf = valid().encode().order(ByteOrder.LITTLE_ENDIAN);
        buf.putInt(HeaderLayout.FORMAT_VERSION_OFFSET, 99);
        buf.putInt(Header.checksumOffset(buf), Header.checksum(buf));
        CorruptIndexException e = assertThrows(CorruptIndexException.class, () -> Header.decode(FILE, 0, buf, SIZE));
        assertTrue(e.getMessage().contains("newer BucketDB"), e.getMessage());
    }

    private static void assertRejected(java.util.function.Consumer<Header> damage, int field, String expected) {
        Header h = valid();
        damage.accept(h);
        CorruptIndexException e = assertThrows(CorruptIndexException.class, () -> Header.decode(FILE, 0, h.encode(), SIZE));
        assertEquals(field, e.offset(), e.getMessage());
        assertTrue(e.getMessage().contains(expected), e.getMessage() + " should mention " + expected);
        assertTrue(e.getMessage().startsWith(FILE.toString()), "names the file: " + e.getMessage());
    }

    @Test
    void aKeyedHashHeaderShouldBeWrittenAsVersion3AndAnUnkeyedOneAsVersion2() throws Exception {
        Header unkeyed = valid();
        ByteBuffer old = unkeyed.encode();
        assertEquals(HeaderLayout.UNKEYED_FORMAT_VERSION, old.getInt(HeaderLayout.FORMAT_VERSION_OFFSET));
        assertFalse(Header.decode(FILE, 0, old, SIZE).keyedHash());

        Header keyed = valid();
        keyed.flags = HeaderLayout.KEYED_HASH;
        ByteBuffer buf = keyed.encode();
        assertEquals(3, buf.getInt(HeaderLayout.FORMAT_VERSION_OFFSET));
        Header d = Header.decode(FILE, 0, buf, SIZE);
        assertTrue(d.keyedHash());
        assertEquals(HeaderLayout.KEYED_HASH, d.flags);
        assertEquals(keyed.hashSeed, d.hashSeed);
        assertTrue(d.copy().keyedHash());
    }

    /** The hash-kind bit means nothing to version 2: a version-2 slot that has it is damaged, not a keyed file. */
    @Test
    void aVersion2HeaderWithTheKeyedHashBitShouldBeRejected() {
        Header h = valid();
        h.flags = HeaderLayout.KEYED_HASH;
        ByteBuffer buf = h.encode();
        buf.putInt(HeaderLayout.FORMAT_VERSION_OFFSET, 2);
        buf.putInt(Header.checksumOffset(buf), Header.checksum(buf));
        CorruptIndexException e = assertThrows(CorruptIndexException.class, () -> Header.decode(FILE, HeaderLayout.SLOT_B, buf, SIZE));
        assertEquals(HeaderLayout.SLOT_B + HeaderLayout.FLAGS_OFFSET, e.offset());
        assertTrue(e.getMessage().contains("flags within 0x3"), e.getMessage());
    }

    @Test
    void anOverflowFirstHeaderShouldBeWrittenAsVersion4AndNameThatLayout() throws Exception {
        Header h = valid();
        h.flags = HeaderLayout.KEYED_HASH | HeaderLayout.OVERFLOW_FIRST;
        assertEquals(HeaderLayout.OVERFLOW_FIRST_FORMAT_VERSION, h.formatVersion());
        ByteBuffer buf = h.encode();
        assertEquals(4, buf.getInt(HeaderLayout.FORMAT_VERSION_OFFSET));
        Header d = Header.decode(FILE, 0, buf, SIZE);
        assertTrue(d.overflowFirst());
        assertTrue(d.copy().overflowFirst());
        assertTrue(BucketLayout.of(d).overflowFirst());
        assertEquals(8, BucketLayout.of(d).overflowOffset());

        Header keyed = valid();
        keyed.flags = HeaderLayout.KEYED_HASH;
        assertEquals(HeaderLayout.KEYED_FORMAT_VERSION, keyed.formatVersion(), "a version-3 file stays version 3");
        Header old = Header.decode(FILE, 0, keyed.encode(), SIZE);
        assertFalse(old.overflowFirst());
        assertEquals(old.bucketSize() - 8, BucketLayout.of(old).overflowOffset(), "a version-3 bucket ends with its overflow reference");
    }

    /** The bucket-layout bit means nothing before version 4: a version-3 slot that has it is damaged. */
    @Test
    void aVersion3HeaderWithTheOverflowFirstBitShouldBeRejected() {
        Header h = valid();
        h.flags = HeaderLayout.KEYED_HASH | HeaderLayout.OVERFLOW_FIRST;
        ByteBuffer buf = h.encode();
        buf.putInt(HeaderLayout.FORMAT_VERSION_OFFSET, 3);
        buf.putInt(Header.checksumOffset(buf), Header.checksum(buf));
        CorruptIndexException e = assertThrows(CorruptIndexException.class, () -> Header.decode(FILE, HeaderLayout.SLOT_B, buf, SIZE));
        assertEquals(HeaderLayout.SLOT_B + HeaderLayout.FLAGS_OFFSET, e.offset());
        assertTrue(e.getMessage().contains("flags within 0x7"), e.getMessage());
    }

    /** A version-4 slot without the bit would be read with the old offsets: damage, not an old file. */
    @Test
    void aVersion4HeaderWithoutTheOverflowFirstBitShouldBeRejected() {
        Header h = valid();
        h.flags = HeaderLayout.KEYED_HASH;
        ByteBuffer buf = h.encode();
        buf.putInt(HeaderLayout.FORMAT_VERSION_OFFSET, 4);
        buf.putInt(Header.checksumOffset(buf), Header.checksum(buf));
        CorruptIndexException e = assertThrows(CorruptIndexException.class, () -> Header.decode(FILE, 0, buf, SIZE));
        assertEquals(HeaderLayout.FLAGS_OFFSET, e.offset());
        assertTrue(e.getMessage().contains("overflow-first"), e.getMessage());
    }

    /** An out-of-line-values header: version 5, the width in the upper half of the old 4-byte flags field. */
    private static Header outline() {
        Header h = valid();
        h.flags = HeaderLayout.KEYED_HASH | HeaderLayout.OVERFLOW_FIRST | HeaderLayout.VAR_VALUES | HeaderLayout.OUTLINE_VALUES;
        h.valueWidth = VarSlotLayout.OUTLINE_SLOT_WIDTH;
        h.outlineValueWidth = 100;
        h.pieceShift = TableGeometry.pieceShift(h.bucketSize(), h.alignShift);
        return h;
    }

    @Test
    void anOutOfLineValuesHeaderShouldBeWrittenAsVersion5AndRoundTrip() throws Exception {
        Header h = outline();
        assertEquals(5, h.formatVersion());
        ByteBuffer buf = h.encode();
        assertEquals(5, buf.getInt(HeaderLayout.FORMAT_VERSION_OFFSET));
        assertEquals(100, Short.toUnsignedInt(buf.getShort(HeaderLayout.OUTLINE_VALUE_WIDTH_OFFSET)));
        assertEquals(h.flags, Short.toUnsignedInt(buf.getShort(HeaderLayout.FLAGS_OFFSET)));
        Header d = Header.decode(FILE, 0, buf, SIZE);
        assertTrue(d.outlineValues() && d.varValues());
        assertEquals(100, d.outlineValueWidth);
        assertEquals(100, d.copy().outlineValueWidth);
        assertEquals(VarSlotLayout.OUTLINE_SLOT_WIDTH, BucketLayout.of(d).valueWidth());
        // Every header without the flag keeps the upper bytes zero, as versions 1 to 4 always wrote them.
        ByteBuffer plain = valid().encode();
        assertEquals(0, plain.getShort(HeaderLayout.OUTLINE_VALUE_WIDTH_OFFSET));
    }

    @Test
    void anOutOfLineValueWidthIsRejectedWhereItDoesNotBelong() {
        assertRejectedHeader(outline(), h -> h.outlineValueWidth = 8, HeaderLayout.OUTLINE_VALUE_WIDTH_OFFSET, "out-of-line value width");
        assertRejectedHeader(outline(), h -> h.outlineValueWidth = 5000, HeaderLayout.OUTLINE_VALUE_WIDTH_OFFSET, "out-of-line value width");
        assertRejectedHeader(outline(), h -> h.valueWidth = 32, HeaderLayout.VALUE_WIDTH_OFFSET, "reference slot");
        assertRejectedHeader(outline(), h -> h.flags &= ~HeaderLayout.VAR_VALUES, HeaderLayout.FLAGS_OFFSET, "variable-value flag");
        assertRejectedHeader(valid(), h -> h.outlineValueWidth = 100, HeaderLayout.OUTLINE_VALUE_WIDTH_OFFSET, "no out-of-line value width");
        // A version-4 slot with the flag is damaged: version 4 did not know it.
        ByteBuffer buf = outline().encode();
        buf.putInt(HeaderLayout.FORMAT_VERSION_OFFSET, 4);
        buf.putInt(Header.checksumOffset(buf), Header.checksum(buf));
        CorruptIndexException e = assertThrows(CorruptIndexException.class, () -> Header.decode(FILE, 0, buf, SIZE));
        assertEquals(HeaderLayout.FLAGS_OFFSET, e.offset());
        assertTrue(e.getMessage().contains("flags within 0xf"), e.getMessage());
    }

    private static void assertRejectedHeader(Header h, java.util.function.Consumer<Header> damage, int offset, String expected) {
        damage.accept(h);
        h.pieceShift = TableGeometry.pieceShift(h.bucketSize(), h.alignShift); // only the field under test is wrong
        ByteBuffer buf = h.encode();
        CorruptIndexException e = assertThrows(CorruptIndexException.class, () -> Header.decode(FILE, 0, buf, SIZE));
        assertEquals(offset, e.offset(), e.getMessage());
        assertTrue(e.getMessage().contains(expected), e.getMessage());
    }

    /** A header of a file created since format version 6: every flag a new file gets, page-fit heap classes. */
    private static Header fine() {
        Header h = valid();
        h.flags = HeaderLayout.KEYED_HASH | HeaderLayout.OVERFLOW_FIRST | HeaderLayout.FINE_HEAP_CLASSES;
        return h;
    }

    @Test
    void aFineHeapClassesHeaderShouldBeWrittenAsVersion6WithEveryClassAndTheMovedFields() throws Exception {
        Header h = fine();
        assertEquals(6, h.formatVersion());
        assertSame(HeapClasses.PAGE_FIT, h.heapClasses());
        int last = HeapClasses.MAX_CLASSES - 1;
        h.heapFreeHeads[last] = HeaderLayout.DATA_START + 2048;
        h.heapFreeCounts[last] = 1;
        h.heapBlocks[last] = 2;
        h.heapFreeHeads[12] = HeaderLayout.DATA_START + 4096 + 104;
        h.heapFreeCounts[12] = 38;
        h.heapBlocks[12] = 39;
        h.heapLargeBlocks = 2;
        h.heapLargeBytes = 3 * 4096;
        ByteBuffer buf = h.encode().order(ByteOrder.LITTLE_ENDIAN);
        assertEquals(6, buf.getInt(HeaderLayout.FORMAT_VERSION_OFFSET));
        assertEquals(HeaderLayout.CHECKSUM_OFFSET, Header.checksumOffset(buf));
        assertEquals(1768, HeaderLayout.CHECKSUM_OFFSET);
        assertEquals(h.heapBlocks[last], buf.getLong(HeaderLayout.HEAP_CLASSES_OFFSET + 24 * last + 16), "the last triple ends heapClasses");
        assertEquals(2, buf.getLong(HeaderLayout.HEAP_LARGE_BLOCKS_OFFSET));
        assertEquals(3 * 4096, buf.getLong(HeaderLayout.HEAP_LARGE_BYTES_OFFSET));
        Header d = Header.decode(FILE, 0, buf, SIZE);
        assertArrayEquals(h.heapFreeHeads, d.heapFreeHeads);
        assertArrayEquals(h.heapFreeCounts, d.heapFreeCounts);
        assertArrayEquals(h.heapBlocks, d.heapBlocks);
        assertEquals(h.heapLargeBlocks, d.heapLargeBlocks);
        assertEquals(h.heapLargeBytes, d.heapLargeBytes);
        assertSame(HeapClasses.PAGE_FIT, d.copy().heapClasses());
    }

    @Test
    void aVersion5HeaderShouldKeepEightTriplesAndItsFieldsWhereTheyWere() throws Exception {
        Header h = outline();
        h.heapFreeHeads[3] = HeaderLayout.DATA_START + 128;
        h.heapFreeCounts[3] = 1;
        h.heapBlocks[3] = 32;
        h.heapLargeBlocks = 1;
        h.heapLargeBytes = 4096;
        ByteBuffer buf = h.encode().order(ByteOrder.LITTLE_ENDIAN);
        assertSame(HeapClasses.POWERS_OF_TWO, h.heapClasses());
        assertEquals(HeaderLayout.V5_CHECKSUM_OFFSET, Header.checksumOffset(buf));
        assertEquals(1, buf.getLong(HeaderLayout.V5_HEAP_LARGE_BLOCKS_OFFSET));
        assertEquals(4096, buf.getLong(HeaderLayout.V5_HEAP_LARGE_BYTES_OFFSET));
        for (int i = HeaderLayout.V5_CHECKSUM_OFFSET + 4; i < HeaderLayout.SLOT_SIZE; i++) {
            assertEquals(0, buf.get(i), "byte " + i + " of a version-5 slot stays zero");
        }
        Header d = Header.decode(FILE, 0, buf, SIZE);
        assertEquals(32, d.heapBlocks[3]);
        assertEquals(4096, d.heapLargeBytes);
        assertSame(HeapClasses.POWERS_OF_TWO, d.heapClasses());
    }

    /** A version-6 slot without the flag, or an older one with it, would read the heap triples with the wrong count. */
    @Test
    void theFineHeapClassesFlagShouldGoWithVersion6Only() {
        ByteBuffer v6 = fine().encode();
        v6.putShort(HeaderLayout.FLAGS_OFFSET, (short) (HeaderLayout.KEYED_HASH | HeaderLayout.OVERFLOW_FIRST));
        v6.putInt(Header.checksumOffset(v6), Header.checksum(v6));
        CorruptIndexException e = assertThrows(CorruptIndexException.class, () -> Header.decode(FILE, 0, v6, SIZE));
        assertEquals(HeaderLayout.FLAGS_OFFSET, e.offset());
        assertTrue(e.getMessage().contains("fine-heap-classes"), e.getMessage());

        Header h = outline();
        h.flags |= HeaderLayout.FINE_HEAP_CLASSES;
        ByteBuffer v5 = h.encode();
        v5.putInt(HeaderLayout.FORMAT_VERSION_OFFSET, 5);
        v5.putInt(Header.checksumOffset(v5), Header.checksum(v5));
        e = assertThrows(CorruptIndexException.class, () -> Header.decode(FILE, 0, v5, SIZE));
        assertEquals(HeaderLayout.FLAGS_OFFSET, e.offset());
        assertTrue(e.getMessage().contains("flags within 0x1f"), e.getMessage());
    }

    @Test
    void version6HeapFieldsAreRejectedAtTheirMovedOffsets() {
        assertRejectedHeader(fine(), h -> h.heapLargeBytes = SIZE * 4, HeaderLayout.HEAP_LARGE_BYTES_OFFSET, "large heap bytes");
        assertRejectedHeader(fine(), h -> h.heapFreeHeads[40] = 5, HeaderLayout.HEAP_CLASSES_OFFSET + 24 * 40, "heap free list head of class 40");
        assertRejectedHeader(fine(), h -> {
            h.heapBlocks[42] = 10;
            h.heapFreeCounts[42] = 11;
        }, HeaderLayout.HEAP_CLASSES_OFFSET + 24 * 42 + 8, "free heap blocks of class 42");
    }

    /** A table of values out of line created since format version 8 names their blocks by 4-byte numbers in 4-byte slots. */
    @Test
    void aValueBlockNumbersHeaderShouldBeWrittenAsVersion8AndTheFlagShouldGoWithVersion8AndOutlineValuesOnly() throws Exception {
        Header h = outline();
        h.flags |= HeaderLayout.FINE_HEAP_CLASSES | HeaderLayout.SPLIT_GROWTH | HeaderLayout.VALUE_BLOCK_NUMBERS;
        h.valueWidth = BlockNumberLayout.SIZE;
        h.pieceShift = TableGeometry.pieceShift(h.bucketSize(), h.alignShift);
        assertEquals(8, h.formatVersion());
        ByteBuffer buf = h.encode().order(ByteOrder.LITTLE_ENDIAN);
        assertEquals(8, buf.getInt(HeaderLayout.FORMAT_VERSION_OFFSET));
        assertEquals(HeaderLayout.CHECKSUM_OFFSET, Header.checksumOffset(buf));
        Header d = Header.decode(FILE, 0, buf, SIZE);
        assertTrue(d.valueBlockNumbers() && d.outlineValues());
        assertEquals(16 + 8 * 8 + 8 * 4, BucketLayout.of(d).size(), "8-byte keys and 4-byte value slots");

        // A version-8 slot without the flag would read 12-byte slots as 4-byte ones.
        ByteBuffer v8 = h.encode();
        v8.putShort(HeaderLayout.FLAGS_OFFSET, (short) (h.flags & ~HeaderLayout.VALUE_BLOCK_NUMBERS));
        v8.putInt(Header.checksumOffset(v8), Header.checksum(v8));
        CorruptIndexException e = assertThrows(CorruptIndexException.class, () -> Header.decode(FILE, 0, v8, SIZE));
        assertEquals(HeaderLayout.FLAGS_OFFSET, e.offset());
        assertTrue(e.getMessage().contains("value-block-numbers"), e.getMessage());
        // Version 7 did not know the flag.
        ByteBuffer v7 = h.encode();
        v7.putInt(HeaderLayout.FORMAT_VERSION_OFFSET, 7);
        v7.putInt(Header.checksumOffset(v7), Header.checksum(v7));
        e = assertThrows(CorruptIndexException.class, () -> Header.decode(FILE, 0, v7, SIZE));
        assertEquals(HeaderLayout.FLAGS_OFFSET, e.offset());
        assertTrue(e.getMessage().contains("flags within 0x7f"), e.getMessage());
        // The flag needs values out of line, and then a 4-byte slot.
        Header noOutline = fine();
        noOutline.flags |= HeaderLayout.SPLIT_GROWTH | HeaderLayout.VALUE_BLOCK_NUMBERS;
        assertRejectedHeader(noOutline, x -> { }, HeaderLayout.FLAGS_OFFSET, "outline-values flag");
        Header wide = h.copy();
        assertRejectedHeader(wide, x -> x.valueWidth = VarSlotLayout.OUTLINE_SLOT_WIDTH, HeaderLayout.VALUE_WIDTH_OFFSET, "4-byte reference slot");
        Header old = outline();
        assertRejectedHeader(old, x -> x.valueWidth = BlockNumberLayout.SIZE, HeaderLayout.VALUE_WIDTH_OFFSET, "12-byte reference slot");
    }

    /** A file created since format version 7 splits buckets in place when it doubles; its header layout is version 6's. */
    @Test
    void aSplitGrowthHeaderShouldBeWrittenAsVersion7AndTheFlagShouldGoWithVersion7Only() throws Exception {
        Header h = fine();
        h.flags |= HeaderLayout.SPLIT_GROWTH;
        assertEquals(7, h.formatVersion());
        assertSame(HeapClasses.PAGE_FIT, h.heapClasses());
        ByteBuffer buf = h.encode().order(ByteOrder.LITTLE_ENDIAN);
        assertEquals(7, buf.getInt(HeaderLayout.FORMAT_VERSION_OFFSET));
        assertEquals(HeaderLayout.CHECKSUM_OFFSET, Header.checksumOffset(buf));
        Header d = Header.decode(FILE, 0, buf, SIZE);
        assertTrue(d.splitGrowth());
        assertEquals(6, fine().formatVersion(), "a version-6 file stays version 6");

        ByteBuffer v7 = h.encode();
        v7.putShort(HeaderLayout.FLAGS_OFFSET, (short) (HeaderLayout.KEYED_HASH | HeaderLayout.OVERFLOW_FIRST | HeaderLayout.FINE_HEAP_CLASSES));
        v7.putInt(Header.checksumOffset(v7), Header.checksum(v7));
        CorruptIndexException e = assertThrows(CorruptIndexException.class, () -> Header.decode(FILE, 0, v7, SIZE));
        assertEquals(HeaderLayout.FLAGS_OFFSET, e.offset());
        assertTrue(e.getMessage().contains("split-growth"), e.getMessage());

        ByteBuffer v6 = h.encode();
        v6.putInt(HeaderLayout.FORMAT_VERSION_OFFSET, 6);
        v6.putInt(Header.checksumOffset(v6), Header.checksum(v6));
        e = assertThrows(CorruptIndexException.class, () -> Header.decode(FILE, 0, v6, SIZE));
        assertEquals(HeaderLayout.FLAGS_OFFSET, e.offset());
        assertTrue(e.getMessage().contains("flags within 0x3f"), e.getMessage());
    }

    @Test
    void aDoublingSplitsInPlaceOnlyWithTheFlagAndFromAWholePiece() {
        Header h = fine();
        assertFalse(h.splitsInPlace(h.pieceShift + 3), "a version-6 file copies");
        h.flags |= HeaderLayout.SPLIT_GROWTH;
        assertFalse(h.splitsInPlace(h.pieceShift - 1), "an array of one partial piece is copied");
        assertTrue(h.splitsInPlace(h.pieceShift));
        h.b = h.pieceShift + 1;
        h.oldB = h.pieceShift;
        h.growFlags = HeaderLayout.GROWING;
        assertTrue(h.splittingInPlace());
        h.growFlags = HeaderLayout.GROWING | HeaderLayout.SAME_SIZE;
        assertFalse(h.splittingInPlace(), "a same-size growth copies");
    }
}
