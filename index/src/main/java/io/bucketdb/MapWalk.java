package io.bucketdb;

import java.util.Iterator;
import java.util.NoSuchElementException;
import java.util.function.Consumer;

/**
 * A weakly consistent walk over the index, like {@link java.util.concurrent.ConcurrentHashMap}'s
 * iterators: it never throws {@link java.util.ConcurrentModificationException}, returns every key
 * present for the whole walk exactly once and entries added or removed meanwhile may or may not
 * appear. {@link #remove()} deletes the last returned key from the index. The iterators of the
 * {@link BucketMap} views.
 */
abstract class MapWalk<T> implements Iterator<T> {
    private final Cursor cursor;
    private final Consumer<byte[]> remover;
    private byte[] nextKey;
    private byte[] nextValue;
    private boolean advanced;
    private byte[] lastKey;

    /**
     * A walk with {@code cursor}.
     *
     * @param cursor  walks the index
     * @param remover deletes a key from the index, for {@link #remove()}
     */
    MapWalk(Cursor cursor, Consumer<byte[]> remover) {
        this.cursor = cursor;
        this.remover = remover;
    }

    @Override
    public final boolean hasNext() {
        if (!advanced) {
            if (cursor.next()) {
                nextKey = cursor.key();
                nextValue = cursor.value();
            } else {
                nextKey = null;
                nextValue = null;
            }
            advanced = true;
        }
        return nextKey != null;
    }

    @Override
    public final T next() {
        if (!hasNext()) {
            throw new NoSuchElementException();
        }
        advanced = false;
        lastKey = nextKey;
        return element(nextKey, nextValue);
    }

    /** Builds the element; {@code key} and {@code value} are fresh copies it may keep. */
    abstract T element(byte[] key, byte[] value);

    @Override
    public final void remove() {
        if (lastKey == null) {
            throw new IllegalStateException("remove() without a preceding next()");
        }
        byte[] k = lastKey;
        lastKey = null;
        remover.accept(k);
    }
}
