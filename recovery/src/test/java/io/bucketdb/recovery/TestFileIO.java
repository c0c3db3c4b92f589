package io.bucketdb.recovery;

import io.bucketdb.storage.DurableFile;
import io.bucketdb.storage.DurableIO;
import java.io.EOFException;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.FileAttribute;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;

/**
 * A minimal {@link DurableIO} over {@link FileChannel} for the journal's tests, until the real
 * {@code FileDurableIO} and the crash simulator land. It records every write and counts forces, and
 * can be told to fail the next write or force. Forces and directory syncs are counted but not passed
 * to the disk: these tests build crashed files by hand and never lose power, and thousands of fsyncs
 * would only make them slow.
 */
final class TestFileIO implements DurableIO {
    /** One call to {@link DurableFile#write}. */
    record Write(Path file, long position, int length) {
    }

    private static final boolean POSIX = FileSystems.getDefault().supportedFileAttributeViews().contains("posix");

    final List<Write> writes = new ArrayList<>();
    int forces;
    int directorySyncs;
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
        Set<StandardOpenOption> options = switch (mode) {
            case CREATE_NEW -> EnumSet.of(StandardOpenOption.CREATE_NEW, StandardOpenOption.READ,
                    StandardOpenOption.WRITE);
            case CREATE_OR_OPEN -> EnumSet.of(StandardOpenOption.CREATE, StandardOpenOption.READ,
                    StandardOpenOption.WRITE);
            case OPEN_EXISTING -> EnumSet.of(StandardOpenOption.READ, StandardOpenOption.WRITE);
            case READ_ONLY -> EnumSet.of(StandardOpenOption.READ);
        };
        FileAttribute<?>[] attributes = POSIX && (mode == Mode.CREATE_NEW || mode == Mode.CREATE_OR_OPEN)
                ? new FileAttribute<?>[] {PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------"))}
                : new FileAttribute<?>[0];
        return new TestFile(file, FileChannel.open(file, options, attributes), mode == Mode.READ_ONLY);
    }

    @Override
    public void createDirectories(Path dir) throws IOException {
        if (POSIX) {
            Files.createDirectories(dir, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
        } else {
            Files.createDirectories(dir);
        }
    }

    @Override
    public void rename(Path source, Path target) throws IOException {
        Files.move(source, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    }

    @Override
    public void delete(Path file) throws IOException {
        Files.deleteIfExists(file);
    }

    @Override
    public void syncDirectory(Path dir) throws IOException {
        if (!Files.isDirectory(dir)) {
            throw new IOException("not a directory: " + dir);
        }
        directorySyncs++;
    }

    private final class TestFile implements DurableFile {
        private final Path path;
        private final FileChannel channel;
        private final boolean readOnly;

        TestFile(Path path, FileChannel channel, boolean readOnly) {
            this.path = path;
            this.channel = channel;
            this.readOnly = readOnly;
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
            long at = position;
            while (dst.hasRemaining()) {
                int n = channel.read(dst, at);
                if (n < 0) {
                    throw new EOFException(path + " ends before offset " + (at + dst.remaining()));
                }
                at += n;
            }
        }

        @Override
        public void write(long position, ByteBuffer src) throws IOException {
            checkWritable();
            if (writesBeforeFailure >= 0 && writesBeforeFailure-- == 0) {
                throw new IOException("injected write failure: " + path);
            }
            writes.add(new Write(path, position, src.remaining()));
            writeFully(position, src);
        }

        @Override
        public void force() throws IOException {
            if (forcesBeforeFailure >= 0 && forcesBeforeFailure-- == 0) {
                throw new IOException("injected force failure: " + path);
            }
            forces++;
        }

        @Override
        public void allocate(long newSize) throws IOException {
            checkWritable();
            ByteBuffer zeros = ByteBuffer.allocate(64 << 10);
            for (long at = channel.size(); at < newSize; at += zeros.capacity()) {
                writeFully(at, zeros.clear().limit((int) Math.min(zeros.capacity(), newSize - at)));
            }
        }

        @Override
        public void truncate(long newSize) throws IOException {
            checkWritable();
            channel.truncate(newSize);
        }

        @Override
        public MemorySegment map(FileChannel.MapMode mode, long position, long size, Arena arena) throws IOException {
            if (mode != FileChannel.MapMode.PRIVATE && mode != FileChannel.MapMode.READ_ONLY) {
                throw new IllegalArgumentException("only PRIVATE and READ_ONLY mappings: " + mode);
            }
            return channel.map(mode, position, size, arena);
        }

        @Override
        public void close() throws IOException {
            channel.close();
        }

        private void checkWritable() throws IOException {
            if (readOnly) {
                throw new IOException("opened read-only: " + path);
            }
        }

        private void writeFully(long position, ByteBuffer src) throws IOException {
            long at = position;
            while (src.hasRemaining()) {
                at += channel.write(src, at);
            }
        }
    }
}
