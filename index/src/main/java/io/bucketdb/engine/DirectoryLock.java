package io.bucketdb.engine;

import io.bucketdb.storage.FileDurableIO;
import io.bucketdb.storage.IndexFileNames;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedByInterruptException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;

/**
 * The OS file lock that admits one writer process per index directory (docs/DESIGN.md, "Threads").
 * The lock file records the holder (process id and start time) so a refused open can name it.
 * Its content is advisory and not index data, so it is written directly, not through DurableIO.
 *
 * <p>On Linux a {@link FileLock} is a POSIX record lock: it belongs to the process, and closing
 * <em>any</em> descriptor of the file in that process drops it (see {@link FileLock}'s "on some
 * systems" note). So a second attempt inside a process that already holds the lock must be refused
 * before it opens the file at all, or its refusal would silently unlock the index for every other
 * process. Locks held by this process are therefore tracked here by file key (device and inode,
 * which survive a rename of the directory), and the lock file of a held lock is never opened,
 * read or closed again until its owner releases it.
 */
public final class DirectoryLock implements AutoCloseable {
    public static final String FILE_NAME = IndexFileNames.LOCK;

    /** The lock files this process holds, by file key, with the holder text written into them. Guarded by itself. */
    private static final Map<Object, String> HELD = new HashMap<>();

    private final FileChannel channel;
    private final FileLock lock;
    private final Object key;
    /** False for a {@link #borrowed} view: its close leaves the lock to its owner. */
    private final boolean owner;
    private boolean released;

    private DirectoryLock(FileChannel channel, FileLock lock, Object key, boolean owner) {
        this.channel = channel;
        this.lock = lock;
        this.key = key;
        this.owner = owner;
    }

    /** Takes the lock or fails with an {@link IOException} that names the lock file and its holder. */
    public static DirectoryLock acquire(Path dir) throws IOException {
        Path file = dir.resolve(FILE_NAME);
        String[] holder = new String[1];
        DirectoryLock l = tryAcquire(dir, holder);
        if (l == null) {
            throw new IOException("index " + dir + " is locked by another writer: lock file " + file + " is held by " + holder[0]);
        }
        return l;
    }

    /**
     * Takes the lock, or returns null if another process or another open in this one holds it;
     * then {@code holder[0]} says who, as the lock file records it.
     */
    public static DirectoryLock tryAcquire(Path dir, String[] holder) throws IOException {
        return uninterrupted(() -> tryAcquireOnce(dir, holder));
    }

    /** One call on a lock file's channel: run by {@link #uninterrupted}. */
    @FunctionalInterface
    private interface LockFileCall<T> {
        T run() throws IOException;
    }

    /**
     * Runs {@code call} with the caller's interrupt status cleared, and again if an interrupt closed its channel
     * meanwhile; the status is set again afterwards. A FileChannel closes itself on an interrupted thread, so an open
     * on a thread with an interrupt pending failed with {@link ClosedByInterruptException} (as the index's own files
     * did: see {@code FileDurableFile}). A call that failed so took no lock (its channel's close dropped it), and
     * recorded nothing, so it can run again.
     */
    private static <T> T uninterrupted(LockFileCall<T> call) throws IOException {
        boolean interrupted = Thread.interrupted();
        try {
            while (true) {
                try {
                    return call.run();
                } catch (ClosedByInterruptException e) {
                    interrupted |= Thread.interrupted();
                }
            }
        } finally {
            if (interrupted) {
                Thread.currentThread().interrupt();
            }
        }
    }

    private static DirectoryLock tryAcquireOnce(Path dir, String[] holder) throws IOException {
        Path file = dir.resolve(FILE_NAME);
        synchronized (HELD) {
            String mine = HELD.get(fileKey(file));
            if (mine != null) {
                holder[0] = "this process: " + mine;
                return null;
            }
            FileChannel ch = openLockFile(file);
            FileLock lock;
            try {
                lock = ch.tryLock();
            } catch (OverlappingFileLockException e) {
                lock = null; // only if the file was replaced under us since fileKey() looked
            } catch (IOException | RuntimeException e) {
                ch.close();
                throw e;
            }
            if (lock == null) {
                ch.close(); // this process holds no lock on the file, so closing drops nothing
                holder[0] = readHolder(file);
                return null;
            }
            try {
                ProcessHandle self = ProcessHandle.current();
                String me = "pid " + self.pid() + self.info().startInstant().map(t -> " (started " + t + ")").orElse("");
                ch.truncate(0);
                ch.write(ByteBuffer.wrap((me + "\n").getBytes(StandardCharsets.UTF_8)), 0);
                Object key = fileKey(file);
                HELD.put(key, me);
                return new DirectoryLock(ch, lock, key, true);
            } catch (IOException | RuntimeException e) {
                ch.close();
                throw e;
            }
        }
    }

    /**
     * Opens the lock file, creating it owner-only (0600) like every file of an index (docs/FILE-FORMATS.md):
     * it names the holder's pid and start time. Where the file system takes no POSIX permissions it is
     * created with the default ones.
     */
    private static FileChannel openLockFile(Path file) throws IOException {
        Set<StandardOpenOption> options = EnumSet.of(StandardOpenOption.CREATE, StandardOpenOption.READ, StandardOpenOption.WRITE);
        try {
            return FileChannel.open(file, options, FileDurableIO.ownerOnlyFile());
        } catch (UnsupportedOperationException e) {
            return FileChannel.open(file, options); // a file system without POSIX permissions: nothing to restrict
        }
    }

    /** This lock, for an open that runs while the owner keeps holding it: closing the view releases nothing. */
    public DirectoryLock borrowed() {
        return new DirectoryLock(channel, lock, key, false);
    }

    /**
     * Who holds the lock of {@code dir}, or null if nobody does; writes nothing. A lock this process holds
     * is answered from {@link #HELD} without opening the file (a close would drop it). Otherwise a shared
     * lock is tried on the existing file, which needs only read access and fails while a writer holds its
     * exclusive one, and is released at once.
     */
    public static String holder(Path dir) throws IOException {
        return uninterrupted(() -> holderOnce(dir));
    }

    private static String holderOnce(Path dir) throws IOException {
        Path file = dir.resolve(FILE_NAME);
        synchronized (HELD) {
            Object key = fileKey(file);
            if (key == null) {
                return null; // no writer ever opened this directory
            }
            String mine = HELD.get(key);
            if (mine != null) {
                return mine;
            }
            try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
                FileLock probe = ch.tryLock(0, Long.MAX_VALUE, true);
                if (probe == null) {
                    return readHolder(file);
                }
                probe.release();
                return null;
            } catch (OverlappingFileLockException e) {
                return readHolder(file); // only if the file was replaced under us since fileKey() looked
            } catch (NoSuchFileException e) {
                return null;
            }
        }
    }

    /** The file's identity without opening it (a stat), or null if it does not exist yet. */
    private static Object fileKey(Path file) throws IOException {
        try {
            BasicFileAttributes a = Files.readAttributes(file, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
            // Where the file system has no file keys, the real path stands in (it does not survive a rename).
            return a.fileKey() != null ? a.fileKey() : file.toRealPath();
        } catch (NoSuchFileException e) {
            return null;
        }
    }

    /** Who holds the lock of {@code dir}, as its lock file says. Never called for a lock this process holds. */
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
        synchronized (HELD) {
            if (!owner || released) {
                return;
            }
            released = true;
            HELD.remove(key);
            try {
                lock.release();
            } finally {
                channel.close();
            }
        }
    }
}
