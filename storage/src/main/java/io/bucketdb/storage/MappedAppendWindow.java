package io.bucketdb.storage;

import io.bucketdb.spi.AppendWindow;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.file.Path;

/**
 * The {@link AppendWindow} of a {@link FileDurableFile}: a {@code READ_WRITE} (shared) mapping of an allocated file
 * range, owned by its own shared arena. Shared, not confined: the journal's appender is whichever thread holds the
 * pipeline's writer role, and {@code ASYNC}'s periodic force runs on another thread. Closing a shared arena costs a
 * handshake with every thread, which a journal pays a few times per segment (each growth and the roll), never per put.
 * {@link FileDurableFile#mapAppendWindow} advises the mapping {@code MADV_RANDOM} ({@link NativeFileOps#adviseRandom}),
 * so a put's fault on a never-written page zero-fills that page, not a read-ahead window (issue 16).
 */
final class MappedAppendWindow implements AppendWindow {
    private final Path path;
    private final long start;
    private final MemorySegment memory;
    /** Owns {@link #memory}; closing it unmaps. */
    private final Arena arena;

    MappedAppendWindow(Path path, long start, MemorySegment memory, Arena arena) {
        this.path = path;
        this.start = start;
        this.memory = memory;
        this.arena = arena;
    }

    @Override
    public long start() {
        return start;
    }

    @Override
    public long end() {
        return start + memory.byteSize();
    }

    @Override
    public void put(long position, MemorySegment src, long srcOffset, long length) {
        MemorySegment.copy(src, srcOffset, memory, position - start, length);
    }

    @Override
    public void force(long from, long to) throws IOException {
        if (from < start || to > end() || from > to) {
            throw new IndexOutOfBoundsException(path + ": force of [" + from + ", " + to + ") outside the window ["
                    + start + ", " + end() + ")");
        }
        if (from == to) {
            return;
        }
        try {
            memory.asSlice(from - start, to - from).force();
        } catch (UncheckedIOException e) {
            throw new IOException(path + ": force of the mapped range [" + from + ", " + to + ") failed: "
                    + e.getCause().getMessage(), e.getCause());
        }
    }

    @Override
    public void close() {
        if (arena.scope().isAlive()) {
            arena.close();
        }
    }

    @Override
    public String toString() {
        return "MappedAppendWindow[" + path + ", " + start + ".." + end() + "]";
    }
}
