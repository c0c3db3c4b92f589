package io.bucketdb.storage.sim;

import io.bucketdb.spi.DurableFile;
import io.bucketdb.spi.DurableIO;
import io.bucketdb.storage.FileDurableIO;
import java.io.IOException;
import java.nio.file.DirectoryNotEmptyException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.NotDirectoryException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;
import java.util.function.Predicate;
import java.util.stream.Stream;

/**
 * A {@link DurableIO} that remembers what a power loss could take away and injects the errors a real disk
 * gives, after SQLite's crash VFS and RocksDB's {@code FaultInjectionTestFS}. Other modules' tests run BucketDB
 * on it, crash it at a chosen operation or fail operations, build the files a power loss could leave, reopen
 * them and check that no acknowledged write is lost and nothing is corrupt.
 *
 * <h2>What it records</h2>
 * Every call writes through to the real file ({@link FileDurableIO}), so private and read-only mappings see
 * the current bytes. Alongside, for each file (an inode, which keeps its history across renames) it keeps
 * the <em>durable image</em> (the bytes as of the last successful {@link DurableFile#force()}) and the
 * unforced writes, allocations and truncations since. A put into a journal's {@link io.bucketdb.spi.AppendWindow} (a
 * shared mapping) is recorded as a write too, but is no operation: it reaches the real file at once, as a process kill
 * would find it, and only a force of its range makes it durable ({@link SimulatedWindow}). The directory tree is kept as a file system keeps it:
 * entries (a name inside a directory inode) that point to files or directories. Creating a file or a
 * directory ({@link #createDirectories} makes one per missing level), renaming a file or a directory, and
 * deleting become durable only by {@link #syncDirectory} of the directory that holds the entry: a new
 * directory needs its <em>parent</em> synced, a rename both parents. A directory carries everything in it:
 * a crash image that lacks a directory (its creation or its rename was lost) lacks everything in it, and a
 * file created in a directory after an unsynced rename of that directory is found under whichever name the
 * image gives the directory. Forces and directory syncs are recorded, not performed: the simulator, not the
 * disk, decides what survives.
 *
 * <h2>Operations and crashes</h2>
 * Each change to disk is one operation ({@link Operation.Kind}), numbered from 1 in the order started.
 * {@link #crashAfter(long) crashAfter(n)} lets operations 1..n run; operation n+1 and every later call,
 * reads included, throw {@link SimulatedCrashException} without doing anything.
 *
 * <h2>Faults</h2>
 * {@link #failWhen(Predicate, Fault)} and {@link #failOperation(long, boolean, Fault)} make chosen operations
 * throw an {@link IOException} worded as the JDK words the error on Linux, naming the injected failure; the
 * methods without a {@link Fault} inject {@link Fault#EIO}. A failed operation still counts.
 * <ul>
 *   <li>{@link Fault#EIO}: the operation is not performed.</li>
 *   <li>{@link Fault#ENOSPC}: a write performs a prefix of whole 512-byte sectors of the file (possibly
 *       none), an allocation grows the file to a sector boundary part of the way (possibly not at all); the
 *       prefix is drawn from the seed given to {@link #CrashSimulator(long)}. The partial effect is recorded
 *       as an unforced change like any other, so crash images keep, drop or tear it. Other operations are
 *       not performed.</li>
 *   <li>A space limit ({@link #limitSpace}, {@link #unlimitSpace}): a write or allocation that would make
 *       the files under the simulator's names (the sum of their sizes now, less the holes punched in them)
 *       exceed the limit performs the whole sectors that fit, then fails with {@code ENOSPC}. Overwrites of
 *       allocated bytes, punches, truncations and deletes always work, so a test can fill the disk and free
 *       space again; a write into a punched hole allocates, as on a real file system.</li>
 *   <li><b>A failed force</b> (either fault) follows Linux: the kernel reports a write-back error once and
 *       marks the pages clean, so the file's writes and size changes not yet forced are <em>lost</em>: they
 *       reach no later crash image, also not after a later successful force of the same file. The real file
 *       keeps them, so reads and mappings in the same boot (this simulator, e.g. an index reopened without a
 *       crash image) still see them: exactly what code must not trust after a failed force. The model takes
 *       the worst case; a real disk may have written some of them, which code must not rely on either.</li>
 *   <li><b>A failed directory sync</b> leaves the operations it was to make durable <em>doubtful</em>: each
 *       crash image keeps or loses each of them, and no later sync makes them durable (the directory's
 *       write-back may or may not have reached the disk, and Linux does not retry it). An operation on the
 *       same entry synced later survives exactly when the doubtful one before it does.</li>
 * </ul>
 *
 * <h2>Crash images</h2>
 * {@link #writeCrashImage(Path, Path, long)} writes into an empty directory the files a power loss at this
 * moment could leave under a root: each file's durable image, then each unforced write kept whole, dropped,
 * or torn (each 512-byte sector of it kept or not), each unforced size change kept or not, and each unsynced
 * or doubtful directory operation done or not (never an operation on an entry whose earlier unsynced
 * operation was lost). A seed reproduces the same image; {@link CrashMode} gives the two extremes. Files and
 * directories under the root that the simulator never saw (made before it, or outside it, such as a lock
 * file) count as durable where they are now.
 *
 * <h2>Life cycle</h2>
 * Use one simulator per boot of the machine the code under test runs on (several process lives may share it;
 * they then see the bytes of failed forces): after a crash image was written, open it with a new {@code
 * CrashSimulator}, which adopts the files and directories it finds as durable. All changes under the root
 * must go through the simulator. Thread-safe: changes are serialized on one lock.
 */
