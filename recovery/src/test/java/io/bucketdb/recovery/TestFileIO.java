package io.bucketdb.recovery;

import io.bucketdb.spi.DurableFile;
import io.bucketdb.spi.DurableIO;
import io.bucketdb.storage.FileDurableIO;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * {@link FileDurableIO} with a recorder in front, for the journal's tests: it records every write,
 * counts forces and directory syncs, and can be told to fail the next write or force. Forces and
 * directory syncs are counted but not passed to the disk: these tests build crashed files by hand
 * and never lose power, and thousands of fsyncs would only make them slow. Everything else is the
 * real implementation.
 */
final class TestFileIO implements DurableIO {
    /** One call to {@link DurableFile#write}. */
    record Write(Path file, long position, int length) {
    }

    private final DurableIO disk = FileDurableIO.INSTANCE;
    final List<Write> writes = new ArrayList<>();
    int forces;
    int directorySyncs;
    /** Bytes asked for by {@link DurableFile#read}, to bound how much an open reads. */
    long bytesRead;
    /** Writes still to succeed before one fails; -1 for none. */
    private int writesBeforeFailure = -1;
    /** Forces still to succeed before one fails; -1 for none. */
    private int forcesBeforeFailure = -1;

    /** After {@code successes} more writes, the next {@link DurableFile#write} throws instead of writing. */
    void failWriteAfter(int successes) {
        writesBeforeFailure = successes;
    }

    /** After {@code successes} more forces, the next {@link DurableFile#force} throws instead of forcing. */
    void failForceAfter(int successes) {
        forcesBeforeFailure = successes;
    }

    /** Writes at or after {@code position} (record data, not segment headers at offset 0). */
    long writesFrom(long position) {
        return writes.stream().filter(w -> w.position() >= position).count();
    }

    @Override
    public DurableFile open(Path file, Mode mode) throws IOException {
        return new TestFile(disk.open(file, mode));
    }

    @Override
    public void createDirectories(Path dir) throws IOException {
        disk.createDirectories(dir);
    }

    @Override
    public void rename(Path source, Path target) throws IOException {
        disk.rename(source, target);
    }

    @Override
    public void delete(Path file) throws IOException {
        disk.delete(file);
    }

    @Override
    public void syncDirectory(Path dir) throws IOException {
        if (!Files.isDirectory(dir)) {
            throw new IOException("not a directory: " + dir);
        }
        directorySyncs++;
    }

    private final class TestFile implements DurableFile {
        private final DurableFile real;

        TestFile(DurableFile real) {
            this.real = real;
        }

        @Override
        public Path path() {
            return real.path();
        }

        @Override
        public long size() throws IOException {
            return real.size();
        }

        @Override
        public void read(long position, ByteBuffer dst) throws IOException {
            bytesRead += dst.remaining();
            real.read(position, dst);
        }

        @Override
        public void write(long position, ByteBuffer src) throws IOException {
            if (writesBeforeFailure >= 0 && writesBeforeFailure-- == 0) {
                throw new IOException("injected write failure: " + path());
            }
            int length = src.remaining();
            real.write(position, src);
            writes.add(new Write(path(), position, length));
        }

        @Override
        public void force() throws IOException {
            if (forcesBeforeFailure >= 0 && forcesBeforeFailure-- == 0) {
                throw new IOException("injected force failure: " + path());
            }
            forces++;
        }

        @Override
        public void allocate(long newSize) throws IOException {
            real.allocate(newSize);
        }

        @Override
        public void truncate(long newSize) throws IOException {
            real.truncate(newSize);
        }

        @Override
        public MemorySegment map(FileChannel.MapMode mode, long position, long size, Arena arena) throws IOException {
            return real.map(mode, position, size, arena);
        }

        @Override
        public void close() throws IOException {
            real.close();
        }
    }
}
