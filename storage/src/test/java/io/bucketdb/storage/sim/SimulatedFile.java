package io.bucketdb.storage.sim;

import io.bucketdb.spi.AppendWindow;
import io.bucketdb.spi.DurableFile;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.FileChannel;
import java.nio.file.Path;

/**
 * A file opened through a {@link CrashSimulator}: every call goes to the real file, so reads and mappings see
 * the current bytes, and every change is also recorded in the file's {@link FileHistory}. Changes are made
 * under the simulator's lock, so the recorded order is the order the real file saw.
 *
 * <p>{@link #force()} records durability without calling {@code fsync}: the simulator, not the disk, decides
 * what survives, and tests stay fast. Injected faults act here with their partial effects ({@link Fault}). A read-only handle changes nothing, so its change calls go straight
 * to the real file, which rejects them, and are not counted as operations.
 */
final class SimulatedFile implements DurableFile {

    private final CrashSimulator simulator;
    private final DurableFile real;
    private final FileHistory history;
    private final boolean readOnly;
    private volatile boolean closed;

    SimulatedFile(CrashSimulator simulator, DurableFile real, FileHistory history, boolean readOnly) {
        this.simulator = simulator;
        this.real = real;
        this.history = history;
        this.readOnly = readOnly;
    }

    @Override
    public Path path() {
        return real.path();
    }

    @Override
    public long size() throws IOException {
        simulator.checkAlive();
        return real.size();
    }

    @Override
    public void read(long position, ByteBuffer dst) throws IOException {
        simulator.checkAlive();
        real.read(position, dst);
    }

    /**
     * Under {@link Fault#ENOSPC} or the space limit, writes a prefix of whole sectors, records it, and throws;
     * under {@link Fault#EIO} writes nothing.
     */
    @Override
    public void write(long position, ByteBuffer src) throws IOException {
        if (readOnly) {
            real.write(position, src);
            return;
        }
        synchronized (simulator.lock) {
            checkOpen();
            CrashSimulator.Started op = simulator.begin(Operation.Kind.WRITE, path());
            if (op.fault() == Fault.EIO) {
                throw CrashSimulator.failure(op, Fault.EIO, "");
            }
            int length = src.remaining();
            long end = position + length;
            long doneEnd = simulator.fit(history, position, end);
            if (op.fault() == Fault.ENOSPC) {
                doneEnd = Math.min(doneEnd, simulator.cut(position, end));
            }
            int done = (int) (doneEnd - position);
            byte[] bytes = new byte[done];
            src.get(src.position(), bytes);
            if (done > 0) {
                real.write(position, ByteBuffer.wrap(bytes));
                history.recordWrite(position, bytes);
            }
            src.position(src.position() + done);
            if (done < length || op.fault() != null) {
                throw CrashSimulator.failure(op, Fault.ENOSPC, ": wrote " + done + " of " + length + " bytes at "
                        + position);
            }
        }
    }

    /**
     * A failed force throws and loses the unforced changes from every later crash image ({@link
     * FileHistory#forceFailed}); the real file keeps them.
     */
    @Override
    public void force() throws IOException {
        if (readOnly) {
            real.force();
            return;
        }
        synchronized (simulator.lock) {
            checkOpen();
            CrashSimulator.Started op = simulator.begin(Operation.Kind.FORCE, path());
            if (op.fault() != null) {
                history.forceFailed();
                throw CrashSimulator.failure(op, op.fault(), ": the unforced changes are lost");
            }
            history.force();
        }
    }

    /**
     * Under {@link Fault#ENOSPC} or the space limit, grows the file part of the way (to a sector boundary,
     * possibly not at all), records that, and throws; under {@link Fault#EIO} does nothing.
     */
    @Override
    public void allocate(long newSize) throws IOException {
        if (readOnly) {
            real.allocate(newSize);
            return;
        }
        synchronized (simulator.lock) {
            checkOpen();
            if (newSize <= real.size()) {
                simulator.checkAlive();
                return; // allocates nothing, as on a real disk: no operation, nothing for a full disk to refuse
            }
            CrashSimulator.Started op = simulator.begin(Operation.Kind.ALLOCATE, path());
            long size = history.size();
            if (op.fault() == Fault.EIO || (op.fault() == Fault.ENOSPC && newSize <= size)) {
                throw CrashSimulator.failure(op, op.fault(), "");
            }
            long done = simulator.fit(history, size, newSize);
            if (op.fault() == Fault.ENOSPC) {
                done = Math.min(done, simulator.cut(size, newSize));
            }
            if (done > size || newSize <= size) {
                real.allocate(done);
                history.recordAllocate(done);
            }
            if (done < newSize) {
                throw CrashSimulator.failure(op, Fault.ENOSPC, ": allocated " + done + " of " + newSize + " bytes");
            }
        }
    }

    /**
     * Punches the real file (so mappings read zeros) and records the range as a write of zeros, which a crash
     * may keep, drop or tear like any unforced write.
     */
    @Override
    public boolean canPunchHoles() {
        return real.canPunchHoles();
    }

    @Override
    public boolean punchHole(long position, long length) throws IOException {
        if (readOnly) {
            return real.punchHole(position, length);
        }
        synchronized (simulator.lock) {
            checkOpen();
            CrashSimulator.Started op = simulator.begin(Operation.Kind.WRITE, path());
            if (op.fault() != null) {
                throw CrashSimulator.failure(op, op.fault(), "");
            }
            if (!real.punchHole(position, length)) {
                return false;
            }
            history.recordZeros(position, length);
            return true;
        }
    }

    @Override
    public void truncate(long newSize) throws IOException {
        if (readOnly) {
            real.truncate(newSize);
            return;
        }
        synchronized (simulator.lock) {
            checkOpen();
            CrashSimulator.Started op = simulator.begin(Operation.Kind.TRUNCATE, path());
            if (op.fault() != null) {
                throw CrashSimulator.failure(op, op.fault(), "");
            }
            real.truncate(newSize);
            history.recordTruncate(newSize);
        }
    }

    @Override
    public MemorySegment map(FileChannel.MapMode mode, long position, long size, Arena arena) throws IOException {
        simulator.checkAlive();
        return real.map(mode, position, size, arena);
    }

    /**
     * A window whose puts go to the real file at once and are recorded as unforced writes (see {@link SimulatedWindow}).
     * Mapping is no operation (it changes nothing on disk); the real file checks that the range is allocated.
     */
    @Override
    public AppendWindow mapAppendWindow(long position, long size) throws IOException {
        simulator.checkAlive();
        if (readOnly) {
            return real.mapAppendWindow(position, size);
        }
        checkOpen();
        return new SimulatedWindow(simulator, this, real.mapAppendWindow(position, size), history);
    }

    /** {@return whether {@link #close} was called} */
    boolean isClosed() {
        return closed;
    }

    /** Closes the real file; works after a crash too, so tests release what they opened. */
    @Override
    public void close() throws IOException {
        closed = true;
        real.close();
    }

    /** A closed handle changes nothing and is no operation; without this check {@code force} would pass. */
    private void checkOpen() throws ClosedChannelException {
        if (closed) {
            throw new ClosedChannelException();
        }
    }

    @Override
    public String toString() {
        return "SimulatedFile[" + path() + "]";
    }
}
