package io.bucketdb.durability;

import io.bucketdb.BucketDB;
import io.bucketdb.Options;
import io.bucketdb.storage.testkit.Seeds;
import io.bucketdb.storage.sim.CrashSimulator;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.atomic.AtomicLong;

import static org.junit.jupiter.api.Assertions.*;

/**
 * Every workload of up to three operations from {put, delete, growth put, checkpoint, reopen} (5 + 25 + 125),
 * on an index preloaded to the edge of a growth, is crashed after every single durable I/O operation it
 * performs: the workload first runs uncrashed to count its operations after the preload, then once per crash
 * point n = 0..count with {@code crashAfter(preloadOps + n)}. Each crash point gives KEEP_ALL, DROP_ALL and
 * seeded images (none by default, three with {@code -Dbucketdb.torture=true}); each distinct image is
 * recovered on real files and checked with the {@link CrashOracle}.
 *
 * <p>Rerun one workload with {@code -Dbucketdb.exhaustive.workload=PCG} (letters P put, D delete, G growth put,
 * C checkpoint, R reopen).
 */
class ExhaustiveSmallWorkloadTest {
    /** Fixed so that the preload and op counts are identical in every run (the hash seed decides growth). */
    static final long HASH_SEED = 0x5EED_CAFEL;
    static final char[] OPS = {'P', 'D', 'G', 'C', 'R'};
    static final long FRESH_KEYS = 1_000_000L;

    Path tmp;

    @org.junit.jupiter.api.BeforeEach
    void scratch() throws IOException {
        tmp = Fixtures.scratch("bucketdb-exhaustive");
    }

    @org.junit.jupiter.api.AfterEach
    void deleteScratch() throws IOException {
        Fixtures.delete(tmp);
    }

    /** Keys 0..preload-1 are loaded; putting one more key starts a growth (found by a probe run). */
    static int preload;
    static int probeB;

    @BeforeAll
    static void findPreload(@TempDir Path probeDir) throws IOException {
        CrashSimulator sim = new CrashSimulator();
        try (BucketDB db = BucketDB.open(probeDir.resolve("probe"), CrashRecoveryTest.crashOptions(sim, HASH_SEED))) {
            // Grow past small tables (whose growths finish in a write or two) to one of 16+ old buckets.
            for (long k = 0; ; k++) {
                boolean before = db.growth().growing();
                int b = db.growth().b();
                db.putLong(FRESH_KEYS + k, k);
                if (!before && db.growth().growing() && b >= 4) {
                    preload = (int) k;
                    probeB = b;
                    break;
                }
                assertTrue(k < 100_000, "no growth found");
            }
        }
    }

    @Test
    void everyWorkloadOfUpToThreeOperationsSurvivesACrashAfterEveryDurableOperation() throws Exception {
        List<String> workloads = new ArrayList<>();
        String one = System.getProperty("bucketdb.exhaustive.workload");
        if (one != null) {
            workloads.add(one);
        } else {
            for (char a : OPS) {
                workloads.add("" + a);
            }
            for (char a : OPS) {
                for (char b : OPS) {
                    workloads.add("" + a + b);
                }
            }
            for (char a : OPS) {
                for (char b : OPS) {
                    for (char c : OPS) {
                        workloads.add("" + a + b + c);
                    }
                }
            }
        }
        // Workloads are independent (own directories, own simulators), so they run on every core: this
        // test is the longest of the suite, and the suite otherwise keeps one core busy.
        int threads = Math.max(1, Math.min(Runtime.getRuntime().availableProcessors(), 4));
        java.util.concurrent.ConcurrentLinkedQueue<String> queue = new java.util.concurrent.ConcurrentLinkedQueue<>(workloads);
        AtomicLong states = new AtomicLong();
        AtomicLong points = new AtomicLong();
        AtomicLong maxCount = new AtomicLong();
        List<String> failures = java.util.Collections.synchronizedList(new ArrayList<>());
        java.util.concurrent.ExecutorService pool = java.util.concurrent.Executors.newFixedThreadPool(threads);
        try {
            List<java.util.concurrent.Future<?>> done = new ArrayList<>();
            for (int t = 0; t < threads; t++) {
                // Made here, so that every run of a worker creates one directory level (BucketDB.open syncs the
                // parent of each level it creates): the operation counts of the runs must match.
                Path mine = java.nio.file.Files.createDirectories(tmp.resolve("worker-" + t));
                done.add(pool.submit(() -> {
                    for (String w; (w = queue.poll()) != null; ) {
                        runWorkload(w, mine, states, points, maxCount, failures);
                    }
                    return null;
                }));
            }
            for (java.util.concurrent.Future<?> f : done) {
                f.get();
            }
        } finally {
            pool.shutdownNow();
        }
        System.out.printf("ExhaustiveSmallWorkloadTest: %d workloads on %d threads, %d crash points (up to %d operations each), %d crash images"
                        + " built, %d distinct ones recovered and checked%n", workloads.size(), threads, points.get(), maxCount.get(),
                states.get(), states.get() - duplicates.get());
        assertEquals(one != null ? 1 : 155, workloads.size());
        List<String> first;
        synchronized (failures) {
            first = new ArrayList<>(failures.subList(0, Math.min(failures.size(), 12)));
        }
        assertEquals(List.of(), first, failures.size() + " failing crash images (the first 12 shown)");
    }

