package io.bucketdb.storage;

import io.bucketdb.spi.AppendWindow;
import io.bucketdb.spi.DurableFile;

import java.io.EOFException;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.AccessDeniedException;
import java.nio.file.Path;

/**
 * A {@link DurableFile} over one {@link FileChannel}, made by {@link FileDurableIO}. Positional reads and
 * writes are thread-safe (the channel's own guarantee); {@link #allocate} and {@link #close} are serialized
 * because they share the native descriptor, whose number must never be used after it is closed.
 */
final class FileDurableFile implements DurableFile {

    private static final int ZERO_BLOCK = 1 << 20;

    private final Path path;
    private final FileChannel channel;
    private final boolean readOnly;
    /** A libc descriptor on the same inode for {@code posix_fallocate}, or -1 to write zeros instead. */
    private int nativeFd;

    FileDurableFile(Path path, FileChannel channel, boolean readOnly, int nativeFd) {
        this.path = path;
        this.channel = channel;
        this.readOnly = readOnly;
        this.nativeFd = nativeFd;
    }

    @Override
    public Path path() {
        return path;
    }

    @Override
    public long size() throws IOException {
        return channel.size();
    }

    @Override
    public void read(long position, ByteBuffer dst) throws IOException {
        checkPosition(position);
        long at = position;
        while (dst.hasRemaining()) {
            int n = channel.read(dst, at);
            if (n < 0) {
                throw new EOFException(path + ": file ends at " + channel.size() + ", needed " + dst.remaining()
                        + " more bytes at offset " + at);
            }
            at += n;
        }
    }

    @Override
    public void write(long position, ByteBuffer src) throws IOException {
        checkWritable("write");
        checkPosition(position);
        long at = position;
        while (src.hasRemaining()) {
            at += channel.write(src, at);
        }
    }

    @Override
    public void force() throws IOException {
        checkWritable("force");
        channel.force(true);
    }

    @Override
    public synchronized void allocate(long newSize) throws IOException {
        checkWritable("allocate");
        checkPosition(newSize);
        long oldSize = channel.size();
        if (newSize <= oldSize) {
            return;
        }
        try {
            if (nativeFd >= 0) {
                NativeFileOps.allocate(nativeFd, oldSize, newSize - oldSize, path);
            } else {
                writeZeros(oldSize, newSize);
            }
        } catch (IOException e) {
            // Give back what a partial allocation took, so the size never claims more than was asked for
            // successfully; the caller sees the original error either way.
            try {
                channel.truncate(oldSize);
            } catch (IOException suppressed) {
                e.addSuppressed(suppressed);
            }
            throw e;
        }
    }

    @Override
    public boolean canPunchHoles() {
        return nativeFd >= 0;
    }

    @Override
    public synchronized boolean punchHole(long position, long length) throws IOException {
        checkWritable("punch a hole in");
        checkPosition(position + length);
        return nativeFd >= 0 && length > 0 && NativeFileOps.punchHole(nativeFd, position, length, path);
    }

    @Override
    public synchronized void startWriteback(long position, long length) {
        if (!readOnly && nativeFd >= 0 && length > 0) {
            NativeFileOps.startWriteback(nativeFd, position, length);
        }
    }

    @Override
    public void truncate(long newSize) throws IOException {
        checkWritable("truncate");
        checkPosition(newSize);
        long size = channel.size();
        if (newSize > size) {
            throw new IllegalArgumentException(path + ": truncate to " + newSize + " would grow the file (size "
                    + size + "); use allocate");
        }
        channel.truncate(newSize);
    }

