package io.bucketdb.recovery;

import static io.bucketdb.recovery.JournalRecordLayout.ALIGNMENT;
import static io.bucketdb.recovery.JournalRecordLayout.CRC_LENGTH;
import static io.bucketdb.recovery.JournalRecordLayout.FLAGS_OFFSET;
import static io.bucketdb.recovery.JournalRecordLayout.FLAG_AFTER_FORCE;
import static io.bucketdb.recovery.JournalRecordLayout.FRAME_LENGTH_OFFSET;
import static io.bucketdb.recovery.JournalRecordLayout.KNOWN_FLAGS;
import static io.bucketdb.recovery.JournalRecordLayout.LSN_OFFSET;
import static io.bucketdb.recovery.JournalRecordLayout.MIN_ALIGNED_FRAME_LENGTH;
import static io.bucketdb.recovery.JournalRecordLayout.MIN_FRAME_LENGTH;
import static io.bucketdb.recovery.JournalRecordLayout.PAYLOAD_OFFSET;
import static io.bucketdb.recovery.JournalRecordLayout.RESERVED_OFFSET;
import static io.bucketdb.recovery.JournalRecordLayout.TYPE_OFFSET;
import static io.bucketdb.storage.Layouts.BYTE;
import static io.bucketdb.storage.Layouts.INT;
import static io.bucketdb.storage.Layouts.LONG;
import static io.bucketdb.storage.Layouts.SHORT;

import io.bucketdb.spi.DurableFile;
import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.util.zip.CRC32C;

/**
 * Reads the frames of one segment file: the forward walk over valid records, and the scan of what lies
 * after the first invalid frame. Memory use is one fixed window whatever the file says: a length field
 * is checked against {@link JournalOptions#maxFrameLength()} and the file size before anything is read,
 * frames larger than the window are checksummed in window-sized pieces, and a payload is handed over (in
 * place from the window, or copied out when larger than it) only after its CRC matched.
 */
final class SegmentScanner {
    static final int WINDOW_SIZE = 256 << 10;
    /** Compared against to cross the zero-filled (preallocated, unused) rest of a segment at memory speed. */
    private static final MemorySegment ZEROS = MemorySegment.ofArray(new byte[WINDOW_SIZE]);
    /** {@link #nextCovered} found no frame. */
    private static final long NOT_FOUND = -1;
    /** {@link #nextCovered} stopped: checksumming more would exceed the look-ahead budget (hostile input). */
    private static final long OVER_BUDGET = -2;

    private final JournalOptions options;
    private final ByteBuffer window = ByteBuffer.allocateDirect(WINDOW_SIZE);
    private final MemorySegment windowMemory = MemorySegment.ofBuffer(window);
    private final ByteBuffer crcView = window.duplicate();
    private final ByteBuffer saltBytes = ByteBuffer.allocateDirect(Long.BYTES);
    private final CRC32C crc = new CRC32C();
    private DurableFile file;
    private long size;
    private long windowStart;
    private int windowLength;
    /** Bytes {@link #walkPastCovered} may still checksum while looking ahead. */
    private long lookAheadBudget;

    // The header read by the last call to readHeader.
    private int frameLength;
    private byte type;
    private byte flags;
    private short reserved;
    private long lsn;

    /**
     * End of a forward walk: the first invalid frame is at {@code end}, the last valid LSN is {@code lastLsn};
     * {@code delivered} frames of {@code deliveredBytes} (padding included) went to the consumer. If the walk ended at
     * an intact roll frame ({@link SegmentRoll}), {@code roll} says where it is and which segment it names, and
     * {@code end} is where it starts; null otherwise.
     */
    record Walk(long end, long lastLsn, long delivered, long deliveredBytes, long skippedAt, long skippedLsn,
                SegmentRoll.Link roll) {
        Walk(long end, long lastLsn, long delivered, long deliveredBytes) {
            this(end, lastLsn, delivered, deliveredBytes, -1, -1, null);
        }

        Walk(long end, long lastLsn, long delivered, long deliveredBytes, long skippedAt, long skippedLsn) {
            this(end, lastLsn, delivered, deliveredBytes, skippedAt, skippedLsn, null);
        }

        /** {@return whether the walk resynchronized past an invalid frame the checkpoint covers, at {@code skippedAt}} */
        boolean skipped() {
            return skippedAt >= 0;
        }
    }

