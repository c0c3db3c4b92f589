package io.bucketdb.recovery;

/**
 * How a journal is laid out and what it accepts. The same options must be used to write and to read a
 * journal: the record size limits are what lets a reader reject a hostile length field before it
 * allocates anything.
 *
 * @param segmentSize      bytes each segment file is preallocated to, so appends never change file
 *                         metadata; a record larger than a whole segment gets a segment of its own size
 * @param maxKeyLength     largest key in bytes
 * @param maxValueLength   largest value in bytes
 * @param bufferSize       initial size of the writer's batch buffer; it grows for larger batches
 * @param maxSpareSegments how many recycled segment files are kept for reuse; more are deleted
 * @param prepareAhead     whether the next segment's file is made ahead of its roll on a thread of its own
 *                         ({@link SegmentPreparer}); off by default, so a journal used alone does only the file
 *                         operations its caller asks for, in order (the recovery tests number them); the index turns
 *                         it on with its other background duties (Options.withIdleEvacuation)
 */
public record JournalOptions(long segmentSize, int maxKeyLength, int maxValueLength, int bufferSize,
                             int maxSpareSegments, boolean prepareAhead) {
    public static final long DEFAULT_SEGMENT_SIZE = 64L << 20;
    public static final int DEFAULT_MAX_KEY_LENGTH = 64 << 10;
    public static final int DEFAULT_MAX_VALUE_LENGTH = 256 << 20;
    public static final int DEFAULT_BUFFER_SIZE = 1 << 20;
    public static final int DEFAULT_MAX_SPARE_SEGMENTS = 2;

    /**
     * Checks the options.
     *
     * @throws IllegalArgumentException if the segment size is invalid, a length limit is below 8 bytes or too large
     *                                  for one frame, the buffer cannot hold the smallest frame, or the spare count is negative
     */
    public JournalOptions {
        JournalSegmentLayout.checkSegmentSize(segmentSize);
        if (maxKeyLength < Long.BYTES || maxValueLength < Long.BYTES) {
            throw new IllegalArgumentException("keys and values must be allowed at least 8 bytes");
        }
        long largestFrame = JournalRecordLayout.frameLength((long) JournalRecordLayout.PUT_KEY_OFFSET
                + maxKeyLength + maxValueLength);
        if (largestFrame > Integer.MAX_VALUE - JournalRecordLayout.ALIGNMENT) {
            throw new IllegalArgumentException("key plus value limit too large for one frame: " + largestFrame);
        }
        if (bufferSize < JournalRecordLayout.MIN_ALIGNED_FRAME_LENGTH) {
            throw new IllegalArgumentException("buffer size too small: " + bufferSize);
        }
        if (maxSpareSegments < 0) {
            throw new IllegalArgumentException("negative spare segment count: " + maxSpareSegments);
        }
    }

    /**
     * Options without preparing segments ahead.
     *
     * @param segmentSize      bytes each segment file is preallocated to
     * @param maxKeyLength     largest key in bytes
     * @param maxValueLength   largest value in bytes
     * @param bufferSize       initial size of the writer's batch buffer
     * @param maxSpareSegments how many recycled segment files are kept for reuse
     * @throws IllegalArgumentException as the canonical constructor does
     */
    public JournalOptions(long segmentSize, int maxKeyLength, int maxValueLength, int bufferSize, int maxSpareSegments) {
        this(segmentSize, maxKeyLength, maxValueLength, bufferSize, maxSpareSegments, false);
    }

    /**
     * {@return the defaults: 64 MiB segments, keys up to 64 KiB, values up to 256 MiB, a 1 MiB buffer, two spare
     * segments}
     */
    public static JournalOptions defaults() {
        return new JournalOptions(DEFAULT_SEGMENT_SIZE, DEFAULT_MAX_KEY_LENGTH, DEFAULT_MAX_VALUE_LENGTH,
                DEFAULT_BUFFER_SIZE, DEFAULT_MAX_SPARE_SEGMENTS);
    }

    /**
     * A copy with another segment size.
     *
     * @param size bytes each segment file is preallocated to
     * @return a copy with that segment size
     */
    public JournalOptions withSegmentSize(long size) {
        return new JournalOptions(size, maxKeyLength, maxValueLength, bufferSize, maxSpareSegments, prepareAhead);
    }

    /**
     * A copy with another key limit.
     *
     * @param length largest key in bytes
     * @return a copy with that limit
     */
    public JournalOptions withMaxKeyLength(int length) {
        return new JournalOptions(segmentSize, length, maxValueLength, bufferSize, maxSpareSegments, prepareAhead);
    }

    /**
     * A copy with another value limit.
     *
     * @param length largest value in bytes
     * @return a copy with that limit
     */
    public JournalOptions withMaxValueLength(int length) {
        return new JournalOptions(segmentSize, maxKeyLength, length, bufferSize, maxSpareSegments, prepareAhead);
    }

    /**
     * A copy with another buffer size.
     *
     * @param size initial size of the writer's batch buffer
     * @return a copy with that buffer size
     */
    public JournalOptions withBufferSize(int size) {
        return new JournalOptions(segmentSize, maxKeyLength, maxValueLength, size, maxSpareSegments, prepareAhead);
    }

    /**
     * A copy with another spare segment count.
     *
     * @param count recycled segment files kept for reuse
     * @return a copy with that count
     */
    public JournalOptions withMaxSpareSegments(int count) {
        return new JournalOptions(segmentSize, maxKeyLength, maxValueLength, bufferSize, count, prepareAhead);
    }

    /**
     * A copy that prepares segments ahead of their rolls, or not.
     *
     * @param prepare whether the next segment's file is made ahead on a thread of its own
     * @return a copy with that setting
     */
    public JournalOptions withPrepareAhead(boolean prepare) {
        return new JournalOptions(segmentSize, maxKeyLength, maxValueLength, bufferSize, maxSpareSegments, prepare);
    }

    /** {@return the largest frame length a valid record can have; a reader treats any larger length as invalid} */
    public int maxFrameLength() {
        return (int) JournalRecordLayout.frameLength((long) JournalRecordLayout.PUT_KEY_OFFSET
                + maxKeyLength + maxValueLength);
    }
}
