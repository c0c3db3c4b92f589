package io.bucketdb;

import io.bucketdb.engine.EntryChecks;
import io.bucketdb.engine.WriteAccess;

import java.util.AbstractCollection;
import java.util.AbstractMap;
import java.util.AbstractSet;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.Spliterator;
import java.util.Spliterators;
import java.util.concurrent.ConcurrentMap;
import java.util.function.BiConsumer;
import java.util.function.BiFunction;
import java.util.function.Function;
import java.util.function.Supplier;

/**
 * The {@link ConcurrentMap} that {@link BucketDB#asMap} returns: every call encodes its arguments
 * with the codecs and goes to the index; nothing is cached.
 *
 * <p>Reads ({@code get}, {@code containsKey}, iteration) run lock-free like {@link BucketDB#get}.
 * Every write, and every read-modify-write ({@code putIfAbsent}, {@code replace}, {@code remove(k, v)},
 * {@code compute…}, {@code merge}), runs whole inside {@link WriteAccess#atomically}, in the index's
 * writer role, so it is atomic with respect to every other write, through this map or not. All atomic
 * operations go through {@link #atomically(Supplier)} here.
 *
 * <p>Arguments that a call may store must encode to what the index takes (exactly its width for fixed-width keys or
 * values, up to its length limit for variable-length ones), else {@link IllegalArgumentException} and nothing changes. Arguments that a call only looks up or
 * compares, and that cannot be encoded at that width (or are of the wrong type), are simply not
 * in the map: {@code get} returns null, {@code remove(k, v)} false, so {@code equals} against any
 * map never throws.
 */
final class BucketMap<K, V> extends AbstractMap<K, V> implements ConcurrentMap<K, V> {
    private final BucketDB db;
    private final Codec<K> keys;
    private final Codec<V> values;
    /** The index's rules for keys and values: the codecs are checked against them once, every encoding to store. */
    private final EntryChecks checks;
    /** The index's writes, whose writer role the atomic operations hold. */
    private final WriteAccess writes;
    private Set<K> keySetView;
    private Collection<V> valuesView;
    private Set<Map.Entry<K, V>> entrySetView;

    BucketMap(BucketDB db, Codec<K> keys, Codec<V> values) {
        this.db = Objects.requireNonNull(db, "db");
        this.keys = Objects.requireNonNull(keys, "key codec");
        this.values = Objects.requireNonNull(values, "value codec");
        this.checks = db.engine().checks();
        this.writes = db.engine().writes();
        // When asMap is called, not at the first put: a codec that could never store an entry is refused now.
        checks.checkKeyCodec(keys);
        checks.checkValueCodec(values);
    }

    // ---------------------------------------------------------------- encoding

    /** The bytes of a key this call may store; IAE naming the width if they do not fit. */
    private byte[] keyToStore(K key) {
        Objects.requireNonNull(key, "key");
        return checks.encodedToStore(true, keys.encode(key));
    }

    /** The bytes of a value this call may store; IAE naming the width if they do not fit. */
    private byte[] valueToStore(V value) {
        Objects.requireNonNull(value, "value");
        return checks.encodedToStore(false, values.encode(value));
    }

    /** The bytes of a key to look up, or null if no key of this map has them. */
    @SuppressWarnings("unchecked")
    private byte[] keyToFind(Object key) {
        Objects.requireNonNull(key, "key");
        try {
            byte[] b = keys.encode((K) key);
            return checks.keyFits(b.length) ? b : null;
        } catch (ClassCastException | IllegalArgumentException notAKeyOfThisMap) {
            return null;
        }
    }

    /** The bytes of a value to compare with, or null if no value of this map has them. */
    @SuppressWarnings("unchecked")
    private byte[] valueToFind(Object value) {
        Objects.requireNonNull(value, "value");
        try {
            byte[] b = values.encode((V) value);
            return checks.valueFits(b.length) ? b : null;
        } catch (ClassCastException | IllegalArgumentException notAValueOfThisMap) {
            return null;
        }
    }

    private V decodeValue(byte[] bytes) {
        return bytes == null ? null : values.decode(bytes);
    }

    // ---------------------------------------------------------------- the writer role

