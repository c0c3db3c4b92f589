package io.bucketdb.storage;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Path;
import java.util.zip.CRC32C;

import static io.bucketdb.storage.HeaderLayout.*;

/**
 * The header's values in memory. The table mutates them on the writer thread; a checkpoint (or a
 * clean close) encodes them into the other header slot. Fields are public because this is a plain
 * record of the header bytes, laid out in {@link HeaderLayout}; {@link #decode} validates them.
 */
public final class Header {
    public int keyWidth;
    public int valueWidth;
    public int pieceShift;
    public int alignShift;
    public long hashSeed;
    public int b;
    public int oldB;
    public int growFlags;
    public int flags;
    public long count;
    public long noverflow;
    public long overflowBuckets;
    public long nevacuate;
    public long bucketDir;
    public long oldBucketDir;
    public long fileEnd;
    public long wastedBytes;
    public long ovfFreeHead;
    public long ovfFreeCount;
    public long ovfPageHead;
    public long ovfPageCount;
    public long ovfBumpNext;
    public long ovfBumpEnd;
    public long checkpointLsn;
    public long generation;
    public boolean cleanClose;
    public final long[] freeHeads = new long[ExtentClasses.COUNT];
    public final long[] freeCounts = new long[ExtentClasses.COUNT];

    /** A header of zeros, to be filled in; {@link #decode} reads one from its bytes. */
    public Header() {
    }

    /** {@return whether a growth is in progress} */
    public boolean growing() {
        return (growFlags & GROWING) != 0;
    }

    /** {@return whether the growth in progress keeps B (packs overflow chains)} */
    public boolean sameSizeGrow() {
        return (growFlags & SAME_SIZE) != 0;
    }

    /** Size of one bucket for this header's widths. */
    public int bucketSize() {
        return BucketLayout.of(keyWidth, valueWidth).size();
    }

    /** A copy, so a checkpoint can encode the header as it was at its LSN. */
    public Header copy() {
        Header h = new Header();
        h.keyWidth = keyWidth;
        h.valueWidth = valueWidth;
        h.pieceShift = pieceShift;
        h.alignShift = alignShift;
        h.hashSeed = hashSeed;
        h.b = b;
        h.oldB = oldB;
        h.growFlags = growFlags;
        h.flags = flags;
        h.count = count;
        h.noverflow = noverflow;
        h.overflowBuckets = overflowBuckets;
        h.nevacuate = nevacuate;
        h.bucketDir = bucketDir;
        h.oldBucketDir = oldBucketDir;
        h.fileEnd = fileEnd;
        h.wastedBytes = wastedBytes;
        h.ovfFreeHead = ovfFreeHead;
        h.ovfFreeCount = ovfFreeCount;
        h.ovfPageHead = ovfPageHead;
        h.ovfPageCount = ovfPageCount;
        h.ovfBumpNext = ovfBumpNext;
        h.ovfBumpEnd = ovfBumpEnd;
        h.checkpointLsn = checkpointLsn;
        h.generation = generation;
        h.cleanClose = cleanClose;
        System.arraycopy(freeHeads, 0, h.freeHeads, 0, freeHeads.length);
        System.arraycopy(freeCounts, 0, h.freeCounts, 0, freeCounts.length);
        return h;
    }

