package io.bucketdb.recovery;

import static io.bucketdb.recovery.JournalRecordLayout.FLAGS_OFFSET;
import static io.bucketdb.recovery.JournalRecordLayout.FRAME_LENGTH_OFFSET;
import static io.bucketdb.recovery.JournalRecordLayout.LSN_OFFSET;
import static io.bucketdb.recovery.JournalRecordLayout.PAYLOAD_OFFSET;
import static io.bucketdb.recovery.JournalRecordLayout.RESERVED_OFFSET;
import static io.bucketdb.recovery.JournalRecordLayout.TYPE_OFFSET;
import static io.bucketdb.storage.Layouts.BYTE;
import static io.bucketdb.storage.Layouts.INT;
import static io.bucketdb.storage.Layouts.LONG;
import static io.bucketdb.storage.Layouts.SHORT;

import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.util.zip.CRC32C;

/**
 * The writer's batch: whole frames, back to back, in one direct buffer whose {@link #memory()} is copied
 * into the segment's {@link io.bucketdb.spi.AppendWindow} as it is. Encoding a frame allocates nothing unless
 * the buffer has to grow: the views used for checksumming are made once per buffer.
 *
 * <p>Use: {@link #begin} writes the frame header and returns where the payload goes, the caller writes
 * the payload into {@link #memory()}, and {@link #end} writes CRC and padding.
 *
 * <p>The CRC covers the segment's salt, then the frame. The buffer keeps {@link #HEADROOM} bytes in front of
 * {@link #memory()}, so the 8 bytes right before any frame are this buffer's (the headroom, or the end of the
 * frame before it): {@link #end} puts the salt there, checksums salt and frame in one {@link CRC32C#update} call
 * (one intrinsic call per frame instead of two, on the writer's path for every put and every growth marker),
 * and puts the 8 bytes back.
 */
final class FrameBuffer {
    /** Bytes before {@link #memory()} where the salt goes when the first frame is checksummed. */
    private static final int HEADROOM = Long.BYTES;
    private final int initialCapacity;
    private final CRC32C crc = new CRC32C();
    /** {@link #HEADROOM} bytes, then {@link #memory()}. */
    private ByteBuffer buffer;
    /** The frames: {@link #buffer} from {@link #HEADROOM} on. */
    private MemorySegment memory;
    /** The whole of {@link #buffer}, headroom included, to write the salt before a frame. */
    private MemorySegment whole;
    /** Used only to feed {@link #crc}, over {@link #buffer} (offsets include the headroom); position and limit change per frame. */
    private ByteBuffer crcView;
    private int length;
    private int frameStart;
    private int frameLength;

    FrameBuffer(int initialCapacity) {
        this.initialCapacity = initialCapacity;
        allocate(initialCapacity);
    }

    /** Bytes of complete frames in the buffer. */
    int length() {
        return length;
    }

    /** The buffer's memory; valid until the next {@link #begin}, which may grow the buffer. */
    MemorySegment memory() {
        return memory;
    }

    /**
     * Starts a frame at the end of the buffer and writes its header.
     *
     * @return the offset in {@link #memory()} where the payload goes
     */
    long begin(byte type, byte flags, long lsn, int frameLength) {
        reserve(JournalRecordLayout.alignedLength(frameLength));
        frameStart = length;
        this.frameLength = frameLength;
        memory.set(INT, frameStart + FRAME_LENGTH_OFFSET, frameLength);
        memory.set(BYTE, frameStart + TYPE_OFFSET, type);
        memory.set(BYTE, frameStart + FLAGS_OFFSET, flags);
        memory.set(SHORT, frameStart + RESERVED_OFFSET, (short) 0);
        memory.set(LONG, frameStart + LSN_OFFSET, lsn);
        return frameStart + PAYLOAD_OFFSET;
    }

    /**
     * Makes room for {@code aligned} more bytes, growing the buffer if needed.
     *
     * @throws IllegalStateException if the batch would exceed 2 GiB
     */
    void reserve(int aligned) {
        if (aligned > buffer.capacity() - HEADROOM - length) {
            grow((long) length + aligned);
        }
    }

    /** Ends the frame begun last: CRC over {@code salt} and the frame, then zero padding. */
    void end(long salt) {
        int crcOffset = frameStart + JournalRecordLayout.crcOffset(frameLength);
        // The salt goes into the 8 bytes before the frame (in whole's offsets: frameStart), which are put back after.
        long before = whole.get(LONG, frameStart);
        whole.set(LONG, frameStart, salt);
        crc.reset();
        crc.update(crcView.limit(HEADROOM + crcOffset).position(frameStart));
        whole.set(LONG, frameStart, before);
        memory.set(INT, crcOffset, (int) crc.getValue());
        int end = frameStart + JournalRecordLayout.alignedLength(frameLength);
        for (int i = frameStart + frameLength; i < end; i++) {
            memory.set(BYTE, i, (byte) 0);
        }
        length = end;
    }

    /** Empties the buffer, shrinking it back if one large batch had grown it. */
    void clear() {
        length = 0;
        if (buffer.capacity() - HEADROOM > 4 * initialCapacity) {
            allocate(initialCapacity);
        }
    }

    private void grow(long needed) {
        if (needed > Integer.MAX_VALUE - 8 - HEADROOM) {
            throw new IllegalStateException("journal batch larger than 2 GiB; flush more often");
        }
        int capacity = (int) Math.min(Integer.MAX_VALUE - 8 - HEADROOM, Math.max(needed, 2L * (buffer.capacity() - HEADROOM)));
        ByteBuffer old = buffer;
        allocate(capacity);
        buffer.put(HEADROOM, old, HEADROOM, length);
    }

    /** A buffer for {@code capacity} bytes of frames, after the headroom. */
    private void allocate(int capacity) {
        buffer = ByteBuffer.allocateDirect(HEADROOM + capacity);
        whole = MemorySegment.ofBuffer(buffer);
        memory = whole.asSlice(HEADROOM);
        crcView = buffer.duplicate();
    }
}
