package io.bucketdb;

import io.bucketdb.table.TableIterator;

import java.util.AbstractMap;
import java.util.Iterator;
import java.util.Map;
import java.util.NoSuchElementException;

/**
 * Walks the entries of an index: every key present for the whole walk is returned exactly once,
 * even while the table grows; keys added or removed meanwhile may or may not appear. A cursor
 * may be used on any thread beside the writer; it is not itself thread-safe.
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
    private final TableIterator it;
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
        db.checkOpen(); // the table's memory may be gone or reused after close: never read it then
        onEntry = it.next();
        return onEntry;
    }

    /** {@return the current key (a copy)} */
    public byte[] key() {
        current();
        return it.key();
    }

    /** {@return the current value (a copy)} */
    public byte[] value() {
        current();
        return it.value();
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
        return it.keyLong();
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
        return it.valueLong();
    }

    private void current() {
        if (!onEntry) {
            throw new IllegalStateException("the cursor is on no entry: call next() first, and only while it returns true");
        }
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