    /** Runs {@code body} in the index's writer role, refusing writes from inside a caller's function. */
    private <R> R atomically(Supplier<R> body) {
        return writes.atomically(() -> {
            if (writes.inMapFunction()) {
                // Only the role holder gets here, so this is a function of a map view of this index writing to it,
                // through this view or another one (the flag is the index's, not this view's).
                throw new IllegalStateException("recursive update: a function passed to compute, computeIfAbsent, "
                        + "computeIfPresent, merge or replaceAll tried to change the map it was called from");
            }
            return body.get();
        });
    }

    /** Calls a caller's function inside {@link #atomically}; every map view of the index refuses writes until it returns. */
    private <R> R call(Supplier<R> function) {
        return writes.callMapFunction(function);
    }

    private void store(byte[] key, byte[] value) {
        writes.putInRole(key, value);
    }

    private void erase(byte[] key) {
        writes.deleteInRole(key);
    }

    // ---------------------------------------------------------------- Map

    @Override
    public int size() {
        return (int) Math.min(db.size(), Integer.MAX_VALUE);
    }

    @Override
    public boolean isEmpty() {
        return db.size() == 0;
    }

    @Override
    public V get(Object key) {
        byte[] k = keyToFind(key);
        return k == null ? null : decodeValue(db.get(k));
    }

    @Override
    public boolean containsKey(Object key) {
        byte[] k = keyToFind(key);
        return k != null && db.contains(k);
    }

    /** Scans the whole index, comparing encoded values. */
    @Override
    public boolean containsValue(Object value) {
        byte[] v = valueToFind(value);
        if (v == null) {
            return false;
        }
        Cursor c = db.cursor();
        while (c.next()) {
            if (Arrays.equals(c.value(), v)) {
                return true;
            }
        }
        return false;
    }

    @Override
    public V put(K key, V value) {
        byte[] k = keyToStore(key);
        byte[] v = valueToStore(value);
        return decodeValue(atomically(() -> {
            byte[] old = db.get(k);
            store(k, v);
            return old;
        }));
    }

    @Override
    public V remove(Object key) {
        byte[] k = keyToFind(key);
        return k == null ? null : decodeValue(removeKey(k));
    }

    /** Deletes {@code key}; its old value's bytes, or null if it was absent. */
    private byte[] removeKey(byte[] key) {
        return atomically(() -> {
            byte[] old = db.get(key);
            if (old != null) {
                erase(key);
            }
            return old;
        });
    }

    /**
     * Deletes every entry in one run of the writer role: no other write of the index comes between. Readers (and a
     * crash) may see part of it done, as with {@code ConcurrentHashMap.clear}. The deletes are journaled in groups of
     * {@link #CLEAR_GROUP} with one commit each: committed one by one, a clear of n entries forced the journal n
     * times in {@code SYNC} while every other writer of the index waited for the role.
     */
    @Override
    public void clear() {
        atomically(() -> {
            // The cursor returns every key present for the whole walk, which under the lock is every
            // key not yet deleted; deleting the keys it already returned does not disturb it.
            Cursor c = db.cursor();
            List<byte[]> group = new ArrayList<>();
            while (c.next()) {
                group.add(c.key());
                if (group.size() == CLEAR_GROUP) {
                    writes.deleteAllInRole(group);
                    group.clear();
                }
            }
            writes.deleteAllInRole(group);
            return null;
        });
    }

    /** Deletes per journal commit in {@link #clear}: a group's keys are held in memory meanwhile. */
    static final int CLEAR_GROUP = 4096;

    // ---------------------------------------------------------------- ConcurrentMap

    @Override
    public V putIfAbsent(K key, V value) {
        byte[] k = keyToStore(key);
        byte[] v = valueToStore(value);
        return decodeValue(atomically(() -> {
            byte[] old = db.get(k);
            if (old == null) {
                store(k, v);
            }
            return old;
        }));
    }

    @Override
    public boolean remove(Object key, Object value) {
        byte[] k = keyToFind(key);
        byte[] v = valueToFind(value);
        return k != null && v != null && atomically(() -> {
            if (Arrays.equals(db.get(k), v)) {
                erase(k);
                return true;
            }
            return false;
        });
    }

    @Override
    public boolean replace(K key, V oldValue, V newValue) {
        byte[] k = keyToFind(key);
        byte[] expected = valueToFind(oldValue);
        byte[] v = valueToStore(newValue);
        return k != null && expected != null && atomically(() -> {
            if (Arrays.equals(db.get(k), expected)) {
                store(k, v);
                return true;
            }
            return false;
        });
    }