    /** Encodes this header into a fresh slot-sized buffer, checksum included. */
    public ByteBuffer encode() {
        ByteBuffer buf = ByteBuffer.allocate(SLOT_SIZE).order(ByteOrder.LITTLE_ENDIAN);
        buf.putLong(MAGIC_OFFSET, MAGIC);
        buf.putInt(FORMAT_VERSION_OFFSET, FORMAT_VERSION);
        buf.putInt(SLOT_SIZE_OFFSET, SLOT_SIZE);
        buf.putInt(KEY_WIDTH_OFFSET, keyWidth);
        buf.putInt(VALUE_WIDTH_OFFSET, valueWidth);
        buf.putInt(PIECE_SHIFT_OFFSET, pieceShift);
        buf.putInt(ALIGN_SHIFT_OFFSET, alignShift);
        buf.putLong(HASH_SEED_OFFSET, hashSeed);
        buf.putInt(B_OFFSET, b);
        buf.putInt(OLD_B_OFFSET, oldB);
        buf.putInt(GROW_FLAGS_OFFSET, growFlags);
        buf.putInt(FLAGS_OFFSET, flags);
        buf.putLong(COUNT_OFFSET, count);
        buf.putLong(NOVERFLOW_OFFSET, noverflow);
        buf.putLong(OVERFLOW_BUCKETS_OFFSET, overflowBuckets);
        buf.putLong(NEVACUATE_OFFSET, nevacuate);
        buf.putLong(BUCKET_DIR_OFFSET, bucketDir);
        buf.putLong(OLD_BUCKET_DIR_OFFSET, oldBucketDir);
        buf.putLong(FILE_END_OFFSET, fileEnd);
        buf.putLong(WASTED_BYTES_OFFSET, wastedBytes);
        buf.putLong(OVF_FREE_HEAD_OFFSET, ovfFreeHead);
        buf.putLong(OVF_FREE_COUNT_OFFSET, ovfFreeCount);
        buf.putLong(OVF_PAGE_HEAD_OFFSET, ovfPageHead);
        buf.putLong(OVF_PAGE_COUNT_OFFSET, ovfPageCount);
        buf.putLong(OVF_BUMP_NEXT_OFFSET, ovfBumpNext);
        buf.putLong(OVF_BUMP_END_OFFSET, ovfBumpEnd);
        buf.putLong(CHECKPOINT_LSN_OFFSET, checkpointLsn);
        buf.putLong(GENERATION_OFFSET, generation);
        buf.putLong(CLEAN_CLOSE_OFFSET, cleanClose ? 1 : 0);
        for (int c = 0; c < ExtentClasses.COUNT; c++) {
            buf.putLong(FREE_LISTS_OFFSET + 16 * c, freeHeads[c]);
            buf.putLong(FREE_LISTS_OFFSET + 16 * c + 8, freeCounts[c]);
        }
        buf.putInt(CHECKSUM_OFFSET, checksum(buf));
        return buf;
    }

    /** Whether the slot's stored CRC32C matches its bytes (without validating the fields). */
    public static boolean checksumMatches(ByteBuffer slot) {
        return slot.duplicate().order(ByteOrder.LITTLE_ENDIAN).getInt(CHECKSUM_OFFSET) == checksum(slot);
    }

    static int checksum(ByteBuffer slot) {
        CRC32C crc = new CRC32C();
        crc.update(slot.duplicate().position(0).limit(CHECKSUM_OFFSET));
        return (int) crc.getValue();
    }

