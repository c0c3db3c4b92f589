package io.bucketdb;

import io.bucketdb.spi.CorruptIndexException;
import io.bucketdb.storage.TableFile;
import io.bucketdb.engine.DirectoryLock;
import io.bucketdb.engine.ReadOnlyView;
import io.bucketdb.engine.StagedIndex;
import io.bucketdb.engine.CloseSequence;
import io.bucketdb.engine.IndexOpener;
import io.bucketdb.engine.LockedOpen;
import io.bucketdb.engine.IndexStats;
import io.bucketdb.engine.TableReads;
import io.bucketdb.engine.WriteAccess;
import io.bucketdb.table.HashTable;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.Function;

/**
 * A persistent hash index: a key → value map in memory-mapped files.
 *
 * <pre>{@code
 * try (BucketDB db = BucketDB.open(Path.of("/data/idx"))) {   // 8-byte keys and values
 *     db.putLong(42, 4200);
 *     long v = db.getLong(42, -1);                             // 4200
 * }
 * }</pre>
 *
 * <p>An index is a directory holding the table file {@code table.bdb}, journal segments, page checksum files, a
 * double-write file and a lock file (docs/FILE-FORMATS.md lists them). One
 * process at a time may open it for writing; {@link Options#withReadOnly} opens a view without the lock that
 * holds every acknowledged write and catches up on {@link #refresh()}.
 * Reads ({@code get…}, {@code contains…}, {@link #cursor()}) run lock-free on the caller's thread;
 * writes are serialized by one writer role at a time, taken by a writing caller or the index's
 * {@code bucketdb-background} thread (see {@code io.bucketdb.pipeline.WritePipeline}).
 *
 * <p>Durability (docs/DESIGN.md, "Durability"): every write is first a journal record; with
 * {@link Durability#SYNC} it is acknowledged (the call returns) only after the force that covers
 * it. The table file is mapped private and changes only at checkpoints (double-written), so a
 * crash or power loss at any moment leaves a checkpoint image plus a journal; open finishes an
 * interrupted checkpoint, replays the journal and reports what it did in {@link #recovery()}.
 *
 * <p>I/O failures surface as {@link UncheckedIOException} from the map-style methods, and after
 * one the index is read-only until reopened: nothing is acknowledged after a failed write or
 * force. Damage found in a file is an {@link io.bucketdb.spi.CorruptIndexException} (inside
 * an {@code UncheckedIOException} where unchecked).
 */
public final class BucketDB implements AutoCloseable, Iterable<Map.Entry<byte[], byte[]>> {
    static {
        LockedOpen.register(BucketDB::open); // StagedIndex opens under a lock it holds, without a public method for it
    }

    private final Path dir;
    // Replaced by refresh() in a read-only view (taken anew after a checkpoint); never changed for a writer.
    private volatile TableFile file;
    private volatile HashTable table;
    private final int keyWidth;
    private final int valueWidth;
    private final Options options;
    private volatile Recovery recovery;
    /** The engine around the table (IndexOpener): its view (null unless read-only), journal (null if read-only), checks. */
    private final IndexOpener.Opened engine;
    /** The one reader of the table: through the pipeline's batch gate, or the view's current image. */
    private final TableReads reads;
    /** Every write and writer-role task; refuses writes for a read-only open. */
    private final WriteAccess writes;
    /** Knows whether the index is closed (checkOpen) and closes it. */
    private final CloseSequence closing;

    private BucketDB(Path dir, Options options, IndexOpener.Opened o) {
        this.dir = dir;
        this.options = options;
        this.file = o.file();
        this.table = o.table();
        this.keyWidth = table.keyWidth();
        this.valueWidth = table.fixedValueWidth() < 0 ? table.valueWidth() : table.fixedValueWidth();
        this.recovery = o.recovery();
        this.engine = o;
        this.reads = o.reads();
        this.writes = o.writes();
        this.closing = o.closing();
    }

