package io.bucketdb;

import com.google.common.collect.testing.ConcurrentMapTestSuiteBuilder;
import com.google.common.collect.testing.SampleElements;
import com.google.common.collect.testing.TestMapGenerator;
import com.google.common.collect.testing.features.CollectionFeature;
import com.google.common.collect.testing.features.CollectionSize;
import com.google.common.collect.testing.features.MapFeature;
import junit.framework.TestResult;
import junit.framework.TestSuite;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.DynamicContainer;
import org.junit.jupiter.api.DynamicNode;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.reflect.Array;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.UUID;
import java.util.concurrent.ConcurrentMap;
import java.util.stream.Stream;

/**
 * Guava's {@code ConcurrentMapTestSuiteBuilder} (guava-testlib), the conformance suite Guava and
 * Caffeine hold their own maps to: about 900 tests per codec pair of every {@code Map} and
 * {@code ConcurrentMap} method and of the views as collections, including that null queries throw
 * {@link NullPointerException}. Its JUnit 3 suite runs here as JUnit 5 dynamic tests, so no
 * vintage engine is needed.
 */
class GuavaTestlibMapTest {
    /** Indexes the generators reuse in turn; a test may hold a few maps at once, never this many. */
    private static final int RING = 8;

    @TempDir
    Path tmp;

    private final List<BucketDB> open = new ArrayList<>();
    private int next;

    @AfterEach
    void closeIndexes() throws IOException {
        for (BucketDB db : open) {
            db.close();
        }
    }

    @TestFactory
    Stream<DynamicNode> longToLong() {
        return suite("LONG→LONG", Codec.LONG, Codec.LONG, 8, 8, List.of(1L, -2L, 3L, Long.MIN_VALUE, 5L),
                List.of(10L, 20L, -30L, 40L, Long.MAX_VALUE));
    }

    @TestFactory
    Stream<DynamicNode> uuidToRecord() {
        SplittableRandom rnd = new SplittableRandom(1);
        List<UUID> keys = Stream.generate(() -> MapCase.uuid(rnd)).limit(5).toList();
        List<MapCase.Reading> values = Stream.generate(() -> new MapCase.Reading(rnd.nextInt(), rnd.nextLong(), MapCase.uuid(rnd)))
                .limit(5).toList();
        return suite("UUID→record", Codec.UUID, MapCase.READING, 16, 28, keys, values);
    }

    @TestFactory
    Stream<DynamicNode> utf8ToUtf8() {
        return suite("UTF8[16]→UTF8[4]", Codec.UTF8, Codec.UTF8, 16, 4,
                List.of("0123456789abcdef", "日本語0123456", "😀😀😀😀", "ßßßßßßßß", "€€€€€a"),
                List.of("four", "€a", "😀", "éé", "0000"));
    }

    private <K, V> Stream<DynamicNode> suite(String name, Codec<K> keys, Codec<V> values, int keyWidth, int valueWidth,
                                             List<K> sampleKeys, List<V> sampleValues) {
        TestSuite suite = ConcurrentMapTestSuiteBuilder.using(new Generator<>(keys, values, keyWidth, valueWidth, sampleKeys, sampleValues))
                .named("asMap " + name)
                .withFeatures(MapFeature.GENERAL_PURPOSE, CollectionSize.ANY, CollectionFeature.SUPPORTS_ITERATOR_REMOVE)
                .createTestSuite();
        return Stream.of(node(suite));
    }

    private static DynamicNode node(junit.framework.Test test) {
        if (test instanceof TestSuite s) {
            return DynamicContainer.dynamicContainer(s.getName(), Collections.list(s.tests()).stream().map(GuavaTestlibMapTest::node));
        }
        return DynamicTest.dynamicTest(test.toString(), () -> {
            TestResult result = new TestResult();
            test.run(result);
            if (result.errorCount() > 0) {
                throw result.errors().nextElement().thrownException();
            }
            if (result.failureCount() > 0) {
                throw result.failures().nextElement().thrownException();
            }
        });
    }

    /** Maps over a ring of indexes, each emptied before reuse: opening a fresh index per test would dominate the run. */
    private final class Generator<K, V> implements TestMapGenerator<K, V> {
        private final Codec<K> keys;
        private final Codec<V> values;
        private final int keyWidth;
        private final int valueWidth;
        private final List<K> sampleKeys;
        private final List<V> sampleValues;

        Generator(Codec<K> keys, Codec<V> values, int keyWidth, int valueWidth, List<K> sampleKeys, List<V> sampleValues) {
            this.keys = keys;
            this.values = values;
            this.keyWidth = keyWidth;
            this.valueWidth = valueWidth;
            this.sampleKeys = sampleKeys;
            this.sampleValues = sampleValues;
        }

        @Override
        public SampleElements<Map.Entry<K, V>> samples() {
            List<Map.Entry<K, V>> e = new ArrayList<>();
            for (int i = 0; i < 5; i++) {
                e.add(Map.entry(sampleKeys.get(i), sampleValues.get(i)));
            }
            return new SampleElements<>(e.get(0), e.get(1), e.get(2), e.get(3), e.get(4));
        }

        @Override
        public ConcurrentMap<K, V> create(Object... entries) {
            ConcurrentMap<K, V> map = nextIndex().asMap(keys, values);
            map.clear();
            for (Object o : entries) {
                @SuppressWarnings("unchecked")
                Map.Entry<K, V> e = (Map.Entry<K, V>) o;
                map.put(e.getKey(), e.getValue());
            }
            return map;
        }

        private BucketDB nextIndex() {
            int i = next++ % RING;
            if (open.size() <= i) {
                try {
                    open.add(BucketDB.open(tmp.resolve(keys + "-" + i), Options.defaults().withKeyWidth(keyWidth).withValueWidth(valueWidth).withDurability(Durability.ASYNC)));
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            }
            return open.get(i);
        }

        @SuppressWarnings("unchecked")
        @Override
        public Map.Entry<K, V>[] createArray(int length) {
            return new Map.Entry[length];
        }

        @Override
        public Iterable<Map.Entry<K, V>> order(List<Map.Entry<K, V>> insertionOrder) {
            return insertionOrder; // no order promised, and the suite is told so (no KNOWN_ORDER)
        }

        @SuppressWarnings("unchecked")
        @Override
        public K[] createKeyArray(int length) {
            return (K[]) Array.newInstance(sampleKeys.get(0).getClass(), length);
        }

        @SuppressWarnings("unchecked")
        @Override
        public V[] createValueArray(int length) {
            return (V[]) Array.newInstance(sampleValues.get(0).getClass(), length);
        }
    }
}
