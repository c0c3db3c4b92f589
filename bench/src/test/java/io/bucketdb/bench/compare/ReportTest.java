package io.bucketdb.bench.compare;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Properties;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * results.md from a read fork's raw files, rebuilt by {@code --rerender}: the bulk-load table with
 * its ratios, method per store and the goal, the reads' tables, one line per fork.
 */
class ReportTest {
    private static final List<String> STORES = List.of("bucketdb", "chronicle", "mapdb", "bucketdb-sync");
    private static final List<String> WORKLOADS = List.of("bulk-load", "get-hit", "mixed");

    @Test
    void rerenderShowsTheBulkLoadAsATableWithItsMethodAndGoal(@TempDir Path out) throws Exception {
        Files.createDirectories(out.resolve("raw"));
        new RunInfo(1_000_000, Shape.LONG_LONG, "1g", "java ... ComparisonRunner", "0.5 0.5 0.5", new LinkedHashMap<>(), "2026-01-01T00:00",
                "abc1234", List.of("--entries", "1000000"), STORES, WORKLOADS, "0.6 0.6 0.6", 200).save(out.resolve(RunInfo.FILE));
        // BucketDB 1M puts/s, Chronicle Map 400k/s (×2.5: met), MapDB 200k/s (×5.0: missed by the ×10 goal).
        raw(out, "bulk-load", "bucketdb", "opsPerSec", "1000000", "seconds", "1.0");
        raw(out, "bulk-load", "chronicle", "opsPerSec", "400000", "seconds", "2.5");
        raw(out, "bulk-load", "mapdb", "opsPerSec", "200000", "seconds", "5.0");
        for (String s : List.of("bucketdb", "chronicle", "mapdb")) {
            raw(out, "get-hit", s, "opsPerSec", "3000000");
            raw(out, "mixed", s, "opsPerSec", "100000");
        }
        raw(out, "mixed", "bucketdb-sync", "opsPerSec", "500");

        ComparisonRunner.rerender(out);
        String md = Files.readString(out.resolve("results.md"));

        String table = section(md, "## Load from empty, one producer, each store's fastest way");
        assertTrue(table.contains("| store | durability | puts/s ↑ | time to load N ↓ | method |"), table);
        assertTrue(table.contains("| BucketDB (ASYNC) | process | 1.00 M/s | 1.00 s | one producer, a BulkLoad of 65,536 buffered entries"), table);
        assertTrue(table.contains("| Chronicle Map | process | 400.0 k/s (×2.50) | 2.50 s (×0.40) | put one at a time |"), table);
        assertTrue(table.contains("| MapDB HTreeMap (mmap) | none | 200.0 k/s (×5.00) | 5.00 s (×0.20) | put one at a time (no commit: no log) |"),
                table);
        assertTrue(table.contains("Chronicle Map ×2.50 (goal ≥ ×2: met), MapDB ×5.00 (goal ≥ ×10: missed)"), table);
        assertTrue(table.contains("Not run: `bucketdb-sync` (forces every write"), table);
        assertFalse(table.contains("| BucketDB (SYNC) |"), table);

        assertTrue(section(md, "## Random get, hits").contains("| Chronicle Map | process | 3.00 M/s (×1.00) |"));
        assertTrue(section(md, "## 50/50 get / overwriting put").contains("| BucketDB (SYNC) | sync | 500 /s |"));
        assertTrue(Files.exists(out.resolve("throughput-bulk-load.png")));

        String forks = section(md, "## Forks");
        assertTrue(forks.contains("| reads.bucketdb | bulk-load, get-hit, mixed | 42.0 |"), forks);
        assertTrue(forks.contains("| reads.bucketdb-sync | mixed | 42.0 |"), forks);
        assertEquals(4, forks.lines().filter(l -> l.startsWith("| reads.")).count(), forks);
    }

    /**
     * Each store's share of its write rate kept beside busy readers, from its load-4t and load-4t-2r runs, a row per
     * store; a store without both runs has no row.
     */
    @Test
    void rerenderShowsTheShareOfWritesKeptBesideReaders(@TempDir Path out) throws Exception {
        Files.createDirectories(out.resolve("raw"));
        List<String> workloads = List.of("load-4t", "load-4t-2r");
        new RunInfo(1_000_000, Shape.LONG_LONG, "1g", "java ... ComparisonRunner", "0.5 0.5 0.5", new LinkedHashMap<>(), "2026-01-01T00:00",
                "abc1234", List.of("--entries", "1000000"), STORES, workloads, "0.6 0.6 0.6", 200).save(out.resolve(RunInfo.FILE));
        raw(out, "load-4t", "bucketdb", "opsPerSec", "400000");
        raw(out, "load-4t-2r", "bucketdb", "opsPerSec", "300000", "readers", "2", "readsPerSec", "5000000");
        raw(out, "load-4t", "chronicle", "opsPerSec", "200000");
        raw(out, "load-4t-2r", "chronicle", "opsPerSec", "100000", "readers", "2", "readsPerSec", "1000000");
        raw(out, "load-4t", "mapdb", "opsPerSec", "100000");

        ComparisonRunner.rerender(out);
        String md = Files.readString(out.resolve("results.md"));

        String table = section(md, "## Writes under read load: 4 writers, then the same beside 2 busy readers");
        assertTrue(table.contains("| BucketDB (ASYNC) | process | 400.0 k/s | 300.0 k/s | ×0.75 |"), table);
        assertTrue(table.contains("| Chronicle Map | process | 200.0 k/s | 100.0 k/s | ×0.50 |"), table);
        assertFalse(table.contains("MapDB"), table);
        assertTrue(section(md, "## Load from empty, 4 writer threads beside 2 busy reader threads")
                .contains("| Chronicle Map | process | 100.0 k/s (×3.00) | 1.00 M/s (×5.00) |"), md);
    }

    /** The text from a heading to the next heading of the same level. */
    private static String section(String md, String heading) {
        int start = md.indexOf(heading + "\n");
        assertTrue(start >= 0, "no " + heading + " in\n" + md);
        int end = md.indexOf("\n## ", start + heading.length());
        return md.substring(start, end < 0 ? md.length() : end);
    }

    /** A raw result file as a read fork and the runner leave it. */
    private static void raw(Path out, String workload, String store, String... figures) throws Exception {
        Properties p = new Properties();
        p.setProperty("store", store);
        p.setProperty("workload", workload);
        p.setProperty("status", "ok");
        p.setProperty("fork.id", "reads." + store);
        p.setProperty("fork.wallSeconds", "42");
        for (int i = 0; i < figures.length; i += 2) {
            p.setProperty(figures[i], figures[i + 1]);
        }
        try (OutputStream os = Files.newOutputStream(out.resolve("raw").resolve(workload + "." + store + ".properties"))) {
            p.store(os, null);
        }
    }
}
