package io.bucketdb.storage;

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

    /** The file's path. */
    Path path();

    /** The current size in bytes. */
    long size() throws IOException;

    /**
     * Reads {@code dst.remaining()} bytes starting at {@code position}.
     *
     * @throws java.io.EOFException if the file ends before {@code dst} is full
     */
    void read(long position, ByteBuffer dst) throws IOException;

    /** Writes all of {@code src.remaining()} bytes at {@code position}; not durable until {@link #force()}. */
    void write(long position, ByteBuffer src) throws IOException;

    /**
     * Makes every write and size change made so far durable. If this throws, nothing written since the
     * last successful force may be assumed durable, and the caller must not acknowledge it.
     */
    void force() throws IOException;

    /**
     * Grows the file to {@code newSize} with its blocks really allocated by the file system, so that
     * mapping the new range can never raise SIGBUS on a full disk: a full disk is an {@code IOException}
     * here instead. New bytes read as zero. Does nothing if the file is already at least that large.
     */
    void allocate(long newSize) throws IOException;

    /** Shrinks the file to {@code newSize}. */
    void truncate(long newSize) throws IOException;

    /**
     * Maps {@code size} bytes at {@code position} into {@code arena}, which owns the mapping.
     * Only {@link FileChannel.MapMode#PRIVATE} (copy-on-write: writes change memory, never the file)
     * and {@link FileChannel.MapMode#READ_ONLY} are allowed; a shared writable mapping would let the
     * OS write pages behind the journal's back. The range must lie within the allocated file.
     */
    MemorySegment map(FileChannel.MapMode mode, long position, long size, Arena arena) throws IOException;
}