    /**
     * Who holds the writer lock of the index in {@code dir}, as its lock file names them ("pid N (started
     * T)"), or empty if no writer has it open. Reads only: tools use it to say that they read the last
     * checkpoint image of a live index. A writer that opens at the very moment of the probe may be refused
     * once, as by any other holder.
     *
     * @param dir the index directory
     * @return the lock holder, or empty
     * @throws IOException if the lock file exists but cannot be read
     */
    public static java.util.Optional<String> writerLockHolder(Path dir) throws IOException {
        return java.util.Optional.ofNullable(DirectoryLock.holder(dir));
    }

    /**
     * Opens or creates the index in {@code dir} with {@link Options#defaults()}: 8-byte keys and values.
     *
     * @param dir the index directory
     * @return the open index
     * @throws io.bucketdb.spi.CorruptIndexException if a file is damaged (naming file, offset and expectation)
     * @throws IOException if the index is locked by another writer, or on I/O failure
     */
    public static BucketDB open(Path dir) throws IOException {
        return open(dir, Options.defaults());
    }

    /**
     * Opens or creates the index in {@code dir}. Opening for writing recovers: it finishes a
     * checkpoint a crash interrupted, replays the journal after the last checkpoint through the
     * same code live writes use, and drops a torn journal tail; {@link #recovery()} says what it did.
     *
     * @throws io.bucketdb.spi.CorruptIndexException if a file is damaged (naming file, offset and expectation)
     * @throws IOException if the index is locked by another writer, or on I/O failure
     * @param dir the index directory
     * @param options how to open it
     * @return the open index
     */
    public static BucketDB open(Path dir, Options options) throws IOException {
        return open(dir, options, null);
    }

    /**
     * {@link #open(Path, Options)}, under a writer lock on {@code dir} that the caller holds (null:
     * take it here). The index then borrows the lock: closing it leaves the lock held
     * ({@link StagedIndex} keeps an index locked across its close and a rename). Finding the index (and
     * finishing an interrupted compaction) and opening it is {@link IndexOpener}'s; the lock is taken for it here.
     */
    static BucketDB open(Path dir, Options options, DirectoryLock held) throws IOException { // StagedIndex's, through LockedOpen
        boolean exists = IndexOpener.locate(dir, options, StagedIndex::finishInterrupted, StagedIndex::interrupted);
        return new BucketDB(dir, options, IndexOpener.open(dir, exists, options,
                () -> options.readOnly() ? null : held != null ? held.borrowed() : DirectoryLock.acquire(dir),
                () -> DirectoryLock.holder(dir), options.waitStrategy()::newDisruptorStrategy));
    }

    /** The create-only options set in this open's options that the existing index ignored (each logged as a WARNING). */
    List<String> ignoredOptions() {
        return engine.ignoredOptions();
    }

    /** {@return what opening this index had to do to recover (nothing after a clean close)} */
    public Recovery recovery() {
        return recovery;
    }

    /**
     * {@return the LSN of the last write this handle shows: for a writable index the last one written to the
     * journal (every acknowledged write is at or below it), for a read-only view the last one it replayed (the
     * checkpoint's LSN if it replayed none)}
     */
    public long lsn() {
        return engine.journal() != null ? engine.journal().writtenLsn() : engine.view().lsn();
    }

    /**
     * Catches a read-only view up with the writer: applies what the journal gained since the view was opened or last
     * refreshed, or, if the writer installed a checkpoint meanwhile, takes the view anew from it. Reads on other
     * threads go on meanwhile; each returns a value as of the previous refresh or later. Afterwards the view holds every
     * write acknowledged before this call began; {@link #lsn()} and {@link #recovery()} describe it.
     *
     * @return the number of journal records (puts, deletes, batch and growth markers) the view moved forward by
     * @throws IllegalStateException if the index is open for writing (it is always current) or closed
     * @throws io.bucketdb.spi.CorruptIndexException if the journal is damaged
     * @throws IOException if a file cannot be read
     */
    public long refresh() throws IOException {
        checkOpen();
        ReadOnlyView view = engine.view();
        if (view == null) {
            throw new IllegalStateException("refresh() is for read-only views; index " + dir + " is open for writing and always current");
        }
        synchronized (view) {
            long moved = closing.refreshView(); // refused once closed, and a close waits for it
            ReadOnlyView.Image image = view.image();
            file = image.file();
            table = image.table();
            recovery = image.recovery();
            return moved;
        }
    }

