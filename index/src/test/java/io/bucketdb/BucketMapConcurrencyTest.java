package io.bucketdb;

import io.bucketdb.storage.testkit.Seeds;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.Callable;
import java.util.concurrent.ConcurrentMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLongArray;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Atomic operations under contention: several threads update the same few keys through
 * {@code asMap} (and one through the primitive long API), and the final counts must be exact.
 * The timeouts guard against a deadlock; they are not speed checks.
 */
class BucketMapConcurrencyTest {
    private static final int THREADS = 4;

    @TempDir
    Path tmp;

    @Test
    @Timeout(value = 5, unit = TimeUnit.MINUTES)
    void shouldCountExactlyWhenThreadsIncrementTheSameKeys() throws Exception {
        long seed = Seeds.seed();
        Seeds.run(seed, () -> increments(seed));
    }

    private void increments(long seed) throws Exception {
        int keys = 16;
        int perThread = Seeds.torture() ? 200_000 : 4_000;
        try (BucketDB db = BucketDB.open(tmp.resolve("inc"))) {
            ConcurrentMap<Long, Long> m = db.asMap(Codec.LONG, Codec.LONG);
            AtomicLongArray expected = new AtomicLongArray(keys);
            AtomicInteger functionCalls = new AtomicInteger();
            AtomicBoolean done = new AtomicBoolean();
            List<Callable<Void>> tasks = new ArrayList<>();
            for (int t = 0; t < THREADS; t++) {
                SplittableRandom rnd = new SplittableRandom(seed + t);
                tasks.add(() -> {
                    for (int i = 0; i < perThread; i++) {
                        int k = rnd.nextInt(keys);
                        increment(m, k, rnd.nextInt(4), functionCalls);
                        expected.incrementAndGet(k);
                    }
                    return null;
                });
            }
            // A reader: counters only grow, and a reader never sees a torn or foreign value.
            Callable<Void> reader = () -> {
                long[] last = new long[keys];
                while (!done.get()) {
                    for (int k = 0; k < keys; k++) {
                        Long v = m.get((long) k);
                        long now = v == null ? 0 : v;
                        assertTrue(now >= last[k], "key " + k + " went back from " + last[k] + " to " + now);
                        last[k] = now;
                    }
                }
                return null;
            };
            runAll(tasks, reader, done);
            long total = 0;
            for (int k = 0; k < keys; k++) {
                assertEquals(expected.get(k), m.getOrDefault((long) k, 0L), "count of key " + k);
                total += expected.get(k);
            }
            assertEquals((long) THREADS * perThread, total);
            assertTrue(functionCalls.get() <= THREADS * perThread, "functions ran at most once per call");
        }
    }

    /** Adds one to key {@code k} by one of four atomic routes. */
    private static void increment(ConcurrentMap<Long, Long> m, long k, int route, AtomicInteger calls) {
        switch (route) {
            case 0 -> m.merge(k, 1L, (a, b) -> {
                calls.incrementAndGet();
                return a + b;
            });
            case 1 -> m.compute(k, (key, v) -> {
                calls.incrementAndGet();
                return v == null ? 1 : v + 1;
            });
            case 2 -> {
                // The classic lock-free loop over putIfAbsent and replace(k, old, new).
                while (true) {
                    Long v = m.get(k);
                    if (v == null ? m.putIfAbsent(k, 1L) == null : m.replace(k, v, v + 1)) {
                        return;
                    }
                }
            }
            default -> {
                Long v = m.computeIfAbsent(k, key -> {
                    calls.incrementAndGet();
                    return 0L;
                });
                assertNotNull(v);
                m.merge(k, 1L, Long::sum);
            }
        }
    }

    @Test
    @Timeout(value = 5, unit = TimeUnit.MINUTES)
    void shouldLetExactlyOneThreadWinEachPutIfAbsentAndComputeIfAbsent() throws Exception {
        int keys = 2000;
        try (BucketDB db = BucketDB.open(tmp.resolve("win"))) {
            ConcurrentMap<Long, Long> m = db.asMap(Codec.LONG, Codec.LONG);
            ConcurrentMap<Long, Long> other = db.asMap(Codec.LONG, Codec.LONG); // a second view competes too
            AtomicLongArray winners = new AtomicLongArray(keys);
            AtomicLongArray created = new AtomicLongArray(keys);
            List<Callable<Void>> tasks = new ArrayList<>();
            for (int t = 0; t < THREADS; t++) {
                long id = t + 1;
                ConcurrentMap<Long, Long> view = t % 2 == 0 ? m : other;
                tasks.add(() -> {
                    for (int k = 0; k < keys; k++) {
                        if (view.putIfAbsent((long) k, id) == null) {
                            winners.incrementAndGet(k);
                        }
                        long key = keys + k;
                        long v = view.computeIfAbsent(key, x -> {
                            created.incrementAndGet((int) (x - keys));
                            return id;
                        });
                        assertEquals(v, (long) view.get(key), "computeIfAbsent returns the value that stays");
                    }
                    return null;
                });
            }
            runAll(tasks, null, new AtomicBoolean());
            for (int k = 0; k < keys; k++) {
                assertEquals(1, winners.get(k), "putIfAbsent winners of key " + k);
                assertEquals(1, created.get(k), "computeIfAbsent calls for key " + (keys + k));
            }
            assertEquals(2 * keys, m.size());
        }
    }

    private static void runAll(List<Callable<Void>> writers, Callable<Void> reader, AtomicBoolean done) throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(writers.size() + 1);
        try {
            CountDownLatch start = new CountDownLatch(1);
            List<Future<Void>> futures = new ArrayList<>();
            for (Callable<Void> w : writers) {
                futures.add(pool.submit(() -> {
                    start.await();
                    return w.call();
                }));
            }
            Future<Void> r = reader == null ? null : pool.submit(reader);
            start.countDown();
            try {
                for (Future<Void> f : futures) {
                    f.get();
                }
            } finally {
                done.set(true);
            }
            if (r != null) {
                r.get();
            }
        } finally {
            pool.shutdownNow();
        }
    }
}
