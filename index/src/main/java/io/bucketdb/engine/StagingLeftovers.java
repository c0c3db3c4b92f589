package io.bucketdb.engine;

import io.bucketdb.BucketDB;
import io.bucketdb.spi.DurableIO;
import io.bucketdb.storage.IndexFileNames;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.Optional;

/**
 * The staging directory ({@link StagedIndex#staging}) a crashed build, import or compaction left beside an index
 * directory: shown by {@code bucketdb stat} and {@code verify} ({@link #find}, which writes nothing), removed by a
 * writable open of the index ({@link #removeCrashed}). Without this only the next build or compaction of the same
 * target removed it, and an index that was opened instead, or never built again, kept the leftover (possibly many GB)
 * for good.
 *
 * <p>What makes the removal safe: it runs with the index's writer lock held, so no in-place compaction of it is
 * running (that holds the same lock, and the lock moves with the directory in its renames); a build into the
 * directory as a new target holds the staging directory's own lock from its {@code begin} to its commit, and a
 * staging directory whose lock is held is left alone. A swap interrupted between its renames keeps its finished new
 * index in the staging directory: that state (no table at DIR, the old index retired beside it) is left to the swap's
 * finishing, and so is the state {@link StagedIndex#begin} refuses as one no compaction leaves (an index in each of
 * DIR, the staging and the retired directory).
 */
public final class StagingLeftovers {
    private static final System.Logger LOG = System.getLogger(BucketDB.class.getName());

    private StagingLeftovers() {
    }

    /**
     * A staging directory beside an index.
     *
     * @param directory the staging directory
     * @param bytes     the lengths of the files under it added up
     * @param holder    who holds its lock (a build running now), or null if nobody does (a crash left it)
     * @param removable   whether a writable open of the index would remove it now: a crash left it, and it is not part
     *                    of an interrupted swap or of the state no compaction leaves (see the class comment)
     */
    public record Leftover(Path directory, long bytes, String holder, boolean removable) {
        /** {@return whether a crash left it: no build holds its lock} */
        public boolean crashed() {
            return holder == null;
        }
    }

    /**
     * The staging directory beside {@code dir}, if there is one. Writes nothing: the holder is asked with a shared
     * probe lock ({@link DirectoryLock#holder}).
     *
     * @param dir an index directory
     * @return its staging directory, with its size and lock holder; empty if there is none
     * @throws IOException if the directory cannot be read
     */
    public static Optional<Leftover> find(Path dir) throws IOException {
        Path staging = stagingOf(dir);
        if (staging == null || !Files.isDirectory(staging, LinkOption.NOFOLLOW_LINKS)) {
            return Optional.empty();
        }
        String holder = DirectoryLock.holder(staging);
        return Optional.of(new Leftover(staging, bytes(staging), holder, holder == null && !partOfASwap(dir, staging)));
    }

    /**
     * Removes the staging directory a crashed build of {@code dir} left, if nothing holds it and it is not part of an
     * interrupted swap (class comment). Call with {@code dir}'s writer lock held. Never fails: the index opened fine, and
     * a leftover it cannot remove costs space, not data; a failure is logged as a WARNING and the directory stays
     * (where {@code stat} shows it).
     *
     * @param dir an index directory whose writer lock the caller holds
     * @param io  the durable I/O every delete and sync goes through
     * @return the bytes removed (the lengths of the files under it), 0 if nothing was removed
     */
    static long removeCrashed(Path dir, DurableIO io) {
        Path staging = stagingOf(dir);
        if (staging == null || !Files.isDirectory(staging, LinkOption.NOFOLLOW_LINKS) || partOfASwap(dir, staging)) {
            return 0;
        }
        try {
            DirectoryLock lock = DirectoryLock.tryAcquire(staging, new String[1]);
            if (lock == null) {
                return 0; // a build is running in it
            }
            try {
                long bytes = bytes(staging);
                StagedIndex.deleteTree(io, staging);
                io.syncDirectory(staging.getParent());
                LOG.log(System.Logger.Level.INFO, "index " + dir + ": removed " + staging + " (" + bytes
                        + " bytes), left by a build, import or compaction that crashed");
                return bytes;
            } finally {
                lock.close(); // the lock file is gone with its directory; this releases the lock and its descriptor
            }
        } catch (NoSuchFileException gone) {
            return 0; // removed meanwhile (a build of it failing, and deleting its own directory)
        } catch (IOException | UncheckedIOException | SecurityException e) {
            LOG.log(System.Logger.Level.WARNING, "index " + dir + ": could not remove " + staging + ", left by a build, import "
                    + "or compaction that crashed; it stays until the next writable open or build of " + dir + " removes it", e);
            return 0;
        }
    }

    /** The staging directory holds a swap's finished index, or the leftovers are in a state no compaction leaves. */
    private static boolean partOfASwap(Path dir, Path staging) {
        return StagedIndex.interrupted(dir) || (Files.isDirectory(StagedIndex.retired(dir), LinkOption.NOFOLLOW_LINKS)
                && Files.exists(staging.resolve(IndexFileNames.TABLE)));
    }

    private static Path stagingOf(Path dir) {
        Path abs = dir.toAbsolutePath().normalize();
        return abs.getFileName() == null ? null : StagedIndex.staging(abs);
    }

    /**
     * The lengths of the regular files under {@code root} added up, never following links; what cannot be read or
     * vanishes meanwhile (a build deleting its own files) counts 0 rather than failing {@code stat}. The lock file does
     * not count: its content names whoever took the lock last, so the removal, which takes it first, measured a byte
     * more or less than {@code stat} (a pid of another length).
     */
    private static long bytes(Path root) throws IOException {
        long[] sum = new long[1];
        Files.walkFileTree(root, new SimpleFileVisitor<>() {
            @Override
            public FileVisitResult visitFile(Path file, BasicFileAttributes a) {
                boolean lock = file.getFileName().toString().equals(IndexFileNames.LOCK) && file.getParent().equals(root);
                sum[0] += a.isRegularFile() && !lock ? a.size() : 0;
                return FileVisitResult.CONTINUE;
            }

            @Override
            public FileVisitResult visitFileFailed(Path file, IOException e) {
                return FileVisitResult.CONTINUE;
            }
        });
        return sum[0];
    }
}
