package io.bucketdb.storage;

/**
 * The value heap's size classes, and the byte layout of a free small heap block.
 *
 * <p>Keys and values longer than their slot's inline width live in the value heap inside the table
 * file. A block of {@code length} bytes comes from small class {@code c} when {@code length <= }
 * {@link #MAX_SMALL_BLOCK}: blocks of {@code 2^(MIN_BLOCK_SHIFT + c)} bytes carved from whole pages
 * (raw extents of one page, never returned). Longer blocks are raw extents of their own
 * ({@link ExtentClasses#rawClassFor}, up to 2^16 pages = 256 MiB), from the extent allocator's free
 * lists. The class follows from the length alone, so freeing needs only the slot's length and
 * reference, and allocation is deterministic (journal replay gives the same offsets).
 *
 * <p>A free small block is zero except for the link to the next free block of its class; the
 * class's list head, free count and carved count are in the header ({@code heapClasses}).
 *
 * <pre>
 *  offset  size  field
 *       0     8  next
 *       8        (end)
 * </pre>
 */
public final class HeapLayout {
    /** Smallest small block: 16 bytes. */
    public static final int MIN_BLOCK_SHIFT = 4;
    /** Small classes: 16, 32, ..., 2048 bytes. */
    public static final int SMALL_CLASSES = 8;
    /** Largest small block; longer data gets a raw extent. */
    public static final int MAX_SMALL_BLOCK = 1 << (MIN_BLOCK_SHIFT + SMALL_CLASSES - 1);
    /** Bytes of the page small blocks are carved from. */
    public static final int CARVE_PAGE = ExtentClasses.PAGE_SIZE;

    /**
     * Byte 0 of a free small block, 8 bytes: {@code next}, file offset of the next free block of its class, 0 for the
     * last.
     */
    public static final int NEXT_OFFSET = 0;
    /** Bytes of a free small block's link (8); the rest of the block is zero. */
    public static final int SIZE = 8;

    private HeapLayout() {
    }

    /**
     * {@return the small class of a block holding {@code length} bytes, or -1 if it needs a raw extent}
     *
     * @param length the bytes the block must hold, at least 0
     */
    public static int smallClassFor(long length) {
        if (length > MAX_SMALL_BLOCK) {
            return -1;
        }
        int shift = 64 - Long.numberOfLeadingZeros(Math.max(length, 1L << MIN_BLOCK_SHIFT) - 1);
        return shift - MIN_BLOCK_SHIFT;
    }

    /**
     * {@return bytes of a block of small class {@code c}: {@code 2^(MIN_BLOCK_SHIFT + c)}}
     *
     * @param c the small class, 0 to {@link #SMALL_CLASSES} - 1
     */
    public static int smallBlockBytes(int c) {
        return 1 << (MIN_BLOCK_SHIFT + c);
    }
}