    @Override
    public V replace(K key, V value) {
        byte[] k = keyToFind(key);
        byte[] v = valueToStore(value);
        return k == null ? null : decodeValue(atomically(() -> {
            byte[] old = db.get(k);
            if (old != null) {
                store(k, v);
            }
            return old;
        }));
    }

    @Override
    public V getOrDefault(Object key, V defaultValue) {
        V v = get(key);
        return v != null ? v : defaultValue;
    }

    /** Calls {@code function} once in the writer role if {@code key} is absent. */
    @Override
    public V computeIfAbsent(K key, Function<? super K, ? extends V> function) {
        Objects.requireNonNull(function, "function");
        byte[] k = keyToStore(key);
        byte[] present = db.get(k);
        if (present != null) {
            return values.decode(present); // a lock-free read is a linearizable answer when the key is there
        }
        return atomically(() -> {
            byte[] old = db.get(k);
            if (old != null) {
                return values.decode(old);
            }
            V value = call(() -> function.apply(key));
            if (value != null) {
                store(k, valueToStore(value));
            }
            return value;
        });
    }

    /** Calls {@code function} once in the writer role if {@code key} is present. */
    @Override
    public V computeIfPresent(K key, BiFunction<? super K, ? super V, ? extends V> function) {
        Objects.requireNonNull(function, "function");
        byte[] k = keyToFind(key);
        return k == null ? null : atomically(() -> {
            byte[] old = db.get(k);
            if (old == null) {
                return null;
            }
            V oldValue = values.decode(old);
            V value = call(() -> function.apply(key, oldValue));
            if (value == null) {
                erase(k);
            } else {
                store(k, valueToStore(value));
            }
            return value;
        });
    }

    /** Calls {@code function} once in the writer role. */
    @Override
    public V compute(K key, BiFunction<? super K, ? super V, ? extends V> function) {
        Objects.requireNonNull(function, "function");
        byte[] k = keyToStore(key);
        return atomically(() -> {
            byte[] old = db.get(k);
            V oldValue = decodeValue(old);
            V value = call(() -> function.apply(key, oldValue));
            if (value != null) {
                store(k, valueToStore(value));
            } else if (old != null) {
                erase(k);
            }
            return value;
        });
    }

    /** Calls {@code function} at most once, in the writer role, if {@code key} is present. */
    @Override
    public V merge(K key, V value, BiFunction<? super V, ? super V, ? extends V> function) {
        Objects.requireNonNull(function, "function");
        byte[] k = keyToStore(key);
        byte[] v = valueToStore(value);
        return atomically(() -> {
            byte[] old = db.get(k);
            if (old == null) {
                store(k, v);
                return value;
            }
            V oldValue = values.decode(old);
            V merged = call(() -> function.apply(oldValue, value));
            if (merged == null) {
                erase(k);
            } else {
                store(k, valueToStore(merged));
            }
            return merged;
        });
    }

    /**
     * Replaces each entry's value with {@code function}'s result, each entry atomically on its own
     * (the function runs in the writer role, once per entry); entries added meanwhile may or
     * may not be visited. A null result throws {@link NullPointerException} and stops.
     */
    @Override
    public void replaceAll(BiFunction<? super K, ? super V, ? extends V> function) {
        Objects.requireNonNull(function, "function");
        Cursor c = db.cursor();
        while (c.next()) {
            byte[] k = c.key();
            atomically(() -> {
                byte[] old = db.get(k);
                if (old != null) {
                    K key = keys.decode(k.clone());
                    V oldValue = values.decode(old);
                    V value = call(() -> function.apply(key, oldValue));
                    store(k, valueToStore(Objects.requireNonNull(value, "replaceAll's function returned null")));
                }
                return null;
            });
        }
    }

    /** Visits the entries as a weakly consistent iterator of {@link #entrySet()} would. */
    @Override
    public void forEach(BiConsumer<? super K, ? super V> action) {
        Objects.requireNonNull(action, "action");
        Cursor c = db.cursor();
        while (c.next()) {
            action.accept(keys.decode(c.key()), values.decode(c.value()));
        }
    }

    // ---------------------------------------------------------------- views

    @Override
    public Set<K> keySet() {
        Set<K> s = keySetView;
        return s != null ? s : (keySetView = new KeySet());
    }

