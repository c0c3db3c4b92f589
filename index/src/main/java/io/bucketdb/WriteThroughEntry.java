package io.bucketdb;

import java.util.Map;
import java.util.Objects;

/** An entry of a {@link BucketMap} that {@link #setValue} writes through to the index, as in {@code ConcurrentHashMap}. */
final class WriteThroughEntry<K, V> implements Map.Entry<K, V> {
    private final Map<K, V> map;
    private final K key;
    private V value;

    WriteThroughEntry(Map<K, V> map, K key, V value) {
        this.map = map;
        this.key = key;
        this.value = value;
    }

    @Override
    public K getKey() {
        return key;
    }

    /** The value when this entry was read (or last set through it). */
    @Override
    public V getValue() {
        return value;
    }

    /** Puts {@code key → value} in the index; returns the value this entry held. */
    @Override
    public V setValue(V value) {
        Objects.requireNonNull(value, "value");
        map.put(key, value);
        V old = this.value;
        this.value = value;
        return old;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Map.Entry<?, ?> e && key.equals(e.getKey()) && value.equals(e.getValue());
    }

    @Override
    public int hashCode() {
        return key.hashCode() ^ value.hashCode();
    }

    @Override
    public String toString() {
        return key + "=" + value;
    }
}
