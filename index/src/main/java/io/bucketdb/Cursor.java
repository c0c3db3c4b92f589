package io.bucketdb;

import io.bucketdb.table.TableIterator;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.AbstractMap;
import java.util.ConcurrentModificationException;
import java.util.Iterator;
import java.util.Map;
import java.util.NoSuchElementException;

/**
 * Walks the entries of an index: every key present for the whole walk is returned exactly once,
 * even while the table grows; keys added or removed meanwhile may or may not appear, and no key is
 * returned twice (not even one removed and added again). Each entry is a key with a value it held at
 * some moment of the walk; the walk is no snapshot: two entries may show moments apart. A cursor
 * may be used on any thread beside the writer.
 *
 * <p>A cursor is one position, so it serves one thread at a time: it may pass from thread to thread
 * between calls (handed over as any object is, through a queue, an executor or a lock), but an entry is
 * read on the thread whose {@link #next()} moved to it. Two threads that call it at once, or an accessor
 * called on another thread than that {@code next()}, get a {@link ConcurrentModificationException}
 * instead of another thread's entry or a mix of two: reading a key on one thread while another moves the
 * cursor on would pair it with the wrong value. The check costs one atomic update per {@code next()}.
 *
 * <pre>{@code
 * Cursor c = db.cursor();
 * while (c.next()) {
 *     use(c.keyLong(), c.valueLong());
 * }
 * }</pre>
 *
 * <p>The accessors read the entry the last {@link #next()} moved to: before the first call and after one that returned
 * false there is none, and they throw {@link IllegalStateException}. {@link #next()} on a closed index throws
 * {@link IllegalStateException} as every call on it does.
 */
public final class Cursor {
    private static final VarHandle USER;

    static {
        try {
            USER = MethodHandles.lookup().findVarHandle(Cursor.class, "user", Thread.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    private final TableIterator it;
    /**
     * The thread inside {@link #next()} now, or null: taken by a CAS, given back with a release store. The accessors
     * read it before and after they copy from the iterator (a seqlock, as {@code StampedLock}'s optimistic reads),
     * so a copy that a move of another thread overlapped is refused, never returned.
     */
    private volatile Thread user;
    /** The thread whose {@link #next()} moved to the current entry; written while it holds {@link #user}. */
    private Thread mover;
    private final BucketDB db;
    /** Whether keys (values) are fixed 8-byte ones, as {@link #keyLong()} ({@link #valueLong()}) needs. */
    private final boolean longKeys;
    private final boolean longValues;
    /** Whether {@link #next()} moved to an entry: false before the first call and at the end. */
    private boolean onEntry;

    Cursor(TableIterator it, BucketDB db) {
        this.it = it;
        this.db = db;
        this.longKeys = db.keyWidth() == Long.BYTES && !db.variableKeys();
        this.longValues = db.valueWidth() == Long.BYTES && !db.variableValues();
    }

    /**
     * Moves to the next entry; false at the end.
     *
     * @return false at the end, else true
     * @throws IllegalStateException if the index is closed
     */
    public boolean next() {
        Thread me = Thread.currentThread();
        if (!USER.compareAndSet(this, null, me)) {
            throw concurrentUse();
        }
        try {
            db.checkOpen(); // the table's memory may be gone or reused after close: never read it then
            mover = me;
            onEntry = false;
            onEntry = it.next();
            return onEntry;
        } finally {
            USER.setRelease(this, null);
        }
    }

    /** {@return the current key (a copy)} */
    public byte[] key() {
        current();
        byte[] k;
        try {
            k = it.key();
        } catch (RuntimeException e) {
            validate(); // a move of another thread beneath the copy explains it
            throw e;
        }
        validate();
        return k;
    }

    /** {@return the current value (a copy)} */
    public byte[] value() {
        current();
        byte[] v;
        try {
            v = it.value();
        } catch (RuntimeException e) {
            validate();
            throw e;
        }
        validate();
        return v;
    }

    /**
     * {@return the current key of an index with 8-byte keys, read little-endian}
     *
     * @throws IllegalArgumentException if the index's keys are not fixed 8-byte ones
     */
    public long keyLong() {
        current();
        if (!longKeys) {
            throw new IllegalArgumentException("keyLong() needs 8-byte keys; index " + db.directory() + " has "
                    + (db.variableKeys() ? "variable-length" : db.keyWidth() + "-byte") + " keys (use key())");
        }
        long k;
        try {
            k = it.keyLong();
        } catch (RuntimeException e) {
            validate();
            throw e;
        }
        validate();
        return k;
    }

    /**
     * {@return the current value of an index with 8-byte values, read little-endian}
     *
     * @throws IllegalArgumentException if the index's values are not fixed 8-byte ones
     */
    public long valueLong() {
        current();
        if (!longValues) {
            throw new IllegalArgumentException("valueLong() needs 8-byte values; index " + db.directory() + " has "
                    + (db.variableValues() ? "variable-length" : db.valueWidth() + "-byte") + " values (use value())");
        }
        long v;
        try {
            v = it.valueLong();
        } catch (RuntimeException e) {
            validate();
            throw e;
        }
        validate();
        return v;
    }

    /** Before an accessor copies: there is an entry, this thread moved to it, and no thread is moving the cursor. */
    private void current() {
        boolean moving = user != null; // the volatile read first: it orders the reads of mover and onEntry after it
        Thread m = mover;
        if (moving || m != null && m != Thread.currentThread()) {
            throw concurrentUse();
        }
        if (!onEntry) {
            // Read beside a next() of another thread that began after the read of user, onEntry may be its reset:
            // then the misuse is the answer, not "no entry" (validate() as for a copy, with no mover yet allowed).
            VarHandle.acquireFence();
            if (user != null || mover != m) {
                throw concurrentUse();
            }
            throw new IllegalStateException("the cursor is on no entry: call next() first, and only while it returns true");
        }
    }

    /** After an accessor copied: no thread moved the cursor meanwhile, so the copy is of this thread's entry. */
    private void validate() {
        VarHandle.acquireFence(); // the copy's reads happen before the reads below
        if (user != null || mover != Thread.currentThread()) {
            throw concurrentUse();
        }
    }

    private ConcurrentModificationException concurrentUse() {
        Thread moving = user;
        Thread moved = mover;
        return new ConcurrentModificationException("cursor used by two threads: " + Thread.currentThread().getName() + " called it while "
                + (moving != null ? moving.getName() + " was moving it" : (moved != null ? moved.getName() : "another thread") + " had moved it")
                + "; a cursor serves one thread at a time, and an entry is read on the thread whose next() moved to it");
    }

    /** This cursor as an iterator of (key copy, value copy) pairs, for {@link BucketDB#iterator()}. */
    Iterator<Map.Entry<byte[], byte[]>> asIterator() {
        return new Iterator<>() {
            private Boolean has;

            @Override
            public boolean hasNext() {
                if (has == null) {
                    has = Cursor.this.next();
                }
                return has;
            }

            @Override
            public Map.Entry<byte[], byte[]> next() {
                if (!hasNext()) {
                    throw new NoSuchElementException();
                }
                has = null;
                return new AbstractMap.SimpleImmutableEntry<>(key(), value());
            }
        };
    }
}
