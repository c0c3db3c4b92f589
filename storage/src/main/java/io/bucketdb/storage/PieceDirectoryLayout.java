package io.bucketdb.storage;

/**
 * Byte layout of a piece directory: the file offsets of the pieces that make up one bucket array.
 * Bucket {@code i} of an array with pieces of {@code 2^pieceShift} buckets lives in piece
 * {@code i >>> pieceShift} at index {@code i & (2^pieceShift - 1)}.
 *
 * <pre>
 *  offset  size  field
 *       0     4  magic
 *       4     4  pieceCount
 *       8     8  reserved
 *      16        (end)
 * </pre>
 *
 * {@code pieceCount} 8-byte piece offsets follow the header.
 */
public final class PieceDirectoryLayout {
    /** "BDIR" little-endian. */
    public static final int MAGIC = 0x52494442;
    /** Byte 0, 4 bytes: {@code magic}, always {@link #MAGIC}. */
    public static final int MAGIC_OFFSET = 0;
    /** Byte 4, 4 bytes: {@code pieceCount}, the number of pieces of the array. */
    public static final int PIECE_COUNT_OFFSET = 4;
    /** Byte 8, 8 bytes: {@code reserved}, written as zero. */
    public static final int RESERVED_OFFSET = 8;
    /** Bytes of the directory header (16). */
    public static final int SIZE = 16;
    /** Offset of piece 0's file offset: the 8-byte offsets follow the header. */
    public static final int PIECES = SIZE;

    private PieceDirectoryLayout() {
    }

    /**
     * {@return bytes of a directory for {@code pieces} pieces, header included}
     *
     * @param pieces the number of pieces
     */
    public static long bytes(long pieces) {
        return SIZE + 8 * pieces;
    }
}
