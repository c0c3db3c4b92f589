package io.bucketdb.bench;

import java.util.HashMap;

/**
 * The baseline: a {@code java.util.HashMap<Long, Long>} with default capacity and load factor,
 * used as a caller holding primitive longs would use it, so keys and values are boxed per call.
 */
final class HashMapStore implements LongStore {
    static final String NAME = "hashmap";

    private final HashMap<Long, Long> map = new HashMap<>();

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public long get(long key, long missing) {
        Long v = map.get(key);
        return v == null ? missing : v;
    }

    @Override
    public boolean put(long key, long value) {
        return map.put(key, value) == null;
    }

    @Override
    public boolean delete(long key) {
        return map.remove(key) != null;
    }

    @Override
    public long size() {
        return map.size();
    }

    @Override
    public void close() {
        map.clear();
    }
}
