package io.bucketdb.storage;

import io.bucketdb.spi.CorruptIndexException;

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
    /**
     * Bytes of a key slot in a bucket, 1 to {@link BucketLayout#MAX_WIDTH}; a variable-length key's slot width when
     * {@link #varKeys()}.
     */
    public int keyWidth;
    /**
     * Bytes of a value slot in a bucket, 0 to {@link BucketLayout#MAX_WIDTH}; a variable-length value's slot width when
     * {@link #varValues()}.
     */
    public int valueWidth;
    /** Log2 of the buckets in one piece of a bucket array (see {@link TableGeometry#pieceShift}). */
    public int pieceShift;
    /**
     * Log2 of the boundary that no piece or overflow page straddles, {@link TableGeometry#MIN_ALIGN_SHIFT} to
     * {@link TableGeometry#MAX_ALIGN_SHIFT}.
     */
    public int alignShift;
    /** Seed of the key hash, chosen at creation and never changed. */
    public long hashSeed;
    /** Log2 of the number of buckets in the current array, 0 to {@link TableGeometry#MAX_B}. */
    public int b;
    /**
     * Log2 of the buckets of the array being evacuated while {@link #growing()}: {@code b - 1}, or {@code b} for a
     * same-size growth.
     */
    public int oldB;
    /** Growth state: bits {@link HeaderLayout#GROWING} and {@link HeaderLayout#SAME_SIZE}. */
    public int growFlags;
    /**
     * Format flags: bits {@link HeaderLayout#VAR_KEYS}, {@link HeaderLayout#VAR_VALUES}, {@link HeaderLayout#KEYED_HASH},
     * {@link HeaderLayout#OVERFLOW_FIRST}, {@link HeaderLayout#OUTLINE_VALUES} and {@link HeaderLayout#FINE_HEAP_CLASSES}.
     */
    public int flags;
    /** With {@link HeaderLayout#OUTLINE_VALUES}, the width of every value (kept in the value heap); else 0. */
    public int outlineValueWidth;
    /** Number of entries in the table. */
    public long count;
    /** Overflow buckets in the chains of the current array; a same-size growth starts when it reaches 2^B. */
    public long noverflow;
    /** Overflow buckets in use, in the chains of the current and (while growing) the old array. */
    public long overflowBuckets;
    /** While growing, old buckets with an index below this are evacuated (0 to 2^oldB). */
    public long nevacuate;
    /** File offset of the current bucket array's directory ({@link PieceDirectoryLayout}). */
    public long bucketDir;
    /** File offset of the old bucket array's directory while growing, else 0. */
    public long oldBucketDir;
    /** End of the allocated space: the file offset where the next fresh allocation starts. */
    public long fileEnd;
    /**
     * Bytes lost to alignment gaps between extents (space skipped so an extent does not straddle an alignment
     * boundary).
     */
    public long wastedBytes;
    /** File offset of the first free overflow bucket, 0 for an empty free list. */
    public long ovfFreeHead;
    /** Overflow buckets on the free list. */
    public long ovfFreeCount;
    /** File offset of the newest overflow page ({@link OverflowPageLayout}), 0 for none. */
    public long ovfPageHead;
    /** Overflow pages allocated. */
    public long ovfPageCount;
    /** File offset of the next overflow bucket to carve from the current overflow page. */
    public long ovfBumpNext;
    /** End (exclusive) of the current overflow page's bucket space; carving stops there. */
    public long ovfBumpEnd;
    /** Journal LSN the table state includes: replay on open starts after it. */
    public long checkpointLsn;
    /** Incremented by each header write; open takes the valid slot with the highest generation. */
    public long generation;
    /** Whether this header was written by a clean close (no replay or repair needed on open). */
    public boolean cleanClose;
    /** Head offset of each extent class's free list ({@link ExtentClasses}), 0 for empty; indexed by class. */
    public final long[] freeHeads = new long[ExtentClasses.COUNT];
    /** Free extents on each extent class's free list; indexed by class. */
    public final long[] freeCounts = new long[ExtentClasses.COUNT];
    /**
     * Head offset of each small value-heap class's free block list, 0 for empty; indexed by class of
     * {@link #heapClasses()} (entries beyond its count stay 0).
     */
    public final long[] heapFreeHeads = new long[HeapClasses.MAX_CLASSES];
    /** Free blocks on each small value-heap class's free list; indexed by class. */
    public final long[] heapFreeCounts = new long[HeapClasses.MAX_CLASSES];
    /** Blocks carved so far (in use or free) in each small value-heap class; indexed by class. */
    public final long[] heapBlocks = new long[HeapClasses.MAX_CLASSES];
    /** Value-heap blocks held in raw extents (values larger than the largest small class). */
    public long heapLargeBlocks;
    /** Bytes of the extents that hold large value-heap blocks. */
    public long heapLargeBytes;

    /** {@return whether keys are variable-length ({@link HeaderLayout#VAR_KEYS})} */
    public boolean varKeys() {
        return (flags & VAR_KEYS) != 0;
    }

    /** {@return whether values are variable-length ({@link HeaderLayout#VAR_VALUES})} */
    public boolean varValues() {
        return (flags & VAR_VALUES) != 0;
    }

    /**
     * {@return whether values are fixed-width and kept out of line, in the value heap ({@link HeaderLayout#OUTLINE_VALUES}):
     * then {@link #varValues()} is true too, {@link #valueWidth} is the reference slot's width and
     * {@link #outlineValueWidth} the values' width}
     */
    public boolean outlineValues() {
        return (flags & OUTLINE_VALUES) != 0;
    }

    /**
     * {@return whether out-of-line values' slots hold 4-byte block numbers ({@link HeaderLayout#VALUE_BLOCK_NUMBERS},
     * format version 8): then {@link #outlineValues()} is true too and {@link #valueWidth} is 4}
     */
    public boolean valueBlockNumbers() {
        return (flags & VALUE_BLOCK_NUMBERS) != 0;
    }

    /**
     * {@return whether keys hash with secrets derived from {@link #hashSeed} ({@link HeaderLayout#KEYED_HASH}); false
     * for a file created before format version 3, whose keys hash with rapidhash V3's public secrets}
     */
    public boolean keyedHash() {
        return (flags & KEYED_HASH) != 0;
    }

    /**
     * {@return whether buckets keep the overflow reference after the tophash bytes ({@link HeaderLayout#OVERFLOW_FIRST},
     * format version 4); false for a file created before, whose buckets end with it}
     */
    public boolean overflowFirst() {
        return (flags & OVERFLOW_FIRST) != 0;
    }

    /**
     * {@return the value heap's size classes ({@link HeapClasses#PAGE_FIT} with {@link HeaderLayout#FINE_HEAP_CLASSES},
     * else {@link HeapClasses#POWERS_OF_TWO})}
     */
    public HeapClasses heapClasses() {
        return HeapClasses.of(flags);
    }

    /**
     * {@return the format version this header is written with: the oldest whose flags it uses, so a file keeps
     * opening with the code that created it (8 with {@link HeaderLayout#VALUE_BLOCK_NUMBERS}, else 7 with
     * {@link HeaderLayout#SPLIT_GROWTH}, else 6 with
     * {@link HeaderLayout#FINE_HEAP_CLASSES}, else 5 with
     * {@link HeaderLayout#OUTLINE_VALUES}, else 4 with {@link HeaderLayout#OVERFLOW_FIRST}, else 3 with
     * {@link HeaderLayout#KEYED_HASH}, else 2)}
     */
    public int formatVersion() {
        return valueBlockNumbers() ? FORMAT_VERSION : (flags & SPLIT_GROWTH) != 0 ? SPLIT_GROWTH_FORMAT_VERSION : (flags & FINE_HEAP_CLASSES) != 0 ? FINE_HEAP_FORMAT_VERSION : outlineValues() ? OUTLINE_FORMAT_VERSION
                : overflowFirst() ? OVERFLOW_FIRST_FORMAT_VERSION : keyedHash() ? KEYED_FORMAT_VERSION : UNKEYED_FORMAT_VERSION;
    }

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

    /** {@return whether this file's doublings split buckets in place when they can ({@link HeaderLayout#SPLIT_GROWTH})} */
    public boolean splitGrowth() {
        return (flags & SPLIT_GROWTH) != 0;
    }

    /**
     * {@return whether a doubling from {@code oldB} splits in place: the file has {@link HeaderLayout#SPLIT_GROWTH} and
     * the old array is at least one whole piece ({@code oldB >= pieceShift}), so the new array can be its pieces
     * followed by new ones of the same class; smaller arrays (one partial piece) are copied into a fresh array}
     *
     * @param oldB log2 of the old array's buckets
     */
    public boolean splitsInPlace(int oldB) {
        return splitGrowth() && oldB >= pieceShift;
    }

    /**
     * {@return whether the growth in progress is an in-place split ({@link #splitsInPlace}): old bucket {@code i} is
     * bucket {@code i} of the new array, and it is split (its entries with hash bit {@code oldB} set moved to bucket
     * {@code i + 2^oldB}) exactly when {@code i < nevacuate}, because a split growth splits in order, at the mark only}
     */
    public boolean splittingInPlace() {
        return growing() && !sameSizeGrow() && splitsInPlace(oldB);
    }

    /** {@return the size in bytes of one bucket for this header's key and value widths} */
    public int bucketSize() {
        return BucketLayout.of(this).size();
    }

    /**
     * A copy, so a checkpoint can encode the header as it was at its LSN.
     *
     * @return a new header with the same values and its own arrays
     */
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
        h.outlineValueWidth = outlineValueWidth;
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
        System.arraycopy(heapFreeHeads, 0, h.heapFreeHeads, 0, heapFreeHeads.length);
        System.arraycopy(heapFreeCounts, 0, h.heapFreeCounts, 0, heapFreeCounts.length);
        System.arraycopy(heapBlocks, 0, h.heapBlocks, 0, heapBlocks.length);
        h.heapLargeBlocks = heapLargeBlocks;
        h.heapLargeBytes = heapLargeBytes;
        return h;
    }

    /**
     * Encodes this header into a fresh slot-sized buffer, checksum included.
     *
     * @return a little-endian buffer of {@link HeaderLayout#SLOT_SIZE} bytes, positioned at 0
     */
    public ByteBuffer encode() {
        ByteBuffer buf = ByteBuffer.allocate(SLOT_SIZE).order(ByteOrder.LITTLE_ENDIAN);
        buf.putLong(MAGIC_OFFSET, MAGIC);
        // Only the flags that need a newer version raise it: a file without them stays readable by the code that wrote it.
        buf.putInt(FORMAT_VERSION_OFFSET, formatVersion());
        buf.putInt(SLOT_SIZE_OFFSET, SLOT_SIZE);
        buf.putInt(KEY_WIDTH_OFFSET, keyWidth);
        buf.putInt(VALUE_WIDTH_OFFSET, valueWidth);
        buf.putInt(PIECE_SHIFT_OFFSET, pieceShift);
        buf.putInt(ALIGN_SHIFT_OFFSET, alignShift);
        buf.putLong(HASH_SEED_OFFSET, hashSeed);
        buf.putInt(B_OFFSET, b);
        buf.putInt(OLD_B_OFFSET, oldB);
        buf.putInt(GROW_FLAGS_OFFSET, growFlags);
        buf.putShort(FLAGS_OFFSET, (short) flags);
        buf.putShort(OUTLINE_VALUE_WIDTH_OFFSET, (short) outlineValueWidth);
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
        // The file's scheme decides how many class triples there are and so where the fields after them sit.
        HeapClasses classes = heapClasses();
        for (int c = 0; c < classes.count(); c++) {
            buf.putLong(HEAP_CLASSES_OFFSET + HEAP_CLASS_SIZE * c, heapFreeHeads[c]);
            buf.putLong(HEAP_CLASSES_OFFSET + HEAP_CLASS_SIZE * c + 8, heapFreeCounts[c]);
            buf.putLong(HEAP_CLASSES_OFFSET + HEAP_CLASS_SIZE * c + 16, heapBlocks[c]);
        }
        buf.putLong(heapLargeBlocksOffset(classes), heapLargeBlocks);
        buf.putLong(heapLargeBytesOffset(classes), heapLargeBytes);
        buf.putInt(checksumOffset(buf), checksum(buf));
        return buf;
    }

    /**
     * Whether the slot's stored CRC32C matches its bytes (without validating the fields); any readable version.
     *
     * @param slot the bytes of one header slot, from position 0
     * @return true if the stored checksum equals the CRC32C of the bytes before it
     */
    public static boolean checksumMatches(ByteBuffer slot) {
        return storedChecksum(slot) == checksum(slot);
    }

    /**
     * The CRC32C stored in a slot, where its format version keeps it (version 1:
     * {@link HeaderLayout#V1_CHECKSUM_OFFSET}).
     *
     * @param slot the bytes of one header slot, from position 0
     * @return the stored checksum
     */
    public static int storedChecksum(ByteBuffer slot) {
        return slot.duplicate().order(ByteOrder.LITTLE_ENDIAN).getInt(checksumOffset(slot));
    }

    /**
     * Where the slot's format version keeps the checksum; an unknown version is taken as the current one.
     *
     * @param slot the bytes of one header slot, from position 0
     * @return the checksum's offset within the slot
     */
    public static int checksumOffset(ByteBuffer slot) {
        return HeaderLayout.checksumOffset(slot.duplicate().order(ByteOrder.LITTLE_ENDIAN).getInt(FORMAT_VERSION_OFFSET));
    }

    static int checksum(ByteBuffer slot) {
        CRC32C crc = new CRC32C();
        crc.update(slot.duplicate().position(0).limit(checksumOffset(slot)));
        return (int) crc.getValue();
    }

    /**
     * Decodes and validates one slot read from {@code file} at {@code slotOffset}.
     *
     * @param file the table file, named in errors
     * @param slotOffset the slot's file offset ({@link HeaderLayout#SLOT_A} or {@link HeaderLayout#SLOT_B}), to report
     *     absolute offsets
     * @param slot the slot's bytes, from position 0
     * @param fileSize the file's size, to reject references beyond it
     * @return the decoded header (a version-1 header with an empty heap and no flags)
     * @throws CorruptIndexException naming the file, the offset of the bad field and what was expected
     */
    public static Header decode(Path file, long slotOffset, ByteBuffer slot, long fileSize) throws CorruptIndexException {
        slot = slot.duplicate().order(ByteOrder.LITTLE_ENDIAN);
        long magic = slot.getLong(MAGIC_OFFSET);
        if (magic != MAGIC) {
            throw new CorruptIndexException(file, slotOffset + MAGIC_OFFSET,
                    String.format("magic 0x%016x (\"BUCKETDB\"), found 0x%016x: not a BucketDB table file", MAGIC, magic));
        }
        int stored = storedChecksum(slot);
        int actual = checksum(slot);
        if (stored != actual) {
            throw new CorruptIndexException(file, slotOffset + checksumOffset(slot),
                    String.format("header CRC32C 0x%08x, found 0x%08x", actual, stored));
        }
        int version = slot.getInt(FORMAT_VERSION_OFFSET);
        if (version < MIN_FORMAT_VERSION || version > FORMAT_VERSION) {
            throw new CorruptIndexException(file, slotOffset + FORMAT_VERSION_OFFSET,
                    "format version " + MIN_FORMAT_VERSION + ".." + FORMAT_VERSION + ", found " + version
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
        h.flags = Short.toUnsignedInt(slot.getShort(FLAGS_OFFSET));
        h.outlineValueWidth = Short.toUnsignedInt(slot.getShort(OUTLINE_VALUE_WIDTH_OFFSET));
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
        // Version 1 had 32 free lists and no heap: its free lists are a prefix of ours, the heap is empty.
        int lists = version == 1 ? V1_FREE_LISTS : ExtentClasses.COUNT;
        for (int c = 0; c < lists; c++) {
            h.freeHeads[c] = slot.getLong(FREE_LISTS_OFFSET + 16 * c);
            h.freeCounts[c] = slot.getLong(FREE_LISTS_OFFSET + 16 * c + 8);
        }
        if (version >= 2) {
            // Read with the scheme the version implies (a flag the version does not know is rejected by validate).
            HeapClasses classes = version >= FINE_HEAP_FORMAT_VERSION ? HeapClasses.PAGE_FIT : HeapClasses.POWERS_OF_TWO;
            for (int c = 0; c < classes.count(); c++) {
                h.heapFreeHeads[c] = slot.getLong(HEAP_CLASSES_OFFSET + HEAP_CLASS_SIZE * c);
                h.heapFreeCounts[c] = slot.getLong(HEAP_CLASSES_OFFSET + HEAP_CLASS_SIZE * c + 8);
                h.heapBlocks[c] = slot.getLong(HEAP_CLASSES_OFFSET + HEAP_CLASS_SIZE * c + 16);
            }
            h.heapLargeBlocks = slot.getLong(heapLargeBlocksOffset(classes));
            h.heapLargeBytes = slot.getLong(heapLargeBytesOffset(classes));
        }
        h.validate(file, slotOffset, fileSize, version);
        return h;
    }

    private void validate(Path file, long slot, long fileSize, int version) throws CorruptIndexException {
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
        int knownFlags = version == 1 ? 0 : version == 2 ? VAR_KEYS | VAR_VALUES
                : version == 3 ? VAR_KEYS | VAR_VALUES | KEYED_HASH : version == 4 ? VAR_KEYS | VAR_VALUES | KEYED_HASH | OVERFLOW_FIRST
                : version == OUTLINE_FORMAT_VERSION ? VAR_KEYS | VAR_VALUES | KEYED_HASH | OVERFLOW_FIRST | OUTLINE_VALUES
                : version == FINE_HEAP_FORMAT_VERSION ? VAR_KEYS | VAR_VALUES | KEYED_HASH | OVERFLOW_FIRST | OUTLINE_VALUES | FINE_HEAP_CLASSES
                : version == SPLIT_GROWTH_FORMAT_VERSION ? VAR_KEYS | VAR_VALUES | KEYED_HASH | OVERFLOW_FIRST | OUTLINE_VALUES | FINE_HEAP_CLASSES | SPLIT_GROWTH
                : VAR_KEYS | VAR_VALUES | KEYED_HASH | OVERFLOW_FIRST | OUTLINE_VALUES | FINE_HEAP_CLASSES | SPLIT_GROWTH | VALUE_BLOCK_NUMBERS;
        check(file, slot + FLAGS_OFFSET, (flags & ~knownFlags) == 0, "flags within 0x" + Integer.toHexString(knownFlags) + ", found " + flags);
        // The version is the layout's name: a version-4 header without the flag would be read with the wrong offsets.
        check(file, slot + FLAGS_OFFSET, version < OVERFLOW_FIRST_FORMAT_VERSION || overflowFirst(),
                "the overflow-first flag 0x" + Integer.toHexString(OVERFLOW_FIRST) + " in a version-" + version + " header, found flags " + flags);
        check(file, slot + FLAGS_OFFSET, version != OUTLINE_FORMAT_VERSION || outlineValues(),
                "the outline-values flag 0x" + Integer.toHexString(OUTLINE_VALUES) + " in a version-" + version + " header, found flags " + flags);
        check(file, slot + FLAGS_OFFSET, version < FINE_HEAP_FORMAT_VERSION || (flags & FINE_HEAP_CLASSES) != 0,
                "the fine-heap-classes flag 0x" + Integer.toHexString(FINE_HEAP_CLASSES) + " in a version-" + version + " header, found flags " + flags);
        check(file, slot + FLAGS_OFFSET, version < SPLIT_GROWTH_FORMAT_VERSION || splitGrowth(),
                "the split-growth flag 0x" + Integer.toHexString(SPLIT_GROWTH) + " in a version-" + version + " header, found flags " + flags);
        check(file, slot + FLAGS_OFFSET, version < FORMAT_VERSION || valueBlockNumbers(),
                "the value-block-numbers flag 0x" + Integer.toHexString(VALUE_BLOCK_NUMBERS) + " in a version-" + version + " header, found flags " + flags);
        check(file, slot + FLAGS_OFFSET, !valueBlockNumbers() || outlineValues(),
                "the outline-values flag 0x" + Integer.toHexString(OUTLINE_VALUES) + " with the value-block-numbers flag, found flags " + flags);
        if (outlineValues()) {
            int refSlot = valueBlockNumbers() ? BlockNumberLayout.SIZE : VarSlotLayout.OUTLINE_SLOT_WIDTH;
            check(file, slot + FLAGS_OFFSET, varValues(), "the variable-value flag 0x" + Integer.toHexString(VAR_VALUES)
                    + " with the outline-values flag, found flags " + flags);
            check(file, slot + VALUE_WIDTH_OFFSET, valueWidth == refSlot,
                    "a " + refSlot + "-byte reference slot for values kept out of line, found " + valueWidth);
            check(file, slot + OUTLINE_VALUE_WIDTH_OFFSET, outlineValueWidth > VarSlotLayout.MIN_INLINE && outlineValueWidth <= BucketLayout.MAX_WIDTH,
                    "an out-of-line value width " + (VarSlotLayout.MIN_INLINE + 1) + ".." + BucketLayout.MAX_WIDTH + ", found " + outlineValueWidth);
        } else {
            check(file, slot + OUTLINE_VALUE_WIDTH_OFFSET, outlineValueWidth == 0,
                    "no out-of-line value width without the outline-values flag, found " + outlineValueWidth);
        }
        int minVar = VarSlotLayout.slotWidth(VarSlotLayout.MIN_INLINE);
        check(file, slot + KEY_WIDTH_OFFSET, !varKeys() || keyWidth >= minVar,
                "a variable-length key slot of at least " + minVar + " bytes, found " + keyWidth);
        check(file, slot + VALUE_WIDTH_OFFSET, !varValues() || valueBlockNumbers() || valueWidth >= minVar,
                "a variable-length value slot of at least " + minVar + " bytes, found " + valueWidth);
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
        HeapClasses classes = heapClasses();
        for (int c = 0; c < classes.count(); c++) {
            long at = slot + HEAP_CLASSES_OFFSET + (long) HEAP_CLASS_SIZE * c;
            if (heapFreeHeads[c] != 0) {
                checkRef(file, at, heapFreeHeads[c], "heap free list head of class " + c);
            }
            long most = fileEnd / classes.blockBytes(c);
            check(file, at + 16, heapBlocks[c] >= 0 && heapBlocks[c] <= most,
                    "heap blocks of class " + c + " that fit the file (0.." + most + "), found " + heapBlocks[c]);
            check(file, at + 8, heapFreeCounts[c] >= 0 && heapFreeCounts[c] <= heapBlocks[c],
                    "free heap blocks of class " + c + " 0.." + heapBlocks[c] + ", found " + heapFreeCounts[c]);
        }
        check(file, slot + heapLargeBytesOffset(classes), heapLargeBytes >= 0 && heapLargeBytes <= fileEnd,
                "large heap bytes that fit the file, found " + heapLargeBytes);
        check(file, slot + heapLargeBlocksOffset(classes), heapLargeBlocks >= 0 && heapLargeBlocks * ExtentClasses.PAGE_SIZE <= heapLargeBytes,
                "large heap blocks of at least a page each within " + heapLargeBytes + " bytes, found " + heapLargeBlocks);
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
