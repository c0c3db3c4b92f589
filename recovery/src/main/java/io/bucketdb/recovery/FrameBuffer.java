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
 */
final class FrameBuffer {
    private final int initialCapacity;
    private final CRC32C crc = new CRC32C();
    private final ByteBuffer saltBytes = ByteBuffer.allocateDirect(Long.BYTES);
    private final MemorySegment saltMemory = MemorySegment.ofBuffer(saltBytes);
    private ByteBuffer buffer;
    private MemorySegment memory;
    /** Used only to feed {@link #crc}; position and limit change per frame. */
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
        if (aligned > buffer.capacity() - length) {
            grow((long) length + aligned);
        }
    }

    /** Ends the frame begun last: CRC over {@code salt} and the frame, then zero padding. */
    void end(long salt) {
        int crcOffset = frameStart + JournalRecordLayout.crcOffset(frameLength);
        saltMemory.set(LONG, 0, salt);
        crc.reset();
        crc.update(saltBytes.clear());
        crc.update(crcView.limit(crcOffset).position(frameStart));
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
        if (buffer.capacity() > 4 * initialCapacity) {
            allocate(initialCapacity);
        }
    }

    private void grow(long needed) {
        if (needed > Integer.MAX_VALUE - 8) {
            throw new IllegalStateException("journal batch larger than 2 GiB; flush more often");
        }
        int capacity = (int) Math.min(Integer.MAX_VALUE - 8, Math.max(needed, 2L * buffer.capacity()));
        ByteBuffer old = buffer;
        allocate(capacity);
        buffer.put(0, old, 0, length);
    }

    private void allocate(int capacity) {
        buffer = ByteBuffer.allocateDirect(capacity);
        memory = MemorySegment.ofBuffer(buffer);
        crcView = buffer.duplicate();
    }
}
