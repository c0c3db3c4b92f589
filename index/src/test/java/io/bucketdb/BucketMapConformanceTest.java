package io.bucketdb;

import io.bucketdb.storage.testkit.Seeds;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.concurrent.ConcurrentMap;
import java.util.stream.Collectors;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Differential conformance: one seeded random sequence of calls, covering every method of
 * {@link Map} and {@link ConcurrentMap} (the default methods too) and of the three views and their
 * iterators, runs against {@code asMap} and a {@link HashMap}; each call must return the same
 * result (or throw the same exception), call the same functions with the same arguments, and
 * leave the same contents. Key ranges change by phase so the table grows, churns and empties, and
 * the index is reopened now and then; filling phases make the table double several times. Values come from a small pool so that
 * {@code remove(k, v)}, {@code replace(k, old, new)} and {@code containsValue} often hit.
 */
class BucketMapConformanceTest {
    private static final int OPS = Seeds.torture() ? 400_000 : 12_000;

    @TempDir
    Path tmp;

    static List<MapCase<?, ?>> cases() {
        return MapCase.all();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void shouldMatchHashMapOnARandomSequenceOfEveryMethod(MapCase<?, ?> c) throws Exception {
        long seed = Seeds.seed();
        Seeds.run(seed, () -> {
            try (Run<?, ?> run = new Run<>(c, seed, tmp.resolve("idx"))) {
                run.go(OPS);
            }
        });
    }

    /** Thrown by functions on purpose: the call must fail and change nothing, in both maps. */
    static final class Boom extends RuntimeException {
        Boom() {
            super("boom", null, false, false);
        }
    }

    private static final class Run<K, V> implements AutoCloseable {
        private final MapCase<K, V> c;
        private final SplittableRandom rnd;
        private final Path dir;
        private final long hashSeed;
        private final List<K> keyPool;
        private final List<V> valuePool;
        private final Map<K, V> model = new HashMap<>();
        private BucketDB db;
        private ConcurrentMap<K, V> map;
        private int range;
        private int op;
        private String name = "";

        Run(MapCase<K, V> c, long seed, Path dir) throws Exception {
            this.c = c;
            this.rnd = new SplittableRandom(seed);
            this.dir = dir;
            this.hashSeed = rnd.nextLong();
            this.keyPool = c.keyPool(rnd, 3000);
            this.valuePool = c.valuePool(rnd, 12);
            open();
        }

        private void open() throws Exception {
            db = BucketDB.open(dir, c.options(hashSeed));
            map = db.asMap(c.keys(), c.values());
        }

        @Override
        public void close() throws Exception {
            db.close();
        }

        void go(int ops) throws Exception {
            for (op = 0; op < ops; op++) {
                if (op % 2000 == 0) {
                    range = new int[]{8, 64, 400, keyPool.size()}[rnd.nextInt(4)];
                }
                step();
                if (op % 500 == 499) {
                    checkSame();
                }
                if (op % 5000 == 4999) {
                    name = "reopen";
                    db.close();
                    open();
                    checkSame();
                }
            }
            checkSame();
        }

        private K key() {
            return keyPool.get(rnd.nextInt(range));
        }

        private V value() {
            return valuePool.get(rnd.nextInt(valuePool.size()));
        }

        /** A value: the key's current one half of the time, so conditional calls match often. */
        private V likelyValue(K k) {
            V v = model.get(k);
            return v != null && rnd.nextBoolean() ? v : value();
        }

        /** What the functions return: null, a pool value, or a mix of the old value; -1 throws. */
        private V result(V old, int choice) {
            if (choice < 0) {
                throw new Boom();
            }
            if (choice == 0) {
                return null;
            }
            V given = valuePool.get(choice % valuePool.size());
            return old == null ? given : mix(old, given);
        }

        /** A deterministic merge of two pool values that is null now and then. */
        private V mix(V a, V b) {
            int ia = valuePool.indexOf(a);
            int ib = valuePool.indexOf(b);
            assertTrue(ia >= 0 && ib >= 0, "values outside the pool: " + a + ", " + b);
            return (ia + ib) % 5 == 0 ? null : valuePool.get((ia * 3 + ib + 1) % valuePool.size());
        }

        private int choice() {
            int x = rnd.nextInt(valuePool.size() + 2);
            return x - 1; // -1 throws, 0 gives null
        }

        private void step() {
            K k = key();
            if (range == keyPool.size() && rnd.nextInt(3) > 0) {
                // Filling phase: mostly inserts, so the table doubles several times.
                V v = value();
                both("put", (m, log) -> m.put(k, v));
                return;
            }
            int dice = rnd.nextInt(1000);
            if (dice < 90) {
                both("get", (m, log) -> m.get(k));
            } else if (dice < 130) {
                both("containsKey", (m, log) -> m.containsKey(k));
            } else if (dice < 150) {
                V v = likelyValue(k);
                both("getOrDefault", (m, log) -> m.getOrDefault(k, v));
            } else if (dice < 300) {
                V v = value();
                both("put", (m, log) -> m.put(k, v));
            } else if (dice < 380) {
                both("remove", (m, log) -> m.remove(k));
            } else if (dice < 430) {
                V v = likelyValue(k);
                both("remove(k, v)", (m, log) -> m.remove(k, v));
            } else if (dice < 480) {
                V v = value();
                both("putIfAbsent", (m, log) -> m.putIfAbsent(k, v));
            } else if (dice < 520) {
                V v = value();
                both("replace(k, v)", (m, log) -> m.replace(k, v));
            } else if (dice < 570) {
                V old = likelyValue(k);
                V v = value();
                both("replace(k, old, new)", (m, log) -> m.replace(k, old, v));
            } else if (dice < 620) {
                int ch = choice();
                both("compute", (m, log) -> m.compute(k, (kk, vv) -> {
                    log.add(Arrays.asList(kk, vv));
                    return result(vv, ch);
                }));
            } else if (dice < 670) {
                int ch = choice();
                both("computeIfAbsent", (m, log) -> m.computeIfAbsent(k, kk -> {
                    log.add(kk);
                    return result(null, ch);
                }));
            } else if (dice < 720) {
                int ch = choice();
                both("computeIfPresent", (m, log) -> m.computeIfPresent(k, (kk, vv) -> {
                    log.add(Arrays.asList(kk, vv));
                    return result(vv, ch);
                }));
            } else if (dice < 780) {
                V v = value();
                boolean boom = rnd.nextInt(10) == 0;
                both("merge", (m, log) -> m.merge(k, v, (a, b) -> {
                    log.add(Arrays.asList(a, b));
                    if (boom) {
                        throw new Boom();
                    }
                    return mix(a, b);
                }));
            } else if (dice < 800) {
                V v = likelyValue(k);
                both("containsValue", (m, log) -> m.containsValue(v));
            } else if (dice < 810) {
                V v = likelyValue(k);
                both("values().contains", (m, log) -> m.values().contains(v));
            } else if (dice < 820) {
                Map<K, V> more = new HashMap<>();
                for (int i = rnd.nextInt(6); i > 0; i--) {
                    more.put(key(), value());
                }
                both("putAll", (m, log) -> {
                    m.putAll(more);
                    return null;
                });
            } else if (dice < 835) {
                both("keySet().contains", (m, log) -> m.keySet().contains(k));
            } else if (dice < 850) {
                both("keySet().remove", (m, log) -> m.keySet().remove(k));
            } else if (dice < 865) {
                Map.Entry<K, V> e = Map.entry(k, likelyValue(k));
                both("entrySet().contains", (m, log) -> m.entrySet().contains(e));
            } else if (dice < 880) {
                Map.Entry<K, V> e = Map.entry(k, likelyValue(k));
                both("entrySet().remove", (m, log) -> m.entrySet().remove(e));
            } else if (dice < 890) {
                valuesRemove(likelyValue(k));
            } else if (dice < 905) {
                both("size", (m, log) -> m.size());
                both("isEmpty", (m, log) -> m.isEmpty());
            } else if (dice < 990) {
                viewStep();
            } else if (dice < 999) {
                wholeMapStep();
            } else if (rnd.nextInt(4) == 0) {
                both("clear", (m, log) -> {
                    m.clear();
                    return null;
                });
            }
        }

        /** Calls that walk a view: iterators, bulk removal, setValue. */
        private void viewStep() {
            int mod = 1 + rnd.nextInt(12);
            int pick = rnd.nextInt(mod);
            switch (rnd.nextInt(9)) {
                case 0 -> both("keySet().removeIf", (m, log) -> m.keySet().removeIf(kk -> hit(kk, mod, pick)));
                case 1 -> {
                    V v = value();
                    both("values().removeIf", (m, log) -> m.values().removeIf(v::equals));
                }
                case 2 -> both("entrySet().removeIf", (m, log) -> m.entrySet().removeIf(e -> hit(e.getKey(), mod, pick) && hit(e.getValue(), 2, 0)));
                case 3 -> {
                    Set<K> some = someKeys(mod, pick);
                    both("keySet().removeAll", (m, log) -> m.keySet().removeAll(some));
                }
                case 4 -> {
                    Set<K> some = someKeys(2, 0);
                    if (rnd.nextInt(4) == 0) {
                        both("keySet().retainAll", (m, log) -> m.keySet().retainAll(some));
                    }
                }
                case 5 -> {
                    V v = value();
                    both("values().removeAll", (m, log) -> m.values().removeAll(Set.of(v)));
                }
                case 6 -> {
                    name = "iterator().remove";
                    int view = rnd.nextInt(3);
                    Iterator<?> it = view == 0 ? map.keySet().iterator() : view == 1 ? map.values().iterator() : map.entrySet().iterator();
                    int removed = 0;
                    while (it.hasNext()) {
                        Object o = it.next();
                        if (hit(o instanceof Map.Entry<?, ?> e ? e.getKey() : o, mod, pick)) {
                            it.remove();
                            removed++;
                        }
                    }
                    int before = model.size();
                    if (view == 1) {
                        model.values().removeIf(v -> hit(v, mod, pick));
                    } else {
                        model.keySet().removeIf(kk -> hit(kk, mod, pick));
                    }
                    assertEquals(before - model.size(), removed, at("removed through the iterator"));
                    checkSame();
                }
                case 7 -> {
                    name = "entry.setValue";
                    for (Map.Entry<K, V> e : map.entrySet()) {
                        if (hit(e.getKey(), mod, pick)) {
                            V before = e.getValue();
                            V v = value();
                            assertEquals(model.get(e.getKey()), before, at("entry value"));
                            assertEquals(before, e.setValue(v), at("setValue's result"));
                            assertEquals(v, e.getValue(), at("entry value after setValue"));
                            model.put(e.getKey(), v);
                            assertEquals(v, map.get(e.getKey()), at("setValue writes through"));
                        }
                    }
                    checkSame();
                }
                default -> {
                    name = "forEach";
                    Map<K, V> seen = new HashMap<>();
                    map.forEach((kk, vv) -> assertTrue(seen.put(kk, vv) == null, at("forEach visited " + kk + " twice")));
                    assertEquals(model, seen, at("forEach"));
                }
            }
        }

        /** Whole-map calls: replaceAll, and equality with copies. */
        private void wholeMapStep() {
            int ch = 1 + rnd.nextInt(valuePool.size());
            switch (rnd.nextInt(3)) {
                case 0 -> both("replaceAll", (m, log) -> {
                    m.replaceAll((kk, vv) -> {
                        log.add(Arrays.asList(kk, vv));
                        return valuePool.get((valuePool.indexOf(vv) * 3 + ch) % valuePool.size());
                    });
                    return null;
                });
                case 1 -> both("replaceAll throwing", (m, log) -> {
                    if (!m.isEmpty()) {
                        // Throws on the first entry it visits: nothing changes in either map.
                        m.replaceAll((kk, vv) -> {
                            throw new Boom();
                        });
                    }
                    return null;
                });
                default -> {
                    name = "equals with copies";
                    assertTrue(map.equals(new HashMap<>(map)), at("equals its own copy"));
                    assertTrue(new HashMap<>(map).equals(map), at("its copy equals it"));
                }
            }
        }

        private boolean hit(Object o, int mod, int pick) {
            return Math.floorMod(o.hashCode(), mod) == pick;
        }

        private Set<K> someKeys(int mod, int pick) {
            Set<K> s = new HashSet<>();
            for (int i = 0; i < range; i++) {
                if (hit(keyPool.get(i), mod, pick)) {
                    s.add(keyPool.get(i));
                }
            }
            return s;
        }

        /** values().remove(v) removes one entry with value v; which one depends on iteration order. */
        private void valuesRemove(V v) {
            name = "values().remove";
            Set<K> candidates = model.entrySet().stream().filter(e -> e.getValue().equals(v)).map(Map.Entry::getKey)
                    .collect(Collectors.toSet());
            boolean removed = map.values().remove(v);
            assertEquals(!candidates.isEmpty(), removed, at("values().remove(" + v + ")"));
            List<K> gone = candidates.stream().filter(kk -> !map.containsKey(kk)).toList();
            assertEquals(removed ? 1 : 0, gone.size(), at("entries removed by values().remove: " + gone));
            gone.forEach(model::remove);
        }

        interface Call<K, V> {
            Object apply(Map<K, V> m, List<Object> log);
        }

        /** Runs {@code call} on the model, then on the map, and compares results, exceptions and function calls. */
        private void both(String what, Call<K, V> call) {
            name = what;
            List<Object> expectedLog = new ArrayList<>();
            List<Object> actualLog = new ArrayList<>();
            Object expected;
            Object actual;
            try {
                expected = call.apply(model, expectedLog);
            } catch (RuntimeException e) {
                expected = e.getClass();
            }
            try {
                actual = call.apply(map, actualLog);
            } catch (Boom e) {
                actual = e.getClass();
            } catch (RuntimeException e) {
                throw new AssertionError(at("threw " + e), e);
            }
            assertEquals(expected, actual, at("result"));
            if (what.startsWith("replaceAll")) {
                // Visit order differs; each entry is visited once.
                assertEquals(counts(expectedLog), counts(actualLog), at("function calls"));
            } else {
                assertEquals(expectedLog, actualLog, at("function calls"));
            }
        }

        private static Map<Object, Integer> counts(Collection<?> c) {
            Map<Object, Integer> m = new HashMap<>();
            c.forEach(o -> m.merge(o, 1, Integer::sum));
            return m;
        }

        private String at(String what) {
            return c + " op " + op + " (" + name + "): " + what;
        }

        /** Every way to read the whole map agrees with the model. */
        private void checkSame() {
            assertEquals(model.size(), map.size(), at("size"));
            assertEquals(model.size(), db.size(), at("db size"));
            assertEquals(model.isEmpty(), map.isEmpty(), at("isEmpty"));
            assertTrue(map.equals(model), at("map.equals(model)"));
            assertTrue(model.equals(map), at("model.equals(map)"));
            assertEquals(model.hashCode(), map.hashCode(), at("hashCode"));
            assertEquals(model.keySet(), map.keySet(), at("keySet"));
            assertEquals(map.keySet(), model.keySet(), at("keySet, reversed"));
            assertEquals(model.keySet().hashCode(), map.keySet().hashCode(), at("keySet hashCode"));
            assertEquals(model.entrySet(), map.entrySet(), at("entrySet"));
            assertEquals(map.entrySet(), model.entrySet(), at("entrySet, reversed"));
            assertEquals(counts(model.values()), counts(map.values()), at("values"));
            assertEquals(model.size(), map.keySet().toArray().length, at("keySet().toArray()"));
            assertEquals(model.size(), map.values().toArray(new Object[0]).length, at("values().toArray(T[])"));
            assertEquals(model.size(), map.entrySet().stream().count(), at("entrySet().stream().count()"));
            String s = map.toString();
            assertEquals(model.toString().length(), s.length(), at("toString length"));
            for (Map.Entry<K, V> e : model.entrySet()) {
                assertTrue(s.contains(e.getKey() + "=" + e.getValue()), at("toString lacks " + e));
            }
            for (K k : model.keySet()) {
                assertEquals(model.get(k), map.get(k), at("get " + k));
            }
        }
    }
}