    /** {@return the durability mode writes are acknowledged in} */
    public Durability durability() {
        return options.durability();
    }

    /** {@return the index directory} */
    public Path directory() {
        return dir;
    }

    /** {@return the key width in bytes; for {@linkplain #variableKeys() variable-length keys}, the bytes of a key slot (inline width + 4)} */
    public int keyWidth() {
        return keyWidth;
    }

    /** {@return the value width in bytes; for {@linkplain #variableValues() variable-length values}, the bytes of a value slot (inline width + 4)} */
    public int valueWidth() {
        return valueWidth;
    }

    /** {@return the longest variable-length key this open accepts ({@link Options#withMaxLengths})} */
    public int maxKeyLength() {
        return options.maxKeyLength();
    }

    /** {@return the longest variable-length value this open accepts ({@link Options#withMaxLengths})} */
    public int maxValueLength() {
        return options.maxValueLength();
    }

    /** {@return whether keys are variable-length ({@link Options#withVariableKeys})} */
    public boolean variableKeys() {
        return table.varKeys();
    }

    /** {@return whether values are variable-length ({@link Options#withVariableValues})} */
    public boolean variableValues() {
        return table.fixedValueWidth() < 0;
    }

    /** {@return the number of entries} */
    public long size() {
        checkOpen();
        return table.size();
    }

    /**
     * The value of {@code key}, or {@code missing} if absent. 8-byte keys and values only; allocates nothing.
     *
     * @param key the key
     * @param missing what to return when {@code key} is absent
     * @return the value, or {@code missing}
     */
    public long getLong(long key, long missing) {
        checkOpen();
        return reads.getLong(key, missing);
    }

    /**
     * Whether {@code key} is present. 8-byte keys and values only; allocates nothing.
     *
     * @param key the key
     * @return whether it is present
     */
    public boolean containsLong(long key) {
        checkOpen();
        return reads.containsLong(key);
    }

    /**
     * Puts {@code key → value}; true if the key was new. 8-byte keys and values only; allocates nothing.
     *
     * @param key the key
     * @param value the value
     * @return true if the key was new
     */
    public boolean putLong(long key, long value) {
        return writes.putLong(key, value);
    }

    /**
     * Publishes a put; the future completes (true if the key was new) once acknowledged per the durability mode.
     *
     * @param key the key
     * @param value the value
     * @return completes with true if the key was new, once the put is acknowledged
     */
    public CompletableFuture<Boolean> putLongAsync(long key, long value) {
        return writes.async().putLongAsync(key, value);
    }

    /**
     * Deletes {@code key}; true if it was present. 8-byte keys and values only; allocates nothing.
     *
     * @param key the key
     * @return true if it was present
     */
    public boolean deleteLong(long key) {
        return writes.deleteLong(key);
    }

    /**
     * Publishes a delete; the future completes (true if the key was present) once acknowledged.
     *
     * @param key the key
     * @return completes with true if the key was present, once the delete is acknowledged
     */
    public CompletableFuture<Boolean> deleteLongAsync(long key) {
        return writes.async().deleteLongAsync(key);
    }

    /**
     * The value of {@code key} (a copy), or null if absent.
     *
     * @param key the key, {@link #keyWidth()} bytes
     * @return a copy of the value, or null
     */
    public byte[] get(byte[] key) {
        checkOpen();
        return reads.copy(java.util.Objects.requireNonNull(key, "key"), variableValues(), valueWidth);
    }

