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
 *      52     2  flags
 *      54     2  outlineValueWidth
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
 *     720  1032  heapClasses
 *    1752     8  heapLargeBlocks
 *    1760     8  heapLargeBytes
 *    1768     4  checksum
 *    1772        (end)
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
 *       then those slots' widths). Bit 2 {@link #KEYED_HASH}: the hash kind, which key hash places
 *       the entries (see the format history). Bit 3 {@link #OVERFLOW_FIRST}: the bucket arrangement. Bit 4
 *       {@link #OUTLINE_VALUES}: fixed-width values kept in the value heap. Bit 5 {@link #FINE_HEAP_CLASSES}: the
 *       value heap's size classes. Bit 6 {@link #SPLIT_GROWTH}: how a doubling grows the bucket array. Bit 7
 *       {@link #VALUE_BLOCK_NUMBERS}: out-of-line values' slots hold a 4-byte block number.</li>
 *   <li>{@code outlineValueWidth}: with {@link #OUTLINE_VALUES}, the width every value has (a fixed width kept out
 *       of line, {@link VarSlotLayout#MIN_INLINE} + 1 to {@link BucketLayout#MAX_WIDTH}); otherwise 0. It takes
 *       the upper half of what versions 1 to 4 called a 4-byte {@code flags} field, whose upper bytes they always
 *       kept zero, so their headers read the same.</li>
 *   <li>{@code freeLists}: {@link ExtentClasses#COUNT} pairs of (head offset, extent count).</li>
 *   <li>{@code heapClasses}: for each small value-heap class of the file's {@link HeapClasses} scheme, a triple
 *       (free list head, free block count, blocks carved): 43 triples in version 6 ({@link HeapClasses#PAGE_FIT}),
 *       8 in versions 2 to 5 ({@link HeapClasses#POWERS_OF_TWO}; see the format history).</li>
 *   <li>{@code heapLargeBlocks}, {@code heapLargeBytes}: heap blocks held in raw extents (values
 *       larger than the largest small class) and the bytes of those extents.</li>
 * </ul>
 *
 * <p>Format history: version 1 (before the value heap) ended with 32 free lists and the checksum
 * at {@link #V1_CHECKSUM_OFFSET}; it had no heap fields and no flags. A version-1 header is still
 * read (as a fixed-width table with an empty heap), and the next checkpoint writes version 2.
 * Version 3 added the {@link #KEYED_HASH} flag (issue 15, hash flooding): a version-2 file's keys
 * hash with rapidhash V3's public secrets, whose seed-independent multicollisions let chosen keys
 * pile into one chain; a file created since hashes them with secrets derived from its seed. The
 * layout did not change, and a header is written as version 3 only when it has the flag, so a file
 * created before keeps version 2 (and opens with an older BucketDB), while a file with the new hash
 * is refused by an older one as "written by a newer BucketDB" instead of being read with the
 * wrong hash.
 * Version 4 added the {@link #OVERFLOW_FIRST} flag (issue 19, misses in one cache line): buckets keep the overflow
 * reference after the tophash bytes instead of at their end ({@link BucketLayout}). The header layout did not change;
 * a header is written as version 4 only when it has the flag, which {@link TableFile#create} sets and nothing
 * clears, so a file created before keeps its version and its bucket layout for life.
 * Version 5 added the {@link #OUTLINE_VALUES} flag and {@code outlineValueWidth} (issue 19, long fixed values out of
 * line): the value slots of such a table are {@link VarSlotLayout} slots of the smallest inline width, each holding
 * the length and a heap reference, while the API stays fixed-width. A header is written as version 5 only when it has
 * the flag, so every other file keeps its version.
 * Version 6 added the {@link #FINE_HEAP_CLASSES} flag (issue 19, heap blocks that fit): the value heap's small classes
 * are {@link HeapClasses#PAGE_FIT}'s 43 instead of the 8 powers of two, so {@code heapClasses} holds 43 triples
 * (1032 bytes) and the fields after it moved. Up to version 5 they were:
 * <pre>
 *     720   192  heapClasses        (8 triples)
 *     912     8  heapLargeBlocks    ({@link #V5_HEAP_LARGE_BLOCKS_OFFSET})
 *     920     8  heapLargeBytes     ({@link #V5_HEAP_LARGE_BYTES_OFFSET})
 *     928     4  checksum           ({@link #V5_CHECKSUM_OFFSET})
 *     932        (end)
 * </pre>
 * {@link TableFile#create} sets the flag and nothing clears it, and a header is written as version 6 only when it has
 * it: a file created before keeps its version, its classes and its header layout for life (its free lists link blocks
 * of those sizes), while every new file, also one {@code bucketdb compact} or an import writes, gets the fine classes.
 * Version 7 added the {@link #SPLIT_GROWTH} flag (issue 19, a doubling that allocates only the upper half): a doubling
 * of an array of whole pieces keeps the old array's pieces as the lower half of the new array and splits old bucket
 * {@code i} in place into {@code i} and {@code i + 2^oldB}; the header layout did not change, and while such a split
 * runs {@code oldBucketDir} names a directory of the old array's pieces, which are the new array's first pieces
 * ({@link Header#splittingInPlace}). {@link TableFile#create} sets the flag and nothing clears it, and a header is
 * written as version 7 only when it has it, so a file created before keeps its version and its copying growth for life.
 * Version 8 added the {@link #VALUE_BLOCK_NUMBERS} flag (issue 19, 16-byte keys and 100-byte values in no more bytes than
 * Chronicle Map's): a table with {@link #OUTLINE_VALUES} names each value by the 4-byte number of its heap block
 * ({@link BlockNumberLayout}) instead of a 12-byte slot of a length and an 8-byte reference, because every value has
 * the header's {@code outlineValueWidth} and so every block the one class that width takes; {@code valueWidth} is then
 * 4. The header layout did not change. {@link TableFile#create} sets the flag on every table it creates with
 * {@link #OUTLINE_VALUES} and nothing clears it, and a header is written as version 8 only when it has it: a file
 * created before keeps its version and its 12-byte slots for life, and a new table of inline or variable-length values
 * stays version 7.
 */
public final class HeaderLayout {
    /** The first 8 bytes of the file read as a little-endian long; on disk they spell "BBUCKTDB". */
    public static final long MAGIC = 0x4244544b43554242L;
    /**
     * The newest format version this code writes and reads: 2 added the value heap and the {@code flags} field, 3 the
     * {@link #KEYED_HASH} flag, 4 the {@link #OVERFLOW_FIRST} bucket layout, 5 {@link #OUTLINE_VALUES}, 6
     * {@link #FINE_HEAP_CLASSES}, 7 {@link #SPLIT_GROWTH}, 8 {@link #VALUE_BLOCK_NUMBERS}. A header is
     * written with the oldest version its flags allow ({@link Header#formatVersion}).
     */
    public static final int FORMAT_VERSION = 8;
    /** The format version of a header with {@link #SPLIT_GROWTH} and without {@link #VALUE_BLOCK_NUMBERS}. */
    public static final int SPLIT_GROWTH_FORMAT_VERSION = 7;
    /** The format version of a header with {@link #FINE_HEAP_CLASSES} and without {@link #SPLIT_GROWTH}. */
    public static final int FINE_HEAP_FORMAT_VERSION = 6;
    /** The format version of a header with {@link #OUTLINE_VALUES} and without {@link #FINE_HEAP_CLASSES}. */
    public static final int OUTLINE_FORMAT_VERSION = 5;
    /**
     * The format version of a header with {@link #OVERFLOW_FIRST} and without {@link #OUTLINE_VALUES} or
     * {@link #FINE_HEAP_CLASSES}.
     */
    public static final int OVERFLOW_FIRST_FORMAT_VERSION = 4;
    /** The format version of a header with {@link #KEYED_HASH} and without {@link #OVERFLOW_FIRST}. */
    public static final int KEYED_FORMAT_VERSION = 3;
    /** The format version of a header without {@link #KEYED_HASH} or {@link #OVERFLOW_FIRST}. */
    public static final int UNKEYED_FORMAT_VERSION = 2;
    /** The oldest format version {@link Header#decode} reads. */
    public static final int MIN_FORMAT_VERSION = 1;
    /** Where version 1 kept its checksum (after 32 free lists). */
    public static final int V1_CHECKSUM_OFFSET = 704;
    /** Free lists in a version-1 header. */
    public static final int V1_FREE_LISTS = 32;
    /** Where versions 2 to 5 kept {@code heapLargeBlocks} (after 8 heap class triples). */
    public static final int V5_HEAP_LARGE_BLOCKS_OFFSET = 912;
    /** Where versions 2 to 5 kept {@code heapLargeBytes}. */
    public static final int V5_HEAP_LARGE_BYTES_OFFSET = 920;
    /** Where versions 2 to 5 kept the checksum. */
    public static final int V5_CHECKSUM_OFFSET = 928;

    /** Bytes of one header slot (a page), so writing a slot never tears a neighbouring one. */
    public static final int SLOT_SIZE = 4096;
    /** File offset of header slot A, the first page. */
    public static final long SLOT_A = 0;
    /** File offset of header slot B, the page after slot A. */
    public static final long SLOT_B = SLOT_SIZE;
    /** First byte after both header slots: where allocation starts. */
    public static final long DATA_START = 2L * SLOT_SIZE;

    /** Byte 0 of a slot, 8 bytes: {@code magic}, always {@link #MAGIC}. */
    public static final int MAGIC_OFFSET = 0;
    /** Byte 8 of a slot, 4 bytes: {@code formatVersion}, {@link #MIN_FORMAT_VERSION} to {@link #FORMAT_VERSION}. */
    public static final int FORMAT_VERSION_OFFSET = 8;
    /** Byte 12 of a slot, 4 bytes: {@code slotSize}, always {@link #SLOT_SIZE}. */
    public static final int SLOT_SIZE_OFFSET = 12;
    /**
     * Byte 16 of a slot, 4 bytes: {@code keyWidth}, bytes of a key slot in a bucket (1 to
     * {@link BucketLayout#MAX_WIDTH}).
     */
    public static final int KEY_WIDTH_OFFSET = 16;
    /**
     * Byte 20 of a slot, 4 bytes: {@code valueWidth}, bytes of a value slot in a bucket (0 to
     * {@link BucketLayout#MAX_WIDTH}).
     */
    public static final int VALUE_WIDTH_OFFSET = 20;
    /** Byte 24 of a slot, 4 bytes: {@code pieceShift}, log2 of the buckets in one piece of a bucket array. */
    public static final int PIECE_SHIFT_OFFSET = 24;
    /** Byte 28 of a slot, 4 bytes: {@code alignShift}, log2 of the boundary no piece or overflow page straddles. */
    public static final int ALIGN_SHIFT_OFFSET = 28;
    /** Byte 32 of a slot, 8 bytes: {@code hashSeed}, the seed of the key hash, fixed at creation. */
    public static final int HASH_SEED_OFFSET = 32;
    /** Byte 40 of a slot, 4 bytes: {@code b}, log2 of the number of buckets in the current array. */
    public static final int B_OFFSET = 40;
    /** Byte 44 of a slot, 4 bytes: {@code oldB}, log2 of the buckets in the array being evacuated while growing. */
    public static final int OLD_B_OFFSET = 44;
    /** Byte 48 of a slot, 4 bytes: {@code growFlags}, {@link #GROWING} and {@link #SAME_SIZE} bits. */
    public static final int GROW_FLAGS_OFFSET = 48;
    /**
     * Byte 52 of a slot, 2 bytes: {@code flags}, {@link #VAR_KEYS} and {@link #VAR_VALUES} bits (zero in version 1),
     * the {@link #KEYED_HASH} bit (versions 3 to 7), the {@link #OVERFLOW_FIRST} bit (versions 4 to 7), the
     * {@link #OUTLINE_VALUES} bit (versions 5 to 8), the {@link #FINE_HEAP_CLASSES} bit (versions 6 to 8), the
     * {@link #SPLIT_GROWTH} bit (versions 7 and 8) and the {@link #VALUE_BLOCK_NUMBERS} bit (version 8 only).
     */
    public static final int FLAGS_OFFSET = 52;
    /**
     * Byte 54 of a slot, 2 bytes: {@code outlineValueWidth}, the fixed value width of a table with
     * {@link #OUTLINE_VALUES}, else 0.
     */
    public static final int OUTLINE_VALUE_WIDTH_OFFSET = 54;
    /** Byte 56 of a slot, 8 bytes: {@code count}, the number of entries in the table. */
    public static final int COUNT_OFFSET = 56;
    /**
     * Byte 64 of a slot, 8 bytes: {@code noverflow}, overflow buckets in the chains of the current array (Go's
     * same-size growth trigger).
     */
    public static final int NOVERFLOW_OFFSET = 64;
    /**
     * Byte 72 of a slot, 8 bytes: {@code overflowBuckets}, overflow buckets in use, in the current and the old array.
     */
    public static final int OVERFLOW_BUCKETS_OFFSET = 72;
    /** Byte 80 of a slot, 8 bytes: {@code nevacuate}, old buckets below this index are evacuated (0 to 2^oldB). */
    public static final int NEVACUATE_OFFSET = 80;
    /**
     * Byte 88 of a slot, 8 bytes: {@code bucketDir}, file offset of the current bucket array's directory
     * ({@link PieceDirectoryLayout}).
     */
    public static final int BUCKET_DIR_OFFSET = 88;
    /**
     * Byte 96 of a slot, 8 bytes: {@code oldBucketDir}, file offset of the old array's directory while growing, else 0.
     */
    public static final int OLD_BUCKET_DIR_OFFSET = 96;
    /** Byte 104 of a slot, 8 bytes: {@code fileEnd}, the end of allocated space (at least {@link #DATA_START}). */
    public static final int FILE_END_OFFSET = 104;
    /** Byte 112 of a slot, 8 bytes: {@code wastedBytes}, bytes lost to alignment gaps between extents. */
    public static final int WASTED_BYTES_OFFSET = 112;
    /** Byte 120 of a slot, 8 bytes: {@code ovfFreeHead}, file offset of the first free overflow bucket, 0 for none. */
    public static final int OVF_FREE_HEAD_OFFSET = 120;
    /** Byte 128 of a slot, 8 bytes: {@code ovfFreeCount}, overflow buckets on the free list. */
    public static final int OVF_FREE_COUNT_OFFSET = 128;
    /**
     * Byte 136 of a slot, 8 bytes: {@code ovfPageHead}, file offset of the newest overflow page
     * ({@link OverflowPageLayout}), 0 for none.
     */
    public static final int OVF_PAGE_HEAD_OFFSET = 136;
    /** Byte 144 of a slot, 8 bytes: {@code ovfPageCount}, overflow pages allocated. */
    public static final int OVF_PAGE_COUNT_OFFSET = 144;
    /**
     * Byte 152 of a slot, 8 bytes: {@code ovfBumpNext}, file offset of the next overflow bucket to carve from the
     * current page.
     */
    public static final int OVF_BUMP_NEXT_OFFSET = 152;
    /** Byte 160 of a slot, 8 bytes: {@code ovfBumpEnd}, end of the current overflow page's bucket space. */
    public static final int OVF_BUMP_END_OFFSET = 160;
    /**
     * Byte 168 of a slot, 8 bytes: {@code checkpointLsn}, the journal LSN the table state includes; replay starts after
     * it.
     */
    public static final int CHECKPOINT_LSN_OFFSET = 168;
    /**
     * Byte 176 of a slot, 8 bytes: {@code generation}, incremented by each header write; open takes the valid slot with
     * the highest.
     */
    public static final int GENERATION_OFFSET = 176;
    /** Byte 184 of a slot, 8 bytes: {@code cleanClose}, 1 if written by a clean close, else 0. */
    public static final int CLEAN_CLOSE_OFFSET = 184;
    /**
     * Byte 192 of a slot: {@code freeLists}, {@link #FREE_LISTS_SIZE} bytes of (head offset, extent count) pairs, one
     * per extent class.
     */
    public static final int FREE_LISTS_OFFSET = 192;
    /** Bytes of {@code freeLists}: 16 for each of the {@link ExtentClasses#COUNT} extent classes (528). */
    public static final int FREE_LISTS_SIZE = ExtentClasses.COUNT * 16;
    /**
     * Byte 720 of a slot: {@code heapClasses}, {@link #HEAP_CLASSES_SIZE} bytes of (free list head, free block count,
     * blocks carved) triples, one per small heap class; the triple of class {@code c} is at {@code 720 + 24c}.
     */
    public static final int HEAP_CLASSES_OFFSET = FREE_LISTS_OFFSET + FREE_LISTS_SIZE;
    /** Bytes of one heap class triple in {@code heapClasses}. */
    public static final int HEAP_CLASS_SIZE = 24;
    /**
     * Bytes of {@code heapClasses} in version 6: a triple for each of the {@link HeapClasses#MAX_CLASSES} page-fit
     * classes (1032); versions 2 to 5 had 8 triples (192).
     */
    public static final int HEAP_CLASSES_SIZE = HeapClasses.MAX_CLASSES * HEAP_CLASS_SIZE;
    /** Byte 1752 of a slot, 8 bytes: {@code heapLargeBlocks}, value-heap blocks held in raw extents (versions 2 to 5: 912). */
    public static final int HEAP_LARGE_BLOCKS_OFFSET = HEAP_CLASSES_OFFSET + HEAP_CLASSES_SIZE;
    /** Byte 1760 of a slot, 8 bytes: {@code heapLargeBytes}, bytes of the extents holding large heap blocks (versions 2 to 5: 920). */
    public static final int HEAP_LARGE_BYTES_OFFSET = HEAP_LARGE_BLOCKS_OFFSET + 8;
    /** Byte 1768 of a slot, 4 bytes: {@code checksum}, CRC32C of the slot's bytes {@code [0, 1768)} (versions 2 to 5: 928). */
    public static final int CHECKSUM_OFFSET = HEAP_LARGE_BYTES_OFFSET + 8;
    /** Bytes of a header slot that carry data; the rest of the slot is zero. */
    public static final int SIZE = CHECKSUM_OFFSET + 4;

    /** {@code growFlags} bit: a growth (doubling or same-size) is in progress; old buckets are being evacuated. */
    public static final int GROWING = 1;
    /** {@code growFlags} bit, set only with {@link #GROWING}: the growth keeps B and packs overflow chains. */
    public static final int SAME_SIZE = 2;

    /** {@code flags} bit: keys are variable-length ({@link VarSlotLayout} slots). */
    public static final int VAR_KEYS = 1;
    /** {@code flags} bit: values are variable-length ({@link VarSlotLayout} slots). */
    public static final int VAR_VALUES = 2;
    /**
     * {@code flags} bit, the hash kind: set, keys hash with rapidhash V3 in its protected mode with secrets derived
     * from {@code hashSeed} ({@code io.bucketdb.hash.KeyHash}); clear, with rapidhash V3 and its public secrets (every
     * file created before format version 3). {@link TableFile#create} sets it; nothing ever clears it, because the
     * hash decides where every entry lives.
     */
    public static final int KEYED_HASH = 4;
    /**
     * {@code flags} bit, the bucket arrangement: set, the overflow reference follows the tophash bytes (format version
     * 4); clear, it ends the bucket (versions 1 to 3). See {@link BucketLayout}. {@link TableFile#create} sets it;
     * nothing ever clears it, because every bucket of the file is laid out by it.
     */
    public static final int OVERFLOW_FIRST = 8;
    /**
     * {@code flags} bit, with {@link #VAR_VALUES}: values are fixed-width ({@code outlineValueWidth} bytes each) and
     * kept in the value heap; each value slot is a {@link VarSlotLayout} slot of inline width
     * {@link VarSlotLayout#MIN_INLINE}, which holds the length and the heap reference (format version 5). A wide fixed
     * value inline reserves its width in every slot, used or not; out of line an unused slot costs 12 bytes. Set only
     * at creation; nothing clears it.
     */
    public static final int OUTLINE_VALUES = 16;
    /**
     * {@code flags} bit: the value heap's small classes are {@link HeapClasses#PAGE_FIT}'s (format version 6), whose
     * 43 class triples fill {@code heapClasses}; clear, the 8 powers of two of versions 2 to 5. Set only at creation;
     * nothing clears it, because every carved heap page and free list of the file is laid out by it.
     */
    public static final int FINE_HEAP_CLASSES = 32;
    /**
     * {@code flags} bit: a doubling of an array of at least one whole piece splits its buckets in place (format version
     * 7): the new array is the old array's pieces followed by as many new ones, and old bucket {@code i} gives the
     * entries whose hash has bit {@code oldB} set to bucket {@code i + 2^oldB} (see {@link Header#splittingInPlace});
     * clear, every doubling copies into a fresh array twice the size. Set only at creation; nothing clears it, so a
     * file's growths keep one scheme for life (a crash mid-growth replays with the scheme that began it).
     */
    public static final int SPLIT_GROWTH = 64;
    /**
     * {@code flags} bit, with {@link #OUTLINE_VALUES}: each value slot is a {@link BlockNumberLayout} slot, the 4-byte
     * number of the value's heap block, and {@code valueWidth} is 4 (format version 8); clear, an out-of-line value's
     * slot is a 12-byte {@link VarSlotLayout} slot of its length and heap reference (versions 5 to 7). Set at
     * creation with {@link #OUTLINE_VALUES}; nothing clears it.
     */
    public static final int VALUE_BLOCK_NUMBERS = 128;

    static {
        if (SIZE > SLOT_SIZE) {
            throw new ExceptionInInitializerError("header does not fit its slot");
        }
    }

    private HeaderLayout() {
    }

    /**
     * {@return where a header of the given scheme keeps {@code heapLargeBlocks}: after its class triples}
     *
     * @param classes the header's heap classes ({@link Header#heapClasses})
     */
    public static int heapLargeBlocksOffset(HeapClasses classes) {
        return HEAP_CLASSES_OFFSET + HEAP_CLASS_SIZE * classes.count();
    }

    /**
     * {@return where a header of the given scheme keeps {@code heapLargeBytes}}
     *
     * @param classes the header's heap classes ({@link Header#heapClasses})
     */
    public static int heapLargeBytesOffset(HeapClasses classes) {
        return heapLargeBlocksOffset(classes) + 8;
    }

    /**
     * {@return where a header of format version {@code version} keeps its checksum: {@link #V1_CHECKSUM_OFFSET} in
     * version 1, {@link #V5_CHECKSUM_OFFSET} in versions 2 to 5, else {@link #CHECKSUM_OFFSET}}
     *
     * @param version the header's format version; an unknown one is taken as the current one
     */
    public static int checksumOffset(int version) {
        return version == 1 ? V1_CHECKSUM_OFFSET : version >= 2 && version <= OUTLINE_FORMAT_VERSION ? V5_CHECKSUM_OFFSET
                : CHECKSUM_OFFSET;
    }

    /**
     * The file offset of a header slot.
     *
     * @param index 0 for slot A, 1 for slot B
     * @return {@link #SLOT_A} for 0, else {@link #SLOT_B}
     */
    public static long slotOffset(int index) {
        return index == 0 ? SLOT_A : SLOT_B;
    }
}
