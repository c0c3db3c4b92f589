package io.bucketdb.storage;

import java.io.EOFException;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.EnumSet;
import java.util.Set;

/** Provisional plain implementation; replaced by the full one (fallocate, owner-only files). */
public final class FileDurableIO implements DurableIO {
    @Override
    public DurableFile open(Path file, Mode mode) throws IOException {
        Set<StandardOpenOption> opts = switch (mode) {
            case CREATE_NEW -> EnumSet.of(StandardOpenOption.READ, StandardOpenOption.WRITE, StandardOpenOption.CREATE_NEW);
            case CREATE_OR_OPEN -> EnumSet.of(StandardOpenOption.READ, StandardOpenOption.WRITE, StandardOpenOption.CREATE);
            case OPEN_EXISTING -> EnumSet.of(StandardOpenOption.READ, StandardOpenOption.WRITE);
            case READ_ONLY -> EnumSet.of(StandardOpenOption.READ);
        };
        FileChannel ch = FileChannel.open(file, opts);
        return new DurableFile() {
            public Path path() { return file; }
            public long size() throws IOException { return ch.size(); }
            public void read(long position, ByteBuffer dst) throws IOException {
                while (dst.hasRemaining()) {
                    int n = ch.read(dst, position);
                    if (n < 0) throw new EOFException(file + " ends at " + position);
                    position += n;
                }
            }
            public void write(long position, ByteBuffer src) throws IOException {
                while (src.hasRemaining()) position += ch.write(src, position);
            }
            public void force() throws IOException { ch.force(true); }
            public void allocate(long newSize) throws IOException {
                long size = ch.size();
                ByteBuffer zeros = ByteBuffer.allocate(1 << 16);
                while (size < newSize) {
                    zeros.clear().limit((int) Math.min(zeros.capacity(), newSize - size));
                    size += ch.write(zeros, size);
                }
            }
            public void truncate(long newSize) throws IOException { ch.truncate(newSize); }
            public MemorySegment map(FileChannel.MapMode mode, long position, long size, Arena arena) throws IOException {
                return ch.map(mode, position, size, arena);
            }
            public void close() throws IOException { ch.close(); }
        };
    }

    @Override
    public void createDirectories(Path dir) throws IOException { Files.createDirectories(dir); }

    @Override
    public void rename(Path source, Path target) throws IOException {
        Files.move(source, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    }

    @Override
    public void delete(Path file) throws IOException { Files.deleteIfExists(file); }

    @Override
    public void syncDirectory(Path dir) throws IOException {
        try (FileChannel ch = FileChannel.open(dir, StandardOpenOption.READ)) { ch.force(true); }
    }
}
