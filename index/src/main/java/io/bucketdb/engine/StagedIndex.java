package io.bucketdb.engine;

import io.bucketdb.BucketDB;
import io.bucketdb.Options;
import io.bucketdb.spi.DurableIO;
import io.bucketdb.storage.FileDurableIO;
import io.bucketdb.storage.IndexFileNames;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.DirectoryNotEmptyException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.List;
import java.util.Objects;
import java.util.stream.Stream;

/**
 * A new index built under a staging name beside its target and renamed into place when complete,
 * so a crash never leaves a half-built index under the target's name: {@code bucketdb compact}
 * (which replaces an index, or writes a copy with {@code --to}) and {@code bucketdb import
 * --from-mapdb} (which creates one) build through it.
 *
 * <h2>Names</h2>
 * For a target {@code P/NAME} the index is built in {@code P/.NAME.bucketdb-new} ({@link #staging});
 * an index being replaced waits in {@code P/.NAME.bucketdb-old} ({@link #retired}) until deleted.
 *
 * <h2>Locks</h2>
 * From {@link #begin} to {@link #commit} (or {@link #close}) this object holds the writer lock of
 * the source (so no writer changes it while it is read, and none can slip in before it is
 * replaced) and the writer lock of the staging directory (so no second build uses the same
 * name). Both are OS locks on the {@code LOCK} file's inode, so they move with their directory
 * when it is renamed. The source is opened and the staged index created under these locks
 * ({@link #openSource}, {@link #create}); closing those indexes keeps the locks.
 *
 * <h2>Replacing an index in place (source = target = DIR)</h2>
 * <pre>
 *   begin   finish a swap a crash interrupted (below); lock DIR; delete an OLD whose lock is
 *           free (left by a finished swap); create NEW durably (its parent synced) and lock it;
 *           empty NEW (left by a crashed build)
 *   build   create the index in NEW, load it, close it (checkpointed and forced), check it
 *   commit  1. sync NEW; rename DIR -> OLD; sync the parent   (the lock held on DIR now guards OLD)
 *           2. rename NEW -> DIR; sync the parent
 *           3. release the locks; delete OLD; sync the parent
 *           (an I/O error in 1's sync or in 2's rename renames OLD back to DIR and syncs: the old index
 *           stays, and the staged one is deleted as an unfinished build)
 * </pre>
 * What a crash leaves under each name, and what happens next:
 * <ul>
 *   <li>before 1: DIR is the old index, NEW holds part of a build. Read-only opens ignore NEW; the
 *       next writable open of DIR ({@link StagingLeftovers}) or the next build deletes it once its
 *       lock is free.</li>
 *   <li>between 1 and 2: no DIR; OLD is the old index and NEW a complete, checked new one (commit
 *       starts only after the build is checked). The next writing {@link BucketDB#open} of DIR,
 *       or the next {@link #begin}, finishes the swap ({@link #finishInterrupted}): it takes OLD's
 *       lock (so it never races a compaction still running; if the lock is held it refuses,
 *       naming the holder, rather than create an empty index where DIR was), renames NEW to DIR
 *       and deletes OLD. A read-only open finds no index and says a compaction was interrupted.</li>
 *   <li>after 2: DIR is the new index, OLD may be left (partly deleted). Opens use DIR; the next
 *       {@link #begin} deletes OLD once its lock is free.</li>
 * </ul>
 * At no moment do both DIR and NEW lack a complete index, and the index under DIR is always
 * either the old one or the new one.
 *
 * <h2>Writing a new index (target differs from the source, or no source)</h2>
 * The target must not exist, or be an empty directory. Commit renames NEW to the target and syncs
 * the parent; a crash before leaves no target and a NEW that the next build into that target, or
 * the next writable open of it (which creates an empty index there), deletes.
 */
public final class StagedIndex implements AutoCloseable {
    private static final String STAGING_SUFFIX = IndexFileNames.STAGING_SUFFIX;
    private static final String RETIRED_SUFFIX = IndexFileNames.RETIRED_SUFFIX;

    private final DurableIO io;
    private final Path source;
    private final Path target;
    private final Path staging;
    private DirectoryLock sourceLock;
    private DirectoryLock stagingLock;
    private boolean committed;
    /** Set once {@link #start} begins making the staging directory: from then on a failed begin deletes it. */
    private boolean stagingMade;

    private StagedIndex(Path source, Path target, DurableIO io) {
        this.io = io;
        this.source = source;
        this.target = target;
        this.staging = staging(target);
    }

    /**
     * Where an index for {@code target} is built: the hidden sibling {@code .NAME.bucketdb-new}.
     *
     * @param target the index directory a build is for
     * @return its staging directory
     */
    public static Path staging(Path target) {
        return sibling(target, STAGING_SUFFIX);
    }

