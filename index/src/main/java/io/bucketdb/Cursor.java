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
 */
public final class Cursor {
    private final TableIterator it;

    Cursor(TableIterator it) {
        this.it = it;
    }

    /**
     * Moves to the next entry; false at the end.
     *
     * @return false at the end, else true
     */
    public boolean next() {
        return it.next();
    }

    /** {@return the current key (a copy)} */
    public byte[] key() {
        return it.key();
    }

    /** {@return the current value (a copy)} */
    public byte[] value() {
        return it.value();
    }

    /** {@return the current key of an index with 8-byte keys, read little-endian} */
    public long keyLong() {
        return it.keyLong();
    }

    /** {@return the current value of an index with 8-byte values, read little-endian} */
    public long valueLong() {
        return it.valueLong();
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
