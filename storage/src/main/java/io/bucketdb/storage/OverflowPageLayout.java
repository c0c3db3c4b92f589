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
    /** Byte 0, 8 bytes: {@code nextPage}, file offset of the next older overflow page, 0 for the last. */
    public static final int NEXT_PAGE_OFFSET = 0;
    /** Byte 8, 4 bytes: {@code magic}, always {@link #MAGIC}. */
    public static final int MAGIC_OFFSET = 8;
    /** Byte 12, 4 bytes: {@code bucketCount}, buckets the page holds. */
    public static final int BUCKET_COUNT_OFFSET = 12;
    /** Bytes of the page header (16). */
    public static final int SIZE = 16;
    /** Offset of bucket 0 in the page: buckets follow the header. */
    public static final int BUCKETS = SIZE;

    private OverflowPageLayout() {
    }

    /**
     * {@return the number of buckets of {@code bucketSize} bytes that fit an overflow page of {@code pageBytes}}
     *
     * @param pageBytes bytes of the page, header included
     * @param bucketSize bytes of one bucket
     */
    public static int bucketsPerPage(long pageBytes, int bucketSize) {
        return (int) ((pageBytes - SIZE) / bucketSize);
    }
}