public final class CrashSimulator implements DurableIO {

    private final DurableIO disk = FileDurableIO.INSTANCE;
    /** Serializes every change, here and in {@link SimulatedFile}, so the recorded order is the real order. */
    final Object lock = new Object();
    private final Namespace names = new Namespace();
    private final FaultInjector faults;
    private long started;
    private long crashAfter = Long.MAX_VALUE;
    private volatile boolean crashed;

    /**
     * A simulator that has seen nothing yet; existing files and directories count as durable when first used.
     * The partial effects of injected {@link Fault#ENOSPC} faults are drawn from seed 0.
     */
    public CrashSimulator() {
        this(0);
    }

    /**
     * A simulator that has seen nothing yet, drawing the partial effects of injected {@link Fault#ENOSPC}
     * faults (how many sectors of a write, how much of an allocation) from {@code faultSeed}, so that the same
     * seed and the same operations give the same effects.
     *
     * @param faultSeed the seed of the partial effects
     */
    public CrashSimulator(long faultSeed) {
        this.faults = new FaultInjector(faultSeed);
    }

    /**
     * The number of operations started so far, including ones that failed by injection. After a crash it
     * stays at the crash point. Run a workload once without a crash to learn how many crash points it has.
     *
     * @return the operations started
     */
    public long operationCount() {
        synchronized (lock) {
            return started;
        }
    }

    /**
     * Lets operations up to number {@code n} run and crashes at the next: operation {@code n + 1} and every
     * later call throw {@link SimulatedCrashException}. With {@code n} at or below {@link #operationCount()},
     * the next operation crashes.
     *
     * @param n the last operation to run
     */
    public void crashAfter(long n) {
        if (n < 0) {
            throw new IllegalArgumentException("negative crash point " + n);
        }
        synchronized (lock) {
            crashAfter = n;
        }
    }

    /** {@return whether the crash point has been reached} */
    public boolean crashed() {
        return crashed;
    }

    /**
     * Makes operation number {@code n} fail with {@link Fault#EIO}: it throws without being performed (the
     * message names the injected failure). With {@code persistent}, every later operation that writes,
     * allocates, truncates or forces file data fails the same way, as a failing disk would; directory
     * operations still work.
     *
     * @param n          the operation to fail
     * @param persistent whether every later data operation fails too
     */
    public void failOperation(long n, boolean persistent) {
        failOperation(n, persistent, Fault.EIO);
    }