    @Override
    public MemorySegment map(FileChannel.MapMode mode, long position, long size, Arena arena) throws IOException {
        if (mode != FileChannel.MapMode.PRIVATE && mode != FileChannel.MapMode.READ_ONLY) {
            throw new IllegalArgumentException(path + ": mapping mode " + mode
                    + " is not allowed; only PRIVATE and READ_ONLY (no shared writable mapping: docs/DESIGN.md, Rules no change may break)");
        }
        checkPosition(position);
        if (size < 0) {
            throw new IllegalArgumentException(path + ": negative mapping size " + size);
        }
        if (readOnly && mode == FileChannel.MapMode.PRIVATE) {
            // FileChannel needs a writable channel even for copy-on-write; say so instead of
            // NonWritableChannelException.
            throw new AccessDeniedException(path.toString(), null, "opened read-only: map it READ_ONLY, not PRIVATE");
        }
        long fileSize = channel.size();
        if (position > fileSize - size) {
            throw new IOException(path + ": cannot map [" + position + ", " + (position + size)
                    + ") beyond the allocated file size " + fileSize + " (allocate first; a mapping past the end"
                    + " would raise SIGBUS)");
        }
        // Not advised MADV_RANDOM, unlike the journal's windows: on the table's chunks it took the 8 MiB zero-fill
        // read-ahead out of the writer's first touches of never-written space (branch tail2), but gets on a settled 1M
        // table then ran slower than without it in all seven pairs measured (docs/BENCHMARKS.md, "The merge of
        // 2026-12-06 (late night)"), for a reason not found.
        return channel.map(mode, position, size, arena);
    }

    @Override
    public AppendWindow mapAppendWindow(long position, long size) throws IOException {
        checkWritable("map writable");
        checkPosition(position);
        if (size < 0) {
            throw new IllegalArgumentException(path + ": negative mapping size " + size);
        }
        long fileSize = channel.size();
        if (position > fileSize - size) {
            throw new IOException(path + ": cannot map [" + position + ", " + (position + size)
                    + ") beyond the allocated file size " + fileSize + " (allocate first; a put past the end"
                    + " would raise SIGBUS)");
        }
        Arena arena = Arena.ofShared();
        try {
            MemorySegment mapped = channel.map(FileChannel.MapMode.READ_WRITE, position, size, arena);
            // A journal segment is preallocated and written once, in order, through this window: the first put into
            // each never-written page faults, and the default read-ahead would zero-fill read_ahead_kb (8 MiB here,
            // 10-22 ms) around it in the writer (issue 16). One page per fault spreads that work over the puts. A
            // recycled segment's pages are normally still cached from their last use; one that is not is read a page
            // per fault instead of in read-ahead windows.
            NativeFileOps.adviseRandom(mapped);
            return new MappedAppendWindow(path, position, mapped, arena);
        } catch (IOException | RuntimeException e) {
            arena.close();
            throw e;
        }
    }

    @Override
    public synchronized void close() throws IOException {
        try {
            if (nativeFd >= 0) {
                int fd = nativeFd;
                nativeFd = -1;
                NativeFileOps.close(fd, path);
            }
        } finally {
            channel.close();
        }
    }

    @Override
    public String toString() {
        return "FileDurableFile[" + path + (readOnly ? ", read-only]" : "]");
    }

    private void writeZeros(long from, long to) throws IOException {
        ByteBuffer zeros = ZeroBlock.BUFFER.duplicate();
        long at = from;
        while (at < to) {
            zeros.clear().limit((int) Math.min(ZERO_BLOCK, to - at));
            while (zeros.hasRemaining()) {
                at += channel.write(zeros, at);
            }
        }
    }

    private void checkWritable(String operation) throws IOException {
        if (readOnly) {
            throw new AccessDeniedException(path.toString(), null, "opened read-only: " + operation + " not allowed");
        }
    }

    private void checkPosition(long position) {
        if (position < 0) {
            throw new IllegalArgumentException(path + ": negative position or size " + position);
        }
    }

    /** One shared block of zeros, created only if the fallback is ever used. */
    private static final class ZeroBlock {
        static final ByteBuffer BUFFER = ByteBuffer.allocateDirect(ZERO_BLOCK).asReadOnlyBuffer();

        private ZeroBlock() {
        }
    }
}