    /**
     * What follows the first invalid frame at {@code start}.
     *
     * @param tornEnd       end of the last byte that belongs to a frame of this segment's current life
     *                      with an LSN at or above the expected one; {@code start} if there is none
     * @param intactFrames  CRC-valid such frames found (all of them only if asked to count all)
     * @param evidenceLsn   LSN of a valid frame flagged {@link JournalRecordLayout#FLAG_AFTER_FORCE}, which
     *                      proves the invalid frame had been forced (damage, not a tear); -1 if none
     * @param evidenceOffset where that frame is; -1 if none
     * @param budgetExceeded the file holds more plausible-looking frames than any write could leave
     *                      (hostile input); the scan stopped early
     */
    record Tail(long start, long tornEnd, long intactFrames, long evidenceLsn, long evidenceOffset,
                boolean budgetExceeded) {
        boolean damaged() {
            return evidenceLsn >= 0 || budgetExceeded;
        }
    }

    SegmentScanner(JournalOptions options) {
        this.options = options;
    }

    /** Reads from {@code file} from now on; {@code salt} is its header's. */
    void attach(DurableFile file, long salt) throws IOException {
        this.file = file;
        this.size = file.size();
        this.windowLength = 0;
        this.windowStart = 0;
        saltBytes.clear();
        MemorySegment.ofBuffer(saltBytes).set(LONG, 0, salt);
    }

    /**
     * Walks valid frames from {@code start}, whose first LSN must be {@code firstLsn}, until the first
     * invalid one. Frames with an LSN above {@code deliverAfterLsn} are decoded and handed to
     * {@code consumer}.
     */
    Walk walk(long start, long firstLsn, long deliverAfterLsn, RecordConsumer consumer) throws IOException {
        long position = start;
        long expected = firstLsn;
        long delivered = 0;
        long deliveredBytes = 0;
        while (readHeader(position) && wellFormed() && lsn == expected && intact(position)) {
            if (type == JournalRecordLayout.TYPE_ROLL) {
                // The segment's last frame: what follows it in this file is nothing the writer meant to be read.
                return new Walk(position, expected - 1, delivered, deliveredBytes, -1, -1, roll(position));
            }
            int aligned = JournalRecordLayout.alignedLength(frameLength);
            if (expected > deliverAfterLsn) {
                deliver(position, expected, consumer);
                delivered++;
                deliveredBytes += aligned;
            }
            position += aligned;
            expected++;
        }
        return new Walk(position, expected - 1, delivered, deliveredBytes);
    }

