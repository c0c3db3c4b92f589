package io.bucketdb.storage.sim;

import io.bucketdb.storage.DurableFile;
import io.bucketdb.storage.DurableIO;
import io.bucketdb.storage.FileDurableIO;
import java.io.IOException;
import java.nio.file.DirectoryNotEmptyException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.NotDirectoryException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;
import java.util.stream.Stream;

/**
 * A {@link DurableIO} that remembers what a power loss could take away, after SQLite's crash VFS and RocksDB's
 * {@code FaultInjectionTestFS}. Other modules' tests run BucketDB on it, crash it at a chosen operation,
 * build the files a power loss could leave, reopen them and check that no acknowledged write is lost and
 * nothing is corrupt.
 *
 * <h2>What it records</h2>
 * Every call writes through to the real file ({@link FileDurableIO}), so private and read-only mappings see
 * the current bytes. Alongside, for each file it keeps the <em>durable image</em> (the bytes as of the last
 * successful {@link DurableFile#force()}) and the unforced writes, allocations and truncations since.
 * Creating, renaming and deleting a file become durable only by {@link #syncDirectory} of an affected
 * directory. Directories themselves count as durable once created. Forces and directory syncs are recorded,
 * not performed: the simulator, not the disk, decides what survives.
 *
 * <h2>Operations, crashes and faults</h2>
 * Each change to disk is one operation ({@link Operation.Kind}), numbered from 1 in the order started.
 * {@link #crashAfter(long) crashAfter(n)} lets operations 1..n run; operation n+1 and every later call,
 * reads included, throw {@link SimulatedCrashException} without doing anything. {@link #failOperation} and
 * {@link #failWhen} make chosen operations throw a plain {@link IOException} without performing them.
 *
 * <h2>Crash images</h2>
 * {@link #writeCrashImage(Path, Path, long)} writes into an empty directory the files a power loss at this
 * moment could leave under a root: each file's durable image, then each unforced write kept whole, dropped,
 * or torn (each 512-byte sector of it kept or not), each unforced size change kept or not, and each unsynced
 * directory operation done or not (never an operation on a name whose earlier unsynced operation was lost).
 * A seed reproduces the same image; {@link CrashMode} gives the two extremes. Files under the
 * root that the simulator never saw are copied as they are.
 *
 * <h2>Life cycle</h2>
 * Use one simulator per process lifetime of the code under test: after a crash image was written, open it
 * with a new {@code CrashSimulator}, which adopts the files it finds as durable. All changes under the root
 * must go through the simulator. Thread-safe: changes are serialized on one lock.
 */
public final class CrashSimulator implements DurableIO {

    private final DurableIO disk = FileDurableIO.INSTANCE;
    /** Serializes every change, here and in {@link SimulatedFile}, so the recorded order is the real order. */
    final Object lock = new Object();
    private final Namespace names = new Namespace();
    private final List<Predicate<? super Operation>> failures = new ArrayList<>();
    private long started;
    private long crashAfter = Long.MAX_VALUE;
    private volatile boolean crashed;

    /** A simulator that has seen nothing yet; existing files count as durable when first used. */
    public CrashSimulator() {
    }

    /**
     * The number of operations started so far, including ones that failed by injection. After a crash it
     * stays at the crash point. Run a workload once without a crash to learn how many crash points it has.
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
     */
    public void crashAfter(long n) {
        if (n < 0) {
            throw new IllegalArgumentException("negative crash point " + n);
        }
        synchronized (lock) {
            crashAfter = n;
        }
    }

    /** Whether the crash point has been reached. */
    public boolean crashed() {
        return crashed;
    }

    /**
     * Makes operation number {@code n} throw {@code IOException("injected failure of operation n ...")}
     * without being performed. With {@code persistent}, every later operation that writes, allocates,
     * truncates or forces file data fails the same way, as a failing disk would; directory operations
     * still work.
     */
    public void failOperation(long n, boolean persistent) {
        failWhen(op -> op.index() == n || (persistent && op.index() > n && op.kind().touchesFileData()));
    }

    /**
     * Makes every operation matching {@code condition} throw an injected {@code IOException} without being
     * performed, for example {@code op -> op.kind() == Operation.Kind.FORCE}. Adds to earlier conditions.
     */
    public void failWhen(Predicate<? super Operation> condition) {
        synchronized (lock) {
            failures.add(condition);
        }
    }

