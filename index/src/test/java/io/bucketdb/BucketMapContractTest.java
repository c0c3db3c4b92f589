package io.bucketdb;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.nio.file.Path;
import java.util.AbstractMap;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.ConcurrentModificationException;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.NoSuchElementException;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.concurrent.ConcurrentMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The {@link ConcurrentMap} contract point by point, for each codec pair of {@link MapCase}:
 * what {@link BucketMapConformanceTest} cannot compare against a {@link HashMap} (nulls, width
 * errors, iterator misuse, recursion, read-only and closed indexes) and the edge cases it may hit
 * only by chance.
 */
class BucketMapContractTest {
    @TempDir
    Path tmp;

    static List<MapCase<?, ?>> cases() {
        return MapCase.all();
    }

    /** A map over a fresh index with three distinct keys and three distinct values to play with. */
    private static final class Fixture<K, V> implements AutoCloseable {
        final BucketDB db;
        final ConcurrentMap<K, V> map;
        final K k1, k2, k3;
        final V v1, v2, v3;

        Fixture(MapCase<K, V> c, Path dir) throws Exception {
            SplittableRandom rnd = new SplittableRandom(42);
            db = BucketDB.open(dir, c.options(7));
            map = db.asMap(c.keys(), c.values());
            List<K> ks = c.keyPool(rnd, 3);
            List<V> vs = c.valuePool(rnd, 3);
            k1 = ks.get(0);
            k2 = ks.get(1);
            k3 = ks.get(2);
            v1 = vs.get(0);
            v2 = vs.get(1);
            v3 = vs.get(2);
        }

        @Override
        public void close() throws Exception {
            db.close();
        }
    }

    private <K, V> Fixture<K, V> fixture(MapCase<K, V> c) throws Exception {
        return new Fixture<>(c, tmp.resolve("idx"));
    }

    // ---------------------------------------------------------------- nulls

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void shouldRejectNullKeysAndValuesWithNpeAndChangeNothing(MapCase<?, ?> c) throws Exception {
        rejectNulls(c);
    }

    private <K, V> void rejectNulls(MapCase<K, V> c) throws Exception {
        try (Fixture<K, V> f = fixture(c)) {
            ConcurrentMap<K, V> m = f.map;
            m.put(f.k1, f.v1);
            Map<K, V> before = new HashMap<>(m);
            Map<K, V> withNullKey = new HashMap<>();
            withNullKey.put(null, f.v2);
            Map<K, V> withNullValue = new HashMap<>();
            withNullValue.put(f.k2, null);
            for (K k : Arrays.asList(f.k1, f.k2)) { // present and absent
                List<Executable> calls = List.of(
                        () -> m.get(null), () -> m.containsKey(null), () -> m.containsValue(null),
                        () -> m.getOrDefault(null, f.v1),
                        () -> m.put(null, f.v1), () -> m.put(k, null),
                        () -> m.remove(null), () -> m.remove(null, f.v1), () -> m.remove(k, null),
                        () -> m.putIfAbsent(null, f.v1), () -> m.putIfAbsent(k, null),
                        () -> m.replace(null, f.v1), () -> m.replace(k, null),
                        () -> m.replace(null, f.v1, f.v2), () -> m.replace(k, null, f.v2), () -> m.replace(k, f.v1, null),
                        () -> m.compute(null, (a, b) -> f.v1), () -> m.compute(k, null),
                        () -> m.computeIfAbsent(null, a -> f.v1), () -> m.computeIfAbsent(k, null),
                        () -> m.computeIfPresent(null, (a, b) -> f.v1), () -> m.computeIfPresent(k, null),
                        () -> m.merge(null, f.v1, (a, b) -> a), () -> m.merge(k, null, (a, b) -> a), () -> m.merge(k, f.v1, null),
                        () -> m.putAll(withNullKey), () -> m.putAll(withNullValue),
                        () -> m.forEach(null), () -> m.replaceAll(null),
                        () -> m.keySet().contains(null), () -> m.keySet().remove(null),
                        () -> m.values().contains(null), () -> m.values().remove(null),
                        () -> m.entrySet().iterator().next().setValue(null));
                for (int i = 0; i < calls.size(); i++) {
                    assertThrows(NullPointerException.class, calls.get(i), "call " + i + " with key " + k);
                    assertEquals(before, m, "call " + i + " changed the map");
                }
            }
            // An entry holding null is not an element of the entry set, and removing it is a no-op.
            assertFalse(m.entrySet().contains(new AbstractMap.SimpleEntry<>(f.k1, null)));
            assertFalse(m.entrySet().contains(new AbstractMap.SimpleEntry<>(null, f.v1)));
            assertFalse(m.entrySet().remove(new AbstractMap.SimpleEntry<>(f.k1, null)));
            assertEquals(before, m);
        }
    }

