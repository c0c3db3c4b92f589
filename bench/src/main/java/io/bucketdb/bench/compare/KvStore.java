package io.bucketdb.bench.compare;

import io.bucketdb.bench.Keys;

import java.nio.file.Path;

/**
 * One store under comparison, as one forked JVM drives it, opened for one {@link Shape}. The store is
 * shared by all threads of a workload; each thread works through its own session, which may hold that
 * thread's buffers or read transaction.
 *
 * <p>A store opened for 8-byte keys and values ({@link Shape#LONG_LONG}) speaks {@code long} through
 * {@link #session()}, the path the 8/8 figures are taken on (allocation-free for BucketDB). A store
 * opened for any other shape speaks {@code byte[]} through {@link #bytesSession()}. The workloads are
 * written once, against {@code long} keys: {@link #longView} gives them a {@link Session} in either
 * shape, turning a long key into its byte form ({@link Keys#keyBytes}) when the shape needs it.
 */
interface KvStore extends AutoCloseable {

    /** The shape this store was opened for. */
    Shape shape();

    /** A {@code long} handle for one thread; only for {@link Shape#LONG_LONG}. Not thread-safe; close it before the store. */
    Session session();

    /** A {@code byte[]} handle for one thread, in {@link #shape()}. Not thread-safe; close it before the store. */
    BytesSession bytesSession();

    /** The exact number of entries (some peers count by scanning: keep it out of timed sections). */
    long size() throws Exception;

    /**
     * Visits every entry once and returns how many there were and the sum of their keys (of their
     * first 8 bytes, read as {@link Keys#longOf} does, in a byte shape).
     */
    Scan scan() throws Exception;

    /**
     * Puts keys numbered {@code from .. to-1} with their values, untimed, the fastest way the store
     * offers (batched transactions where the store has them). The state afterwards is the same as
     * after putting them one by one.
     */
    default void bulkLoad(int from, int to) throws Exception {
        try (Session s = longView(this)) {
            for (int n = from; n < to; n++) {
                long k = Keys.key(n);
                s.put(k, Keys.valueOf(k));
            }
        }
    }

    /**
     * Brings the store to rest after a load, before reads are timed: RocksDB flushes its memtable and
     * waits for compactions, BucketDB writes a checkpoint, so that background work does not share the
     * two cores with the reads.
     */
    default void settle() throws Exception {
    }

    /**
     * Compacts the store where it can, closes it, and returns the directory that then holds it (the
     * store's own, or the compacted copy); null if the store has no compaction (it is closed all the same).
     */
    default Path compactAndClose(Path dir) throws Exception {
        close();
        return null;
    }

    /** Closes the store the way its documentation says, leaving its files for a later open. */
    @Override
    void close() throws Exception;

    /**
     * A {@code long} session on {@code store} in its shape: the store's own for 8/8, else its byte
     * session behind {@link BytesAsLongs}.
     */
    static Session longView(KvStore store) {
        return store.shape().isLongs() ? store.session() : new BytesAsLongs(store.bytesSession(), store.shape());
    }

    /** What {@link #scan()} saw. */
    record Scan(long count, long keySum) {
    }

    /** One thread's access to an 8/8 store. */
    interface Session extends AutoCloseable {
        /** The value of {@code key}, or {@code missing}. */
        long get(long key, long missing) throws Exception;

        /** Puts {@code key → value}; returns once the store acknowledges it (see {@link Durability}). */
        void put(long key, long value) throws Exception;

        /** Deletes {@code key} if present. */
        void delete(long key) throws Exception;

        @Override
        default void close() throws Exception {
        }
    }

    /**
     * One thread's access to a store of fixed-width byte keys and values. The store copies what it
     * keeps: callers reuse their arrays.
     */
    interface BytesSession extends AutoCloseable {
        /** Copies the value of {@code key} into {@code valueOut} (exactly the value width); false if absent. */
        boolean get(byte[] key, byte[] valueOut) throws Exception;

        /** Puts {@code key → value}; returns once the store acknowledges it (see {@link Durability}). */
        void put(byte[] key, byte[] value) throws Exception;

        /** Deletes {@code key} if present. */
        void delete(byte[] key) throws Exception;

        @Override
        default void close() throws Exception {
        }
    }

    /**
     * A byte session seen through {@code long} keys: key {@code k} becomes {@link Keys#keyBytes}, value
     * {@code v} becomes {@link Keys#valueBytes}, and a value read back becomes its long again
     * ({@link Keys#valueLongOf}, so a value whose two ends disagree fails the caller's check). The
     * arrays are reused: the byte sessions copy what they keep.
     */
    final class BytesAsLongs implements Session {
        private final BytesSession bytes;
        private final byte[] key;
        private final byte[] value;

        BytesAsLongs(BytesSession bytes, Shape shape) {
            this.bytes = bytes;
            this.key = new byte[shape.keyBytes()];
            this.value = new byte[shape.valueBytes()];
        }

        @Override
        public long get(long k, long missing) throws Exception {
            Keys.keyBytes(k, key);
            return bytes.get(key, value) ? Keys.valueLongOf(value) : missing;
        }

        @Override
        public void put(long k, long v) throws Exception {
            Keys.keyBytes(k, key);
            Keys.valueBytes(v, value);
            bytes.put(key, value);
        }

        @Override
        public void delete(long k) throws Exception {
            Keys.keyBytes(k, key);
            bytes.delete(key);
        }

        @Override
        public void close() throws Exception {
            bytes.close();
        }
    }
}
