package io.bucketdb;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.ConcurrentModificationException;
import java.util.Iterator;
import java.util.NoSuchElementException;
import java.util.function.Consumer;

/**
 * A weakly consistent walk over the index, like {@link java.util.concurrent.ConcurrentHashMap}'s
 * iterators: it never throws {@link java.util.ConcurrentModificationException}, returns every key
 * present for the whole walk exactly once and entries added or removed meanwhile may or may not
 * appear. {@link #remove()} deletes the last returned key from the index. The iterators of the
 * {@link BucketMap} views.
 *
 * <p>Like the {@link Cursor} beneath it, a walk serves one thread at a time and may pass between threads
 * between calls (a spliterator made from it does, in a parallel stream). Two threads calling it at once get a
 * {@link ConcurrentModificationException} (the one that came second), never an element twice or a key with
 * another entry's value. Each call takes the walk with one CAS; the cursor is only used inside them.
 */
abstract class MapWalk<T> implements Iterator<T> {
    private static final VarHandle USER;

    static {
        try {
            USER = MethodHandles.lookup().findVarHandle(MapWalk.class, "user", Thread.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    /** The thread inside a call now, or null; its CAS and release store also hand the fields below between threads. */
    private volatile Thread user;
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
        enter();
        try {
            return advance();
        } finally {
            USER.setRelease(this, null);
        }
    }

    private boolean advance() {
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
        enter();
        try {
            if (!advance()) {
                throw new NoSuchElementException();
            }
            advanced = false;
            lastKey = nextKey;
            return element(nextKey, nextValue);
        } finally {
            USER.setRelease(this, null);
        }
    }

    /** Builds the element; {@code key} and {@code value} are fresh copies it may keep. */
    abstract T element(byte[] key, byte[] value);

    @Override
    public final void remove() {
        enter();
        try {
            if (lastKey == null) {
                throw new IllegalStateException("remove() without a preceding next()");
            }
            byte[] k = lastKey;
            lastKey = null;
            remover.accept(k);
        } finally {
            USER.setRelease(this, null);
        }
    }

    private void enter() {
        if (!USER.compareAndSet(this, null, Thread.currentThread())) {
            Thread other = user;
            throw new ConcurrentModificationException("iterator used by two threads at once: " + Thread.currentThread().getName()
                    + " called it while " + (other != null ? other.getName() : "another thread") + " was in a call of it; "
                    + "an iterator of this map serves one thread at a time (it may pass between threads between calls)");
        }
    }
}
