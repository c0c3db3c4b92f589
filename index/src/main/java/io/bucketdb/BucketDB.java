package io.bucketdb;

import io.bucketdb.storage.DurableIO;
import io.bucketdb.storage.TableFile;
import io.bucketdb.table.GrowthListener;
import io.bucketdb.table.HashTable;
import io.bucketdb.table.TableScan;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.foreign.MemorySegment;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.AbstractMap;
import java.util.Iterator;
import java.util.Map;
import java.util.NoSuchElementException;
import java.util.concurrent.ThreadLocalRandom;

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
 * <p>An index is a directory holding the table file {@value #TABLE_FILE} and a lock file. One
 * process at a time may open it for writing; {@link Options#withReadOnly} opens without the lock.
 * Reads ({@code get…}, {@code contains…}, {@link #cursor()}) run lock-free on the caller's thread;
 * writes are serialized on one writer.
 *
 * <p>I/O failures surface as {@link UncheckedIOException} from the map-style methods; damage found
 * in the file is an {@link io.bucketdb.storage.CorruptIndexException} (inside it, where unchecked).
 */
public final class BucketDB implements AutoCloseable, Iterable<Map.Entry<byte[], byte[]>> {
    /** The table file's name inside the index directory. */
    public static final String TABLE_FILE = "table.bdb";

    private final Path dir;
    private final TableFile file;
    private final HashTable table;
    private final DirectoryLock lock;
    private final boolean cleanBeforeOpen;
    private final int keyWidth;
    private final int valueWidth;
    private final Object writeLock = new Object();
    private volatile boolean closed;

    private BucketDB(Path dir, TableFile file, HashTable table, DirectoryLock lock, boolean cleanBeforeOpen) {
        this.dir = dir;
        this.file = file;
        this.table = table;
        this.lock = lock;
        this.cleanBeforeOpen = cleanBeforeOpen;
        this.keyWidth = table.keyWidth();
        this.valueWidth = table.valueWidth();
    }

    /** Opens or creates the index in {@code dir} with {@link Options#defaults()}: 8-byte keys and values. */
    public static BucketDB open(Path dir) throws IOException {
        return open(dir, Options.defaults());
    }

    /** Opens or creates the index in {@code dir}. */
    public static BucketDB open(Path dir, Options options) throws IOException {
        DurableIO io = options.durableIO();
        if (Files.exists(dir) && !Files.isDirectory(dir)) {
            throw new IOException(dir + " is not a directory: an index is a directory");
        }
        Path tablePath = dir.resolve(TABLE_FILE);
        boolean exists = Files.exists(tablePath);
        if (!exists && (options.readOnly() || !options.createIfMissing())) {
            throw new IOException("no index in " + dir + ": " + tablePath + " does not exist");
        }
        if (!exists) {
            io.createDirectories(dir);
        }
        DirectoryLock lock = options.readOnly() ? null : DirectoryLock.acquire(dir);
        TableFile file = null;
        try {
            HashTable table;
            boolean clean;
            if (exists) {
                file = TableFile.open(io, tablePath, options.readOnly(), options.maxChunkShift());
                clean = file.header().cleanClose;
                if (options.widthsSet() && (file.header().keyWidth != options.keyWidth() || file.header().valueWidth != options.valueWidth())) {
                    throw new IllegalArgumentException("index " + dir + " stores " + file.header().keyWidth + "-byte keys and "
                            + file.header().valueWidth + "-byte values; the options asked for " + options.keyWidth() + "-byte keys and "
                            + options.valueWidth() + "-byte values");
                }
                table = HashTable.open(file, GrowthListener.NONE);
            } else {
                long seed = options.hashSeed() != null ? options.hashSeed() : new SecureRandom().nextLong();
                file = TableFile.create(io, tablePath, options.keyWidth(), options.valueWidth(), options.alignShift(),
                        seed, options.maxChunkShift());
                table = HashTable.create(file, GrowthListener.NONE);
                file.writeBack(false);
                io.syncDirectory(dir);
                clean = true;
            }
            if (!options.readOnly() && file.header().cleanClose) {
                // From now on the file no longer describes a cleanly closed index.
                file.writeHeader(false);
            }
            return new BucketDB(dir, file, table, lock, clean);
        } catch (IOException | RuntimeException e) {
            if (file != null) {
                try {
                    file.close();
                } catch (IOException suppressed) {
                    e.addSuppressed(suppressed);
                }
            }
            if (lock != null) {
                lock.close();
            }
            throw e;
        }
    }

    /** The index directory. */
    public Path directory() {
        return dir;
    }

    /** Key width in bytes. */
    public int keyWidth() {
        return keyWidth;
    }

    /** Value width in bytes. */
    public int valueWidth() {
        return valueWidth;
    }

    /** The number of entries. */
    public long size() {
        checkOpen();
        return table.size();
    }

    // ---------------------------------------------------------------- long → long

    /** The value of {@code key}, or {@code missing} if absent. 8-byte keys and values only; allocates nothing. */
    public long getLong(long key, long missing) {
        checkOpen();
        requireLongWidths();
        return table.getLong(key, missing);
    }

    /** Whether {@code key} is present. 8-byte keys and values only; allocates nothing. */
    public boolean containsLong(long key) {
        checkOpen();
        requireLongWidths();
        // Two probes with different defaults tell "absent" from a stored value equal to one of them.
        return table.getLong(key, 0) != 0 || table.getLong(key, 1) != 1;
    }

    /** Puts {@code key → value}; true if the key was new. 8-byte keys and values only; allocates nothing. */
    public boolean putLong(long key, long value) {
        requireLongWidths();
        synchronized (writeLock) {
            checkWritable();
            try {
                return table.putLong(key, value);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
    }

    /** Deletes {@code key}; true if it was present. 8-byte keys and values only; allocates nothing. */
    public boolean deleteLong(long key) {
        requireLongWidths();
        synchronized (writeLock) {
            checkWritable();
            try {
                return table.deleteLong(key);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
    }

    // ---------------------------------------------------------------- byte[]

    /** The value of {@code key} (a copy), or null if absent. */
    public byte[] get(byte[] key) {
        checkOpen();
        checkKey(key);
        byte[] out = new byte[valueWidth];
        return table.get(MemorySegment.ofArray(key), 0, MemorySegment.ofArray(out), 0) ? out : null;
    }

    /** Whether {@code key} is present. */
    public boolean contains(byte[] key) {
        return get(key) != null;
    }

    /** Puts {@code key → value}; true if the key was new. */
    public boolean put(byte[] key, byte[] value) {
        checkKey(key);
        checkValue(value);
        synchronized (writeLock) {
            checkWritable();
            try {
                return table.put(MemorySegment.ofArray(key), 0, MemorySegment.ofArray(value), 0);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
    }

    /** Deletes {@code key}; true if it was present. */
    public boolean delete(byte[] key) {
        checkKey(key);
        synchronized (writeLock) {
            checkWritable();
            try {
                return table.delete(MemorySegment.ofArray(key), 0);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
    }

    // ---------------------------------------------------------------- iteration and stats

    /** A cursor over all entries, starting at a random bucket. */
    public Cursor cursor() {
        checkOpen();
        return new Cursor(table.iterator(ThreadLocalRandom.current().nextLong()));
    }

    /** Iterates entries as (key copy, value copy) pairs; see {@link #cursor()} for the guarantees. */
    @Override
    public Iterator<Map.Entry<byte[], byte[]>> iterator() {
        Cursor c = cursor();
        return new Iterator<>() {
            private Boolean has;

            @Override
            public boolean hasNext() {
                if (has == null) {
                    has = c.next();
                }
                return has;
            }

            @Override
            public Map.Entry<byte[], byte[]> next() {
                if (!hasNext()) {
                    throw new NoSuchElementException();
                }
                has = null;
                return new AbstractMap.SimpleImmutableEntry<>(c.key(), c.value());
            }
        };
    }

    /** Where growth stands; cheap (reads the header), for progress displays. */
    public Growth growth() {
        synchronized (writeLock) {
            checkOpen();
            var h = file.header();
            long[] progress = table.growthProgress();
            return new Growth(h.b, h.growing(), h.sameSizeGrow(), progress[0], progress[1], h.overflowBuckets);
        }
    }

    /** The index's numbers. Walks every chain for the histogram, so it costs a scan of the table. */
    public Stats stats() {
        synchronized (writeLock) {
            checkOpen();
            var h = file.header();
            long[] progress = table.growthProgress();
            long fileBytes;
            try {
                fileBytes = file.fileSize();
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            long buckets = 1L << h.b;
            return new Stats(table.size(), h.b, buckets, h.overflowBuckets, (double) table.size() / buckets, h.growing(),
                    h.sameSizeGrow(), progress[0], progress[1], TableScan.chainHistogram(table, 8), fileBytes, h.fileEnd,
                    keyWidth, valueWidth, h.generation, cleanBeforeOpen);
        }
    }

    /**
     * Writes every change back and closes the index; the next open sees exactly these contents.
     * Later calls on this object throw {@link IllegalStateException}.
     */
    @Override
    public void close() throws IOException {
        synchronized (writeLock) {
            if (closed) {
                return;
            }
            closed = true;
            try {
                if (!file.readOnly()) {
                    file.writeBack(true);
                }
                file.closeAndTrim();
            } finally {
                if (lock != null) {
                    lock.close();
                }
            }
        }
    }

    // ---------------------------------------------------------------- checks

    private void checkOpen() {
        if (closed) {
            throw new IllegalStateException("index " + dir + " is closed");
        }
    }

    private void checkWritable() {
        checkOpen();
        if (file.readOnly()) {
            throw new IllegalStateException("index " + dir + " is open read-only");
        }
    }

    private void requireLongWidths() {
        if (keyWidth != 8 || valueWidth != 8) {
            throw new IllegalArgumentException("the long API needs 8-byte keys and values; index " + dir + " has "
                    + keyWidth + "-byte keys and " + valueWidth + "-byte values");
        }
    }

    private void checkKey(byte[] key) {
        if (key.length != keyWidth) {
            throw new IllegalArgumentException("key must be " + keyWidth + " bytes for index " + dir + ", got " + key.length);
        }
    }

    private void checkValue(byte[] value) {
        if (value.length != valueWidth) {
            throw new IllegalArgumentException("value must be " + valueWidth + " bytes for index " + dir + ", got " + value.length);
        }
    }

    // ---------------------------------------------------------------- typed access

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
     *     respect to every other write of this index: they run on its single writer, and the
     *     functions they take are called at most once per call (so keep them short, and never let
     *     them change this map: that throws {@link IllegalStateException});</li>
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
     * <p>Keys are found, and values compared, by their encoded bytes. Today's indexes store
     * fixed-width keys and values, so a key or value that a call would store must encode to exactly
     * {@link #keyWidth()} or {@link #valueWidth()} bytes, else the call throws
     * {@link IllegalArgumentException} naming the width and changes nothing; a key that only gets
     * looked up and cannot be encoded at that width is simply absent. Variable-length keys and
     * values arrive with the value heap. Any call on a closed index, and a write to a read-only
     * one, throws {@link IllegalStateException}; an I/O failure is an {@link UncheckedIOException}.
     *
     * @param keys   the key codec; if fixed-width, its width must be this index's key width
     * @param values the value codec; if fixed-width, its width must be this index's value width
     * @param <K>    the key type
     * @param <V>    the value type
     * @return a live map view of this index
     * @throws IllegalArgumentException if a codec's fixed width differs from the index's width
     */
    public <K, V> java.util.concurrent.ConcurrentMap<K, V> asMap(Codec<K> keys, Codec<V> values) {
        checkOpen();
        return new BucketMap<>(this, keys, values);
    }

    /**
     * Runs {@code action} on the single writer: no other write of this index runs meanwhile, and
     * {@code action} may itself call this index's methods (the lock is reentrant). The hook behind
     * {@link BucketMap}'s atomic operations.
     */
    <R> R atomically(java.util.function.Supplier<R> action) {
        synchronized (writeLock) {
            checkOpen();
            return action.get();
        }
    }
}
