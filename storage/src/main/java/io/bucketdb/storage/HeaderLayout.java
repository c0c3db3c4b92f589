package io.bucketdb.storage;

/**
 * Byte layout of one header slot of the table file. The file has two slots, A at offset
 * {@link #SLOT_A} and B at {@link #SLOT_B}; a checkpoint (or a clean close) writes the slot that
 * does not hold the newest header, with a higher generation, so a torn header write leaves the
 * other slot intact. Open picks the valid slot with the highest generation.
 *
 * <p>All integers are little-endian. The checksum is CRC32C of bytes {@code [0, CHECKSUM)}.
 *
 * <pre>
 *  offset  size  field
 *       0     8  magic
 *       8     4  formatVersion
 *      12     4  slotSize
 *      16     4  keyWidth
 *      20     4  valueWidth
 *      24     4  pieceShift
 *      28     4  alignShift
 *      32     8  hashSeed
 *      40     4  b
 *      44     4  oldB
 *      48     4  growFlags
 *      52     4  flags
 *      56     8  count
 *      64     8  noverflow
 *      72     8  overflowBuckets
 *      80     8  nevacuate
 *      88     8  bucketDir
 *      96     8  oldBucketDir
 *     104     8  fileEnd
 *     112     8  wastedBytes
 *     120     8  ovfFreeHead
 *     128     8  ovfFreeCount
 *     136     8  ovfPageHead
 *     144     8  ovfPageCount
 *     152     8  ovfBumpNext
 *     160     8  ovfBumpEnd
 *     168     8  checkpointLsn
 *     176     8  generation
 *     184     8  cleanClose
 *     192   528  freeLists
 *     720   192  heapClasses
 *     912     8  heapLargeBlocks
 *     920     8  heapLargeBytes
 *     928     4  checksum
 *     932        (end)
 * </pre>
 *
 * <ul>
 *   <li>{@code pieceShift}: log2 of the buckets in one piece of a bucket array; arrays are stored
 *       as pieces so that the space of old arrays can be reused for new ones.</li>
 *   <li>{@code alignShift}: no piece or overflow page straddles a {@code 2^alignShift} boundary, so
 *       a bucket never straddles a mapped chunk (chunks are at least that large).</li>
 *   <li>{@code growFlags}: bit 0 growing, bit 1 same-size growth.</li>
 *   <li>{@code flags}: bit 0 {@link #VAR_KEYS}, bit 1 {@link #VAR_VALUES}: keys or values are
 *       variable-length, stored in slots of {@link VarSlotLayout} (the key and value widths are
 *       then those slots' widths).</li>
 *   <li>{@code freeLists}: {@link ExtentClasses#COUNT} pairs of (head offset, extent count).</li>
 *   <li>{@code heapClasses}: for each of the {@link HeapLayout#SMALL_CLASSES} small value-heap
 *       classes, a triple (free list head, free block count, blocks carved).</li>
 *   <li>{@code heapLargeBlocks}, {@code heapLargeBytes}: heap blocks held in raw extents (values
 *       larger than the largest small class) and the bytes of those extents.</li>
 * </ul>
 *
 * <p>Format history: version 1 (before the value heap) ended with 32 free lists and the checksum
 * at {@link #V1_CHECKSUM_OFFSET}; it had no heap fields and no flags. A version-1 header is still
 * read (as a fixed-width table with an empty heap), and the next checkpoint writes version 2.
 */
public final class HeaderLayout {
    /** "BUCKETDB" read as a little-endian long. */
    public static final long MAGIC = 0x4244544b43554242L;
    public static final int FORMAT_VERSION = 2;
    /** The oldest format version {@link Header#decode} reads. */
    public static final int MIN_FORMAT_VERSION = 1;
    /** Where version 1 kept its checksum (after 32 free lists). */
    public static final int V1_CHECKSUM_OFFSET = 704;
    /** Free lists in a version-1 header. */
    public static final int V1_FREE_LISTS = 32;

    public static final int SLOT_SIZE = 4096;
    public static final long SLOT_A = 0;
    public static final long SLOT_B = SLOT_SIZE;
    /** First byte after both header slots: where allocation starts. */
    public static final long DATA_START = 2L * SLOT_SIZE;

    public static final int MAGIC_OFFSET = 0;
    public static final int FORMAT_VERSION_OFFSET = 8;
    public static final int SLOT_SIZE_OFFSET = 12;
    public static final int KEY_WIDTH_OFFSET = 16;
    public static final int VALUE_WIDTH_OFFSET = 20;
    public static final int PIECE_SHIFT_OFFSET = 24;
    public static final int ALIGN_SHIFT_OFFSET = 28;
    public static final int HASH_SEED_OFFSET = 32;
    public static final int B_OFFSET = 40;
    public static final int OLD_B_OFFSET = 44;
    public static final int GROW_FLAGS_OFFSET = 48;
    public static final int FLAGS_OFFSET = 52;
    public static final int COUNT_OFFSET = 56;
    public static final int NOVERFLOW_OFFSET = 64;
    public static final int OVERFLOW_BUCKETS_OFFSET = 72;
    public static final int NEVACUATE_OFFSET = 80;
    public static final int BUCKET_DIR_OFFSET = 88;
    public static final int OLD_BUCKET_DIR_OFFSET = 96;
    public static final int FILE_END_OFFSET = 104;
    public static final int WASTED_BYTES_OFFSET = 112;
    public static final int OVF_FREE_HEAD_OFFSET = 120;
    public static final int OVF_FREE_COUNT_OFFSET = 128;
    public static final int OVF_PAGE_HEAD_OFFSET = 136;
    public static final int OVF_PAGE_COUNT_OFFSET = 144;
    public static final int OVF_BUMP_NEXT_OFFSET = 152;
    public static final int OVF_BUMP_END_OFFSET = 160;
    public static final int CHECKPOINT_LSN_OFFSET = 168;
    public static final int GENERATION_OFFSET = 176;
    public static final int CLEAN_CLOSE_OFFSET = 184;
    public static final int FREE_LISTS_OFFSET = 192;
    public static final int FREE_LISTS_SIZE = ExtentClasses.COUNT * 16;
    public static final int HEAP_CLASSES_OFFSET = FREE_LISTS_OFFSET + FREE_LISTS_SIZE;
    public static final int HEAP_CLASSES_SIZE = HeapLayout.SMALL_CLASSES * 24;
    public static final int HEAP_LARGE_BLOCKS_OFFSET = HEAP_CLASSES_OFFSET + HEAP_CLASSES_SIZE;
    public static final int HEAP_LARGE_BYTES_OFFSET = HEAP_LARGE_BLOCKS_OFFSET + 8;
    public static final int CHECKSUM_OFFSET = HEAP_LARGE_BYTES_OFFSET + 8;
    /** Bytes of a header slot that carry data; the rest of the slot is zero. */
    public static final int SIZE = CHECKSUM_OFFSET + 4;

    public static final int GROWING = 1;
    public static final int SAME_SIZE = 2;

    /** {@code flags} bit: keys are variable-length ({@link VarSlotLayout} slots). */
    public static final int VAR_KEYS = 1;
    /** {@code flags} bit: values are variable-length ({@link VarSlotLayout} slots). */
    public static final int VAR_VALUES = 2;

    static {
        if (SIZE > SLOT_SIZE) {
            throw new ExceptionInInitializerError("header does not fit its slot");
        }
    }

    private HeaderLayout() {
    }

    /** The file offset of slot {@code index} (0 = A, 1 = B). */
    public static long slotOffset(int index) {
        return index == 0 ? SLOT_A : SLOT_B;
    }
}
