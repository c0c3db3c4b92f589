package io.bucketdb.storage;

/**
 * Byte layout of an overflow page: an extent of the full-piece class that holds overflow buckets.
 * Pages are linked from the header ({@code ovfPageHead}) so {@code verify} can account for every
 * byte of the file; buckets inside are handed out by a bump pointer and, once freed, through the
 * overflow free list (linked through their {@code overflow} field).
 *
 * <pre>
 *  offset  size  field
 *       0     8  nextPage
 *       8     4  magic
 *      12     4  bucketCount
 *      16        (end)
 * </pre>
 *
 * Buckets follow the page header back to back: bucket {@code j} starts at {@code BUCKETS + j * size}.
 */
public final class OverflowPageLayout {
    /** "OVFP" little-endian. */
    public static final int MAGIC = 0x5046564f;
    public static final int NEXT_PAGE_OFFSET = 0;
    public static final int MAGIC_OFFSET = 8;
    public static final int BUCKET_COUNT_OFFSET = 12;
    public static final int SIZE = 16;
    public static final int BUCKETS = SIZE;

    private OverflowPageLayout() {
    }

    /** Buckets of {@code bucketSize} bytes that fit an overflow page of {@code pageBytes}. */
    public static int bucketsPerPage(long pageBytes, int bucketSize) {
        return (int) ((pageBytes - SIZE) / bucketSize);
    }
}
