package io.bucketdb.recovery;

/**
 * Layout of one record frame in a journal segment. Frames start 8-byte aligned, right after the
 * segment header or the previous frame. All fields are little-endian.
 *
 * <pre>
 *   0                   1                   2                   3
 *   0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 *  +---------------------------------------------------------------+
 *  |                         Frame Length                          |
 *  +---------------+---------------+-------------------------------+
 *  |     Type      |     Flags     |           Reserved            |
 *  +---------------+---------------+-------------------------------+
 *  |                              LSN                              |
 *  |                                                               |
 *  +---------------------------------------------------------------+
 *  |                            Payload                           ...
 * ...                                                              |
 *  +---------------------------------------------------------------+
 *  |                            CRC32C                             |
 *  +---------------------------------------------------------------+
 *  |                            Padding                           ...
 * ...                                                              |
 *  +---------------------------------------------------------------+
 * </pre>
 *
 * <ul>
 *   <li><b>Frame Length</b> counts the header, the payload and the CRC, not the padding: it is
 *       {@code PAYLOAD_OFFSET + payloadLength + CRC_LENGTH}. The next frame starts at
 *       {@link #alignedLength(int)} bytes after this one.</li>
 *   <li><b>Type</b> is one of the {@code TYPE_} constants. <b>Reserved</b> is zero.</li>
 *   <li><b>Flags</b>: only {@link #FLAG_AFTER_FORCE} is defined; other bits are zero.</li>
 *   <li><b>LSN</b>: one more than the LSN of the record before it, across segments.</li>
 *   <li><b>CRC32C</b> sits right after the payload (at any byte offset) and covers the segment salt
 *       (8 bytes, little-endian) followed by the frame bytes {@code [0, frameLength - CRC_LENGTH)}.
 *       Covering the salt is what makes a frame left over in a recycled segment invalid.</li>
 *   <li><b>Padding</b> (0 to 7 bytes) is zero; a reader rejects a frame whose padding is not.</li>
 * </ul>
 *
 * <p>Payloads by type (u32 = 4 bytes little-endian, u64 = 8 bytes little-endian):
 * <table>
 *   <caption>Record payloads</caption>
 *   <tr><th>type</th><th>payload</th></tr>
 *   <tr><td>PUT</td><td>u32 key length, key bytes, value bytes (the rest of the payload)</td></tr>
 *   <tr><td>DELETE</td><td>key bytes (the whole payload)</td></tr>
 *   <tr><td>BATCH_BEGIN</td><td>u32 record count</td></tr>
 *   <tr><td>BATCH_COMMIT</td><td>empty</td></tr>
 *   <tr><td>GROW_BEGIN</td><td>u8 new B, u8 same-size (0 or 1)</td></tr>
 *   <tr><td>EVACUATED</td><td>u64 old bucket index</td></tr>
 *   <tr><td>GROW_END</td><td>empty</td></tr>
 *   <tr><td>CHECKPOINT</td><td>u64 checkpoint LSN</td></tr>
 *   <tr><td>ROLL</td><td>u64 next segment's sequence, u64 next segment's salt ({@link SegmentRoll})</td></tr>
 * </table>
 * A ROLL frame is the last frame of a segment the writer rolled out of, and takes no LSN of its own: its LSN field is
 * the next segment's first LSN (the LSN the next record has). It is evidence that the next segment exists, never
 * replayed; journals written before it existed have none.
 * The {@code long → long} path writes its 8-byte keys and values as PUT/DELETE with little-endian bytes.
 */
public final class JournalRecordLayout {
    /** Record type: a put of one key and value. */
    public static final byte TYPE_PUT = 1;
    /** Record type: a delete of one key. */
    public static final byte TYPE_DELETE = 2;
    /** Record type: the start of a batch of the given number of records, applied all or none. */
    public static final byte TYPE_BATCH_BEGIN = 3;
    /** Record type: the end of a batch; a batch without it is not replayed. */
    public static final byte TYPE_BATCH_COMMIT = 4;
    /** Record type: a growth starts (to a new B, or same-size). */
    public static final byte TYPE_GROW_BEGIN = 5;
    /** Record type: one old bucket was evacuated. */
    public static final byte TYPE_EVACUATED = 6;
    /** Record type: the growth in progress finished. */
    public static final byte TYPE_GROW_END = 7;
    /** Record type: a checkpoint including every record up to the given LSN completed. */
    public static final byte TYPE_CHECKPOINT = 8;
    /**
     * Frame type: the segment ends here and the journal continues in the segment the payload names ({@link SegmentRoll});
     * not a record.
     */
    public static final byte TYPE_ROLL = 9;