    /**
     * Decodes and validates one slot read from {@code file} at {@code slotOffset}.
     *
     * @param fileSize the file's size, to reject references beyond it
     * @throws CorruptIndexException naming the file, the offset of the bad field and what was expected
     */
    public static Header decode(Path file, long slotOffset, ByteBuffer slot, long fileSize) throws CorruptIndexException {
        slot = slot.duplicate().order(ByteOrder.LITTLE_ENDIAN);
        long magic = slot.getLong(MAGIC_OFFSET);
        if (magic != MAGIC) {
            throw new CorruptIndexException(file, slotOffset + MAGIC_OFFSET,
                    String.format("magic 0x%016x (\"BUCKETDB\"), found 0x%016x: not a BucketDB table file", MAGIC, magic));
        }
        int stored = slot.getInt(CHECKSUM_OFFSET);
        int actual = checksum(slot);
        if (stored != actual) {
            throw new CorruptIndexException(file, slotOffset + CHECKSUM_OFFSET,
                    String.format("header CRC32C 0x%08x, found 0x%08x", actual, stored));
        }
        int version = slot.getInt(FORMAT_VERSION_OFFSET);
        if (version != FORMAT_VERSION) {
            throw new CorruptIndexException(file, slotOffset + FORMAT_VERSION_OFFSET,
                    "format version " + FORMAT_VERSION + ", found " + version
                            + (version > FORMAT_VERSION ? " (written by a newer BucketDB)" : ""));
        }
        Header h = new Header();
        h.keyWidth = slot.getInt(KEY_WIDTH_OFFSET);
        h.valueWidth = slot.getInt(VALUE_WIDTH_OFFSET);
        h.pieceShift = slot.getInt(PIECE_SHIFT_OFFSET);
        h.alignShift = slot.getInt(ALIGN_SHIFT_OFFSET);
        h.hashSeed = slot.getLong(HASH_SEED_OFFSET);
        h.b = slot.getInt(B_OFFSET);
        h.oldB = slot.getInt(OLD_B_OFFSET);
        h.growFlags = slot.getInt(GROW_FLAGS_OFFSET);
        h.flags = slot.getInt(FLAGS_OFFSET);
        h.count = slot.getLong(COUNT_OFFSET);
        h.noverflow = slot.getLong(NOVERFLOW_OFFSET);
        h.overflowBuckets = slot.getLong(OVERFLOW_BUCKETS_OFFSET);
        h.nevacuate = slot.getLong(NEVACUATE_OFFSET);
        h.bucketDir = slot.getLong(BUCKET_DIR_OFFSET);
        h.oldBucketDir = slot.getLong(OLD_BUCKET_DIR_OFFSET);
        h.fileEnd = slot.getLong(FILE_END_OFFSET);
        h.wastedBytes = slot.getLong(WASTED_BYTES_OFFSET);
        h.ovfFreeHead = slot.getLong(OVF_FREE_HEAD_OFFSET);
        h.ovfFreeCount = slot.getLong(OVF_FREE_COUNT_OFFSET);
        h.ovfPageHead = slot.getLong(OVF_PAGE_HEAD_OFFSET);
        h.ovfPageCount = slot.getLong(OVF_PAGE_COUNT_OFFSET);
        h.ovfBumpNext = slot.getLong(OVF_BUMP_NEXT_OFFSET);
        h.ovfBumpEnd = slot.getLong(OVF_BUMP_END_OFFSET);
        h.checkpointLsn = slot.getLong(CHECKPOINT_LSN_OFFSET);
        h.generation = slot.getLong(GENERATION_OFFSET);
        h.cleanClose = slot.getLong(CLEAN_CLOSE_OFFSET) != 0;
        for (int c = 0; c < ExtentClasses.COUNT; c++) {
            h.freeHeads[c] = slot.getLong(FREE_LISTS_OFFSET + 16 * c);
            h.freeCounts[c] = slot.getLong(FREE_LISTS_OFFSET + 16 * c + 8);
        }
        h.validate(file, slotOffset, fileSize);
        return h;
    }

