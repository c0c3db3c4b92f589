package io.bucketdb.bench.compare;

import io.bucketdb.bench.Keys;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A read fork run in this JVM ({@link Worker#run}): one bulk load, then every read workload on the same
 * store, each with its own result file; delete-half after mixed still checks exact values.
 */
class ReadForkTest {
    private static final int N = 5000;

    @ParameterizedTest
    @ValueSource(strings = {"bucketdb", "hashmap"})
    void everyReadWorkloadRunsOnOneBulkLoad(String store, @TempDir Path tmp) throws Exception {
        Path raw = tmp.resolve("raw");
        int code = Worker.run(new String[] {"--store", store, "--workloads", "delete-half,get-hit,get-miss,mixed,iterate,bulk-load",
                "--entries", Integer.toString(N), "--shape", "8x8", "--dir", tmp.resolve("data").toString(), "--out", raw.toString(),
                "--warmup", "0.05", "--measure", "0.1", "--write-cap", "1"});
        assertEquals(0, code);
        Properties bulk = load(raw.resolve("bulk-load." + store + ".properties"));
        assertEquals("ok", bulk.getProperty("status"));
        assertEquals(Integer.toString(N), bulk.getProperty("ops"));
        double bulkRate = Double.parseDouble(bulk.getProperty("opsPerSec"));
        assertEquals(N / Double.parseDouble(bulk.getProperty("seconds")), bulkRate, bulkRate * 1e-9);
        for (String w : List.of("get-hit", "get-miss", "mixed", "iterate", "delete-half")) {
            Properties p = load(raw.resolve(w + "." + store + ".properties"));
            assertEquals("ok", p.getProperty("status"), w + ": " + p.getProperty("error"));
            assertEquals(w, p.getProperty("workload"));
            assertEquals(bulk.getProperty("preloadSeconds"), p.getProperty("preloadSeconds"), w + " reports the one preload");
            assertTrue(Double.parseDouble(p.getProperty("opsPerSec")) > 0, w);
        }
        assertTrue(Double.parseDouble(load(raw.resolve("delete-half." + store + ".properties")).getProperty("delete.opsPerSec")) > 0);
    }

    @Test
    void unselectedBulkLoadWritesNoRow(@TempDir Path tmp) throws Exception {
        Path raw = tmp.resolve("raw");
        int code = Worker.run(new String[] {"--store", "hashmap", "--workloads", "get-miss", "--entries", Integer.toString(N),
                "--dir", tmp.resolve("data").toString(), "--out", raw.toString(), "--warmup", "0.01", "--measure", "0.02"});
        assertEquals(0, code);
        try (var files = Files.list(raw)) {
            assertEquals(List.of("get-miss.hashmap.properties"), files.map(f -> f.getFileName().toString()).toList());
        }
    }

    @Test
    void lastWritesMatchAReplayOfTheMix() {
        // Few keys with repeats, and runs that stop mid-pass, so a key's later write must win.
        long[] keys = {Keys.key(1), Keys.key(2), Keys.key(1), Keys.key(3), Keys.key(2), Keys.key(4), Keys.key(1), Keys.key(5)};
        boolean[] isPut = {true, false, true, true, true, false, false, true};
        for (long positions : new long[] {0, 3, 8, 13, 29}) {
            Map<Long, Long> replay = new HashMap<>();
            for (long p = 0; p < positions; p++) {
                int i = (int) (p % keys.length);
                if (isPut[i]) {
                    long v = MixedRun.mixedValue(keys[i], p, keys.length);
                    assertNotEquals(Keys.valueOf(keys[i]), v, "an overwrite changes the value");
                    if (p >= keys.length) {
                        assertNotEquals(MixedRun.mixedValue(keys[i], p - keys.length, keys.length), v, "each pass writes new values");
                    }
                    replay.put(keys[i], v);
                }
            }
            assertEquals(replay, MixedRun.lastWrites(keys, isPut, positions), "after " + positions + " operations");
        }
    }

    private static Properties load(Path f) throws Exception {
        Properties p = new Properties();
        try (InputStream in = Files.newInputStream(f)) {
            p.load(in);
        }
        return p;
    }
}
