package io.bucketdb.spi;

import java.io.Closeable;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;

/**
 * One open file of an index, as seen through {@link DurableIO}. Writes are positional and
 * complete (a short write is retried until every byte is written or an exception says why);
 * nothing written is durable until {@link #force()} returns normally.
 */
public interface DurableFile extends Closeable {

    /** {@return the file's path} */
    Path path();

    /**
     * The current size in bytes.
     *
     * @return the size
     * @throws IOException if the size cannot be read
     */
    long size() throws IOException;

    /**
     * Reads {@code dst.remaining()} bytes starting at {@code position}.
     *
     * @param position the file offset of the first byte to read
     * @param dst the buffer to fill from position to limit; its position advances to its limit
     * @throws java.io.EOFException if the file ends before {@code dst} is full
     * @throws IOException if the read fails
     */
    void read(long position, ByteBuffer dst) throws IOException;

    /**
     * Writes all of {@code src.remaining()} bytes at {@code position}; not durable until {@link #force()}.
     *
     * @param position the file offset of the first byte to write
     * @param src the bytes from position to limit; its position advances to its limit
     * @throws IOException if the write fails (the file may then hold part of the bytes)
     */
    void write(long position, ByteBuffer src) throws IOException;

    /**
     * Makes every write and size change made so far durable. If this throws, nothing written since the
     * last successful force may be assumed durable, and the caller must not acknowledge it.
     *
     * @throws IOException if the force fails
     */
    void force() throws IOException;

    /**
     * Grows the file to {@code newSize} with its blocks really allocated by the file system, so that
     * mapping the new range can never raise SIGBUS on a full disk: a full disk is an {@code IOException}
     * here instead. New bytes read as zero. Does nothing if the file is already at least that large.
     *
     * @param newSize the size in bytes the file must have at least
     * @throws IOException if the space cannot be allocated (a full disk among others)
     */
    void allocate(long newSize) throws IOException;

    /**
     * Frees the blocks of {@code [position, position + length)}, keeping the file's size: the range reads as
     * zeros afterwards, also through a private mapping, and a later write into it allocates again (and may
     * fail with an {@code IOException} on a full disk). Durable after {@link #force()}. For free space that a
     * mapping covers: unlike {@link #truncate}, the file need not be extended again before it is mapped.
     *
     * @param position the file offset where the hole starts
     * @param length the bytes to free
     * @return false where the platform or file system cannot punch holes; nothing changed then
     * @throws IOException if punching fails
     */
    default boolean punchHole(long position, long length) throws IOException {
        return false;
    }

    /**
     * {@return whether {@link #punchHole} may work on this file} False means it certainly returns false (no native
     * access, a read-only file, a file system without holes known in advance), so a caller that must decide before
     * punching (a checkpoint records a punched page's checksum before the punch) keeps its space instead; true
     * still allows {@link #punchHole} to return false where the file system refuses.
     */
    default boolean canPunchHoles() {
        return false;
    }

    /**
     * Asks the system to start writing the range's written bytes back to the device now, and returns without waiting:
     * a hint, so that the {@link #force} that follows finds less left to write. It makes nothing durable and orders
     * nothing: the system may write dirty pages back at any time anyway, so a crash leaves the same states with the
     * hint as without it, and only {@link #force} says whether the bytes reached the device (a failed write-back is
     * reported there). The default does nothing.
     *
     * @param position the file offset where the range starts
     * @param length the bytes of the range
     */
    default void startWriteback(long position, long length) {
    }

    /**
     * Shrinks the file to {@code newSize}.
     *
     * @param newSize the new size in bytes, at most the current size
     * @throws IOException if the truncation fails
     */
    void truncate(long newSize) throws IOException;

    /**
     * Maps {@code [position, position + size)} shared and writable as a journal's {@link AppendWindow}: puts into it
     * change the file (the page cache) at once, without a system call, and survive a process kill; the window's
     * force makes them durable. For journal segments only: the table file is never mapped writable-shared
     * (docs/DESIGN.md, "Hard rules"). The range must lie within the file's allocated size ({@link #allocate} first),
     * so a put can never fault on a full disk (SIGBUS); to append past it, allocate, close the window and map a larger one.
     *
     * @param position the file offset where the window starts
     * @param size the bytes it spans
     * @return the window, owning its mapping; the caller closes it before the file shrinks, is closed or deleted
     * @throws IOException if the range lies beyond the file's size, the file is read-only, or mapping fails
     * @throws UnsupportedOperationException if this file cannot be appended through a mapping (an in-memory copy of a
     *                                       table file, which no journal ever is)
     */
    AppendWindow mapAppendWindow(long position, long size) throws IOException;

    /**
     * Maps {@code size} bytes at {@code position} into {@code arena}, which owns the mapping.
     * Only {@link FileChannel.MapMode#PRIVATE} (copy-on-write: writes change memory, never the file)
     * and {@link FileChannel.MapMode#READ_ONLY} are allowed; a shared writable mapping would let the
     * OS write pages behind the journal's back. The range must lie within the allocated file.
     *
     * @param mode {@link FileChannel.MapMode#PRIVATE} or {@link FileChannel.MapMode#READ_ONLY}
     * @param position the file offset where the mapping starts
     * @param size the bytes to map
     * @param arena the arena that owns the mapping; closing it unmaps
     * @return the mapped segment
     * @throws IllegalArgumentException if {@code mode} is {@link FileChannel.MapMode#READ_WRITE}
     * @throws IOException if mapping fails
     */
    MemorySegment map(FileChannel.MapMode mode, long position, long size, Arena arena) throws IOException;
}