    /**
     * {@link #walk}, except that an invalid frame with an LSN at or below {@code coveredLsn} does not end
     * it. The checkpoint covers such a frame: it was forced before the checkpoint and no replay needs it,
     * so damage to it must not make the records after the checkpoint unreachable. The walk then looks
     * ahead, at every 8-aligned position, for an intact frame with an LSN between the one expected and
     * {@code coveredLsn + 1} (a frame of this segment's life: the CRC covers the segment salt, so a false
     * match is negligible), walks on from it, and repeats while it still ends below {@code coveredLsn}.
     * If no such frame follows and the invalid frame is the one with LSN {@code coveredLsn} itself, with
     * its header intact, its own length says where the next record begins.
     *
     * <p>Damage after {@code coveredLsn} is left exactly as {@link #walk} leaves it: if no chain reaches
     * {@code coveredLsn + 1} (records after the checkpoint are missing too), the first walk is returned
     * unchanged and the caller judges its end as before. Checksumming while looking ahead is bounded by
     * the same budget as {@link #scanTail}, so hostile bytes cannot make it slow; memory stays the window.
     *
     * @return the walk; {@link Walk#skippedAt()} is where the first invalid covered frame was, -1 if none
     */
    Walk walkPastCovered(long start, long firstLsn, long coveredLsn, long deliverAfterLsn, RecordConsumer consumer)
            throws IOException {
        Walk first = walk(start, firstLsn, deliverAfterLsn, consumer);
        Walk at = first;
        // As in scanTail: the frames looked at lie within [end, size), so checksumming them costs at most that.
        lookAheadBudget = 4 * (size - first.end()) + WINDOW_SIZE;
        // A roll frame ends the segment: records past it are in the next segment, never further in this file.
        while (at.roll() == null && at.lastLsn() < coveredLsn) {
            long found = nextCovered(at.end(), at.lastLsn() + 1, coveredLsn);
            if (found < 0) {
                return found == NOT_FOUND ? skipOwnLength(first, at, coveredLsn) : first;
            }
            Walk chain = walk(found, lsn, deliverAfterLsn, consumer);
            at = new Walk(chain.end(), chain.lastLsn(), at.delivered() + chain.delivered(),
                    at.deliveredBytes() + chain.deliveredBytes(), first.end(), first.lastLsn() + 1, chain.roll());
        }
        return at;
    }

    /**
     * The first position after {@code from} that holds an intact frame with an LSN from {@code expectedLsn}
     * to {@code coveredLsn + 1} that frames written from {@code from} on could reach; its header stays read.
     * {@link #NOT_FOUND} if the file holds none, {@link #OVER_BUDGET} if checksumming would exceed what is left
     * of the look-ahead budget.
     */
    private long nextCovered(long from, long expectedLsn, long coveredLsn) throws IOException {
        long position = from + ALIGNMENT;
        while (readHeader(position)) {
            if (!wellFormed() || !reachable(position, from, expectedLsn) || lsn > coveredLsn + 1) {
                position = frameLength == 0 ? nextNonZeroLength(position) : position + ALIGNMENT;
                continue;
            }
            if (position + JournalRecordLayout.alignedLength(frameLength) <= size) {
                lookAheadBudget -= frameLength;
                if (lookAheadBudget < 0) {
                    return OVER_BUDGET;
                }
                if (intact(position)) {
                    return position;
                }
            }
            position += ALIGNMENT;
        }
        return NOT_FOUND;
    }

    /**
     * Nothing intact follows the invalid frame at {@code at.end()}. If that is the frame with LSN
     * {@code coveredLsn} (the checkpoint's last record) and its header is intact, only its body was
     * damaged: the journal after the checkpoint starts where its length says. Otherwise returns
     * {@code first}, the walk as it stopped.
     */
    private Walk skipOwnLength(Walk first, Walk at, long coveredLsn) throws IOException {
        if (at.lastLsn() + 1 != coveredLsn || !readHeader(at.end()) || !wellFormed() || lsn != coveredLsn) {
            return first;
        }
        long end = at.end() + JournalRecordLayout.alignedLength(frameLength);
        if (end > size) {
            return first;
        }
        return new Walk(end, coveredLsn, at.delivered(), at.deliveredBytes(), first.end(), first.lastLsn() + 1);
    }