    private void validate(Path file, long slot, long fileSize) throws CorruptIndexException {
        check(file, slot + KEY_WIDTH_OFFSET, keyWidth >= 1 && keyWidth <= BucketLayout.MAX_WIDTH,
                "key width 1.." + BucketLayout.MAX_WIDTH + ", found " + keyWidth);
        check(file, slot + VALUE_WIDTH_OFFSET, valueWidth >= 0 && valueWidth <= BucketLayout.MAX_WIDTH,
                "value width 0.." + BucketLayout.MAX_WIDTH + ", found " + valueWidth);
        check(file, slot + ALIGN_SHIFT_OFFSET, alignShift >= TableGeometry.MIN_ALIGN_SHIFT && alignShift <= TableGeometry.MAX_ALIGN_SHIFT,
                "align shift " + TableGeometry.MIN_ALIGN_SHIFT + ".." + TableGeometry.MAX_ALIGN_SHIFT + ", found " + alignShift);
        int expectedPieceShift = TableGeometry.pieceShift(bucketSize(), alignShift);
        check(file, slot + PIECE_SHIFT_OFFSET, pieceShift == expectedPieceShift,
                "piece shift " + expectedPieceShift + " for " + bucketSize() + "-byte buckets, found " + pieceShift);
        check(file, slot + B_OFFSET, b >= 0 && b <= TableGeometry.MAX_B, "B 0.." + TableGeometry.MAX_B + ", found " + b);
        check(file, slot + GROW_FLAGS_OFFSET, (growFlags & ~(GROWING | SAME_SIZE)) == 0 && (growFlags != SAME_SIZE),
                "grow flags 0, 1 (growing) or 3 (same-size growing), found " + growFlags);
        check(file, slot + FLAGS_OFFSET, flags == 0, "flags 0, found " + flags);
        if (growing()) {
            int expectedOld = sameSizeGrow() ? b : b - 1;
            check(file, slot + OLD_B_OFFSET, oldB == expectedOld && oldB >= 0, "old B " + expectedOld + " while growing, found " + oldB);
            check(file, slot + NEVACUATE_OFFSET, nevacuate >= 0 && nevacuate <= (1L << oldB),
                    "nevacuate 0.." + (1L << oldB) + ", found " + nevacuate);
            checkRef(file, slot + OLD_BUCKET_DIR_OFFSET, oldBucketDir, "old bucket directory");
        } else {
            check(file, slot + OLD_BUCKET_DIR_OFFSET, oldBucketDir == 0, "no old bucket directory when not growing, found " + oldBucketDir);
        }
        check(file, slot + FILE_END_OFFSET, fileEnd >= HeaderLayout.DATA_START && fileEnd <= fileSize,
                "allocation end between " + HeaderLayout.DATA_START + " and the file size " + fileSize + ", found " + fileEnd);
        checkRef(file, slot + BUCKET_DIR_OFFSET, bucketDir, "bucket directory");
        long buckets = 1L << b;
        check(file, slot + B_OFFSET, buckets <= fileEnd / bucketSize(), "B small enough for 2^B buckets to fit " + fileEnd + " bytes, found B=" + b);
        long slots = (buckets + (growing() ? 1L << oldB : 0) + Math.max(0, overflowBuckets)) * BucketLayout.SLOTS;
        check(file, slot + COUNT_OFFSET, count >= 0 && count <= slots, "count 0.." + slots + " (slots in the table), found " + count);
        check(file, slot + OVERFLOW_BUCKETS_OFFSET, overflowBuckets >= 0 && overflowBuckets * bucketSize() <= fileEnd,
                "overflow buckets that fit in the file, found " + overflowBuckets);
        check(file, slot + NOVERFLOW_OFFSET, noverflow >= 0 && noverflow <= overflowBuckets,
                "noverflow 0.." + overflowBuckets + ", found " + noverflow);
        if (ovfFreeHead != 0) {
            checkRef(file, slot + OVF_FREE_HEAD_OFFSET, ovfFreeHead, "overflow free list head");
        }
        if (ovfPageHead != 0) {
            checkRef(file, slot + OVF_PAGE_HEAD_OFFSET, ovfPageHead, "overflow page list head");
        }
        check(file, slot + OVF_BUMP_NEXT_OFFSET, ovfBumpNext >= 0 && ovfBumpNext <= ovfBumpEnd && ovfBumpEnd <= fileEnd,
                "overflow bump range within the file, found [" + ovfBumpNext + ", " + ovfBumpEnd + ")");
        for (int c = 0; c < ExtentClasses.COUNT; c++) {
            if (freeHeads[c] != 0) {
                checkRef(file, slot + FREE_LISTS_OFFSET + 16L * c, freeHeads[c], "free list head of class " + c);
            }
            check(file, slot + FREE_LISTS_OFFSET + 16L * c + 8, freeCounts[c] >= 0 && freeCounts[c] <= fileEnd / ExtentClasses.PAGE_SIZE,
                    "free extent count of class " + c + " that fits the file, found " + freeCounts[c]);
        }
    }

    private void checkRef(Path file, long at, long ref, String what) throws CorruptIndexException {
        check(file, at, ref >= HeaderLayout.DATA_START && ref < fileEnd,
                what + " within [" + HeaderLayout.DATA_START + ", " + fileEnd + "), found " + ref);
    }

    private static void check(Path file, long at, boolean ok, String expected) throws CorruptIndexException {
        if (!ok) {
            throw new CorruptIndexException(file, at, expected);
        }
    }
}
