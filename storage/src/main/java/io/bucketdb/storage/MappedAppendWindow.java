package io.bucketdb.storage;

import io.bucketdb.spi.AppendWindow;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.VarHandle;
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
    /** The touch's stride: the smallest page size of the platforms the journal maps on. */
    private static final long TOUCH_PAGE = 4096;
    /** The touch's access: an atomic add on an int of the mapping. */
    private static final VarHandle TOUCH_INT = ValueLayout.JAVA_INT.varHandle();
    /** Where {@link #touch} leaves the sum of the ints it added 0 to (kept only so the result has a use). */
    private int touchSink;

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

    /**
     * Adds 0 atomically to the first int of each 4 KiB page of {@code [from, to)}: to the kernel a write, so the page
     * cache page is made (zero-filled, for an unwritten extent; {@code MADV_RANDOM} keeps the fault to that page),
     * made writable for the file system ({@code page_mkwrite}) and mapped writable and dirty, all on the calling
     * thread. The appender's first write there then takes no fault at all. A read touch left it the write-protect fault
     * of every page: 90,000 of the writer's 100,000 faults in a 10M-put load (docs/BENCHMARKS.md, "wtouch").
     *
     * <p>No byte changes: the add is of 0, and atomic, so a put writing the same bytes meanwhile keeps them (the
     * locked read-modify-write holds the cache line; the put's stores fall before or after it). The page is dirty
     * sooner than the appender would make it, so the system may write it back before the appender fills it, with the
     * bytes it holds (which it may do with any dirty page at any time): no state a crash can leave is new, and a
     * failed write-back of it is reported by the next force, which fails the journal as any failed write-back does.
     *
     * <p>An access per page, not {@code MADV_POPULATE_WRITE}: a downcall given this segment would hold the arena's
     * scope for its whole call and make a {@link #close} on another thread fail, and one given the bare address could
     * populate whatever the address space maps there after the close. An access checks the scope at each page, and a
     * shared arena closed under it makes that access throw {@link IllegalStateException}, which ends the touch; the
     * close does not wait for it.
     */
    @Override
    public void touch(long from, long to) {
        long first = Math.max(from, start) - start;
        long last = Math.min(to, end()) - start;
        int sum = 0;
        try {
            // Pages of the address space: a window mapped from a position that is not a page boundary starts inside a
            // page, whose first int in the window is the first 4-byte aligned one (the add needs an aligned int).
            long address = memory.address();
            for (long page = (address + first) & -TOUCH_PAGE; page < address + last; page += TOUCH_PAGE) {
                long offset = Math.max(page - address, -address & (Integer.BYTES - 1));
                if (offset + Integer.BYTES > memory.byteSize()) {
                    break;
                }
                sum += (int) TOUCH_INT.getAndAdd(memory, offset, 0); // exact type: no adaptation on the call
            }
        } catch (IllegalStateException closed) {
            // closed (a roll, a growth's retirement, a close) before or during the touch: nothing left to fault in
        }
        touchSink = sum;
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
