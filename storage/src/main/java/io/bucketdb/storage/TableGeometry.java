package io.bucketdb.storage;

/**
 * Limits and derived sizes of the table file that do not belong to a single layout.
 */
public final class TableGeometry {
    /** Smallest alignment unit (and smallest chunk): 64 KiB, used by tests to cross chunk boundaries often. */
    public static final int MIN_ALIGN_SHIFT = 16;
    /** Largest alignment unit: 1 GiB. */
    public static final int MAX_ALIGN_SHIFT = 30;
    /** Default alignment unit: 1 MiB. */
    public static final int DEFAULT_ALIGN_SHIFT = 20;
    /** Default largest chunk mapped at once: 1 GiB, so a 100 GiB index needs about a hundred mappings. */
    public static final int DEFAULT_MAX_CHUNK_SHIFT = 30;
    /** Largest B a header may claim; the file size bounds it much earlier in practice. */
    public static final int MAX_B = 62;
    /** Pieces are at most 256 KiB, so a freed old array's pieces are reused by the next arrays. */
    public static final long MAX_PIECE_BYTES = 256 * 1024;

    private TableGeometry() {
    }

    /**
     * The log2 of buckets per piece for buckets of {@code bucketSize} bytes: the largest
     * {@code s <= 15} whose page-rounded piece fits both {@link #MAX_PIECE_BYTES} and the alignment
     * unit, and whose extent also holds at least one bucket as an overflow page; -1 if none does.
     *
     * @param bucketSize bytes of one bucket
     * @param alignShift log2 of the alignment unit
     * @return the piece shift, 0 to 15, or -1 if a bucket does not fit
     */
    public static int pieceShift(int bucketSize, int alignShift) {
        long limit = Math.min(MAX_PIECE_BYTES, 1L << alignShift);
        for (int s = ExtentClasses.PIECE_CLASSES - 1; s >= 0; s--) {
            long bytes = ExtentClasses.roundUpToPage((1L << s) * bucketSize);
            if (bytes <= limit && OverflowPageLayout.bucketsPerPage(bytes, bucketSize) >= 1) {
                return s;
            }
        }
        return -1;
    }
}
