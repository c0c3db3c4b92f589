package io.bucketdb.bench.compare;

import io.bucketdb.bench.Keys;

/**
 * One store under comparison, holding {@code long → long} entries (8-byte keys, 8-byte values),
 * as one forked JVM drives it. The store is shared by all threads of a workload; each thread works
 * through its own {@link Session}, which may hold that thread's buffers or read transaction.
 */
interface KvStore extends AutoCloseable {

    /** A handle for one thread. Not thread-safe; close it before the store. */
    Session session();

    /** The exact number of entries (some peers count by scanning: keep it out of timed sections). */
    long size() throws Exception;

    /** Visits every entry once and returns how many there were and the sum of their keys. */
    Scan scan() throws Exception;

    /**
     * Puts keys numbered {@code from .. to-1} with their values, untimed, the fastest way the store
     * offers (batched transactions where the store has them). The state afterwards is the same as
     * after putting them one by one.
     */
    default void bulkLoad(int from, int to) throws Exception {
        try (Session s = session()) {
            for (int n = from; n < to; n++) {
                long k = Keys.key(n);
                s.put(k, Keys.valueOf(k));
            }
        }
    }

    /**
     * Brings the store to rest after a load, before reads are timed: RocksDB flushes its memtable and
     * waits for compactions, so that background work does not share the two cores with the reads.
     */
    default void settle() throws Exception {
    }

    /** Closes the store the way its documentation says, leaving its files for a later open. */
    @Override
    void close() throws Exception;

    /** What {@link #scan()} saw. */
    record Scan(long count, long keySum) {
    }

    /** One thread's access to the store. */
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
}
