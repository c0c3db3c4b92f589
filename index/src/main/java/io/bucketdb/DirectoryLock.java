package io.bucketdb;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * The OS file lock that admits one writer process per index directory (DESIGN.md, section 5).
 * The lock file records the holder (process id and start time) so a refused open can name it.
 * Its content is advisory and not index data, so it is written directly, not through DurableIO.
 */
final class DirectoryLock implements AutoCloseable {
    static final String FILE_NAME = "LOCK";

    private final FileChannel channel;
    private final FileLock lock;

    private DirectoryLock(FileChannel channel, FileLock lock) {
        this.channel = channel;
        this.lock = lock;
    }

    /** Takes the lock or fails with an {@link IOException} that names the lock file and its holder. */
    static DirectoryLock acquire(Path dir) throws IOException {
        Path file = dir.resolve(FILE_NAME);
        FileChannel ch = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.READ, StandardOpenOption.WRITE);
        FileLock lock;
        try {
            lock = ch.tryLock();
        } catch (OverlappingFileLockException e) {
            lock = null;
        }
        if (lock == null) {
            String holder = readHolder(file);
            ch.close();
            throw new IOException("index " + dir + " is locked by another writer: lock file " + file + " is held by " + holder);
        }
        ProcessHandle self = ProcessHandle.current();
        String me = "pid " + self.pid() + self.info().startInstant().map(t -> " (started " + t + ")").orElse("") + "\n";
        ch.truncate(0);
        ch.write(ByteBuffer.wrap(me.getBytes(StandardCharsets.UTF_8)), 0);
        return new DirectoryLock(ch, lock);
    }

    /** Who holds the lock of {@code dir}, as its lock file says, or "nobody recorded". */
    static String readHolder(Path file) {
        try {
            String s = Files.readString(file, StandardCharsets.UTF_8).trim();
            return s.isEmpty() ? "a process that recorded no holder" : s;
        } catch (IOException e) {
            return "an unknown process (" + e.getMessage() + ")";
        }
    }

    @Override
    public void close() throws IOException {
        try {
            lock.release();
        } finally {
            channel.close();
        }
    }
}