    /**
     * Makes operation number {@code n} fail with {@code fault}, with the partial effects the fault has; with
     * {@code persistent}, every later operation that writes, allocates, truncates or forces file data fails
     * the same way (a disk that stays full or broken); directory operations still work.
     *
     * @param n          the operation to fail
     * @param persistent whether every later data operation fails too
     * @param fault      the error and its partial effects
     */
    public void failOperation(long n, boolean persistent, Fault fault) {
        failWhen(op -> op.index() == n || (persistent && op.index() > n && op.kind().touchesFileData()), fault);
    }

    /**
     * Makes every operation matching {@code condition} fail with {@link Fault#EIO} (not performed), for
     * example {@code op -> op.kind() == Operation.Kind.FORCE}. Adds to earlier conditions.
     *
     * @param condition which operations fail
     */
    public void failWhen(Predicate<? super Operation> condition) {
        failWhen(condition, Fault.EIO);
    }

    /**
     * Makes every operation matching {@code condition} fail with {@code fault}, with the partial effects the
     * fault has. Adds to earlier conditions; the first one an operation matches decides its fault.
     *
     * @param condition which operations fail
     * @param fault     the error and its partial effects
     */
    public void failWhen(Predicate<? super Operation> condition, Fault fault) {
        Objects.requireNonNull(fault);
        synchronized (lock) {
            faults.add(condition, fault);
        }
    }

    /** Removes every failure condition (not the space limit). */
    public void clearFailures() {
        synchronized (lock) {
            faults.clear();
        }
    }

    /**
     * Fills the disk at {@code bytes}: from now on a write or allocation that would make the files the
     * simulator knows (the sum of their sizes) exceed it fails with {@link Fault#ENOSPC}, after doing the
     * whole 512-byte sectors that still fit. A limit below what is in use stops all growth; overwrites within
     * a file still work.
     *
     * @param bytes the most bytes all files together may hold
     */
    public void limitSpace(long bytes) {
        if (bytes < 0) {
            throw new IllegalArgumentException("negative space limit " + bytes);
        }
        synchronized (lock) {
            faults.limitSpace(bytes);
        }
    }

    /** Frees the disk again: removes the space limit. */
    public void unlimitSpace() {
        synchronized (lock) {
            faults.limitSpace(FaultInjector.UNLIMITED);
        }
    }

    /**
     * The bytes the files the simulator knows take now (their current sizes less their punched holes, which the
     * space limit counts).
     *
     * @return the sum of the allocated bytes of the files under the simulator's names
     */
    public long spaceUsed() {
        synchronized (lock) {
            return names.bytesInUse();
        }
    }

    /**
     * Writes into {@code targetRoot} the files a power loss at this moment could leave under {@code
     * sourceRoot}, with every choice drawn in a fixed order from a generator seeded with {@code seed}, so that
     * the same seed and the same history give the same image. Neighbouring seeds give unrelated images, so
     * a test may loop over seeds 0..n. Allowed after a crash; does not count as an operation.
     *
     * @param sourceRoot the directory to image
     * @param targetRoot a missing or empty directory outside {@code sourceRoot}
     * @param seed       the seed of every choice
     * @throws IOException if the image cannot be written
     */
    public void writeCrashImage(Path sourceRoot, Path targetRoot, long seed) throws IOException {
        writeCrashImage(sourceRoot, targetRoot, CrashChooser.of(seed));
    }

    /**
     * Writes the crash image in which every operation not yet durable survived, or none did.
     *
     * @param sourceRoot the directory to image
     * @param targetRoot a missing or empty directory outside {@code sourceRoot}
     * @param mode       which extreme
     * @throws IOException if the image cannot be written
     */
    public void writeCrashImage(Path sourceRoot, Path targetRoot, CrashMode mode) throws IOException {
        writeCrashImage(sourceRoot, targetRoot, CrashChooser.of(mode));
    }