    /**
     * Copies the value of {@code key} into {@code dst} at offset 0 and returns its length, or
     * returns -1 if the key is absent. If the value is longer than {@code dst}, nothing is written
     * and its length is returned (so {@code result > dst.byteSize()} means: make room and call
     * again). Allocates no array for the value; the call wraps {@code key} in a {@link MemorySegment}, a small
     * object per call (72 bytes on JDK 25; only the {@code long} API allocates nothing at all). Under concurrent
     * writes the value copied is one that the key held
     * at some instant during the call; bytes of {@code dst} beyond the returned length are left as
     * they were.
     *
     * @param key the key
     * @param dst where the value goes
     * @return the value's length, or -1 if the key is absent
     */
    public long get(byte[] key, MemorySegment dst) {
        checkOpen();
        if (java.util.Objects.requireNonNull(dst, "dst").isReadOnly()) {
            throw new IllegalArgumentException("dst is read-only");
        }
        return reads.get(MemorySegment.ofArray(java.util.Objects.requireNonNull(key, "key")), key.length, dst);
    }

    /**
     * Copies the value of {@code key} into {@code dst} at its position and advances the position
     * past it, returning the value's length; returns -1 if absent. If the value is longer than
     * {@code dst.remaining()}, nothing is written, the position stays, and the length is returned.
     *
     * @param key the key
     * @param dst where the value goes, from its position
     * @return the value's length, or -1 if the key is absent
     */
    public int get(byte[] key, ByteBuffer dst) {
        MemorySegment view = MemorySegment.ofBuffer(java.util.Objects.requireNonNull(dst, "dst")); // position..limit of dst
        int n = (int) get(key, view);
        if (n >= 0 && n <= dst.remaining()) {
            dst.position(dst.position() + n);
        }
        return n;
    }

    /**
     * {@link #get(byte[], MemorySegment)} into a byte array: nothing is written if the value does not fit.
     *
     * @param key the key
     * @param dst where the value goes, from index 0
     * @return the value's length, or -1 if the key is absent
     */
    public int get(byte[] key, byte[] dst) {
        return (int) get(key, MemorySegment.ofArray(java.util.Objects.requireNonNull(dst, "dst")));
    }

    /**
     * Passes a read-only view of the value of {@code key} to {@code reader} without copying it,
     * and returns what {@code reader} returns; returns null (without calling it) if the key is
     * absent.
     *
     * <p>The view is the index's own memory and is valid only while {@code reader} runs: keep
     * nothing that refers to it. A writer may change the entry at any time; if it did while
     * {@code reader} ran, the view may have shown a mix of old and new bytes, so that result is
     * dropped and {@code reader} is called again on the current value. {@code reader} may thus
     * run several times per call (rarely) and must not have side effects that repeating breaks;
     * the result returned always comes from a run that saw one consistent value. An exception
     * from {@code reader} propagates only if the entry did not change during that run. A large
     * heap value that happens to straddle two mapped chunks is copied first (the view is then a
     * copy, with the same guarantees).
     *
     * @param key    the key
     * @param reader reads the value's bytes; may run more than once
     * @param <R>    what {@code reader} returns
     * @return what {@code reader} returned for a consistent value, or null if the key is absent
     */
    public <R> R get(byte[] key, Function<? super MemorySegment, ? extends R> reader) {
        checkOpen();
        return reads.read(MemorySegment.ofArray(java.util.Objects.requireNonNull(key, "key")), key.length, reader, null);
    }

    /**
     * Whether {@code key} is present.
     *
     * @param key the key, {@link #keyWidth()} bytes
     * @return whether it is present
     */
    public boolean contains(byte[] key) {
        return get(key) != null;
    }

    /**
     * Puts {@code key → value}; true if the key was new.
     *
     * @param key the key, {@link #keyWidth()} bytes
     * @param value the value, {@link #valueWidth()} bytes
     * @return true if the key was new
     */
    public boolean put(byte[] key, byte[] value) {
        return writes.put(key, value);
    }

    /**
     * Publishes a put; leave the arrays unchanged until the future completes.
     *
     * @param key the key, {@link #keyWidth()} bytes
     * @param value the value, {@link #valueWidth()} bytes
     * @return completes with true if the key was new, once the put is acknowledged
     */
    public CompletableFuture<Boolean> putAsync(byte[] key, byte[] value) {
        return writes.async().putAsync(key, value);
    }

