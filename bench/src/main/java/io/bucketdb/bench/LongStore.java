package io.bucketdb.bench;

import java.io.IOException;

/**
 * A {@code long → long} map under test. The benchmarks call it through this interface; each JMH
 * fork loads exactly one implementation, so the call sites stay monomorphic and are inlined.
 */
sealed interface LongStore extends AutoCloseable permits BucketDbStore, HashMapStore {

    /** The store named by the benchmarks' {@code store} parameter. */
    static LongStore open(String name) throws IOException {
        return switch (name) {
            case BucketDbStore.NAME -> BucketDbStore.create();
            case HashMapStore.NAME -> new HashMapStore();
            default -> throw new IllegalArgumentException("unknown store " + name + "; expected "
                    + BucketDbStore.NAME + " or " + HashMapStore.NAME);
        };
    }

    String name();

    /** The value of {@code key}, or {@code missing}. */
    long get(long key, long missing);

    /** Puts {@code key → value}; true if the key was new. */
    boolean put(long key, long value);

    /** Puts keys {@code from .. to-1} with their values, untimed setup; stores may batch it. */
    default void bulkLoad(int from, int to) {
        for (int n = from; n < to; n++) {
            long k = Keys.key(n);
            put(k, Keys.valueOf(k));
        }
    }

    /** Deletes {@code key}; true if it was present. */
    boolean delete(long key);

    long size();

    /** Releases the store and everything it created on disk. */
    @Override
    void close() throws IOException;
}
