package io.bucketdb.storage.sim;

import io.bucketdb.spi.AppendWindow;
import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * The {@link AppendWindow} of a {@link SimulatedFile}: every put goes to the real window (so positional reads and a
 * process that is killed see the bytes at once, as the page cache holds them) and is recorded in the file's
 * {@link FileHistory} as an unforced write, which a power loss may keep, drop or tear like a positional one.
 *
 * <p>A put is no system call and so no {@link Operation}: nothing can fail it, and a crash lands at the next operation,
 * after it. Once the simulated process has died, a put throws {@link SimulatedCrashException} and changes nothing. A
 * {@link #force} is a {@link Operation.Kind#FORCE FORCE} operation of the file: it makes durable the recorded bytes
 * inside its range and the file's size changes ({@link FileHistory#forceRange}); an injected fault fails it as a failed
 * positional force does, losing every unforced change of the file ({@link FileHistory#forceFailed}). Like
 * {@link SimulatedFile#force()}, it records instead of forcing the real file.
 */
final class SimulatedWindow implements AppendWindow {
    private final CrashSimulator simulator;
    private final SimulatedFile file;
    private final AppendWindow real;
    private final FileHistory history;
    private volatile boolean closed;

    SimulatedWindow(CrashSimulator simulator, SimulatedFile file, AppendWindow real, FileHistory history) {
        this.simulator = simulator;
        this.file = file;
        this.real = real;
        this.history = history;
    }

    @Override
    public long start() {
        return real.start();
    }

    @Override
    public long end() {
        return real.end();
    }

    @Override
    public void put(long position, MemorySegment src, long srcOffset, long length) throws IOException {
        synchronized (simulator.lock) {
            simulator.checkAlive();
            checkOpen();
            real.put(position, src, srcOffset, length);
            history.recordWrite(position, src.asSlice(srcOffset, length).toArray(ValueLayout.JAVA_BYTE));
        }
    }

    @Override
    public void force(long from, long to) throws IOException {
        synchronized (simulator.lock) {
            checkOpen();
            if (from < start() || to > end() || from > to) {
                throw new IndexOutOfBoundsException(file.path() + ": force of [" + from + ", " + to
                        + ") outside the window [" + start() + ", " + end() + ")");
            }
            CrashSimulator.Started op = simulator.begin(Operation.Kind.FORCE, file.path());
            if (op.fault() != null) {
                history.forceFailed();
                throw CrashSimulator.failure(op, op.fault(), ": the unforced changes are lost");
            }
            history.forceRange(from, to);
        }
    }

    /** Unmaps the real window; works after a crash too, so tests release what they mapped. */
    @Override
    public void close() {
        closed = true;
        real.close();
    }

    /** A closed window, or one whose file was closed, puts and forces nothing (the real mapping would be gone). */
    private void checkOpen() {
        if (closed || file.isClosed()) {
            throw new IllegalStateException(file.path() + ": the append window is closed");
        }
    }

    @Override
    public String toString() {
        return "SimulatedWindow[" + file.path() + ", " + start() + ".." + end() + "]";
    }
}
