package io.bucketdb.tools;

import io.bucketdb.BucketDB;
import io.bucketdb.Cursor;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;

/**
 * Loads entries into an index through the asynchronous write API with a bounded window of
 * unacknowledged puts. The ring batches what is in flight into group commits, where one blocking
 * put at a time would pay a hand-off to the writer thread per entry; the window bounds the
 * futures (and the key and value arrays they keep alive) however large the load.
 */
final class WindowedLoader {
    /** Puts in flight at most (a power of two). */
    static final int WINDOW = 4096;

    private final BucketDB db;
    private final CompletableFuture<?>[] window = new CompletableFuture<?>[WINDOW];
    private long published;
    private long added;

    /**
     * Copies every entry of {@code src} into {@code dst} through a window of async puts, updating {@code bar}
     * every few thousand entries (compaction and backup copy this way). Longs go through the allocation-free
     * long path when both indexes are fixed 8x8.
     */
    static void copyAll(BucketDB src, BucketDB dst, Progress bar) {
        WindowedLoader loader = new WindowedLoader(dst);
        boolean longs = !src.variableKeys() && !src.variableValues() && src.keyWidth() == 8 && src.valueWidth() == 8;
        Cursor c = src.cursor();
        while (c.next()) {
            if (longs) {
                loader.putLong(c.keyLong(), c.valueLong());
            } else {
                loader.put(c.key(), c.value());
            }
            if (loader.published() % 4096 == 0) {
                bar.update(loader.published());
            }
        }
        loader.finish();
        bar.finish();
    }

    WindowedLoader(BucketDB db) {
        this.db = db;
    }

    /** Publishes a put of 8-byte key and value (the allocation-free path). */
    void putLong(long key, long value) {
        int slot = nextSlot();
        window[slot] = db.putLongAsync(key, value);
    }

    /** Publishes a delete of an 8-byte key (the allocation-free path); {@link #added} counts the keys it removed. */
    void deleteLong(long key) {
        int slot = nextSlot();
        window[slot] = db.deleteLongAsync(key);
    }

    /**
     * Publishes a put; the arrays must stay unchanged until {@link #finish}.
     *
     * @return completes once the put is acknowledged
     */
    CompletableFuture<Boolean> put(byte[] key, byte[] value) {
        int slot = nextSlot();
        CompletableFuture<Boolean> f = db.putAsync(key, value);
        window[slot] = f;
        return f;
    }

    /** Writes acknowledged so far that answered true: puts that added a key (the rest overwrote one), deletes that removed one. */
    long added() {
        return added;
    }

    /** Puts published so far. */
    long published() {
        return published;
    }

    /** Waits for every put in flight to be acknowledged. */
    void finish() {
        for (int i = 0; i < WINDOW; i++) {
            join(i);
        }
    }

    private int nextSlot() {
        int slot = (int) (published++ & (WINDOW - 1));
        join(slot);
        return slot;
    }

    private void join(int slot) {
        CompletableFuture<?> f = window[slot];
        if (f == null) {
            return;
        }
        window[slot] = null;
        try {
            if (Boolean.TRUE.equals(f.join())) {
                added++;
            }
        } catch (CompletionException e) {
            // Let the command's error report see the I/O failure itself, not the future's wrapper.
            Throwable c = e.getCause();
            throw c instanceof RuntimeException r ? r
                    : c instanceof IOException io ? new UncheckedIOException(io) : new UncheckedIOException(new IOException(c));
        }
    }
}
