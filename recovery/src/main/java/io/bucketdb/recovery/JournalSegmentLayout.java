package io.bucketdb.recovery;

/**
 * Layout of the header at the start of every journal segment file
 * ({@code journal-<16 hex digits of the sequence>.log}). All fields are little-endian.
 *
 * <pre>
 *   0                   1                   2                   3
 *   0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 *  +---------------------------------------------------------------+
 *  |                             Magic                             |
 *  |                                                               |
 *  +---------------------------------------------------------------+
 *  |                        Format Version                         |
 *  +---------------------------------------------------------------+
 *  |                           Reserved                            |
 *  +---------------------------------------------------------------+
 *  |                       Segment Sequence                        |
 *  |                                                               |
 *  +---------------------------------------------------------------+
 *  |                             Salt                              |
 *  |                                                               |
 *  +---------------------------------------------------------------+
 *  |                           First LSN                           |
 *  |                                                               |
 *  +---------------------------------------------------------------+
 *  |                         Header CRC32C                         |
 *  +---------------------------------------------------------------+
 *  |                            Padding                            |
 *  +---------------------------------------------------------------+
 * </pre>
 *
 * <ul>
 *   <li><b>Magic</b> is the ASCII bytes {@code "BucketJL"}.</li>
 *   <li><b>Format Version</b> is {@link #FORMAT_VERSION}; a reader refuses any other version.</li>
 *   <li><b>Segment Sequence</b> equals the number in the file name. A file whose header disagrees with its
 *       name is a segment that was being (re)created when the process stopped ("unborn"): a recycled file
 *       still carries the header of its previous life until the new one is forced.</li>
 *   <li><b>Salt</b> is a random 64-bit epoch drawn each time the file is (re)created. Every record CRC
 *       covers it, so records left over from a previous life of a recycled file never validate.</li>
 *   <li><b>First LSN</b> is the LSN of the first record the segment holds or will hold; it is one more
 *       than the last LSN of the previous segment.</li>
 *   <li><b>Header CRC32C</b> covers bytes {@code [0, HEADER_CRC_OFFSET)}. Reserved and Padding are zero.</li>
 * </ul>
 *
 * <p>The first record frame ({@link JournalRecordLayout}) starts at {@link #HEADER_LENGTH}, which is
 * 8-byte aligned like every frame.
 */
public final class JournalSegmentLayout {
    /** {@code "BucketJL"} read as a little-endian long. */
    public static final long MAGIC = 0x4C4A74656B637542L;
    /** The only format version this build writes and reads. */
    public static final int FORMAT_VERSION = 1;

    /** Bytes 0 to 7: Magic, {@link #MAGIC}. */
    public static final int MAGIC_OFFSET;
    /** Bytes 8 to 11: Format Version, {@link #FORMAT_VERSION}. */
    public static final int FORMAT_VERSION_OFFSET;
    /** Bytes 12 to 15: Reserved, zero. */
    public static final int RESERVED_OFFSET;
    /** Bytes 16 to 23: Segment Sequence, the number in the file name. */
    public static final int SEQUENCE_OFFSET;
    /** Bytes 24 to 31: Salt, the random epoch every record CRC of this life of the file covers. */
    public static final int SALT_OFFSET;
    /** Bytes 32 to 39: First LSN, the LSN of the segment's first record. */
    public static final int FIRST_LSN_OFFSET;
    /** Bytes 40 to 43: Header CRC32C, over bytes {@code [0, 40)}. */
    public static final int HEADER_CRC_OFFSET;
    /** Bytes 44 to 47: Padding, zero, so the first frame starts 8-byte aligned at byte 48. */
    public static final int PADDING_OFFSET;
    /** Length of the header; the first frame starts here. */
    public static final int HEADER_LENGTH;

    static {
        int offset = 0;
        MAGIC_OFFSET = offset;
        offset += Long.BYTES;
        FORMAT_VERSION_OFFSET = offset;
        offset += Integer.BYTES;
        RESERVED_OFFSET = offset;
        offset += Integer.BYTES;
        SEQUENCE_OFFSET = offset;
        offset += Long.BYTES;
        SALT_OFFSET = offset;
        offset += Long.BYTES;
        FIRST_LSN_OFFSET = offset;
        offset += Long.BYTES;
        HEADER_CRC_OFFSET = offset;
        offset += Integer.BYTES;
        PADDING_OFFSET = offset;
        offset += Integer.BYTES;
        HEADER_LENGTH = offset;
    }

    private JournalSegmentLayout() {
    }

    /**
     * Checks that a segment of {@code segmentSize} bytes can hold its header and at least one smallest
     * frame, and keeps frames 8-byte aligned.
     *
     * @param segmentSize the segment file size in bytes
     * @throws IllegalArgumentException if it cannot
     */
    public static void checkSegmentSize(long segmentSize) {
        if (segmentSize < HEADER_LENGTH + JournalRecordLayout.MIN_ALIGNED_FRAME_LENGTH
                || segmentSize % JournalRecordLayout.ALIGNMENT != 0) {
            throw new IllegalArgumentException("segment size must be a multiple of "
                    + JournalRecordLayout.ALIGNMENT + " and at least "
                    + (HEADER_LENGTH + JournalRecordLayout.MIN_ALIGNED_FRAME_LENGTH) + ": " + segmentSize);
        }
    }
}