    /**
     * Where the index replaced at {@code dir} waits until it is deleted: {@code .NAME.bucketdb-old}.
     *
     * @param dir an index directory
     * @return where a replaced index at {@code dir} waits
     */
    public static Path retired(Path dir) {
        return sibling(dir, RETIRED_SUFFIX);
    }

    private static Path sibling(Path dir, String suffix) {
        Path abs = dir.toAbsolutePath().normalize();
        if (abs.getFileName() == null) {
            throw new IllegalArgumentException("an index directory needs a parent: " + dir);
        }
        return abs.resolveSibling("." + abs.getFileName() + suffix);
    }

    /**
     * Starts a build for {@code target}, reading from {@code source} (null for none; equal to
     * {@code target} to replace it in place). Finishes an interrupted swap of the source first and
     * clears what crashed builds left.
     *
     * @throws IOException if the source is not an index or is locked by another writer (naming
     *                     the holder), if another build for the target is running, or if the
     *                     target exists and is not an empty directory
     *
     * @param source the index the build reads, or null
     * @param target where the built index goes
     * @return the build, holding the locks of source and staging directory
     */
    public static StagedIndex begin(Path source, Path target) throws IOException {
        return begin(source, target, FileDurableIO.INSTANCE);
    }

    /**
     * {@link #begin(Path, Path)} with every directory creation, rename, delete and sync of the build and
     * the swap made through {@code io} (a crash simulator in tests); open the source and create the new
     * index with options that use the same {@code io}.
     *
     * @throws IOException as {@link #begin(Path, Path)}
     *
     * @param source the index the build reads, or null
     * @param target where the built index goes
     * @param io     the durable I/O every change on disk goes through
     * @return the build, holding the locks of source and staging directory
     */
    public static StagedIndex begin(Path source, Path target, DurableIO io) throws IOException {
        StagedIndex s = new StagedIndex(source, target, Objects.requireNonNull(io));
        try {
            s.start();
        } catch (IOException | RuntimeException e) {
            s.abandonStaging(e);
            s.releaseLocks(e);
            throw e;
        }
        return s;
    }

    /**
     * After {@link #start} failed once it began making the staging directory (an I/O error in its creation, its sync or
     * the clearing of a crashed build's files): deletes the directory if no other build holds it, so a failed begin
     * leaves nothing that only the next build of the target would remove. A directory another build holds is that
     * build's, and is left alone.
     */
    private void abandonStaging(Exception failure) {
        if (!stagingMade || !Files.isDirectory(staging, LinkOption.NOFOLLOW_LINKS)) {
            return;
        }
        try {
            if (stagingLock == null) {
                stagingLock = DirectoryLock.tryAcquire(staging, new String[1]);
                if (stagingLock == null) {
                    return;
                }
            }
            deleteTree(io, staging);
        } catch (IOException | RuntimeException e) {
            failure.addSuppressed(e);
        }
    }

    private boolean inPlace() {
        return source != null && source.toAbsolutePath().normalize().equals(target.toAbsolutePath().normalize());
    }

    private void start() throws IOException {
        if (source != null) {
            finishInterrupted(source, io);
            if (!Files.exists(source.resolve(IndexFileNames.TABLE))) {
                throw new NoSuchFileException(source.toString(), null, "no index here: " + IndexFileNames.TABLE + " is missing");
            }
            sourceLock = DirectoryLock.acquire(source);
        }
        if (!inPlace()) {
            checkNotInterrupted(target);
        }
        if (!inPlace() && Files.exists(target) && !isEmptyDirectory(target)) {
            throw new IOException(target + " already exists; give a new or empty directory");
        }
        if (inPlace()) {
            removeRetired();
        }
        // Durable before the commit's first rename: a crash after a synced rename of DIR to OLD must find NEW.
        stagingMade = true;
        IndexOpener.createDirectoriesDurably(io, staging);
        String[] holder = new String[1];
        stagingLock = DirectoryLock.tryAcquire(staging, holder);
        if (stagingLock == null) {
            throw new IOException("another build of " + target + " is running in " + staging + " (held by " + holder[0] + ")");
        }
        // Left by a crashed build: the lock was free, so nobody is writing it.
        try (Stream<Path> files = Files.list(staging)) {
            for (Path p : files.toList()) {
                if (!p.getFileName().toString().equals(DirectoryLock.FILE_NAME)) {
                    deleteTree(io, p);
                }
            }
        }
        io.syncDirectory(staging);
    }