    /**
     * Scans every 8-aligned position from {@code start} (where the frame with {@code expectedLsn} should
     * have been) to the end of the file, for frames of this segment's current life: a plausible header
     * with an LSN that the write which failed at {@code start} could have put there. Checksumming is
     * bounded by a budget, so a file crafted to look like millions of frames cannot make this slow.
     *
     * @param countAll keep scanning after the first evidence of damage, to count every intact frame
     */
    Tail scanTail(long start, long expectedLsn, boolean countAll) throws IOException {
        long tornEnd = start;
        long intact = 0;
        long evidenceLsn = -1;
        long evidenceOffset = -1;
        // The frames of a torn write lie within [start, size), so checksumming them costs at most
        // size - start; four times that leaves room for frame-like bytes inside their payloads.
        long budget = 4 * (size - start) + WINDOW_SIZE;
        if (size - start > 0 && size - start < PAYLOAD_OFFSET && !zero(start, (int) (size - start))) {
            tornEnd = size;
        }
        long position = start;
        while (readHeader(position)) {
            if (!wellFormed() || !reachable(position, start, expectedLsn)) {
                position = frameLength == 0 ? nextNonZeroLength(position) : position + ALIGNMENT;
                continue;
            }
            int aligned = JournalRecordLayout.alignedLength(frameLength);
            tornEnd = Math.max(tornEnd, Math.min(size, position + aligned));
            if (position + aligned <= size) {
                budget -= frameLength;
                if (budget < 0) {
                    return new Tail(start, tornEnd, intact, evidenceLsn, evidenceOffset, true);
                }
                if (intact(position)) {
                    if (position == start) {
                        // The walk found this frame incomplete and it is whole now: a writer finished appending it
                        // in between (a view reading a live journal, which is appended through a mapping: a reader
                        // can see a frame mid-copy). On a file nobody writes this cannot happen. What the walk saw is
                        // the end of the journal as it was then, not damage.
                        return new Tail(start, start, 0, -1, -1, false);
                    }
                    if (type != JournalRecordLayout.TYPE_ROLL) {
                        intact++; // a roll frame is evidence below, but no record that a cut drops
                    }
                    if ((flags & FLAG_AFTER_FORCE) != 0 && evidenceLsn < 0) {
                        evidenceLsn = lsn;
                        evidenceOffset = position;
                        if (!countAll) {
                            break;
                        }
                    }
                    position += aligned;
                    continue;
                }
            }
            position += ALIGNMENT;
        }
        return new Tail(start, tornEnd, intact, evidenceLsn, evidenceOffset, false);
    }

    /**
     * Counts the frames that look like consecutive records from {@code firstLsn} on, right after the
     * segment header, without checking CRCs. For a segment whose header is unreadable (so its salt is
     * unknown): the writer forces a header before it writes any record into the segment, so record-like
     * frames there mean the header was damaged, not that a crash interrupted the segment's creation.
     */
    long countRecordLike(long firstLsn) throws IOException {
        long position = JournalSegmentLayout.HEADER_LENGTH;
        long expected = firstLsn;
        while (readHeader(position) && wellFormed() && lsn == expected
                && position + JournalRecordLayout.alignedLength(frameLength) <= size) {
            position += JournalRecordLayout.alignedLength(frameLength);
            expected++;
        }
        return expected - firstLsn;
    }

    /** Decodes the intact roll frame whose header was just read at {@code position}. */
    private SegmentRoll.Link roll(long position) throws IOException {
        int payloadLength = frameLength - PAYLOAD_OFFSET - CRC_LENGTH;
        long frameLsn = lsn;
        fill(position, PAYLOAD_OFFSET + Math.min(payloadLength, SegmentRoll.PAYLOAD_LENGTH));
        return SegmentRoll.decode(windowMemory, position - windowStart + PAYLOAD_OFFSET, payloadLength, frameLsn,
                file.path(), position);
    }

    /** Reads the 16-byte frame header at {@code position}; false if the file ends first. */
    private boolean readHeader(long position) throws IOException {
        if (!fill(position, PAYLOAD_OFFSET)) {
            return false;
        }
        int at = (int) (position - windowStart);
        frameLength = windowMemory.get(INT, at + FRAME_LENGTH_OFFSET);
        type = windowMemory.get(BYTE, at + TYPE_OFFSET);
        flags = windowMemory.get(BYTE, at + FLAGS_OFFSET);
        reserved = windowMemory.get(SHORT, at + RESERVED_OFFSET);
        lsn = windowMemory.get(LONG, at + LSN_OFFSET);
        return true;
    }