    // ---------------------------------------------------------------- conditional calls

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void shouldHonourConditionalCalls(MapCase<?, ?> c) throws Exception {
        conditional(c);
    }

    private <K, V> void conditional(MapCase<K, V> c) throws Exception {
        try (Fixture<K, V> f = fixture(c)) {
            ConcurrentMap<K, V> m = f.map;
            assertNull(m.putIfAbsent(f.k1, f.v1));
            assertEquals(f.v1, m.putIfAbsent(f.k1, f.v2), "putIfAbsent on a present key returns the current value");
            assertEquals(f.v1, m.get(f.k1), "and leaves it");

            assertFalse(m.remove(f.k1, f.v2), "remove(k, wrongValue)");
            assertFalse(m.remove(f.k2, f.v1), "remove(absent, v)");
            assertEquals(f.v1, m.get(f.k1));
            assertTrue(m.remove(f.k1, f.v1));
            assertFalse(m.containsKey(f.k1));

            assertNull(m.replace(f.k1, f.v1), "replace on an absent key returns null");
            assertFalse(m.containsKey(f.k1), "and does not insert");
            assertFalse(m.replace(f.k1, f.v1, f.v2), "replace(absent, old, new)");
            assertFalse(m.containsKey(f.k1));
            m.put(f.k1, f.v1);
            assertFalse(m.replace(f.k1, f.v2, f.v3), "replace with a wrong old value");
            assertEquals(f.v1, m.get(f.k1));
            assertTrue(m.replace(f.k1, f.v1, f.v3));
            assertEquals(f.v3, m.get(f.k1));
            assertEquals(f.v3, m.replace(f.k1, f.v2));
            assertEquals(f.v2, m.get(f.k1));

            assertEquals(f.v2, m.getOrDefault(f.k1, f.v3));
            assertEquals(f.v3, m.getOrDefault(f.k2, f.v3));
            assertNull(m.remove(f.k2));
            assertEquals(f.v2, m.remove(f.k1));
            assertTrue(m.isEmpty());
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void shouldRemoveWhenAFunctionReturnsNull(MapCase<?, ?> c) throws Exception {
        functionsReturningNull(c);
    }

    private <K, V> void functionsReturningNull(MapCase<K, V> c) throws Exception {
        try (Fixture<K, V> f = fixture(c)) {
            ConcurrentMap<K, V> m = f.map;
            AtomicInteger calls = new AtomicInteger();
            m.put(f.k1, f.v1);
            assertNull(m.compute(f.k1, (k, v) -> {
                calls.incrementAndGet();
                assertEquals(f.v1, v);
                return null;
            }));
            assertFalse(m.containsKey(f.k1), "compute returning null removes");
            assertNull(m.compute(f.k1, (k, v) -> {
                calls.incrementAndGet();
                assertNull(v);
                return null;
            }));
            assertFalse(m.containsKey(f.k1), "compute returning null on an absent key is a no-op");
            assertNull(m.computeIfAbsent(f.k1, k -> {
                calls.incrementAndGet();
                return null;
            }));
            assertFalse(m.containsKey(f.k1), "computeIfAbsent returning null inserts nothing");
            assertNull(m.computeIfPresent(f.k1, (k, v) -> {
                throw new AssertionError("computeIfPresent called its function for an absent key");
            }));
            m.put(f.k1, f.v1);
            assertEquals(f.v1, m.computeIfAbsent(f.k1, k -> {
                throw new AssertionError("computeIfAbsent called its function for a present key");
            }));
            assertNull(m.computeIfPresent(f.k1, (k, v) -> {
                calls.incrementAndGet();
                return null;
            }));
            assertFalse(m.containsKey(f.k1), "computeIfPresent returning null removes");

            assertEquals(f.v2, m.merge(f.k1, f.v2, (a, b) -> {
                throw new AssertionError("merge called its function for an absent key");
            }));
            assertEquals(f.v2, m.get(f.k1), "merge on an absent key stores the given value");
            assertEquals(f.v3, m.merge(f.k1, f.v1, (a, b) -> {
                calls.incrementAndGet();
                assertEquals(f.v2, a);
                assertEquals(f.v1, b);
                return f.v3;
            }));
            assertNull(m.merge(f.k1, f.v1, (a, b) -> {
                calls.incrementAndGet();
                return null;
            }));
            assertFalse(m.containsKey(f.k1), "merge with a null result removes");
            assertEquals(6, calls.get(), "each function is called exactly once per call");
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void shouldLeaveTheMapUnchangedWhenAFunctionThrows(MapCase<?, ?> c) throws Exception {
        throwingFunctions(c);
    }

    private <K, V> void throwingFunctions(MapCase<K, V> c) throws Exception {
        try (Fixture<K, V> f = fixture(c)) {
            ConcurrentMap<K, V> m = f.map;
            m.put(f.k1, f.v1);
            m.put(f.k2, f.v2);
            Map<K, V> before = new HashMap<>(m);
            class Oops extends RuntimeException {
            }
            List<Executable> calls = List.of(
                    () -> m.compute(f.k1, (k, v) -> {
                        throw new Oops();
                    }),
                    () -> m.compute(f.k3, (k, v) -> {
                        throw new Oops();
                    }),
                    () -> m.computeIfAbsent(f.k3, k -> {
                        throw new Oops();
                    }),
                    () -> m.computeIfPresent(f.k1, (k, v) -> {
                        throw new Oops();
                    }),
                    () -> m.merge(f.k1, f.v3, (a, b) -> {
                        throw new Oops();
                    }),
                    () -> m.replaceAll((k, v) -> {
                        throw new Oops();
                    }));
            for (Executable call : calls) {
                assertThrows(Oops.class, call);
                assertEquals(before, m);
            }
            // The map works normally afterwards (no recursion guard left set).
            assertEquals(f.v3, m.compute(f.k3, (k, v) -> f.v3));
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void shouldRefuseWritesToTheMapFromItsOwnFunctions(MapCase<?, ?> c) throws Exception {
        recursion(c);
    }

    private <K, V> void recursion(MapCase<K, V> c) throws Exception {
        try (Fixture<K, V> f = fixture(c)) {
            ConcurrentMap<K, V> m = f.map;
            m.put(f.k1, f.v1);
            IllegalStateException e = assertThrows(IllegalStateException.class, () -> m.compute(f.k2, (k, v) -> {
                m.put(f.k3, f.v3);
                return f.v2;
            }));
            assertTrue(e.getMessage().contains("recursive update"), e.getMessage());
            assertThrows(IllegalStateException.class, () -> m.computeIfAbsent(f.k2, k -> m.remove(f.k1)));
            assertThrows(IllegalStateException.class, () -> m.merge(f.k1, f.v2, (a, b) -> m.putIfAbsent(f.k3, b)));
            assertThrows(IllegalStateException.class, () -> m.replaceAll((k, v) -> {
                m.clear();
                return v;
            }));
            assertEquals(Map.of(f.k1, f.v1), new HashMap<>(m));
            // Reads inside a function are fine.
            assertEquals(f.v1, m.compute(f.k2, (k, v) -> m.get(f.k1)));
            assertEquals(f.v1, m.get(f.k2));
        }
    }

    // ---------------------------------------------------------------- views

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void shouldShowLaterWritesInViewsTakenEarlier(MapCase<?, ?> c) throws Exception {
        liveViews(c);
    }

    private <K, V> void liveViews(MapCase<K, V> c) throws Exception {
        try (Fixture<K, V> f = fixture(c)) {
            ConcurrentMap<K, V> m = f.map;
            Set<K> keys = m.keySet();
            Collection<V> values = m.values();
            Set<Map.Entry<K, V>> entries = m.entrySet();
            assertTrue(keys.isEmpty() && values.isEmpty() && entries.isEmpty());
            assertFalse(keys.iterator().hasNext());

            m.put(f.k1, f.v1);
            m.put(f.k2, f.v2);
            assertEquals(Set.of(f.k1, f.k2), keys);
            assertEquals(2, values.size());
            assertTrue(values.contains(f.v2));
            assertTrue(entries.contains(Map.entry(f.k1, f.v1)));
            assertFalse(entries.contains(Map.entry(f.k1, f.v2)));

            // A write through the byte API shows up too: the map holds no state of its own.
            f.db.put(c.keys().encode(f.k3), c.values().encode(f.v3));
            assertEquals(3, keys.size());
            assertEquals(Set.of(f.k1, f.k2, f.k3), new HashSet<>(keys));
            assertEquals(f.v3, m.get(f.k3));
            f.db.delete(c.keys().encode(f.k3));

            assertTrue(keys.remove(f.k1));
            assertFalse(m.containsKey(f.k1), "keySet().remove writes through");
            assertTrue(entries.remove(Map.entry(f.k2, f.v2)));
            assertTrue(m.isEmpty(), "entrySet().remove writes through");
            m.put(f.k1, f.v1);
            assertTrue(values.remove(f.v1));
            assertTrue(m.isEmpty(), "values().remove writes through");
            m.put(f.k1, f.v1);
            keys.clear();
            assertTrue(m.isEmpty(), "keySet().clear writes through");
            assertThrows(UnsupportedOperationException.class, () -> keys.add(f.k1));
            assertThrows(UnsupportedOperationException.class, () -> values.add(f.v1));
            assertThrows(UnsupportedOperationException.class, () -> entries.add(Map.entry(f.k1, f.v1)));
            assertSame(keys, m.keySet());
            assertSame(values, m.values());
            assertSame(entries, m.entrySet());
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void shouldRemoveThroughIteratorsAndRefuseMisuse(MapCase<?, ?> c) throws Exception {
        iterators(c);
    }

    private <K, V> void iterators(MapCase<K, V> c) throws Exception {
        try (Fixture<K, V> f = fixture(c)) {
            ConcurrentMap<K, V> m = f.map;
            List<Function<ConcurrentMap<K, V>, Iterator<?>>> views = List.of(
                    x -> x.keySet().iterator(), x -> x.values().iterator(), x -> x.entrySet().iterator());
            for (Function<ConcurrentMap<K, V>, Iterator<?>> view : views) {
                m.put(f.k1, f.v1);
                m.put(f.k2, f.v2);
                Iterator<?> it = view.apply(m);
                assertThrows(IllegalStateException.class, it::remove, "remove before next");
                assertTrue(it.hasNext());
                assertTrue(it.hasNext(), "hasNext does not advance");
                it.next();
                it.remove();
                assertEquals(1, m.size(), "Iterator.remove deletes from the index");
                assertThrows(IllegalStateException.class, it::remove, "remove twice");
                assertTrue(it.hasNext());
                it.next();
                assertFalse(it.hasNext());
                assertThrows(NoSuchElementException.class, it::next);
                it.remove();
                assertTrue(m.isEmpty());
            }
            // Weakly consistent: writes during a walk never throw ConcurrentModificationException.
            m.put(f.k1, f.v1);
            m.put(f.k2, f.v2);
            Iterator<K> it = m.keySet().iterator();
            m.put(f.k3, f.v3);
            m.remove(f.k2);
            List<K> seen = new ArrayList<>();
            try {
                it.forEachRemaining(seen::add);
            } catch (ConcurrentModificationException e) {
                throw new AssertionError("iterators are weakly consistent", e);
            }
            assertTrue(seen.contains(f.k1), "a key present for the whole walk is returned: " + seen);
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void shouldWriteEntrySetValueThrough(MapCase<?, ?> c) throws Exception {
        setValue(c);
    }

    private <K, V> void setValue(MapCase<K, V> c) throws Exception {
        try (Fixture<K, V> f = fixture(c)) {
            ConcurrentMap<K, V> m = f.map;
            m.put(f.k1, f.v1);
            Map.Entry<K, V> e = m.entrySet().iterator().next();
            assertEquals(f.v1, e.setValue(f.v2));
            assertEquals(f.v2, e.getValue());
            assertEquals(f.v2, m.get(f.k1));
            assertEquals(Map.entry(f.k1, f.v2), e);
            assertEquals(Map.entry(f.k1, f.v2).hashCode(), e.hashCode());
            assertEquals(f.k1 + "=" + f.v2, e.toString());
            assertEquals(e, Map.entry(f.k1, f.v2));
            assertNotEquals(e, Map.entry(f.k1, f.v3));
        }
    }

    // ---------------------------------------------------------------- equality and text

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void shouldEqualAHashMapWithTheSameEntriesBothWays(MapCase<?, ?> c) throws Exception {
        equality(c);
    }

    private <K, V> void equality(MapCase<K, V> c) throws Exception {
        try (Fixture<K, V> f = fixture(c)) {
            ConcurrentMap<K, V> m = f.map;
            assertEquals(Map.of(), m);
            assertEquals(m, Map.of());
            assertEquals(0, m.hashCode());
            m.put(f.k1, f.v1);
            m.put(f.k2, f.v2);
            Map<K, V> same = new HashMap<>(Map.of(f.k1, f.v1, f.k2, f.v2));
            assertTrue(m.equals(same) && same.equals(m));
            assertEquals(same.hashCode(), m.hashCode());
            assertEquals(same.keySet(), m.keySet());
            assertEquals(m.keySet(), same.keySet());
            assertEquals(same.entrySet(), m.entrySet());
            assertEquals(m.entrySet(), same.entrySet());
            assertEquals(same.entrySet().hashCode(), m.entrySet().hashCode());
            assertEquals(m, m);
            assertNotEquals(m, same.keySet());

            Map<K, V> otherValue = new HashMap<>(Map.of(f.k1, f.v1, f.k2, f.v3));
            assertFalse(m.equals(otherValue) || otherValue.equals(m));
            Map<K, V> more = new HashMap<>(Map.of(f.k1, f.v1, f.k2, f.v2, f.k3, f.v3));
            assertFalse(m.equals(more) || more.equals(m));
            Map<K, V> fewer = new HashMap<>(Map.of(f.k1, f.v1));
            assertFalse(m.equals(fewer) || fewer.equals(m));
            Map<K, V> otherKey = new HashMap<>(Map.of(f.k1, f.v1, f.k3, f.v2));
            assertFalse(m.equals(otherKey) || otherKey.equals(m));

            // A second view of the same index is an equal map.
            ConcurrentMap<K, V> again = f.db.asMap(c.keys(), c.values());
            assertEquals(m, again);
            assertEquals(m.hashCode(), again.hashCode());
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void shouldFormatToStringAsAbstractMapDoes(MapCase<?, ?> c) throws Exception {
        text(c);
    }

    private <K, V> void text(MapCase<K, V> c) throws Exception {
        try (Fixture<K, V> f = fixture(c)) {
            ConcurrentMap<K, V> m = f.map;
            assertEquals("{}", m.toString());
            m.put(f.k1, f.v1);
            assertEquals("{" + f.k1 + "=" + f.v1 + "}", m.toString());
            m.put(f.k2, f.v2);
            String a = f.k1 + "=" + f.v1;
            String b = f.k2 + "=" + f.v2;
            assertTrue(Set.of("{" + a + ", " + b + "}", "{" + b + ", " + a + "}").contains(m.toString()), m.toString());
            assertTrue(Set.of("[" + f.k1 + ", " + f.k2 + "]", "[" + f.k2 + ", " + f.k1 + "]").contains(m.keySet().toString()));
        }
    }

    // ---------------------------------------------------------------- bulk calls

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void shouldClearForEachPutAllAndReplaceAllAcrossGrowth(MapCase<?, ?> c) throws Exception {
        bulk(c);
    }

    private <K, V> void bulk(MapCase<K, V> c) throws Exception {
        try (Fixture<K, V> f = fixture(c)) {
            ConcurrentMap<K, V> m = f.map;
            SplittableRandom rnd = new SplittableRandom(1);
            List<K> keys = c.keyPool(rnd, 3000);
            Map<K, V> model = new HashMap<>();
            keys.forEach(k -> model.put(k, f.v1));
            m.putAll(model);
            assertEquals(3000, m.size());
            assertTrue(f.db.growth().b() >= 8, "the table grew: " + f.db.growth());
            m.replaceAll((k, v) -> f.v2);
            model.replaceAll((k, v) -> f.v2);
            assertEquals(model, m);
            Map<K, V> seen = new HashMap<>();
            m.forEach((k, v) -> assertNull(seen.put(k, v), "forEach visits each key once"));
            assertEquals(model, seen);
            assertEquals(3000, m.keySet().stream().count());
            assertEquals(3000, m.values().parallelStream().filter(f.v2::equals).count());
            m.clear();
            assertTrue(m.isEmpty());
            assertEquals(0, f.db.size());
            assertFalse(m.keySet().iterator().hasNext());
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void shouldKeepEntriesAcrossReopen(MapCase<?, ?> c) throws Exception {
        reopen(c);
    }

    private <K, V> void reopen(MapCase<K, V> c) throws Exception {
        Map<K, V> expected;
        Path dir = tmp.resolve("idx");
        try (Fixture<K, V> f = fixture(c)) {
            f.map.put(f.k1, f.v1);
            f.map.merge(f.k2, f.v2, (a, b) -> a);
            expected = new HashMap<>(f.map);
        }
        try (BucketDB db = BucketDB.open(dir)) {
            assertEquals(expected, db.asMap(c.keys(), c.values()));
        }
        try (BucketDB db = BucketDB.open(dir, Options.defaults().withReadOnly(true))) {
            ConcurrentMap<K, V> m = db.asMap(c.keys(), c.values());
            assertEquals(expected, m);
            K k = expected.keySet().iterator().next();
            V v = expected.get(k);
            assertThrows(IllegalStateException.class, () -> m.put(k, v), "writes to a read-only index");
            assertThrows(IllegalStateException.class, () -> m.compute(k, (a, b) -> b));
            assertEquals(expected, m);
        }
    }

    // ---------------------------------------------------------------- widths, types, codecs

    @Test
    void shouldRejectStringsOfTheWrongWidthNamingTheWidth() throws Exception {
        try (BucketDB db = BucketDB.open(tmp.resolve("s"), Options.defaults().withKeyWidth(16).withValueWidth(4))) {
            ConcurrentMap<String, Integer> m = db.asMap(Codec.UTF8, Codec.INT);
            String ok = "0123456789abcdef";
            String okToo = "日本語0123456"; // 9 + 7 bytes
            m.put(ok, 1);
            m.put(okToo, 2);
            for (Executable call : List.<Executable>of(
                    () -> m.put("short", 1), () -> m.put("0123456789abcdefg", 1), () -> m.put("日本語01234567", 1),
                    () -> m.putIfAbsent("short", 1), () -> m.compute("short", (k, v) -> 1),
                    () -> m.computeIfAbsent("short", k -> 1), () -> m.merge("short", 1, Integer::sum),
                    () -> m.putAll(Map.of("short", 1)))) {
                IllegalArgumentException e = assertThrows(IllegalArgumentException.class, call);
                assertTrue(e.getMessage().contains("exactly 16 bytes"), e.getMessage());
                assertTrue(e.getMessage().contains("variable-length"), e.getMessage());
            }
            assertEquals(Map.of(ok, 1, okToo, 2), m);

            // Lookups of keys that cannot be stored find nothing, so equality never throws.
            assertNull(m.get("short"));
            assertFalse(m.containsKey("short"));
            assertNull(m.remove("short"));
            assertFalse(m.remove("short", 1));
            assertNull(m.replace("short", 1));
            assertFalse(m.replace("short", 1, 2));
            assertNull(m.computeIfPresent("short", (k, v) -> 1));
            assertFalse(m.keySet().contains("short"));
            assertFalse(m.entrySet().contains(Map.entry("short", 1)));
            assertFalse(m.equals(Map.of("short", 1, ok, 1)));
            assertFalse(Map.of("short", 1, ok, 1).equals(m));
            assertFalse(m.containsKey("a\uD800")); // not well-formed: cannot be a key
            @SuppressWarnings({"unchecked", "rawtypes"})
            Map<Object, Object> raw = (Map) m;
            assertNull(raw.get(42L), "a key of the wrong type is absent");
            assertFalse(raw.containsValue("four"));
            assertFalse(raw.remove(ok, "one"));
        }
    }

    @Test
    void shouldRejectValuesOfTheWrongWidthAndChangeNothing() throws Exception {
        try (BucketDB db = BucketDB.open(tmp.resolve("v"), Options.defaults().withKeyWidth(8).withValueWidth(3))) {
            ConcurrentMap<Long, String> m = db.asMap(Codec.LONG, Codec.UTF8);
            m.put(1L, "abc");
            m.put(2L, "€");
            for (Executable call : List.<Executable>of(
                    () -> m.put(3L, "ab"), () -> m.replace(1L, "abcd"), () -> m.replace(1L, "abc", "x"),
                    () -> m.compute(1L, (k, v) -> v + v), () -> m.computeIfPresent(1L, (k, v) -> "x"),
                    () -> m.merge(1L, "xyz", (a, b) -> a + b), () -> m.merge(3L, "toolong", (a, b) -> a),
                    () -> m.entrySet().iterator().next().setValue("x"), () -> m.replaceAll((k, v) -> "x"))) {
                IllegalArgumentException e = assertThrows(IllegalArgumentException.class, call);
                assertTrue(e.getMessage().contains("exactly 3 bytes"), e.getMessage());
            }
            assertEquals(Map.of(1L, "abc", 2L, "€"), m);
            assertFalse(m.containsValue("ab"));
            assertFalse(m.values().remove("abcd"));
        }
    }

    @Test
    void shouldRefuseCodecsWhoseWidthDiffersFromTheIndex() throws Exception {
        try (BucketDB db = BucketDB.open(tmp.resolve("w"), Options.defaults().withKeyWidth(16).withValueWidth(8))) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> db.asMap(Codec.LONG, Codec.LONG));
            assertTrue(e.getMessage().contains("Codec.LONG is 8 bytes wide") && e.getMessage().contains("16-byte keys"), e.getMessage());
            e = assertThrows(IllegalArgumentException.class, () -> db.asMap(Codec.UUID, Codec.INT));
            assertTrue(e.getMessage().contains("8-byte values"), e.getMessage());
            assertEquals(0, db.asMap(Codec.UUID, Codec.LONG).size());
            assertEquals(0, db.asMap(Codec.BYTES, Codec.UTF8).size());
            assertThrows(NullPointerException.class, () -> db.asMap(null, Codec.LONG));
        }
    }

    @Test
    void shouldRefuseAtAsMapAFixedWidthCodecThatCannotFitAVariableIndex() throws Exception {
        // Variable-length keys and values up to 8 bytes: a 16-byte codec could never store a single entry, and
        // asMap says so when it is called, not at the first put.
        try (BucketDB db = BucketDB.open(tmp.resolve("v"), Options.defaults().withVariableKeys().withVariableValues()
                .withMaxLengths(8, 8))) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> db.asMap(Codec.UUID, Codec.LONG));
            assertTrue(e.getMessage().contains("Codec.UUID") && e.getMessage().contains("16 bytes")
                    && e.getMessage().contains("8 bytes"), e.getMessage());
            e = assertThrows(IllegalArgumentException.class, () -> db.asMap(Codec.LONG, Codec.UUID));
            assertTrue(e.getMessage().contains("Codec.UUID") && e.getMessage().contains("value"), e.getMessage());
            assertEquals(0, db.asMap(Codec.LONG, Codec.INT).size());
            assertEquals(0, db.asMap(Codec.UTF8, Codec.BYTES).size());
        }
    }

    @Test
    void shouldShareEntriesWithTheLongApi() throws Exception {
        try (BucketDB db = BucketDB.open(tmp.resolve("l"))) {
            ConcurrentMap<Long, Long> m = db.asMap(Codec.LONG, Codec.LONG);
            db.putLong(-7, 70);
            assertEquals(70L, m.get(-7L));
            m.put(Long.MIN_VALUE, Long.MAX_VALUE);
            assertEquals(Long.MAX_VALUE, db.getLong(Long.MIN_VALUE, 0));
            m.merge(-7L, 1L, Long::sum);
            assertEquals(71, db.getLong(-7, 0));
            db.deleteLong(-7);
            assertFalse(m.containsKey(-7L));
            assertEquals(Map.of(Long.MIN_VALUE, Long.MAX_VALUE), m);
        }
    }

    @Test
    void shouldCompareByteArraysByContent() throws Exception {
        try (BucketDB db = BucketDB.open(tmp.resolve("b"), Options.defaults().withKeyWidth(3).withValueWidth(2))) {
            ConcurrentMap<byte[], byte[]> m = db.asMap(Codec.BYTES, Codec.BYTES);
            m.put(new byte[]{1, 2, 3}, new byte[]{9, 9});
            assertArrayEquals(new byte[]{9, 9}, m.get(new byte[]{1, 2, 3}));
            assertTrue(m.containsValue(new byte[]{9, 9}));
            assertFalse(m.remove(new byte[]{1, 2, 3}, new byte[]{9, 8}));
            assertTrue(m.replace(new byte[]{1, 2, 3}, new byte[]{9, 9}, new byte[]{7, 7}));
            assertTrue(m.remove(new byte[]{1, 2, 3}, new byte[]{7, 7}));
            assertThrows(IllegalArgumentException.class, () -> m.put(new byte[2], new byte[2]));
        }
    }

    @Test
    void shouldFailOnAClosedIndex() throws Exception {
        BucketDB db = BucketDB.open(tmp.resolve("c"));
        ConcurrentMap<Long, Long> m = db.asMap(Codec.LONG, Codec.LONG);
        m.put(1L, 1L);
        db.close();
        assertThrows(IllegalStateException.class, () -> m.get(1L));
        assertThrows(IllegalStateException.class, () -> m.put(1L, 2L));
        assertThrows(IllegalStateException.class, () -> m.compute(1L, (k, v) -> v));
        assertThrows(IllegalStateException.class, m::size);
        assertThrows(IllegalStateException.class, () -> db.asMap(Codec.LONG, Codec.LONG));
    }
}
