package io.bucketdb.storage;

/**
 * Byte layout of a value slot of format version 8 ({@link HeaderLayout#VALUE_BLOCK_NUMBERS}): a fixed-width value kept
 * out of line is named by the 4-byte number of its heap block, and nothing else. Its length is the header's
 * {@code outlineValueWidth} (every value has it), so the slot needs no length field, and its block is always of the one
 * class that width takes ({@link HeapClasses#classFor}), so a number can count blocks instead of bytes.
 *
 * <pre>
 *  offset  size  field
 *       0     4  number
 *       4        (end)
 * </pre>
 *
 * <ul>
 *   <li>{@code number}: u32, little-endian; 0 in an empty slot. The block's file offset is
 *       {@code (number >>> s) * 4096 + (number & (2^s - 1)) * blockBytes}, where {@code blockBytes} is the block size
 *       of the width's class and {@code s} the fewest bits that count a page's blocks ({@code 2^s >= 4096 / blockBytes};
 *       blocks are carved from whole pages and never straddle one, {@link HeapLayout}). A width above
 *       {@link HeapLayout#MAX_SMALL_BLOCK} takes a raw extent, which starts a page: then {@code s = 0} and the number is
 *       the page's. Page 0 is a header slot, so no block has number 0.</li>
 * </ul>
 *
 * <p>Why (issue 19): a 16x100 bucket with 12-byte slots of a length and an 8-byte reference takes 240 bytes, with
 * these 176, and the buckets of a table are filled 3.25 to 6.5 of 8: at 10M entries that is 6.7 bytes per entry.
 * Decoding takes a shift, a mask and a multiply, no division, so a read pays nothing measurable for it.
 *
 * <p>The limit: only blocks in the first {@code 2^(32 - s)} pages have a number, so such a file's value heap ends at
 * {@link #limit()}, {@code 2^(44 - s)} bytes: 256 GiB for 100-byte values (104-byte blocks, 39 to a page,
 * {@code s = 6}; some 2.5 billion 16x100 entries), 64 GiB for the smallest (16-byte blocks, {@code s = 8}; 2^32 blocks
 * either way), at most 8 TiB (the page checksums' own limit). The index refuses puts on the caller's thread, before
 * they are journaled, once the allocation end plus a doubling of the bucket array plus a sixteenth of the reach passes
 * it ({@code HashTable.valueHeapNearItsEnd}): a put applied with a block beyond would fail the index closed, and each
 * replay of its record again. Should one get through, its apply fails with an {@link java.io.IOException}, as on a
 * full disk, before anything of the entry is written.
 *
 * <p>Readers read the number under the stripe's seqlock like any slot (a 4-byte aligned read cannot tear, and a torn
 * bucket still validates nothing); the offset it gives is bounded against the mapped chunks before it is read, as a
 * heap reference is ({@link VarSlotLayout}). Growth moves the slot byte for byte: heap blocks never move.
 */
public final class BlockNumberLayout {
    /** Byte 0 of a slot, 4 bytes: {@code number}, the heap block's number (u32). */
    public static final int NUMBER_OFFSET = 0;
    /** Bytes of the slot. */
    public static final int SIZE = 4;

    private final int blockBytes;
    private final int shift;
    private final long mask;
    private final long limit;

    private BlockNumberLayout(int blockBytes, int shift) {
        this.blockBytes = blockBytes;
        this.shift = shift;
        this.mask = (1L << shift) - 1;
        this.limit = Math.min(1L << (32 - shift), 1L << 31) << ExtentClasses.PAGE_SHIFT;
    }

    /**
     * The numbering of blocks holding values of {@code width} bytes in a heap of {@code classes}.
     *
     * @param classes the file's heap classes
     * @param width the values' width, {@link VarSlotLayout#MIN_INLINE} + 1 to {@link BucketLayout#MAX_WIDTH}
     * @return the numbering
     */
    public static BlockNumberLayout of(HeapClasses classes, int width) {
        int c = classes.classFor(width);
        if (c < 0) {
            return new BlockNumberLayout(ExtentClasses.PAGE_SIZE, 0);
        }
        int perPage = classes.blocksPerPage(c);
        return new BlockNumberLayout(classes.blockBytes(c), 32 - Integer.numberOfLeadingZeros(perPage - 1));
    }

    /**
     * {@return the numbering of the file whose header is {@code h}, or null if its value slots are not numbered
     * ({@link Header#valueBlockNumbers()})}
     *
     * @param h the table's header
     */
    public static BlockNumberLayout of(Header h) {
        return h.valueBlockNumbers() ? of(h.heapClasses(), h.outlineValueWidth) : null;
    }

    /**
     * {@return the file offset of the block numbered {@code number} (0 for 0, the empty slot)}
     *
     * @param number the slot's {@code number}, read as an {@code int} (it is unsigned)
     */
    public long offset(int number) {
        long n = number & 0xFFFFFFFFL;
        return ((n >>> shift) << ExtentClasses.PAGE_SHIFT) + (n & mask) * blockBytes;
    }

    /**
     * {@return the number of the block at file offset {@code offset}, as an {@code int} (unsigned)}
     *
     * @param offset a block's file offset, below {@link #limit()}, as the value heap handed it out
     * @throws IllegalArgumentException if the offset is at or beyond {@link #limit()}
     */
    public int number(long offset) {
        if (!numbered(offset)) {
            throw new IllegalArgumentException("heap block at " + offset + " is beyond the " + limit + " bytes 4-byte numbers reach");
        }
        long inPage = offset & (ExtentClasses.PAGE_SIZE - 1);
        return (int) (((offset >>> ExtentClasses.PAGE_SHIFT) << shift) | (inPage / blockBytes));
    }

    /**
     * {@return whether a block at {@code offset} has a number: whether it lies below {@link #limit()}}
     *
     * @param offset a block's file offset
     */
    public boolean numbered(long offset) {
        return offset >= 0 && offset < limit;
    }

    /** {@return the file offset below which every block has a number: the end of such a file's value heap} */
    public long limit() {
        return limit;
    }

    /** {@return bytes of one block (a page for values that take raw extents)} */
    public int blockBytes() {
        return blockBytes;
    }
}