    /**
     * Deletes {@code key}; true if it was present.
     *
     * @param key the key, {@link #keyWidth()} bytes
     * @return true if it was present
     */
    public boolean delete(byte[] key) {
        return writes.delete(key);
    }

    /**
     * Publishes a delete; leave the array unchanged until the future completes.
     *
     * @param key the key, {@link #keyWidth()} bytes
     * @return completes with true if the key was present, once the delete is acknowledged
     */
    public CompletableFuture<Boolean> deleteAsync(byte[] key) {
        return writes.async().deleteAsync(key);
    }

    /**
     * Applies every operation of {@code batch} or none (also across a crash), and waits for the acknowledgement.
     *
     * @param batch the operations, applied in order
     */
    public void write(WriteBatch batch) {
        writes.write(batch.frozen()); // a copy of its list: the caller may go on changing or reusing the batch
    }

    /** {@return a future that completes once the whole {@code batch} is acknowledged}
     * @param batch the operations, applied in order (copied: the batch may change at once) */
    public CompletableFuture<Void> writeAsync(WriteBatch batch) {
        return writes.async().writeAsync(batch.frozen());
    }

    /** A loader of puts in bulk, without a future per entry ({@link BulkLoad}); the calling thread's alone.
     * @param capacity entries buffered per flush
     * @return a new loader */
    public BulkLoad bulkLoad(int capacity) {
        return new BulkLoad(this, capacity);
    }

    /** A build of a new index in {@code dir}, which must not exist; nothing is created before its commit ({@link IndexBuild}).
     * @param dir the new index's directory
     * @param options its fixed widths and creation options
     * @return the build
     * @throws IOException if {@code dir} exists ({@link java.nio.file.FileAlreadyExistsException}), a compaction of it was interrupted, or it cannot be checked */
    public static IndexBuild build(Path dir, Options options) throws IOException {
        return IndexBuild.begin(dir, options);
    }

    /**
     * Writes a checkpoint now: afterwards the table file holds every acknowledged write and the
     * journal before it is recycled. Normally triggers do this (see {@link Options#withCheckpointTriggers}).
     */
    public void checkpoint() {
        writes.checkpoint();
    }

    /**
     * How many writes shared each group commit since open: a consistent, immutable snapshot, cheap
     * enough to poll (it copies 31 counters; the writer is never held up). {@link BatchSizes#NONE}
     * for a read-only open. Take two snapshots and {@link BatchSizes#since} for an interval.
     *
     * @return the histogram of writes per group commit since open
     */
    public BatchSizes batchSizes() {
        checkOpen();
        var sizes = writes.batchSizes();
        return sizes == null ? BatchSizes.NONE : sizes.snapshot();
    }

    /** {@return the checkpoints written since open, not counting the one that created a new index} */
    public long checkpoints() {
        checkOpen();
        return writes.checkpoints();
    }

    /** {@return a new cursor over all entries, positioned before the first; it starts at a random bucket} */
    public Cursor cursor() {
        checkOpen();
        return new Cursor(table.iterator(ThreadLocalRandom.current().nextLong()), this);
    }

    /** Iterates entries as (key copy, value copy) pairs; see {@link #cursor()} for the guarantees. */
    @Override
    public Iterator<Map.Entry<byte[], byte[]>> iterator() {
        return cursor().asIterator();
    }

    /** {@return where growth stands now; cheap (reads the header), for progress displays} */
    public Growth growth() {
        checkOpen();
        return writes.run(() -> IndexStats.growth(file, table));
    }

    /**
     * The index's numbers as its writer sees them: the table in memory (not the image on disk, which
     * {@code bucketdb stat} shows), the header of the last checkpoint, and the journal records written
     * since it, which a crash now would replay. Walks every chain for the histogram, so it costs a scan
     * of the table; runs in the writer role.
     *
     * @throws UncheckedIOException if listing the directory's files fails
     * @return the numbers, as of the last completed write
     */
    public Stats stats() {
        checkOpen();
        return writes.run(() -> IndexStats.collect(dir, file, table, engine.journal(), engine.cleanBeforeOpen()));
    }

