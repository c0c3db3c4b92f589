package io.bucketdb;

import io.bucketdb.engine.IndexOpener;
import io.bucketdb.engine.StagedIndex;
import io.bucketdb.engine.WriteAccess;
import io.bucketdb.table.BucketOrderLoad;
import io.bucketdb.table.EntryBuffer;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.AccessDeniedException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.Objects;

/**
 * A new index built from many entries at once: the fastest way to fill an index that does not exist yet. Made by
 * {@link BucketDB#build(Path, Options)}.
 *
 * <pre>{@code
 * try (IndexBuild b = BucketDB.build(dir, Options.defaults())) {
 *     for (long k = 0; k < 10_000_000; k++) {
 *         b.putLong(k, ~k);              // buffered off the Java heap; nothing on disk yet
 *     }
 *     b.commit();                        // the index at dir is complete, durable and closed
 * }
 * try (BucketDB db = BucketDB.open(dir)) { ... }
 * }</pre>
 *
 * <p><b>What it does.</b> The puts only buffer their entries, off the Java heap. {@link #commit} creates the index
 * under a staging name beside {@code dir} ({@code .NAME.bucketdb-new}, as {@code bucketdb compact} does), sized for
 * the entries ({@link Options#withExpectedEntries}: the table never grows while they go in), hashes every key with
 * the new table's seed, orders the entries by the region of the bucket array their bucket lies in and puts them in
 * that order, without a journal record each; then closes the index (a checkpoint holds every entry, the journal is
 * empty) and renames it to {@code dir}. A put of a bulk load into a live index misses the cache at a random bucket
 * and writes a journal record; here the puts walk the array once, in order, and the checkpoints write each page once
 * (no double write: nothing can open the staged index, so no installed image needs protecting from a torn write).
 *
 * <p><b>Memory.</b> The entries are held off the Java heap until the commit, which orders them into a second buffer
 * of the same size (plus 4 bytes an entry): about twice the entries' bytes at the peak, freed when the commit ends.
 *
 * <p><b>All or nothing.</b> Nothing is visible or durable before {@link #commit} returns; afterwards the index at
 * {@code dir} holds every entry and opens with {@link BucketDB#open}. A crash (or an error) at any moment leaves
 * either no index at {@code dir} or the complete one: the staging directory a crash leaves is never opened as an index,
 * and the next build into {@code dir}, or the next writable {@link BucketDB#open} of {@code dir} (which creates an
 * empty index there), deletes it. {@link #close} without a commit discards the entries and writes nothing.
 *
 * <p><b>Entries.</b> Keys and values have the fixed widths of the options (variable-length shapes are refused by
 * {@link BucketDB#build}); a key given twice ends with the value given last. A wrong width throws
 * {@link IllegalArgumentException} and buffers nothing. Used by the thread that made it: a put or commit from
 * another thread throws {@link IllegalStateException} and changes nothing.
 */
public final class IndexBuild implements AutoCloseable {
    /** Entries put per turn of the writer role: the index's checkpoint triggers run between turns. */
    private static final int APPLY_STEP = 1 << 16;
    /**
     * The staged index's dirty limit (at most; lower if the options say so): its checkpoints then write the regions the
     * puts have left (in the background, by default) while the puts fill the next ones, instead of the whole table at
     * the close, and its private memory stays bounded for a table of any size.
     */
    private static final long DIRTY_LIMIT = 64L << 20;

    private final Path dir;
    private final Options options;
    private final int keyWidth;
    private final int valueWidth;
    private final boolean longs;
    private final EntryBuffer entries;
    /** The thread that made this build, the only one that may buffer and commit (the buffer has no lock). */
    private final Thread owner = Thread.currentThread();
    /** Set by {@link #commit} (successful or not) and {@link #close}: the build takes nothing more. */
    private boolean finished;

    private IndexBuild(Path dir, Options options) {
        this.dir = dir;
        this.options = options;
        this.keyWidth = options.keyWidth();
        this.valueWidth = options.valueWidth();
        this.longs = keyWidth == Long.BYTES && valueWidth == Long.BYTES;
        this.entries = new EntryBuffer(keyWidth, valueWidth);
    }

    /** {@link BucketDB#build(Path, Options)}: checks everything it can before anything is buffered or created. */
    static IndexBuild begin(Path dir, Options options) throws IOException {
        Objects.requireNonNull(dir, "dir");
        Objects.requireNonNull(options, "options");
        if (options.readOnly()) {
            throw new IllegalArgumentException("a build creates an index; the options ask for a read-only open");
        }
        if (options.variableKeys() || options.variableValues()) {
            throw new IllegalArgumentException("a build takes fixed-width keys and values (Options.withKeyWidth, "
                    + "withValueWidth); for variable-length ones create the index and use BucketDB.bulkLoad");
        }
        IndexOpener.checkCreatable(options);
        StagedIndex.staging(dir); // refuses a directory without a parent
        checkAbsent(dir);
        checkParent(dir);
        StagedIndex.checkNotInterrupted(dir); // its staging directory holds a compaction's index, not a crashed build's
        return new IndexBuild(dir, options);
    }

    /**
     * Refuses a target whose nearest existing ancestor is not a directory the commit can create in: said now, not
     * after every entry was buffered (the commit creates the missing directories, beside the target's staging one).
     */
    private static void checkParent(Path dir) throws IOException {
        for (Path p = dir.toAbsolutePath().normalize().getParent(); p != null; p = p.getParent()) {
            if (Files.exists(p)) {
                if (!Files.isDirectory(p)) {
                    throw new FileSystemException(p.toString(), null, "not a directory, so a build of " + dir + " cannot be made in it");
                }
                if (!Files.isWritable(p)) {
                    throw new AccessDeniedException(p.toString(), null, "a build of " + dir + " cannot create its directories in it");
                }
                return;
            }
        }
    }