    @Override
    public DurableFile open(Path file, Mode mode) throws IOException {
        Path name = normalize(file);
        synchronized (lock) {
            checkAlive();
            FileHistory history = names.lookup(name);
            boolean exists = Files.exists(name);
            boolean creates = mode == Mode.CREATE_NEW || (mode == Mode.CREATE_OR_OPEN && !exists);
            if (creates) {
                Started op = begin(Operation.Kind.CREATE_FILE, name);
                if (op.fault() != null) {
                    throw failure(op, op.fault(), "");
                }
            } else if (history == null && exists) {
                history = adopt(name);
            }
            DurableFile real = disk.open(name, mode);
            if (creates) {
                history = new FileHistory(new PageImage());
                names.created(name, history);
            }
            return new SimulatedFile(this, real, history, mode == Mode.READ_ONLY);
        }
    }

    // Each directory it makes is durable only once its parent is synced, as mkdir's entry is.
    @Override
    public void createDirectories(Path dir) throws IOException {
        Path name = normalize(dir);
        synchronized (lock) {
            Started op = begin(Operation.Kind.CREATE_DIRECTORIES, name);
            if (op.fault() != null) {
                throw failure(op, op.fault(), "");
            }
            List<Path> missing = new ArrayList<>();
            for (Path p = name; p != null && !Files.exists(p, LinkOption.NOFOLLOW_LINKS); p = p.getParent()) {
                missing.addFirst(p);
            }
            try {
                disk.createDirectories(name);
            } finally {
                for (Path level : missing) {
                    if (!Files.isDirectory(level, LinkOption.NOFOLLOW_LINKS)) {
                        break;
                    }
                    names.createdDirectory(level);
                }
            }
        }
    }

    // A file or a directory; a directory takes its files along, now and in every crash image.
    @Override
    public void rename(Path source, Path target) throws IOException {
        Path from = normalize(source);
        Path to = normalize(target);
        synchronized (lock) {
            Started op = begin(Operation.Kind.RENAME, from);
            if (op.fault() != null) {
                throw failure(op, op.fault(), "");
            }
            adoptIfUnseen(from);
            adoptIfUnseen(to);
            disk.rename(from, to);
            names.renamed(from, to);
        }
    }

    @Override
    public void delete(Path file) throws IOException {
        Path name = normalize(file);
        synchronized (lock) {
            Started op = begin(Operation.Kind.DELETE, name);
            if (op.fault() != null) {
                throw failure(op, op.fault(), "");
            }
            adoptIfUnseen(name);
            boolean existed = names.lookup(name) != null || names.isKnownDirectory(name);
            disk.delete(name);
            if (existed) {
                names.deleted(name);
            }
        }
    }

    // A failed sync leaves the operations it covers doubtful: see the class comment.
    @Override
    public void syncDirectory(Path dir) throws IOException {
        Path name = normalize(dir);
        synchronized (lock) {
            Started op = begin(Operation.Kind.SYNC_DIRECTORY, name);
            if (op.fault() != null) {
                names.failedSync(name);
                throw failure(op, op.fault(), "");
            }
            if (!Files.isDirectory(name)) {
                throw Files.exists(name) ? new NotDirectoryException(name.toString())
                        : new NoSuchFileException(name.toString());
            }
            names.sync(name);
        }
    }

    /** Throws {@link SimulatedCrashException} once the crash point has passed. */
    void checkAlive() throws SimulatedCrashException {
        if (crashed) {
            throw new SimulatedCrashException("simulated crash: the process died after operation " + crashAfter);
        }
    }

    /** One operation as started: its number and the fault injected into it, if any. */
    record Started(Operation operation, Fault fault) {
    }

