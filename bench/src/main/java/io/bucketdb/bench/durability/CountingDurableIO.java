package io.bucketdb.bench.durability;

import io.bucketdb.spi.DurableFile;
import io.bucketdb.spi.DurableIO;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.util.concurrent.atomic.AtomicLongArray;

/**
 * A {@link DurableIO} that passes everything to another one and counts, per {@link FileKind}, the
 * bytes written and the forces. Every byte BucketDB writes goes through
 * {@code DurableIO} (the table is mapped private, never shared), so these counts are everything the
 * index asks the OS to write. They are bytes handed to {@code write}, not bytes the device writes:
 * a force of a partly written page, the file system's journal and metadata come on top.
 *
 * <p>Thread-safe: the writer thread and the ASYNC force timer both write and force.
 */
final class CountingDurableIO implements DurableIO {
    private final DurableIO delegate;
    private final AtomicLongArray written = new AtomicLongArray(FileKind.values().length);
    private final AtomicLongArray forces = new AtomicLongArray(FileKind.values().length);

    CountingDurableIO(DurableIO delegate) {
        this.delegate = delegate;
    }

    /** The counters now. */
    IoTally tally() {
        IoTally t = IoTally.zero();
        for (FileKind k : FileKind.values()) {
            t.written()[k.ordinal()] = written.get(k.ordinal());
            t.forces()[k.ordinal()] = forces.get(k.ordinal());
        }
        return t;
    }

    @Override
    public DurableFile open(Path file, Mode mode) throws IOException {
        return new CountingFile(delegate.open(file, mode), FileKind.of(file).ordinal());
    }

    @Override
    public void createDirectories(Path dir) throws IOException {
        delegate.createDirectories(dir);
    }

    @Override
    public void rename(Path source, Path target) throws IOException {
        delegate.rename(source, target);
    }

    @Override
    public void delete(Path file) throws IOException {
        delegate.delete(file);
    }

    @Override
    public void syncDirectory(Path dir) throws IOException {
        delegate.syncDirectory(dir);
    }

    /** One open file; its kind is fixed at open (a file renamed while open keeps the kind it had). */
    private final class CountingFile implements DurableFile {
        private final DurableFile file;
        private final int kind;

        CountingFile(DurableFile file, int kind) {
            this.file = file;
            this.kind = kind;
        }

        @Override
        public Path path() {
            return file.path();
        }

        @Override
        public long size() throws IOException {
            return file.size();
        }

        @Override
        public void read(long position, ByteBuffer dst) throws IOException {
            file.read(position, dst);
        }

        @Override
        public void write(long position, ByteBuffer src) throws IOException {
            int n = src.remaining();
            file.write(position, src);
            written.addAndGet(kind, n);
        }

        @Override
        public void force() throws IOException {
            file.force();
            forces.incrementAndGet(kind);
        }

        @Override
        public void allocate(long newSize) throws IOException {
            // posix_fallocate (with native access, as the benchmark runs) reserves blocks without writing
            // data, so preallocation is not counted as bytes written.
            file.allocate(newSize);
        }

        @Override
        public void truncate(long newSize) throws IOException {
            file.truncate(newSize);
        }

        @Override
        public MemorySegment map(FileChannel.MapMode mode, long position, long size, Arena arena) throws IOException {
            return file.map(mode, position, size, arena);
        }

        @Override
        public void close() throws IOException {
            file.close();
        }
    }
}