    /** Deletes the OLD of a finished swap once nothing holds it; refuses leftovers the protocol cannot produce. */
    private void removeRetired() throws IOException {
        Path old = retired(source);
        if (!Files.isDirectory(old, LinkOption.NOFOLLOW_LINKS)) {
            return;
        }
        if (Files.exists(staging.resolve(IndexFileNames.TABLE))) {
            throw new IOException(source + ", " + old + " and " + staging + " all hold indexes, which an interrupted compaction "
                    + "never leaves; keep the one you need and remove the others");
        }
        String[] holder = new String[1];
        DirectoryLock l = DirectoryLock.tryAcquire(old, holder);
        if (l == null) {
            return; // the compaction that made it is about to delete it
        }
        l.close();
        deleteTree(io, old);
        io.syncDirectory(parent(old));
    }

    /**
     * The source index, opened for writing under the held lock (recovery runs as in any writing open).
     *
     * @param options how to open it (it must exist)
     * @return the source index, open for writing
     * @throws IOException on I/O failure or damage, as {@link BucketDB#open(Path, Options)}
     */
    public BucketDB openSource(Options options) throws IOException {
        if (sourceLock == null) {
            throw new IllegalStateException("this build has no source");
        }
        return LockedOpen.open(source, options.withCreateIfMissing(false), sourceLock);
    }

    /**
     * Creates the new index in the staging directory, under the held staging lock.
     *
     * @param options how to create it
     * @return the new index, open for writing
     * @throws IOException on I/O failure
     */
    public BucketDB create(Options options) throws IOException {
        return LockedOpen.open(staging, options.withCreateIfMissing(true), stagingLock);
    }

    /**
     * The staging directory, for checking the built index (read-only opens take no lock).
     *
     * @return the staging directory
     */
    public Path directory() {
        return staging;
    }

    /**
     * Renames the built index into place (the index created by {@link #create} must be closed),
     * deletes the replaced one, and releases the locks.
     *
     * @throws FileAlreadyExistsException if a new index's target was made (and not empty) since {@link #begin} checked it
     * @throws IOException if a rename, delete or directory sync fails (what a crash then leaves is in the class comment;
     *                     for a new index, no index is left at the target unless moving it back failed too, suppressed)
     */
    public void commit() throws IOException {
        if (committed || stagingLock == null) {
            throw new IllegalStateException("nothing to commit");
        }
        if (!Files.exists(staging.resolve(IndexFileNames.TABLE))) {
            throw new IllegalStateException("no index was built in " + staging);
        }
        io.syncDirectory(staging);
        Path parent = parent(target);
        if (!inPlace()) {
            try {
                rename(staging, target);
            } catch (IOException e) {
                if (!Files.exists(target, LinkOption.NOFOLLOW_LINKS)) {
                    throw e;
                }
                // Made since begin() checked it (another program, or an open of it): said as the type callers catch for
                // an occupied target, not as the rename's errno, which differs by what was made there.
                FileAlreadyExistsException taken = new FileAlreadyExistsException(target.toString(), null,
                        "made while the build ran; the built index is discarded and " + target + " left as it is");
                taken.initCause(e);
                throw taken;
            }
            try {
                io.syncDirectory(parent);
            } catch (IOException e) {
                // Thrown past here the commit failed, so no index may stay at the target (a caller would take the failure
                // at its word and build again into an occupied directory): move it back for close() to delete as unfinished.
                try {
                    io.rename(target, staging);
                    io.syncDirectory(parent);
                } catch (IOException back) {
                    e.addSuppressed(back);
                }
                throw e;
            }
            committed = true;
            releaseLocks(null);
            return;
        }
        Path old = retired(target);
        rename(target, old);
        try {
            // The sync too: a failure of it, thrown past here, would have close() delete the staged index as an
            // unfinished build and leave no index under the target's name, only the old one moved aside.
            io.syncDirectory(parent);
            rename(staging, target);
        } catch (IOException e) {
            try {
                io.rename(old, target);
                io.syncDirectory(parent);
            } catch (IOException back) {
                e.addSuppressed(back);
                committed = true; // leave both for finishInterrupted: never delete either now
            }
            throw e;
        }
        io.syncDirectory(parent);
        committed = true;
        releaseLocks(null);
        deleteTree(io, old);
        io.syncDirectory(parent);
    }

    /** Without a commit: deletes the staging directory, then releases the locks. */
    @Override
    public void close() throws IOException {
        if (stagingLock == null && sourceLock == null) {
            return;
        }
        IOException failed = null;
        if (!committed) {
            try {
                deleteTree(io, staging);
            } catch (IOException e) {
                failed = e;
            }
        }
        releaseLocks(failed);
        if (failed != null) {
            throw failed;
        }
    }

    private void releaseLocks(Throwable into) throws IOException {
        IOException failed = null;
        for (DirectoryLock l : new DirectoryLock[]{stagingLock, sourceLock}) {
            try {
                if (l != null) {
                    l.close();
                }
            } catch (IOException e) {
                if (into != null) {
                    into.addSuppressed(e);
                } else if (failed == null) {
                    failed = e;
                }
            }
        }
        stagingLock = null;
        sourceLock = null;
        if (failed != null) {
            throw failed;
        }
    }

