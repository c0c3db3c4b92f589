package io.bucketdb;

import io.bucketdb.engine.EntryChecks;
import io.bucketdb.engine.WriteAccess;
import io.bucketdb.pipeline.BulkFlush;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;
import java.util.Arrays;
import java.util.Objects;

/**
 * Loads many puts into a {@link BucketDB} without a future, a ring entry or an object per entry: the fast way
 * to fill an index. Made by {@link BucketDB#bulkLoad(int)}; used by one thread, the one that made it (a call from
 * another thread throws {@link IllegalStateException} and buffers nothing).
 *
 * <pre>{@code
 * try (BulkLoad load = db.bulkLoad(65_536)) {
 *     for (long k = 0; k < 10_000_000; k++) {
 *         load.putLong(k, ~k);        // buffered; flushes by itself when the buffer is full
 *     }
 * }                                   // close() flushes the rest
 * }</pre>
 *
 * <p><b>Buffering.</b> {@link #putLong} and {@link #put} copy the entry into primitive arrays the loader owns
 * (allocating nothing per entry), and a full buffer is flushed by the call that fills it. {@link #putAllLong}
 * and {@link #putAll} flush what is buffered, then write the caller's arrays. Until a flush returns, its
 * entries are not acknowledged and, while it runs, readers may already see some of them.
 *
 * <p><b>Durability.</b> A flush returns once all of its entries are acknowledged per the index's
 * {@link Durability}: with {@code SYNC} forced, with {@code ASYNC} written to the journal. A flush is written
 * as groups of at most 4,096 entries, each group one journal write (and in {@code SYNC} one
 * force) and one turn of the writer role, so other writers' operations and the index's checkpoints run
 * between groups, and gets never wait for a flush.
 *
 * <p><b>Atomicity: none across a crash.</b> Entries are journaled as ordinary puts, in order. After a crash
 * during a flush, recovery holds every entry of the flushes acknowledged before it and a <em>prefix</em> of
 * the entries of the flush in flight (possibly none, possibly all of them): never an entry without every
 * entry written before it. Within a flush, and between flushes, entries apply in order: a key written twice
 * ends with its last value. Use a {@link WriteBatch} where all or nothing is needed.
 *
 * <p><b>Errors.</b> A bad entry (a key or value of the wrong width or over the limit, a null array) is
 * refused before anything of its call is written: {@link #put} throws and buffers nothing; {@link #putAll}
 * and {@link #putAllLong} check every entry first and write none of them (the buffered entries before them
 * are flushed already). {@link #putLong} on an index without 8-byte keys and values throws
 * {@link IllegalArgumentException}. A flush on a closed, read-only or failed index throws
 * {@link IllegalStateException} and writes nothing. An I/O failure part-way through a flush throws
 * {@link java.io.UncheckedIOException} whose message says how many groups were applied: those groups are
 * journaled and applied, none after them, and the index is read-only until reopened, as after any failed
 * write. A flush that throws leaves the loader empty: its entries are either written or reported lost.
 */
