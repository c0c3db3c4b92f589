package io.bucketdb.storage;

/**
 * The value heap's largest small block, and the byte layout of a free small heap block.
 *
 * <p>Keys and values longer than their slot's inline width live in the value heap inside the table
 * file. A block of {@code length} bytes comes from a small class when {@code length <= }
 * {@link #MAX_SMALL_BLOCK}: blocks of the class's size carved from whole pages (raw extents of one page, never
 * returned), never straddling a page; which sizes a file has is its {@link HeapClasses} scheme. Longer blocks are raw
 * extents of their own ({@link ExtentClasses#rawClassFor}, up to 2^16 pages = 256 MiB), from the extent allocator's
 * free lists. The class follows from the length alone, so freeing needs only the slot's length and
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
    /** Largest small block in every scheme; longer data gets a raw extent. */
    public static final int MAX_SMALL_BLOCK = 2048;
    /** Bytes of the page small blocks are carved from. */
    public static final int CARVE_PAGE = ExtentClasses.PAGE_SIZE;

    /**
     * Byte 0 of a free small block, 8 bytes: {@code next}, file offset of the next free block of its class, 0 for the
     * last.
     */
    public static final int NEXT_OFFSET = 0;
    /** Bytes of a free small block's link (8); the rest of the block is zero, and no block is smaller. */
    public static final int SIZE = 8;

    private HeapLayout() {
    }
}
