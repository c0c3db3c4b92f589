package io.bucketdb.bench.pipeline;

import io.bucketdb.BucketDB;
import io.bucketdb.bench.Keys;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.LockSupport;

/**
 * Readers that call {@link BucketDB#getLong} on random loaded keys in a closed loop, optionally
 * beside one writer thread that inserts new keys with the blocking {@link BucketDB#putLong} (so the
 * table grows and evacuates under the readers). Every read is checked: a loaded key must return
 * its value.
 */
final class ReadLoad {
    private static final int WARMUP = 0;
    private static final int MEASURE = 1;
    private static final int STOP = 2;

    /**
     * @param reads   reads completed in the measured interval, all readers
     * @param puts    the writer's puts in the measured interval (0 without a writer)
     * @param seconds the measured interval
     */
    record Result(long reads, long puts, double seconds) {
        double readsPerSecond() {
            return reads / seconds;
        }

        double putsPerSecond() {
            return puts / seconds;
        }
    }

    private ReadLoad() {
    }

    /**
     * Runs {@code readers} reader threads (and a writer if {@code writer}) on {@code db}, which holds
     * keys numbered {@code 0 .. loaded-1}; the writer inserts keys numbered from {@code nextNew} on.
     */
    static Result run(BucketDB db, int readers, boolean writer, long loaded, long nextNew, long warmupNanos,
                      long measureNanos, long seed) throws InterruptedException {
        Phase phase = new Phase();
        AtomicReference<Throwable> failure = new AtomicReference<>();
        long[] counts = new long[readers + 1];
        List<Thread> threads = new ArrayList<>();
        for (int r = 0; r < readers; r++) {
            int me = r;
            SplittableRandom rnd = new SplittableRandom(seed + r);
            threads.add(Thread.ofPlatform().name("reader-" + r).start(() -> {
                long n = 0;
                try {
                    int ph;
                    while ((ph = phase.value) != STOP) {
                        long key = Keys.key(rnd.nextLong(loaded));
                        long v = db.getLong(key, Keys.MISSING);
                        if (v != Keys.valueOf(key)) {
                            throw new IllegalStateException("key " + key + " returned " + v + ", loaded " + Keys.valueOf(key));
                        }
                        if (ph == MEASURE) {
                            n++;
                        }
                    }
                } catch (Throwable t) {
                    failure.compareAndSet(null, t);
                }
                counts[me] = n;
            }));
        }
        if (writer) {
            threads.add(Thread.ofPlatform().name("writer").start(() -> {
                long n = 0;
                try {
                    int ph;
                    for (long k = nextNew; (ph = phase.value) != STOP; k++) {
                        long key = Keys.key(k);
                        db.putLong(key, Keys.valueOf(key));
                        if (ph == MEASURE) {
                            n++;
                        }
                    }
                } catch (Throwable t) {
                    failure.compareAndSet(null, t);
                }
                counts[readers] = n;
            }));
        }
        LockSupport.parkNanos(warmupNanos);
        long start = System.nanoTime();
        phase.value = MEASURE;
        LockSupport.parkNanos(measureNanos);
        phase.value = STOP;
        long end = System.nanoTime();
        for (Thread t : threads) {
            t.join();
        }
        if (failure.get() != null) {
            throw new IllegalStateException("a reader or the writer failed: " + failure.get(), failure.get());
        }
        long reads = 0;
        for (int r = 0; r < readers; r++) {
            reads += counts[r];
        }
        return new Result(reads, counts[readers], (end - start) / 1e9);
    }

    private static final class Phase {
        volatile int value = WARMUP;
    }
}
