package io.bucketdb;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.ConcurrentMap;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The functions given to the map view's atomic operations run in the index's writer role, and must not change the
 * map they were called from (as {@code ConcurrentHashMap} asks): through the same view, another view of the same index
 * or the index's own write calls, each attempt throws {@link IllegalStateException} and the call changes nothing.
 */
class MapFunctionWritesTest {
    @TempDir
    Path tmp;

    @Test
    void aFunctionWritingThroughAnotherViewOfTheIndexIsRefused() throws Exception {
        try (BucketDB db = BucketDB.open(tmp.resolve("views"))) {
            ConcurrentMap<Long, Long> m = db.asMap(Codec.LONG, Codec.LONG);
            ConcurrentMap<Long, Long> other = db.asMap(Codec.LONG, Codec.LONG);
            m.put(1L, 10L);
            IllegalStateException e = assertThrows(IllegalStateException.class, () -> m.compute(2L, (k, v) -> {
                other.put(3L, 30L);
                return 20L;
            }));
            assertTrue(e.getMessage().contains("recursive update"), e.getMessage());
            assertThrows(IllegalStateException.class, () -> m.merge(1L, 5L, (a, b) -> other.merge(1L, b, Long::sum)));
            assertThrows(IllegalStateException.class, () -> m.computeIfAbsent(4L, k -> other.remove(1L)));
            assertThrows(IllegalStateException.class, () -> other.computeIfPresent(1L, (k, v) -> {
                m.clear();
                return v;
            }));
            assertEquals(Map.of(1L, 10L), Map.copyOf(m), "no refused call changed anything");
            // The index's own blocking and asynchronous writes are refused too (they would wait for the role the
            // function's thread holds).
            assertThrows(IllegalStateException.class, () -> m.compute(5L, (k, v) -> {
                db.putLong(6, 60);
                return 50L;
            }));
            assertThrows(IllegalStateException.class, () -> m.compute(5L, (k, v) -> {
                db.putLongAsync(6, 60);
                return 50L;
            }));
            assertEquals(Map.of(1L, 10L), Map.copyOf(m));
            // Reads through any view are fine, and both views work normally afterwards.
            assertEquals(10L, m.compute(7L, (k, v) -> other.get(1L)));
            assertEquals(10L, other.get(7L));
            assertEquals(11L, other.merge(1L, 1L, Long::sum));
        }
    }
}