public final class BulkLoad implements AutoCloseable {
    private static final VarHandle LONG_LE = MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.LITTLE_ENDIAN);
    /** The largest byte buffer: about the largest array a JVM allocates. */
    private static final int MAX_BUFFER_BYTES = Integer.MAX_VALUE - 8;

    private final WriteAccess writes;
    private final EntryChecks checks;
    /** Whether the index has 8-byte keys and values: then every entry goes through the long arrays. */
    private final boolean longs;
    private final int capacity;
    private final BulkFlush flush = new BulkFlush();
    /** The thread that made this loader, the only one that may use it (its buffer has no lock). */
    private final Thread owner = Thread.currentThread();
    private long[] keys;
    private long[] values;
    private byte[] keyBytes;
    private int[] keyEnds;
    private byte[] valueBytes;
    private int[] valueEnds;
    private int size;
    private int keyUsed;
    private int valueUsed;
    private long added;
    private boolean closed;

    BulkLoad(BucketDB db, int capacity) {
        if (capacity < 1) {
            throw new IllegalArgumentException("a bulk load buffers at least one entry, not " + capacity);
        }
        this.writes = db.engine().writes();
        this.checks = db.engine().checks();
        writes.async(); // refuses a closed, read-only or failed index now rather than at the first flush
        this.capacity = capacity;
        this.longs = db.keyWidth() == 8 && db.valueWidth() == 8 && !db.variableKeys() && !db.variableValues();
        if (longs) {
            keys = new long[capacity];
            values = new long[capacity];
            flush.useLongs(keys, values);
        } else {
            keyBytes = new byte[(int) Math.min(1 << 30, (long) capacity * Math.min(64, db.keyWidth()))];
            keyEnds = new int[capacity];
            valueBytes = new byte[(int) Math.min(1 << 30, (long) capacity * Math.min(64, db.valueWidth()))];
            valueEnds = new int[capacity];
            flush.useBytes(keyBytes, keyEnds, valueBytes, valueEnds);
        }
    }

    /**
     * Buffers a put of {@code key → value} (8-byte keys and values), flushing first if the buffer is full.
     * Allocates nothing.
     *
     * @param key   the key
     * @param value the value
     * @throws IllegalArgumentException if the index does not have 8-byte keys and values
     * @throws IllegalStateException    if this loader is closed or was made by another thread, or a flush is refused
     *                                  (see the class comment)
     */
    public void putLong(long key, long value) {
        checkOwner();
        if (!longs) {
            checks.requireLong();
        }
        if (size == capacity) {
            flush();
        } else if (closed) {
            throw closedLoader();
        }
        keys[size] = key;
        values[size] = value;
        size++;
    }

    /**
     * Buffers a put of {@code key → value} (copies of both: the arrays may be reused at once), flushing first if
     * the buffer is full. Allocates nothing per entry (the byte buffers double when a variable-length entry does
     * not fit).
     *
     * @param key   the key: the index's key width, or up to its limit for variable-length keys
     * @param value the value: the index's value width, or up to its limit
     * @throws IllegalArgumentException if the key or value does not fit the index; nothing is buffered
     * @throws IllegalStateException    if this loader is closed, or a flush is refused (see the class comment)
     */
    public void put(byte[] key, byte[] value) {
        checkOwner();
        check(key, value, -1);
        if (closed) {
            throw closedLoader();
        }
        makeRoom(key.length, value.length);
        add(key, value);
    }

    /**
     * Flushes what is buffered, then puts {@code keys[i] → values[i]} for {@code i} in {@code from .. to-1}
     * straight from the caller's arrays (no copy), in groups, and waits until all are acknowledged. The arrays
     * must not change until this returns. Allocates nothing per entry.
     *
     * @param keys   the keys
     * @param values the values
     * @param from   the first entry
     * @param to     the entry after the last
     * @return the keys that were new, of these entries
     * @throws IllegalArgumentException  if the index does not have 8-byte keys and values; nothing is written
     * @throws IndexOutOfBoundsException if {@code from .. to} is not within both arrays; nothing is written
     * @throws IllegalStateException     if this loader is closed, or a flush is refused (see the class comment)
     */
    public long putAllLong(long[] keys, long[] values, int from, int to) {
        checkOwner();
        Objects.requireNonNull(keys, "keys");
        Objects.requireNonNull(values, "values");
        Objects.checkFromToIndex(from, to, keys.length);
        Objects.checkFromToIndex(from, to, values.length);
        checks.requireLong();
        flush();
        flush.useLongs(keys, values);
        try {
            long n = writes.putAll(flush, from, to);
            added += n;
            return n;
        } finally {
            flush.useLongs(this.keys, this.values);
        }
    }

    /**
     * Checks every entry, then buffers copies of {@code keys[i] → values[i]} for {@code i} in
     * {@code from .. to-1} and flushes as the buffer fills; the buffer may hold the last of them afterwards.
     *
     * @param keys   the keys
     * @param values the values
     * @param from   the first entry
     * @param to     the entry after the last
     * @throws IllegalArgumentException  if an entry does not fit the index (its position named); nothing of this
     *                                   call is buffered or written
     * @throws NullPointerException      if an entry is null; nothing of this call is buffered or written
     * @throws IndexOutOfBoundsException if {@code from .. to} is not within both arrays
     * @throws IllegalStateException     if this loader is closed, or a flush is refused (see the class comment)
     */
    public void putAll(byte[][] keys, byte[][] values, int from, int to) {
        checkOwner();
        Objects.requireNonNull(keys, "keys");
        Objects.requireNonNull(values, "values");
        Objects.checkFromToIndex(from, to, keys.length);
        Objects.checkFromToIndex(from, to, values.length);
        if (closed) {
            throw closedLoader();
        }
        for (int i = from; i < to; i++) {
            check(keys[i], values[i], i);
        }
        for (int i = from; i < to; i++) {
            makeRoom(keys[i].length, values[i].length);
            add(keys[i], values[i]);
        }
    }

    /**
     * Writes what is buffered and waits until it is acknowledged per the index's durability; does nothing if
     * the buffer is empty. The loader is empty afterwards, also when this throws.
     *
     * @return the keys the flush added (new keys; overwrites do not count)
     * @throws IllegalStateException        if the index is closed, read-only or failed (nothing written; if another
     *                                      thread closed it part-way, a suppressed exception says how many groups
     *                                      were applied), or this loader is closed, or the caller is not the thread
     *                                      that made it (then the buffered entries stay buffered)
     * @throws java.io.UncheckedIOException if writing failed part-way; the message says how many groups were applied
     */
    public long flush() {
        checkOwner();
        if (closed) {
            throw closedLoader();
        }
        int n = size;
        size = 0;
        keyUsed = 0;
        valueUsed = 0;
        if (n == 0) {
            return 0;
        }
        long a = writes.putAll(flush, 0, n);
        added += a;
        return a;
    }

    /** {@return the entries buffered and not yet flushed} */
    public int buffered() {
        return size;
    }

    /** {@return the keys this loader's flushes have added so far (new keys; overwrites do not count)} */
    public long added() {
        return added;
    }

    /**
     * Flushes what is buffered and closes the loader (later calls throw {@link IllegalStateException}); the
     * index stays open. Idempotent.
     *
     * @throws IllegalStateException        if the flush is refused (see {@link #flush}), or the caller is not the
     *                                      thread that made this loader (which then stays open, its entries buffered)
     * @throws java.io.UncheckedIOException if the flush failed part-way
     */
    @Override
    public void close() {
        if (closed) {
            return;
        }
        checkOwner();
        try {
            flush();
        } finally {
            closed = true;
            flush.release();
        }
    }

    /**
     * Throws unless {@code key → value} fits the index; {@code at} is its position in a putAll, or -1. The message is
     * built only when it throws: a capturing lambda or a string per entry would break "allocates nothing per entry".
     */
    private void check(byte[] key, byte[] value, int at) {
        if (key == null) {
            throw new NullPointerException(where(at) + "key");
        }
        if (value == null) {
            throw new NullPointerException(where(at) + "value");
        }
        try {
            checks.checkKey(key);
            checks.checkPutValue(value);
        } catch (IllegalArgumentException e) {
            throw at < 0 ? e : new IllegalArgumentException(where(at) + e.getMessage() + "; nothing of this putAll was written", e);
        }
    }

    private static String where(int at) {
        return at < 0 ? "" : "entry " + at + ": ";
    }

    /**
     * Flushes first if the buffer is full, or if the entry's bytes would take a byte buffer past the largest array:
     * values of up to 256 MiB fill 2 GiB long before the entries fill the buffer, and a buffer grown no further than
     * that array failed the value's copy after the key's, leaving the key's bytes to be read as part of the next key.
     */
    private void makeRoom(int keyLength, int valueLength) {
        if (size == capacity
                || !longs && (keyUsed > MAX_BUFFER_BYTES - keyLength || valueUsed > MAX_BUFFER_BYTES - valueLength)) {
            flush();
        }
    }

    /** Appends a checked entry; the buffer has room for one more, and its bytes fit in {@link #MAX_BUFFER_BYTES}. */
    private void add(byte[] key, byte[] value) {
        if (longs) {
            keys[size] = (long) LONG_LE.get(key, 0);
            values[size] = (long) LONG_LE.get(value, 0);
        } else {
            if (keyUsed + key.length > keyBytes.length || valueUsed + value.length > valueBytes.length) {
                grow(key.length, value.length);
            }
            System.arraycopy(key, 0, keyBytes, keyUsed, key.length);
            keyUsed += key.length;
            keyEnds[size] = keyUsed;
            System.arraycopy(value, 0, valueBytes, valueUsed, value.length);
            valueUsed += value.length;
            valueEnds[size] = valueUsed;
        }
        size++;
    }

    private void grow(int keyLength, int valueLength) {
        keyBytes = Arrays.copyOf(keyBytes, (int) Math.min(MAX_BUFFER_BYTES, Math.max(2L * keyBytes.length, (long) keyUsed + keyLength)));
        valueBytes = Arrays.copyOf(valueBytes, (int) Math.min(MAX_BUFFER_BYTES, Math.max(2L * valueBytes.length, (long) valueUsed + valueLength)));
        flush.useBytes(keyBytes, keyEnds, valueBytes, valueEnds);
    }

    /**
     * Refuses a call from a thread other than the owner before it touches the buffer: two threads buffering at once
     * would lose entries to the race on the buffer's count, and the flush alone checking the thread came too late
     * (a flush from another thread emptied the buffer, then its write was refused: the owner's entries were lost).
     */
    private void checkOwner() {
        if (Thread.currentThread() != owner) {
            throw new IllegalStateException("a bulk load is used by the thread that made it, " + owner.getName()
                    + ", not " + Thread.currentThread().getName() + "; nothing was buffered");
        }
    }

    private static IllegalStateException closedLoader() {
        return new IllegalStateException("this bulk load is closed");
    }
}