    /** Crashes workload {@code w} at every crash point, in folder {@code base}; failures are collected, not thrown. */
    private void runWorkload(String w, Path base, AtomicLong states, AtomicLong points, AtomicLong maxCount, List<String> failures)
            throws Exception {
        Path dir = base.resolve("count");
        CrashSimulator counter = new CrashSimulator();
        Run uncrashed = run(w, dir, counter, Long.MAX_VALUE);
        assertFalse(counter.crashed(), w + ": the counting run crashed");
        long count = counter.operationCount() - uncrashed.startOps;
        Fixtures.abandon(uncrashed.db);
        Fixtures.delete(dir);
        maxCount.accumulateAndGet(count, Math::max);
        for (long n = 0; n <= count; n++) {
            try {
                states.addAndGet(crashAt(w, n, uncrashed.startOps, count, base));
            } catch (AssertionError e) {
                // Keep going: the report lists every failing crash point, not just the first.
                failures.add(e.getMessage());
                Fixtures.delete(base.resolve("w"));
                Fixtures.delete(base.resolve("img"));
            }
            points.incrementAndGet();
        }
    }

    private int crashAt(String w, long n, long startOps, long count, Path base) throws Exception {
        Path dir = base.resolve("w");
        CrashSimulator sim = new CrashSimulator();
        Run r = run(w, dir, sim, n);
        assertEquals(startOps, r.startOps, w + ": the preload is not deterministic");
        assertEquals(n < count, sim.crashed(), w + ": crash point " + n + " of " + count);
        SplittableRandom rnd = new SplittableRandom(w.hashCode() * 31L + n);
        Path image = base.resolve("img");
        // KEEP_ALL and DROP_ALL in the default run (to stay within the suite's time budget on two shared
        // cores), plus three seeded images with -Dbucketdb.torture=true.
        int images = Seeds.torture() ? 5 : 2;
        java.util.Set<String> seen = new java.util.HashSet<>();
        for (int i = 0; i < images; i++) {
            long seed = rnd.nextLong();
            String kind = Fixtures.image(sim, dir, image, i, seed);
            if (!seen.add(Fixtures.digest(image))) {
                duplicates.incrementAndGet();
                continue; // the same files as an image already checked at this crash point
            }
            String where = "workload " + w + " crashed after operation " + n + " of its run (preload ops " + startOps
                    + "), " + kind + " (rerun with -Dbucketdb.exhaustive.workload=" + w + ")";
            try {
                Fixtures.recoverAndCheck(image, r.oracle, i == 1 && n % 4 == 0, where);
            } catch (AssertionError e) {
                Fixtures.abandon(r.db);
                throw e;
            }
        }
        Fixtures.abandon(r.db);
        Fixtures.delete(dir);
        Fixtures.delete(image);
        return images;
    }

    /** Crash images identical to one already recovered at the same crash point (built, not recovered again). */
    final AtomicLong duplicates = new AtomicLong();

    static final class Run {
        long startOps;
        long count;
        BucketDB db;
        final CrashOracle oracle = new CrashOracle();
    }

    /** Preloads, then (with crash point {@code n} after the preload, MAX_VALUE for none) runs workload {@code w}. */
    private Run run(String w, Path dir, CrashSimulator sim, long n) throws IOException {
        Options opts = CrashRecoveryTest.crashOptions(sim, HASH_SEED);
        Run r = new Run();
        r.db = BucketDB.open(dir, opts);
        for (long k = 0; k < preload; k++) {
            r.oracle.begin(FRESH_KEYS + k, k);
            r.db.putLong(FRESH_KEYS + k, k);
            r.oracle.acknowledged();
        }
        assertFalse(r.db.growth().growing(), "preload ends between growths");
        r.startOps = sim.operationCount();
        if (n != Long.MAX_VALUE) {
            sim.crashAfter(r.startOps + n);
        }
        long fresh = preload;
        try {
            for (int i = 0; i < w.length(); i++) {
                char op = w.charAt(i);
                switch (op) {
                    case 'P' -> {
                        long key = FRESH_KEYS + 3 + i;
                        long value = 1_000 + i;
                        r.oracle.begin(key, value);
                        assertFalse(r.db.putLong(key, value), "put overwrites a preloaded key");
                        r.oracle.acknowledged();
                    }
                    case 'D' -> {
                        long key = FRESH_KEYS + 10 + i;
                        r.oracle.begin(key, null);
                        assertTrue(r.db.deleteLong(key), "delete removes a preloaded key");
                        r.oracle.acknowledged();
                    }
                    case 'G' -> {
                        boolean wasGrowing = r.db.growth().growing();
                        int puts = 0;
                        do {
                            long key = FRESH_KEYS + fresh;
                            r.oracle.begin(key, fresh);
                            r.db.putLong(key, fresh);
                            r.oracle.acknowledged();
                            fresh++;
                            puts++;
                        } while (!wasGrowing && !r.db.growth().growing() && puts < 4);
                        if (!wasGrowing) {
                            assertTrue(r.db.growth().growing(), w + ": growth put " + i + " started no growth: " + r.db.growth());
                            assertTrue(r.db.growth().b() > probeB || r.db.growth().sameSizeGrowth(), "growth " + r.db.growth());
                        }
                    }
                    case 'C' -> r.db.checkpoint();
                    case 'R' -> {
                        r.db.close();
                        r.db = null;
                        r.db = BucketDB.open(dir, opts);
                    }
                    default -> throw new IllegalArgumentException("unknown operation " + op + " in " + w);
                }
            }
        } catch (UncheckedIOException | IOException | IllegalStateException e) {
            if (!sim.crashed()) {
                throw e;
            }
        }
        r.count = sim.operationCount() - r.startOps;
        return r;
    }
}
