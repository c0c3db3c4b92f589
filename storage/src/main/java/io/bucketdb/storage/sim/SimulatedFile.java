package io.bucketdb.storage.sim;

import io.bucketdb.storage.DurableFile;
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
 * what survives, and tests stay fast. A read-only handle changes nothing, so its change calls go straight
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

    @Override
    public void write(long position, ByteBuffer src) throws IOException {
        if (readOnly) {
            real.write(position, src);
            return;
        }
        synchronized (simulator.lock) {
            checkOpen();
            simulator.begin(Operation.Kind.WRITE, path());
            byte[] bytes = new byte[src.remaining()];
            src.get(src.position(), bytes);
            real.write(position, src);
            history.recordWrite(position, bytes);
        }
    }

    @Override
    public void force() throws IOException {
        if (readOnly) {
            real.force();
            return;
        }
        synchronized (simulator.lock) {
            checkOpen();
            simulator.begin(Operation.Kind.FORCE, path());
            history.force();
        }
    }

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
            simulator.begin(Operation.Kind.ALLOCATE, path());
            real.allocate(newSize);
            history.recordAllocate(newSize);
        }
    }

    /**
     * Punches the real file (so mappings read zeros) and records the range as a write of zeros, which a crash
     * may keep, drop or tear like any unforced write.
     */
    @Override
    public boolean punchHole(long position, long length) throws IOException {
        if (readOnly) {
            return real.punchHole(position, length);
        }
        synchronized (simulator.lock) {
            checkOpen();
            simulator.begin(Operation.Kind.WRITE, path());
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
            simulator.begin(Operation.Kind.TRUNCATE, path());
            real.truncate(newSize);
            history.recordTruncate(newSize);
        }
    }

    @Override
    public MemorySegment map(FileChannel.MapMode mode, long position, long size, Arena arena) throws IOException {
        simulator.checkAlive();
        return real.map(mode, position, size, arena);
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
