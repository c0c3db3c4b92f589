package io.bucketdb.recovery;

import static io.bucketdb.storage.Layouts.LONG;

import io.bucketdb.spi.CorruptIndexException;
import java.lang.foreign.MemorySegment;
import java.nio.file.Path;

/**
 * The {@link JournalRecordLayout#TYPE_ROLL} frame that ends a segment the writer rolled out of: the journal continues in
 * segment {@code nextSequence}, whose header carries {@code nextSalt} and whose first LSN is the frame's own LSN. It is
 * evidence, not a record: it takes no LSN of its own (its LSN field is the next segment's first LSN), replay hands it
 * to no consumer, and nothing in the table depends on it.
 *
 * <h2>Why it exists</h2>
 * Without it nothing older records that the newest segment exists: if the newest segment of an index that was not
 * closed cleanly is lost, the segment before it, complete and forced, reads as a journal that simply ends there, and
 * the writes acknowledged in the lost one vanish without an error. A roll frame found at the end of the last segment
 * present proves that its successor was made durable (see the order below), so its absence is damage.
 *
 * <h2>The order of a roll</h2>
 * Segment {@code k} is forced with all its records; segment {@code k + 1} is created (header forced, directory
 * synced); only then is the roll frame written at the end of {@code k} and {@code k} forced again; only then is any
 * record written to {@code k + 1}. So:
 * <ul>
 *   <li>a durable roll frame implies a durable segment {@code k + 1} with that salt and first LSN;</li>
 *   <li>a crash before the roll frame is durable leaves {@code k + 1} with no record in it, so nothing acknowledged
 *       can be lost with it (the reader treats its absence exactly as before);</li>
 *   <li>the roll frame is not written before {@code k + 1} exists, although that would save a force: {@code k} must be
 *       complete before {@code k + 1} has a header (the reader takes a later valid header as proof that the earlier
 *       segment ended where the later one begins), and a roll frame durable before {@code k + 1} would be a false
 *       alarm after a crash between the two.</li>
 * </ul>
 * A journal written before this frame existed simply has none, and reads exactly as it always did.
 *
 * <p>Payload: u64 next sequence, u64 next salt (little-endian).
 */
final class SegmentRoll {
    /** Bytes of the payload: the next segment's sequence and salt. */
    static final int PAYLOAD_LENGTH = 2 * Long.BYTES;
    /** Offset of the next sequence in the payload. */
    static final int NEXT_SEQUENCE_OFFSET = 0;
    /** Offset of the next salt in the payload. */
    static final int NEXT_SALT_OFFSET = Long.BYTES;
    /** Bytes a roll frame takes in a segment, padding included: every segment keeps room for one. */
    static final int ALIGNED_LENGTH =
            JournalRecordLayout.alignedLength((int) JournalRecordLayout.frameLength(PAYLOAD_LENGTH));

    /** The writer's encoding buffer, made once: a roll allocates nothing but the frame it writes. */
    private final FrameBuffer buffer = new FrameBuffer(ALIGNED_LENGTH);

    /**
     * A roll frame found at {@code offset} of a segment.
     *
     * @param offset       where the frame starts in its segment (the end of the segment's records)
     * @param nextSequence the sequence of the segment the journal continues in
     * @param nextSalt     that segment's salt
     * @param nextLsn      that segment's first LSN (the frame's LSN field)
     */
    record Link(long offset, long nextSequence, long nextSalt, long nextLsn) {
    }

    /**
     * Encodes the roll frame of a segment with salt {@code salt} into segment {@code nextSequence} and returns its
     * {@link #ALIGNED_LENGTH} bytes; valid until the next call.
     */
    MemorySegment encode(long salt, long nextLsn, long nextSequence, long nextSalt) {
        buffer.clear();
        // Flagged as written after a force, which it always is: an intact roll frame after an invalid one proves damage.
        long payload = buffer.begin(JournalRecordLayout.TYPE_ROLL, JournalRecordLayout.FLAG_AFTER_FORCE, nextLsn,
                (int) JournalRecordLayout.frameLength(PAYLOAD_LENGTH));
        buffer.memory().set(LONG, payload + NEXT_SEQUENCE_OFFSET, nextSequence);
        buffer.memory().set(LONG, payload + NEXT_SALT_OFFSET, nextSalt);
        buffer.end(salt);
        return buffer.memory().asSlice(0, buffer.length());
    }

    /**
     * Decodes the payload of an intact roll frame at {@code offset} of {@code file}.
     *
     * @throws CorruptIndexException if the payload has another length: a CRC-valid frame written wrong, never a tear
     */
    static Link decode(MemorySegment src, long payloadOffset, int payloadLength, long lsn, Path file, long offset)
            throws CorruptIndexException {
        if (payloadLength != PAYLOAD_LENGTH) {
            throw new CorruptIndexException(file, offset, "a roll record with a payload of " + PAYLOAD_LENGTH
                    + " bytes, found " + payloadLength);
        }
        return new Link(offset, src.get(LONG, payloadOffset + NEXT_SEQUENCE_OFFSET),
                src.get(LONG, payloadOffset + NEXT_SALT_OFFSET), lsn);
    }
}
