package io.bucketdb.storage;

import io.bucketdb.spi.AppendWindow;
import io.bucketdb.spi.DurableFile;

import java.io.EOFException;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.lang.foreign.Arena;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.FileChannel;
import java.nio.file.AccessDeniedException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * A {@link DurableFile} over one {@link FileChannel}, made by {@link FileDurableIO}. Positional reads and
 * writes are thread-safe (the channel's own guarantee); {@link #allocate}, {@link #punchHole} and {@link #close} are
 * serialized because they share the native descriptor, whose number must never be used after it is closed.
 *
 * <p>{@link #startWriteback} does not take that monitor: its callers are background threads, one of them in Linux's
 * {@code SCHED_IDLE} class (the journal's page toucher), which beside busy threads may not run again for a second or
 * more once preempted, and a hint holding the monitor then held up the index's close and the writer's allocations for
 * as long. A hint counts itself in {@link #hintUses} instead, and whichever of the close and the last hint in flight
 * comes second closes the descriptor.
 *
 * <p>Interrupts. A {@link FileChannel} closes itself when a thread using it is interrupted (or already was), and any
 * thread of the process may be using this file at that moment: a caller leading a group of writes, a thread closing
 * the index after an executor's {@code shutdownNow()}. Left alone, one interrupt would fail the index for every thread.
 * So every channel call runs with the caller's interrupt status cleared (and set again afterwards), and a channel that
 * an interrupt closed all the same (one landing during the call, on this thread or another) is opened again and the
 * call repeated: every operation here is positional and idempotent. Only {@link #close} closes the file for good.
 * {@link #force} does not go through the channel at all: it syncs a descriptor held open since the file was opened,
 * which no interrupt closes and which is told of every write-back error since then (Linux reports such an error once
 * to each descriptor open when it happened, so a descriptor opened again after it would miss it, and a force that
 * returned normally on it could acknowledge bytes that are gone).
 */
final class FileDurableFile implements DurableFile {

    private static final int ZERO_BLOCK = 1 << 20;
    /** {@link #hintUses}'s bit 0: the file is closed, and no new hint may use {@link #hintFd}. */
    private static final int CLOSED = 1;
    /** What a hint in flight adds to {@link #hintUses}. */
    private static final int HINT = 2;
    private static final VarHandle HINT_USES;

    static {
        try {
            HINT_USES = MethodHandles.lookup().findVarHandle(FileDurableFile.class, "hintUses", int.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    private final Path path;
    /** Replaced only when an interrupt closed it ({@link #reopen}); closed for good by {@link #close}. */
    private volatile FileChannel channel;
    /** The descriptor {@link #force} syncs: never closed by an interrupt (see the class comment); null if read-only. */
    private final RandomAccessFile syncHandle;
    /** Set by {@link #close}, under the monitor: a closed channel is then not opened again. */
    private boolean closed;
    private final boolean readOnly;
    /**
     * A libc descriptor on the same inode for {@code posix_fallocate} and hole punching, or -1 to write zeros instead;
     * -1 once closed. Read and written under the monitor.
     */
    private int nativeFd;
    /** The same descriptor for {@link #startWriteback}, which reads it without the monitor; -1 if there is none. */
    private final int hintFd;
    /** {@link #HINT} times the hints in flight, plus {@link #CLOSED} once {@link #close} ran (through {@link #HINT_USES}). */
    @SuppressWarnings("unused")
    private volatile int hintUses;

    FileDurableFile(Path path, FileChannel channel, boolean readOnly, int nativeFd) throws IOException {
        this.path = path;
        this.channel = channel;
        this.syncHandle = readOnly ? null : new RandomAccessFile(path.toFile(), "rw");
        this.readOnly = readOnly;
        this.nativeFd = nativeFd;
        this.hintFd = nativeFd;
    }

    @Override
    public Path path() {
        return path;
    }

    /** One call on the channel; run by {@link #onChannel}, again on a reopened channel if an interrupt closed it. */
    @FunctionalInterface
    private interface ChannelCall<T> {
        T on(FileChannel c) throws IOException;
    }

    /**
     * Runs {@code call} with the caller's interrupt status cleared, opening the channel again and repeating the call
     * if an interrupt closed it meanwhile (the class comment says why); the status is set again afterwards.
     */
    private <T> T onChannel(ChannelCall<T> call) throws IOException {
        boolean interrupted = Thread.interrupted();
        try {
            while (true) {
                FileChannel c = channel;
                try {
                    return call.on(c);
                } catch (ClosedChannelException e) { // ClosedByInterruptException, AsynchronousCloseException among them
                    interrupted |= Thread.interrupted(); // else the repeated call would close the channel again
                    reopen(c, e);
                }
            }
        } finally {
            if (interrupted) {
                Thread.currentThread().interrupt();
            }
        }
    }

    /** Opens the channel again after {@code broken} was closed, unless {@link #close} closed it (then {@code why}). */
    private synchronized void reopen(FileChannel broken, ClosedChannelException why) throws IOException {
        if (closed) {
            throw why;
        }
        if (channel == broken) {
            channel = readOnly ? FileChannel.open(path, StandardOpenOption.READ)
                    : FileChannel.open(path, StandardOpenOption.READ, StandardOpenOption.WRITE);
        }
    }

    @Override
    public long size() throws IOException {
        return onChannel(FileChannel::size);
    }

    @Override
    public void read(long position, ByteBuffer dst) throws IOException {
        checkPosition(position);
        int start = dst.position();
        while (dst.hasRemaining()) {
            // The position from the buffer's progress: a call an interrupt cut short may have read some of it.
            int n = onChannel(c -> c.read(dst, position + (dst.position() - start)));
            if (n < 0) {
                throw new EOFException(path + ": file ends at " + size() + ", needed " + dst.remaining()
                        + " more bytes at offset " + (position + (dst.position() - start)));
            }
        }
    }

    @Override
    public void write(long position, ByteBuffer src) throws IOException {
        checkWritable("write");
        checkPosition(position);
        int start = src.position();
        while (src.hasRemaining()) {
            onChannel(c -> c.write(src, position + (src.position() - start)));
        }
    }

    /** {@code fsync} of the descriptor held since open, which an interrupt cannot close (see the class comment). */
    @Override
    public void force() throws IOException {
        checkWritable("force");
        syncHandle.getFD().sync();
    }

    @Override
    public synchronized void allocate(long newSize) throws IOException {
        checkWritable("allocate");
        checkPosition(newSize);
        long oldSize = size();
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
                onChannel(c -> c.truncate(oldSize));
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

    /**
     * A hint; ignored once the file is closed. Takes no lock (the class comment says why): it counts itself in, so the
     * descriptor stays open until it has returned.
     */
    @Override
    public void startWriteback(long position, long length) {
        if (readOnly || length <= 0 || !enterHint()) {
            return;
        }
        try {
            NativeFileOps.startWriteback(hintFd, position, length);
        } finally {
            exitHint();
        }
    }

    /**
     * Counts a hint in, without a lock (the class comment says why); {@code false} if the file is closed or has no
     * native descriptor, and then the hint is ignored. A {@code true} holds the descriptor open until {@link #exitHint}.
     */
    boolean enterHint() {
        if (hintFd < 0) {
            return false;
        }
        int uses;
        do {
            uses = hintUses;
            if ((uses & CLOSED) != 0) {
                return false;
            }
        } while (!HINT_USES.compareAndSet(this, uses, uses + HINT));
        return true;
    }

    /** Counts a hint out; the last one out after a {@link #close} closes the descriptor the close left to it. */
    void exitHint() {
        if ((int) HINT_USES.getAndAdd(this, -HINT) == HINT + CLOSED) {
            try {
                NativeFileOps.close(hintFd, path);
            } catch (IOException ignored) {
                // Nobody is left to tell, and nothing is lost: the descriptor served allocations and hints, neither of
                // which makes a byte durable; the channel's close reported its own outcome.
            }
        }
    }

    @Override
    public void truncate(long newSize) throws IOException {
        checkWritable("truncate");
        checkPosition(newSize);
        long size = size();
        if (newSize > size) {
            throw new IllegalArgumentException(path + ": truncate to " + newSize + " would grow the file (size "
                    + size + "); use allocate");
        }
        onChannel(c -> c.truncate(newSize));
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
        long fileSize = size();
        if (position > fileSize - size) {
            throw new IOException(path + ": cannot map [" + position + ", " + (position + size)
                    + ") beyond the allocated file size " + fileSize + " (allocate first; a mapping past the end"
                    + " would raise SIGBUS)");
        }
        // Not advised MADV_RANDOM, unlike the journal's windows: on the table's chunks it took the 8 MiB zero-fill
        // read-ahead out of the writer's first touches of never-written space (branch tail2), but gets on a settled 1M
        // table then ran slower than without it in all seven pairs measured (docs/BENCHMARKS.md, "The merge of
        // 2026-12-06 (late night)"), for a reason not found.
        return onChannel(c -> c.map(mode, position, size, arena));
    }

    @Override
    public AppendWindow mapAppendWindow(long position, long size) throws IOException {
        checkWritable("map writable");
        checkPosition(position);
        if (size < 0) {
            throw new IllegalArgumentException(path + ": negative mapping size " + size);
        }
        long fileSize = size();
        if (position > fileSize - size) {
            throw new IOException(path + ": cannot map [" + position + ", " + (position + size)
                    + ") beyond the allocated file size " + fileSize + " (allocate first; a put past the end"
                    + " would raise SIGBUS)");
        }
        Arena arena = Arena.ofShared();
        try {
            MemorySegment mapped = onChannel(c -> c.map(FileChannel.MapMode.READ_WRITE, position, size, arena));
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

    /**
     * Closes the channel and the native descriptor. If a {@link #startWriteback} is in flight, the descriptor stays
     * open until it returns, and that hint closes it; the close does not wait for it.
     */
    @Override
    public synchronized void close() throws IOException {
        closed = true;
        try (RandomAccessFile sync = syncHandle) {
            if (nativeFd >= 0) {
                nativeFd = -1;
                int uses = (int) HINT_USES.getAndBitwiseOr(this, CLOSED);
                if (uses == 0) {
                    NativeFileOps.close(hintFd, path);
                }
            }
        } finally {
            channel.close();
        }
    }

    /** {@return the channel in use now} (tests, which close it as an interrupt would) */
    FileChannel channel() {
        return channel;
    }

    /** {@return the native descriptor's number, or -1 if there is none} (tests) */
    int descriptor() {
        return hintFd;
    }

    @Override
    public String toString() {
        return "FileDurableFile[" + path + (readOnly ? ", read-only]" : "]");
    }

    private void writeZeros(long from, long to) throws IOException {
        ByteBuffer zeros = ZeroBlock.BUFFER.duplicate();
        for (long at = from; at < to; at += ZERO_BLOCK) {
            zeros.clear().limit((int) Math.min(ZERO_BLOCK, to - at));
            write(at, zeros);
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