    private static void checkAbsent(Path dir) throws FileAlreadyExistsException {
        if (Files.exists(dir, LinkOption.NOFOLLOW_LINKS)) {
            throw new FileAlreadyExistsException(dir.toString(), null, "a build creates a new index and " + dir
                    + " exists; remove it or build into another directory");
        }
    }

    /**
     * Buffers {@code key → value} in an index of 8-byte keys and values.
     *
     * @param key   the key
     * @param value the value
     * @throws IllegalArgumentException if the index does not have 8-byte keys and values
     * @throws IllegalStateException    after {@link #commit} or {@link #close}
     */
    public void putLong(long key, long value) {
        requireLongs();
        checkOpen();
        entries.appendLong(key, value);
    }

    /**
     * Buffers the pairs {@code keys[i] → values[i]}, in order, in an index of 8-byte keys and values.
     *
     * @param keys   the keys
     * @param values the values, as many as the keys
     * @throws IllegalArgumentException if the arrays differ in length (nothing is buffered) or the index does not
     *                                  have 8-byte keys and values
     * @throws IllegalStateException    after {@link #commit} or {@link #close}
     */
    public void putAllLong(long[] keys, long[] values) {
        requireLongs();
        checkOpen();
        if (keys.length != values.length) {
            throw new IllegalArgumentException(keys.length + " keys and " + values.length + " values; nothing was buffered");
        }
        for (int i = 0; i < keys.length; i++) {
            entries.appendLong(keys[i], values[i]);
        }
    }

    /**
     * Buffers {@code key → value} (copies of the arrays).
     *
     * @param key   the key, of the key width
     * @param value the value, of the value width
     * @throws IllegalArgumentException if a width is wrong (nothing is buffered)
     * @throws IllegalStateException    after {@link #commit} or {@link #close}
     */
    public void put(byte[] key, byte[] value) {
        checkOpen();
        if (key.length != keyWidth || value.length != valueWidth) {
            throw new IllegalArgumentException("index " + dir + " is built for " + keyWidth + "-byte keys and " + valueWidth
                    + "-byte values, not a " + key.length + "-byte key and a " + value.length + "-byte value");
        }
        entries.append(key, value);
    }

    /** {@return the entries buffered so far, a key given twice counted twice} */
    public long size() {
        return entries.size();
    }

    /**
     * Creates the index at {@code dir} with the buffered entries (see the class comment) and returns once it is
     * complete, durable and closed. Whether it succeeds or throws, the build is over and its buffer freed; after a
     * failure there is no index at {@code dir}.
     *
     * @throws FileAlreadyExistsException if {@code dir} was created since the build began
     * @throws IOException                if another build of {@code dir} is running, or on I/O failure
     * @throws IllegalStateException      after {@link #commit} or {@link #close}
     */
    public void commit() throws IOException {
        checkOpen();
        finished = true;
        try {
            checkAbsent(dir);
            // The staged index is not live: no one can open it before the rename, and a crash leaves it for the next build or
            // writable open of dir to delete. So its entries need no journal: the close's checkpoint holds them all before the rename publishes them.
            Options staged = options.withCreateIfMissing(true)
                    .withExpectedEntries(Math.max(entries.size(), options.expectedEntries()))
                    .withDurability(Durability.ASYNC)
                    .withCheckpointTriggers(Math.min(DIRTY_LIMIT, options.dirtyLimitBytes()), options.journalLimitBytes(),
                            options.checkpointInterval())
                    .withSpareJournalSegments(0);
            try (StagedIndex s = StagedIndex.begin(null, dir, options.durableIO())) {
                try (BucketDB db = s.create(staged)) {
                    load(db);
                }
                s.commit();
            }
        } catch (UncheckedIOException e) {
            throw e.getCause();
        } finally {
            entries.close();
        }
    }

    private void load(BucketDB db) {
        // Not live, so nothing to protect from a torn write: the double-write file would write every page twice.
        db.engine().checkpointer().protectNothing();
        try (BucketOrderLoad load = new BucketOrderLoad(db.engine().table(), entries)) {
            load.order();
            WriteAccess writes = db.engine().writes();
            while (writes.run(() -> load.applyNext(APPLY_STEP))) {
                // each turn ends with the index's checkpoint triggers
            }
        }
    }

    /** Discards the buffered entries unless committed; nothing was written for them. A second call does nothing. */
    @Override
    public void close() {
        finished = true;
        entries.close();
    }

    /**
     * Refuses a call from a thread other than the owner (two threads appending at once would lose entries to the race
     * on the buffer's count), or after the build is over.
     */
    private void checkOpen() {
        if (Thread.currentThread() != owner) {
            throw new IllegalStateException("a build is used by the thread that made it, " + owner.getName() + ", not "
                    + Thread.currentThread().getName() + "; nothing was buffered");
        }
        if (finished) {
            throw new IllegalStateException("the build of " + dir + " is over (committed or closed)");
        }
    }

    private void requireLongs() {
        if (!longs) {
            throw new IllegalArgumentException("putLong needs 8-byte keys and values; index " + dir + " is built for "
                    + keyWidth + "-byte keys and " + valueWidth + "-byte values");
        }
    }
}