    /** Removes every failure condition. */
    public void clearFailures() {
        synchronized (lock) {
            failures.clear();
        }
    }

    /**
     * Writes into {@code targetRoot} the files a power loss at this moment could leave under {@code
     * sourceRoot}, with every choice drawn in a fixed order from a generator seeded with {@code seed}, so that
     * the same seed and the same history give the same image. Neighbouring seeds give unrelated images, so
     * a test may loop over seeds 0..n. Allowed after a crash; does not count as an operation.
     *
     * @param targetRoot a missing or empty directory outside {@code sourceRoot}
     */
    public void writeCrashImage(Path sourceRoot, Path targetRoot, long seed) throws IOException {
        writeCrashImage(sourceRoot, targetRoot, CrashChooser.of(seed));
    }

    /** Writes the crash image in which every operation not yet durable survived, or none did. */
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
                begin(Operation.Kind.CREATE_FILE, name);
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

    @Override
    public void createDirectories(Path dir) throws IOException {
        Path name = normalize(dir);
        synchronized (lock) {
            begin(Operation.Kind.CREATE_DIRECTORIES, name);
            disk.createDirectories(name);
        }
    }

    @Override
    public void rename(Path source, Path target) throws IOException {
        Path from = normalize(source);
        Path to = normalize(target);
        synchronized (lock) {
            begin(Operation.Kind.RENAME, from);
            adoptIfUnseen(from);
            adoptIfUnseen(to);
            disk.rename(from, to);
            if (!from.equals(to)) {
                names.renamed(from, to);
            }
        }
    }

    @Override
    public void delete(Path file) throws IOException {
        Path name = normalize(file);
        synchronized (lock) {
            begin(Operation.Kind.DELETE, name);
            adoptIfUnseen(name);
            boolean existed = names.lookup(name) != null;
            disk.delete(name);
            if (existed) {
                names.deleted(name);
            }
        }
    }

    @Override
    public void syncDirectory(Path dir) throws IOException {
        Path name = normalize(dir);
        synchronized (lock) {
            begin(Operation.Kind.SYNC_DIRECTORY, name);
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

    /**
     * Starts one operation: crashes if the crash point is reached, fails it if a failure condition matches,
     * else counts it. Caller holds {@link #lock}.
     */
    void begin(Operation.Kind kind, Path path) throws IOException {
        checkAlive();
        if (started >= crashAfter) {
            crashed = true;
            throw new SimulatedCrashException("simulated crash at operation " + (started + 1) + " (" + kind + " "
                    + path + "), after crashAfter(" + crashAfter + ")");
        }
        Operation op = new Operation(++started, kind, path);
        for (Predicate<? super Operation> failure : failures) {
            if (failure.test(op)) {
                throw new IOException("injected failure of " + op);
            }
        }
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
            Map<Path, FileHistory> crashNames = names.crashNames(chooser);
            List<Path> directories = new ArrayList<>();
            List<Path> unseenFiles = new ArrayList<>();
            try (Stream<Path> tree = Files.walk(source)) {
                tree.sorted().forEach(p -> {
                    if (Files.isDirectory(p)) {
                        directories.add(p);
                    } else if (Files.isRegularFile(p) && !names.isKnown(p)) {
                        unseenFiles.add(p);
                    }
                });
            }
            for (Path dir : directories) {
                disk.createDirectories(target.resolve(source.relativize(dir)));
            }
            for (Path file : unseenFiles) {
                Files.copy(file, target.resolve(source.relativize(file)));
            }
            Map<FileHistory, PageImage> images = new IdentityHashMap<>();
            for (Map.Entry<Path, FileHistory> entry : crashNames.entrySet()) {
                if (!entry.getKey().startsWith(source)) {
                    continue;
                }
                PageImage image = images.computeIfAbsent(entry.getValue(), history -> history.crashImage(chooser));
                Path copy = target.resolve(source.relativize(entry.getKey()));
                disk.createDirectories(copy.getParent());
                try (DurableFile out = disk.open(copy, Mode.CREATE_NEW)) {
                    image.writeTo(out);
                }
            }
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
        if (names.lookup(name) == null && Files.isRegularFile(name)) {
            adopt(name);
        }
    }

    private static Path normalize(Path path) {
        return path.toAbsolutePath().normalize();
    }
}
