package io.bucketdb.bench.compare;

import io.bucketdb.bench.Keys;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.nio.file.Path;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;

/**
 * Every store the comparison can open without extra JVM flags, in both shapes, through the long view
 * the workloads use: loaded keys read back their values, absent keys read as missing, overwrites and
 * deletes take, a scan sees the count and key sum, and a store on disk holds its entries after
 * compaction. (Chronicle Map and LMDB need --add-opens, which the test JVM does not have; the
 * comparison's own runs check them with the same answers.)
 */
class ShapesRoundTripTest {
    private static final int N = 3000;

    static Stream<Arguments> storesAndShapes() {
        return Stream.of("bucketdb", "hashmap", "chm", "mapdb", "rocksdb")
                .flatMap(s -> Stream.of(Arguments.of(s, "8x8"), Arguments.of(s, "16x100")));
    }

    @ParameterizedTest(name = "{0} {1}")
    @MethodSource("storesAndShapes")
    void roundTrip(String name, String shapeText, @TempDir Path dir) throws Exception {
        StoreSpec spec = Stores.byName(name);
        Shape shape = Shape.parse(shapeText);
        KvStore store = spec.opener().open(new StoreSpec.Open(dir, N, true, shape, true));
        store.bulkLoad(0, N);
        assertEquals(N, store.size());
        try (KvStore.Session s = KvStore.longView(store)) {
            for (int n = 0; n < N; n++) {
                long k = Keys.key(n);
                assertEquals(Keys.valueOf(k), s.get(k, Keys.MISSING), "key " + n);
            }
            assertEquals(Keys.MISSING, s.get(Keys.key(N), Keys.MISSING));
            s.put(Keys.key(1), 42);
            assertEquals(42, s.get(Keys.key(1), Keys.MISSING));
            for (int n = 0; n < N; n += 2) {
                s.delete(Keys.key(n));
            }
            assertEquals(Keys.MISSING, s.get(Keys.key(0), Keys.MISSING));
        }
        long sum = 0;
        for (int n = 1; n < N; n += 2) {
            sum += Keys.key(n);
        }
        assertEquals(new KvStore.Scan(N / 2, sum), store.scan());
        Path compacted = store.compactAndClose(dir);
        if (!spec.onDisk()) {
            assertNull(compacted);
            return;
        }
        assertNotNull(compacted, name + " compacts");
        assertEquals(dir, compacted);
        KvStore reopened = spec.opener().open(new StoreSpec.Open(dir, N, false, shape, true));
        try (KvStore.Session s = KvStore.longView(reopened)) {
            assertEquals(N / 2, reopened.size());
            assertEquals(42, s.get(Keys.key(1), Keys.MISSING));
            assertEquals(Keys.valueOf(Keys.key(N - 1)), s.get(Keys.key(N - 1), Keys.MISSING));
            assertEquals(Keys.MISSING, s.get(Keys.key(2), Keys.MISSING));
        } finally {
            reopened.close();
        }
    }
}