    /**
     * The first 8-aligned position after {@code position} whose frame-length word may be non-zero (or
     * one the file cannot hold a header at). No frame has length 0, so every position skipped is one
     * {@link #wellFormed()} rejects; skipping them with a vectorized compare makes crossing the
     * zero-filled rest of a preallocated segment (64 MiB by default, on every open) cost a read of
     * it, not millions of header decodes.
     */
    private long nextNonZeroLength(long position) throws IOException {
        long p = position + ALIGNMENT;
        while (p + PAYLOAD_OFFSET <= size) {
            // Read only when p leaves the window: in a recycled segment a zero length word is common
            // inside earlier frames, and a read per such word would cost a window per 8 bytes.
            if (p < windowStart || p + PAYLOAD_OFFSET > windowStart + windowLength) {
                fill(p, (int) Math.min(WINDOW_SIZE, size - p));
            }
            int from = (int) (p - windowStart);
            int n = windowLength - from;
            long m = MemorySegment.mismatch(windowMemory, from, from + n, ZEROS, 0, n);
            if (m >= 0) {
                return (p + m) & -(long) ALIGNMENT; // the frame whose header holds that byte, or an earlier all-zero one
            }
            p = (p + n) & -(long) ALIGNMENT;
        }
        return p;
    }

    /** Whether the header just read has a length within limits, a known type and flags, zero reserved bytes. */
    private boolean wellFormed() {
        return frameLength >= MIN_FRAME_LENGTH && frameLength <= options.maxFrameLength()
                && JournalRecordLayout.isKnownType(type) && (flags & ~KNOWN_FLAGS) == 0 && reserved == 0;
    }

    /**
     * Whether the LSN just read could belong to a frame at {@code position} of a write that started at
     * {@code start} with {@code startLsn}: no lower than that, and no higher than frames of the smallest
     * size written back to back could reach. This keeps frames of a recycled file's previous life (their
     * LSNs are lower) and stray payload bytes out of the checksum budget.
     */
    private boolean reachable(long position, long start, long startLsn) {
        return lsn >= startLsn && lsn - startLsn <= (position - start) / MIN_ALIGNED_FRAME_LENGTH;
    }

    /**
     * What makes the frame at {@code position} (where the record with {@code expectedLsn} belongs) invalid,
     * as the "found" half of an error: the first field of the frame, in the order a walk checks them, that
     * is not what a valid record there would hold. For damage reports only; a walk stops at such a frame.
     */
    String describeInvalid(long position, long expectedLsn) throws IOException {
        if (!readHeader(position)) {
            return "the end of the file at " + size + " (a frame header needs " + PAYLOAD_OFFSET + " bytes)";
        }
        if (frameLength < MIN_FRAME_LENGTH || frameLength > options.maxFrameLength()) {
            return "frame length " + Integer.toUnsignedString(frameLength) + " (valid: " + MIN_FRAME_LENGTH + " to "
                    + options.maxFrameLength() + ")";
        }
        if (!JournalRecordLayout.isKnownType(type)) {
            return "record type " + (type & 0xFF) + " (valid: " + JournalRecordLayout.TYPE_PUT + " to "
                    + JournalRecordLayout.TYPE_ROLL + ")";
        }
        if ((flags & ~KNOWN_FLAGS) != 0 || reserved != 0) {
            return String.format("flags 0x%02x and reserved 0x%04x (valid: flags within 0x%02x, reserved 0)",
                    flags & 0xFF, reserved & 0xFFFF, KNOWN_FLAGS);
        }
        if (lsn != expectedLsn) {
            return "a frame with LSN " + lsn;
        }
        int aligned = JournalRecordLayout.alignedLength(frameLength);
        if (position + aligned > size) {
            return "a frame of " + aligned + " bytes that runs past the end of the file at " + size;
        }
        long crcPosition = position + JournalRecordLayout.crcOffset(frameLength);
        int computed = frameCrc(position, crcPosition);
        fill(crcPosition, CRC_LENGTH);
        int recorded = windowMemory.get(INT, (int) (crcPosition - windowStart));
        if (recorded != computed) {
            return String.format("a frame of %d bytes whose CRC32C is 0x%08x where it records 0x%08x (at offset %d)",
                    frameLength, computed, recorded, crcPosition);
        }
        return "non-zero padding after the CRC32C at offset " + crcPosition;
    }