    /**
     * Set on a frame whose LSN is exactly one more than the writer's durable LSN when the frame was
     * encoded: every record before it had been forced before it was written. Such a frame, found valid
     * after an invalid one, proves the invalid one had been durable, so the journal is damaged rather
     * than torn by a crash (see {@link JournalReader}).
     */
    public static final byte FLAG_AFTER_FORCE = 1;
    /** Every flag bit this version defines. */
    public static final byte KNOWN_FLAGS = FLAG_AFTER_FORCE;

    /** Bytes 0 to 3 of a frame: Frame Length (u32). */
    public static final int FRAME_LENGTH_OFFSET;
    /** Byte 4 of a frame: Type, one of the {@code TYPE_} constants. */
    public static final int TYPE_OFFSET;
    /** Byte 5 of a frame: Flags, bits of {@link #KNOWN_FLAGS}. */
    public static final int FLAGS_OFFSET;
    /** Bytes 6 and 7 of a frame: Reserved, zero. */
    public static final int RESERVED_OFFSET;
    /** Bytes 8 to 15 of a frame: LSN (u64). */
    public static final int LSN_OFFSET;
    /** Where the payload starts; also the length of the frame header. */
    public static final int PAYLOAD_OFFSET;
    /** Bytes of the CRC32C that follows the payload. */
    public static final int CRC_LENGTH = Integer.BYTES;
    /** Every frame starts at a multiple of this, counted from the start of the segment file. */
    public static final int ALIGNMENT = 8;
    /** Smallest frame length (empty payload). */
    public static final int MIN_FRAME_LENGTH;
    /** Smallest distance between two frames. */
    public static final int MIN_ALIGNED_FRAME_LENGTH;

    /** PUT payload: offset of the u32 key length. */
    public static final int PUT_KEY_LENGTH_OFFSET = 0;
    /** PUT payload: offset of the key bytes. */
    public static final int PUT_KEY_OFFSET = Integer.BYTES;

    static {
        int offset = 0;
        FRAME_LENGTH_OFFSET = offset;
        offset += Integer.BYTES;
        TYPE_OFFSET = offset;
        offset += Byte.BYTES;
        FLAGS_OFFSET = offset;
        offset += Byte.BYTES;
        RESERVED_OFFSET = offset;
        offset += Short.BYTES;
        LSN_OFFSET = offset;
        offset += Long.BYTES;
        PAYLOAD_OFFSET = offset;
        MIN_FRAME_LENGTH = PAYLOAD_OFFSET + CRC_LENGTH;
        MIN_ALIGNED_FRAME_LENGTH = alignedLength(MIN_FRAME_LENGTH);
    }

    private JournalRecordLayout() {
    }

    /**
     * {@return the frame length of a record with {@code payloadLength} payload bytes (header, payload and CRC)}
     *
     * @param payloadLength bytes of the payload, at least 0
     */
    public static long frameLength(long payloadLength) {
        return PAYLOAD_OFFSET + payloadLength + CRC_LENGTH;
    }

    /**
     * {@return the distance from the start of a frame of {@code frameLength} bytes to the start of the next one}
     *
     * @param frameLength the frame length, at least {@link #MIN_FRAME_LENGTH}
     */
    public static int alignedLength(int frameLength) {
        return (frameLength + ALIGNMENT - 1) & -ALIGNMENT;
    }

    /**
     * {@return the offset of the CRC within a frame of {@code frameLength} bytes}
     *
     * @param frameLength the frame length
     */
    public static int crcOffset(int frameLength) {
        return frameLength - CRC_LENGTH;
    }

    /**
     * {@return whether {@code type} is one of the {@code TYPE_} constants}
     *
     * @param type a frame's Type byte
     */
    public static boolean isKnownType(byte type) {
        return type >= TYPE_PUT && type <= TYPE_ROLL;
    }
}