    @Override
    public Collection<V> values() {
        Collection<V> c = valuesView;
        return c != null ? c : (valuesView = new Values());
    }

    @Override
    public Set<Map.Entry<K, V>> entrySet() {
        Set<Map.Entry<K, V>> s = entrySetView;
        return s != null ? s : (entrySetView = new EntrySet());
    }

    private final class KeySet extends AbstractSet<K> {
        @Override
        public Iterator<K> iterator() {
            return new MapWalk<>(db.cursor(), BucketMap.this::removeKey) {
                @Override
                K element(byte[] key, byte[] value) {
                    return keys.decode(key);
                }
            };
        }

        @Override
        public Spliterator<K> spliterator() {
            return Spliterators.spliteratorUnknownSize(iterator(), Spliterator.DISTINCT | Spliterator.NONNULL | Spliterator.CONCURRENT);
        }

        @Override
        public int size() {
            return BucketMap.this.size();
        }

        @Override
        public boolean isEmpty() {
            return BucketMap.this.isEmpty();
        }

        @Override
        public boolean contains(Object o) {
            return containsKey(o);
        }

        @Override
        public boolean remove(Object o) {
            return BucketMap.this.remove(o) != null;
        }

        @Override
        public void clear() {
            BucketMap.this.clear();
        }
    }

    private final class Values extends AbstractCollection<V> {
        @Override
        public Iterator<V> iterator() {
            return new MapWalk<>(db.cursor(), BucketMap.this::removeKey) {
                @Override
                V element(byte[] key, byte[] value) {
                    return values.decode(value);
                }
            };
        }

        @Override
        public Spliterator<V> spliterator() {
            return Spliterators.spliteratorUnknownSize(iterator(), Spliterator.NONNULL | Spliterator.CONCURRENT);
        }

        @Override
        public int size() {
            return BucketMap.this.size();
        }

        @Override
        public boolean isEmpty() {
            return BucketMap.this.isEmpty();
        }

        @Override
        public boolean contains(Object o) {
            return containsValue(o);
        }

        /** Removes one entry whose value is {@code o}, if there is one. */
        @Override
        public boolean remove(Object o) {
            byte[] v = valueToFind(o);
            if (v == null) {
                return false;
            }
            Cursor c = db.cursor();
            while (c.next()) {
                byte[] k = c.key();
                // Conditional, so an entry changed since the cursor read it is not removed by mistake.
                if (Arrays.equals(c.value(), v) && atomically(() -> {
                    if (Arrays.equals(db.get(k), v)) {
                        erase(k);
                        return true;
                    }
                    return false;
                })) {
                    return true;
                }
            }
            return false;
        }

        @Override
        public void clear() {
            BucketMap.this.clear();
        }
    }

    private final class EntrySet extends AbstractSet<Map.Entry<K, V>> {
        @Override
        public Iterator<Map.Entry<K, V>> iterator() {
            return new MapWalk<>(db.cursor(), BucketMap.this::removeKey) {
                @Override
                Map.Entry<K, V> element(byte[] key, byte[] value) {
                    return new WriteThroughEntry<>(BucketMap.this, keys.decode(key), values.decode(value));
                }
            };
        }

        @Override
        public Spliterator<Map.Entry<K, V>> spliterator() {
            return Spliterators.spliteratorUnknownSize(iterator(), Spliterator.DISTINCT | Spliterator.NONNULL | Spliterator.CONCURRENT);
        }

        @Override
        public int size() {
            return BucketMap.this.size();
        }

        @Override
        public boolean isEmpty() {
            return BucketMap.this.isEmpty();
        }

        /** Whether the index maps the entry's key to the entry's value; false for entries holding null. */
        @Override
        public boolean contains(Object o) {
            if (!(o instanceof Map.Entry<?, ?> e) || e.getKey() == null || e.getValue() == null) {
                return false;
            }
            byte[] k = keyToFind(e.getKey());
            byte[] v = valueToFind(e.getValue());
            return k != null && v != null && Arrays.equals(db.get(k), v);
        }

        /** Removes the entry's key if it maps to the entry's value; false for entries holding null. */
        @Override
        public boolean remove(Object o) {
            return o instanceof Map.Entry<?, ?> e && e.getKey() != null && e.getValue() != null
                    && BucketMap.this.remove(e.getKey(), e.getValue());
        }

        @Override
        public void clear() {
            BucketMap.this.clear();
        }
    }
}