    /** Whether a swap of {@code dir} stopped between its two renames (no index at dir, one retired beside it). */
    public static boolean interrupted(Path dir) {
        return dir.toAbsolutePath().normalize().getFileName() != null // the root has no siblings to swap with
                && !Files.exists(dir.resolve(IndexFileNames.TABLE)) && Files.isDirectory(retired(dir), LinkOption.NOFOLLOW_LINKS);
    }

    /**
     * Refuses a new index for {@code target} while a swap of it is interrupted: the new index would take the staging
     * directory that holds the swap's finished index, and a crash before its own commit would leave the next writing
     * open to finish the swap with a half-built index.
     *
     * @param target where a new index would go
     * @throws IOException if a swap of {@code target} stopped between its renames
     */
    public static void checkNotInterrupted(Path target) throws IOException {
        if (interrupted(target)) {
            throw new IOException("a compaction of " + target + " was interrupted (" + retired(target) + " holds the index "
                    + "from before it, " + staging(target) + " the new one): open " + target + " for writing to finish it first");
        }
    }

    /**
     * Finishes a swap of {@code dir} that stopped between its two renames (see the class comment):
     * renames the checked new index to {@code dir} and deletes the old one. Returns false if there
     * is none to finish.
     *
     * @throws IOException if the compaction is still running (naming the lock holder), or if the
     *                     new index is missing (then the old one is named, to be moved back by hand)
     *
     * @param dir the index directory
     * @return whether a swap was finished
     */
    public static boolean finishInterrupted(Path dir) throws IOException {
        return finishInterrupted(dir, FileDurableIO.INSTANCE);
    }

    /** {@link #finishInterrupted(Path)} through {@code io}, as an open with {@code Options.withDurableIO} does. */
    public static boolean finishInterrupted(Path dir, DurableIO io) throws IOException {
        if (!interrupted(dir)) {
            return false;
        }
        Path old = retired(dir);
        Path nw = staging(dir);
        String[] holder = new String[1];
        DirectoryLock l = DirectoryLock.tryAcquire(old, holder);
        if (l == null) {
            throw new IOException("index " + dir + " is being replaced by a compaction (" + old + " is held by " + holder[0]
                    + "); open it again when the compaction has finished");
        }
        try {
            if (!Files.exists(nw.resolve(IndexFileNames.TABLE))) {
                throw new IOException("no index in " + dir + ": " + old + " holds the index from before an interrupted compaction "
                        + "and the rebuilt one is missing; rename " + old + " back to " + dir);
            }
            rename(io, nw, dir);
            io.syncDirectory(parent(dir));
        } finally {
            l.close();
        }
        deleteTree(io, old);
        io.syncDirectory(parent(dir));
        return true;
    }

    private void rename(Path from, Path to) throws IOException {
        rename(io, from, to);
    }

    private static void rename(DurableIO io, Path from, Path to) throws IOException {
        try {
            io.rename(from, to);
        } catch (DirectoryNotEmptyException e) {
            throw new IOException("cannot rename " + from + " to " + to + ": " + to + " exists and is not empty", e);
        }
    }

    private static Path parent(Path p) {
        return p.toAbsolutePath().normalize().getParent();
    }

    private static boolean isEmptyDirectory(Path dir) throws IOException {
        if (!Files.isDirectory(dir, LinkOption.NOFOLLOW_LINKS)) {
            return false;
        }
        try (Stream<Path> s = Files.list(dir)) {
            return s.findAny().isEmpty();
        }
    }

    /**
     * Deletes {@code root} and everything under it through {@code io} (every change on disk goes
     * through DurableIO, so a tree-deleting library would go around the crash simulator),
     * tolerating files that vanish meanwhile (another process finishing the same cleanup). Never
     * follows symbolic links.
     */
    static void deleteTree(DurableIO io, Path root) throws IOException {
        if (!Files.exists(root, LinkOption.NOFOLLOW_LINKS)) {
            return;
        }
        List<Path> paths;
        try (Stream<Path> walk = Files.walk(root)) {
            paths = walk.sorted(Comparator.reverseOrder()).toList();
        } catch (NoSuchFileException e) {
            if (!Files.exists(root, LinkOption.NOFOLLOW_LINKS)) {
                return;
            }
            throw e;
        } catch (UncheckedIOException e) {
            if (e.getCause() instanceof NoSuchFileException) {
                deleteTree(io, root); // something vanished under the walk: walk what is left
                return;
            }
            throw e.getCause();
        }
        for (Path p : paths) {
            io.delete(p);
        }
    }
}
