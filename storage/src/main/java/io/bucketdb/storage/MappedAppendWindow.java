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
 *
 * <p>Ahead of the appends, a put that reaches past the populated stretch populates the next {@link #STRETCH} bytes
 * ({@link NativeFileOps#populateWrite}): one system call faults them in, instead of a trap for every 4 KiB page (issue
 * 16: those traps were most of the journal copy's time in a one-thread put). The journal appends in order and writes
 * every byte of a segment up to its tail, so the stretch is written soon anyway; the bytes do not change. At the first
 * refusal (no native access, a kernel before 5.14) the window stops populating and its pages fault as before.
 */
final class MappedAppendWindow implements AppendWindow {
    /** Bytes populated at a time ahead of the appends; 0 turns populating off (measurement only). */
    static final long STRETCH = Long.getLong("bucketdb.populate.journal", 256 << 10);

    private final Path path;
    private final long start;
    private final MemorySegment memory;
    /** Owns {@link #memory}; closing it unmaps. */
    private final Arena arena;
    /** The window-relative end of what was populated; a put past it populates the next stretch. */
    private long populatedTo;
    /** Whether to populate ahead: off for good at the first refusal. */
    private boolean populate;

    MappedAppendWindow(Path path, long start, MemorySegment memory, Arena arena) {
        this.path = path;
        this.start = start;
        this.memory = memory;
        this.arena = arena;
        this.populate = STRETCH > 0;
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
        long at = position - start;
        if (at + length > populatedTo && populate && at >= 0 && at + length <= memory.byteSize()) {
            populateFrom(at, at + length);
        }
        MemorySegment.copy(src, srcOffset, memory, at, length);
    }

    /** Populates from {@code at} (or the end of what is populated) to {@link #STRETCH} past it, at least to {@code end}. */
    private void populateFrom(long at, long end) {
        long from = Math.max(at, populatedTo);
        long to = Math.min(memory.byteSize(), Math.max(end, from + STRETCH));
        populate = NativeFileOps.populateWrite(memory, from, to - from);
        populatedTo = to;
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
