package io.bucketdb.storage;

/**
 * The size classes of extents, the unit the allocator hands out and keeps free lists of.
 *
 * <p>Class {@code c < PIECE_CLASSES} is a piece of a bucket array holding {@code 2^c} buckets
 * (rounded up to whole pages); overflow pages use the class of a full piece, so a freed full piece
 * and a freed overflow page are interchangeable. Class {@code PIECE_CLASSES + p} is a raw extent of
 * {@code 2^p} pages, used for piece directories, value heap pages and large value heap blocks. Keeping the classes fixed keeps every free list a
 * single O(1) stack, persisted as (head, count) pairs in the header.
 */
public final class ExtentClasses {
    /** Log2 of the page size: extents, checksums and dirty tracking work in 4 KiB pages. */
    public static final int PAGE_SHIFT = 12;
    /** Bytes of a page (4096). */
    public static final int PAGE_SIZE = 1 << PAGE_SHIFT;
    /** Piece classes: class {@code c} below this holds {@code 2^c} buckets (1 to 2^15). */
    public static final int PIECE_CLASSES = 16;
    /** Raw extents of 2^0 .. 2^16 pages; the largest (256 MiB) holds the largest value heap block. */
    public static final int RAW_CLASSES = 17;
    /** All classes, piece and raw (33): the number of free lists in the header. */
    public static final int COUNT = PIECE_CLASSES + RAW_CLASSES;

    private ExtentClasses() {
    }

    /**
     * {@return the class of a piece holding {@code 2^log2Buckets} buckets}
     *
     * @param log2Buckets log2 of the buckets in the piece, 0 to {@link #PIECE_CLASSES} - 1
     * @throws IllegalArgumentException if {@code log2Buckets} is out of range
     */
    public static int pieceClass(int log2Buckets) {
        if (log2Buckets < 0 || log2Buckets >= PIECE_CLASSES) {
            throw new IllegalArgumentException("piece of 2^" + log2Buckets + " buckets");
        }
        return log2Buckets;
    }

    /**
     * {@return the smallest raw class that holds {@code bytes}}
     *
     * @param bytes the bytes the extent must hold; up to 1 page takes the smallest class
     * @throws IllegalArgumentException if {@code bytes} exceed the largest raw extent (2^16 pages)
     */
    public static int rawClassFor(long bytes) {
        long pages = Math.max(1, (bytes + PAGE_SIZE - 1) >>> PAGE_SHIFT);
        int p = 64 - Long.numberOfLeadingZeros(pages - 1);
        if (p >= RAW_CLASSES) {
            throw new IllegalArgumentException("raw extent of " + bytes + " bytes is too large");
        }
        return PIECE_CLASSES + p;
    }

    /**
     * {@return bytes of an extent of class {@code c} for buckets of {@code bucketSize} bytes, a multiple of the page
     * size}
     *
     * @param c the class, 0 to {@link #COUNT} - 1
     * @param bucketSize bytes of one bucket (used by piece classes only)
     */
    public static long bytes(int c, int bucketSize) {
        if (c < PIECE_CLASSES) {
            return roundUpToPage((1L << c) * bucketSize);
        }
        return (long) PAGE_SIZE << (c - PIECE_CLASSES);
    }

    /**
     * Rounds {@code bytes} up to whole pages.
     *
     * @param bytes a length
     * @return the smallest multiple of the page size at or above it
     */
    public static long roundUpToPage(long bytes) {
        return (bytes + PAGE_SIZE - 1) & -(long) PAGE_SIZE;
    }
}