    /**
     * Starts one operation: crashes if the crash point is reached, else counts it and tells which fault, if
     * any, it meets. The caller performs it (or the fault's partial effect). Caller holds {@link #lock}.
     */
    Started begin(Operation.Kind kind, Path path) throws IOException {
        checkAlive();
        if (started >= crashAfter) {
            crashed = true;
            throw new SimulatedCrashException("simulated crash at operation " + (started + 1) + " (" + kind + " "
                    + path + "), after crashAfter(" + crashAfter + ")");
        }
        Operation op = new Operation(++started, kind, path);
        return new Started(op, faults.faultOf(op));
    }

    /** The exception of {@code fault} in {@code op}, worded as the JDK words the error on Linux. */
    static IOException failure(Started op, Fault fault, String detail) {
        String cause = op.fault() != null ? "injected failure of " + op.operation()
                : "space limit reached by " + op.operation();
        return new IOException(fault.message() + " (" + cause + detail + ")");
    }

    /** Where an injected {@link Fault#ENOSPC} stopped a change of {@code [from, to)}: see {@link FaultInjector#cut}. */
    long cut(long from, long to) {
        return faults.cut(from, to);
    }

    /** How far a change of {@code [from, to)} of {@code file} may go within the space limit. */
    long fit(FileHistory file, long from, long to) {
        if (faults.spaceLimit() == FaultInjector.UNLIMITED) {
            return to;
        }
        return file.fit(from, to, Math.max(0, faults.spaceLimit() - names.bytesInUse()));
    }

    private void writeCrashImage(Path sourceRoot, Path targetRoot, CrashChooser chooser) throws IOException {
        Path source = normalize(sourceRoot);
        Path target = normalize(targetRoot);
        if (target.startsWith(source) || source.startsWith(target)) {
            throw new IllegalArgumentException("crash image " + target + " must lie outside " + source);
        }
        if (Files.isDirectory(target)) {
            try (Stream<Path> entries = Files.list(target)) {
                if (entries.findAny().isPresent()) {
                    throw new DirectoryNotEmptyException(target.toString());
                }
            }
        }
        synchronized (lock) {
            adoptUnseen(source);
            TreeMap<Path, Object> tree = names.tree(names.crashEntries(chooser), source);
            disk.createDirectories(target);
            Map<FileHistory, PageImage> images = new IdentityHashMap<>();
            for (Map.Entry<Path, Object> entry : tree.entrySet()) {
                Path copy = target.resolve(entry.getKey().toString());
                if (!(entry.getValue() instanceof FileHistory history)) {
                    disk.createDirectories(copy);
                    continue;
                }
                PageImage image = images.computeIfAbsent(history, h -> h.crashImage(chooser));
                disk.createDirectories(copy.getParent());
                try (DurableFile out = disk.open(copy, Mode.CREATE_NEW)) {
                    image.writeTo(out);
                }
            }
        }
    }

    /**
     * Takes over what lies under {@code root} and the simulator never saw (made before it, or outside it,
     * such as a lock file): durable as it is now, under the directory that holds it now.
     */
    private void adoptUnseen(Path root) throws IOException {
        if (!Files.isDirectory(root, LinkOption.NOFOLLOW_LINKS)) {
            return;
        }
        List<Path> paths;
        try (Stream<Path> tree = Files.walk(root)) {
            paths = tree.sorted().toList();
        }
        for (Path p : paths) {
            adoptIfUnseen(p);
        }
    }

    private FileHistory adopt(Path name) throws IOException {
        FileHistory history;
        try (DurableFile existing = disk.open(name, Mode.READ_ONLY)) {
            history = new FileHistory(PageImage.readFrom(existing));
        }
        names.adopt(name, history);
        return history;
    }

    private void adoptIfUnseen(Path name) throws IOException {
        if (Files.isDirectory(name, LinkOption.NOFOLLOW_LINKS)) {
            names.directory(name);
        } else if (names.lookup(name) == null && Files.isRegularFile(name, LinkOption.NOFOLLOW_LINKS)) {
            adopt(name);
        }
    }

    private static Path normalize(Path path) {
        return path.toAbsolutePath().normalize();
    }
}