    /** Whether the frame whose header was just read at {@code position} has its CRC and zero padding. */
    private boolean intact(long position) throws IOException {
        int aligned = JournalRecordLayout.alignedLength(frameLength);
        if (position + aligned > size) {
            return false;
        }
        long crcPosition = position + JournalRecordLayout.crcOffset(frameLength);
        int computed = frameCrc(position, crcPosition);
        fill(crcPosition, CRC_LENGTH + aligned - frameLength);
        int from = (int) (crcPosition - windowStart);
        if (windowMemory.get(INT, from) != computed) {
            return false;
        }
        for (int i = from + CRC_LENGTH; i < from + CRC_LENGTH + aligned - frameLength; i++) {
            if (windowMemory.get(BYTE, i) != 0) {
                return false;
            }
        }
        return true;
    }

    /** The CRC32C of the salt and the frame bytes {@code [position, crcPosition)}, read in window-sized pieces. */
    private int frameCrc(long position, long crcPosition) throws IOException {
        crc.reset();
        crc.update(saltBytes.clear());
        long at = position;
        while (at < crcPosition) {
            int n = (int) Math.min(WINDOW_SIZE, crcPosition - at);
            fill(at, n);
            int from = (int) (at - windowStart);
            crc.update(crcView.limit(from + n).position(from));
            at += n;
        }
        return (int) crc.getValue();
    }

    /**
     * Hands the intact frame at {@code position} to {@code consumer}. A PUT or DELETE is read in place from the
     * window (no allocation); only a payload larger than the window is copied out first.
     */
    private void deliver(long position, long frameLsn, RecordConsumer consumer) throws IOException {
        byte frameType = type;
        int payloadLength = frameLength - PAYLOAD_OFFSET - CRC_LENGTH;
        if (payloadLength <= WINDOW_SIZE - PAYLOAD_OFFSET) {
            fill(position, PAYLOAD_OFFSET + payloadLength);
            JournalPayloads.deliver(frameType, windowMemory, position - windowStart + PAYLOAD_OFFSET, payloadLength,
                    frameLsn, consumer, file.path(), position);
        } else {
            byte[] bytes = new byte[payloadLength];
            file.read(position + PAYLOAD_OFFSET, ByteBuffer.wrap(bytes));
            JournalPayloads.deliver(frameType, MemorySegment.ofArray(bytes), 0, payloadLength, frameLsn, consumer,
                    file.path(), position);
        }
    }

    private boolean zero(long position, int length) throws IOException {
        fill(position, length);
        int from = (int) (position - windowStart);
        for (int i = from; i < from + length; i++) {
            if (windowMemory.get(BYTE, i) != 0) {
                return false;
            }
        }
        return true;
    }

    /**
     * Makes {@code [position, position + length)} available in the window ({@code length} at most the
     * window size); false if the file ends before.
     */
    private boolean fill(long position, int length) throws IOException {
        if (position + length > size) {
            return false;
        }
        long at = position - windowStart;
        // One branch for "inside the window" (at >= 0 and at + length <= windowLength), not two: compiled code that
        // inlined the second of them unseen trapped (unstable_if) at a frame straddling the window, and the replay's
        // deliver went back to C1 until C2 recompiled it (issue 16).
        if ((at | (windowLength - length - at)) >= 0) {
            return true;
        }
        int n = (int) Math.min(WINDOW_SIZE, size - position);
        window.clear().limit(n);
        file.read(position, window);
        windowStart = position;
        windowLength = n;
        return true;
    }
}