    /**
     * Checkpoints every change and closes the index; the next open sees exactly these contents and replays nothing.
     * After an I/O failure it closes without writing (the next open recovers from the journal); if no call has reported
     * that failure yet (it happened in a checkpoint after the last acknowledged batch), it throws an {@link IOException}
     * naming it. Later calls on this object throw {@link IllegalStateException}; so does a close from a writer task or
     * from a dependent action of a future this index completes (it would wait for itself), which changes nothing.
     */
    @Override
    public void close() throws IOException {
        closing.run(file);
    }

    void checkOpen() { // its cursors check it too
        closing.checkOpen();
    }

    /**
     * A {@link java.util.concurrent.ConcurrentMap} view of this index that converts keys and values
     * with the given codecs. The map holds no state of its own: every call goes to the index, so
     * several views, {@link #putLong} and the map see the same entries (with {@link Codec#LONG}, a
     * {@code LONG → LONG} map and the long API agree byte for byte).
     *
     * <p>The map follows the {@code ConcurrentMap} contract:
     * <ul>
     * <li>null keys and values are rejected with {@link NullPointerException};</li>
     * <li>{@code putIfAbsent}, {@code replace}, {@code remove(key, value)}, {@code compute},
     *     {@code computeIfAbsent}, {@code computeIfPresent} and {@code merge} are atomic with
     *     respect to every other write of this index: they run in its writer role, maybe on the thread of another
     *     writer holding it (never wait in them for a lock the caller holds, nor use thread-locals or interrupts), at most once
     *     per call (keep them short; one that changes this index, through any view, throws {@link IllegalStateException});</li>
     * <li>{@code keySet()}, {@code values()} and {@code entrySet()} are live views whose iterators
     *     are weakly consistent, as {@link java.util.concurrent.ConcurrentHashMap}'s are: they never
     *     throw {@link java.util.ConcurrentModificationException}, return every key present for
     *     the whole walk exactly once (with the value it had when read), and start at a random
     *     bucket, so two walks may differ in order; {@code Iterator.remove} deletes from the index
     *     and {@code Entry.setValue} writes through;</li>
     * <li>{@code equals}, {@code hashCode} and {@code toString} are {@link java.util.AbstractMap}'s,
     *     so the map equals any {@link java.util.Map} with the same entries;</li>
     * <li>{@code size()} saturates at {@link Integer#MAX_VALUE}; {@link #size()} has the exact count.</li>
     * </ul>
     *
     * <p>Keys are found, and values compared, by their encoded bytes. In an index of fixed-width
     * keys (values), a key (value) that a call would store must encode to exactly {@link #keyWidth()}
     * ({@link #valueWidth()}) bytes; with {@linkplain Options#withVariableKeys variable-length keys}
     * ({@linkplain Options#withVariableValues values}) any encoding up to {@link #maxKeyLength()}
     * ({@link #maxValueLength()}) bytes fits. Otherwise the call throws
     * {@link IllegalArgumentException} naming the width or limit and changes nothing; a key that only
     * gets looked up and cannot be stored is simply absent. Any call on a closed index, and a write to a read-only
     * one, throws {@link IllegalStateException}; an I/O failure is an {@link UncheckedIOException}.
     *
     * @param keys   the key codec; if fixed-width, its width must be this index's key width
     * @param values the value codec; if fixed-width, its width must be this index's value width
     * @param <K>    the key type
     * @param <V>    the value type
     * @return a live map view of this index
     * @throws IllegalArgumentException if a codec's fixed width differs from the index's width, or is above its
     *     limit for variable-length keys (values): such a codec could never store an entry
     */
    public <K, V> java.util.concurrent.ConcurrentMap<K, V> asMap(Codec<K> keys, Codec<V> values) {
        checkOpen();
        return new BucketMap<>(this, keys, values);
    }

    /** The engine around the table: the {@link BucketMap} view takes its checks and atomic writes from it. */
    IndexOpener.Opened engine() {
        return engine;
    }
}
