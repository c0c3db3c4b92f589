package io.bucketdb.bench.pipeline;

import io.bucketdb.BatchSizes;
import io.bucketdb.BucketDB;
import io.bucketdb.bench.Keys;
import org.HdrHistogram.Histogram;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.LockSupport;

/**
 * Producers that each call the blocking {@link BucketDB#putLong} in a closed loop on random keys
 * for a warm-up and then a measured interval; each call's latency goes into the producer's own
 * histogram (no allocation, no sharing on the measured path). Closed loop: a producer issues its
 * next put only after the last one returned, so the latencies are service times under that load,
 * not response times under a fixed arrival rate.
 */
final class PutLoad {
    /** Latencies above a minute are recorded as a minute; none is expected. */
    private static final long HIGHEST_NANOS = TimeUnit.MINUTES.toNanos(1);

    private static final int WARMUP = 0;
    private static final int MEASURE = 1;
    private static final int STOP = 2;

    /**
     * What one configuration measured.
     *
     * @param puts      puts completed in the measured interval
     * @param seconds   the measured interval
     * @param latency   per-call latency in nanoseconds, all producers merged
     * @param batches   group commits in the measured interval
     */
    record Result(long puts, double seconds, Histogram latency, BatchSizes batches) {
        double perSecond() {
            return puts / seconds;
        }
    }

    private PutLoad() {
    }

    /** Runs {@code producers} threads on {@code db}: {@code warmupNanos} untimed, then {@code measureNanos} timed. */
    static Result run(BucketDB db, int producers, long keySpace, long warmupNanos, long measureNanos, long seed)
            throws InterruptedException {
        Phase phase = new Phase();
        AtomicReference<Throwable> failure = new AtomicReference<>();
        Histogram[] latencies = new Histogram[producers];
        long[] counts = new long[producers];
        List<Thread> threads = new ArrayList<>();
        for (int p = 0; p < producers; p++) {
            int me = p;
            latencies[p] = new Histogram(HIGHEST_NANOS, 3);
            SplittableRandom rnd = new SplittableRandom(seed + p);
            threads.add(Thread.ofPlatform().name("producer-" + p).start(() -> {
                Histogram h = latencies[me];
                long n = 0;
                try {
                    int ph;
                    while ((ph = phase.value) != STOP) {
                        long key = Keys.key(rnd.nextLong(keySpace));
                        long t0 = System.nanoTime();
                        db.putLong(key, Keys.valueOf(key));
                        long t1 = System.nanoTime();
                        if (ph == MEASURE) {
                            h.recordValue(Math.min(t1 - t0, HIGHEST_NANOS));
                            n++;
                        }
                    }
                } catch (Throwable t) {
                    failure.compareAndSet(null, t);
                }
                counts[me] = n;
            }));
        }
        LockSupport.parkNanos(warmupNanos);
        BatchSizes before = db.batchSizes();
        long start = System.nanoTime();
        phase.value = MEASURE;
        LockSupport.parkNanos(measureNanos);
        phase.value = STOP;
        long end = System.nanoTime();
        BatchSizes after = db.batchSizes();
        for (Thread t : threads) {
            t.join();
        }
        if (failure.get() != null) {
            throw new IllegalStateException("a producer failed: " + failure.get(), failure.get());
        }
        Histogram all = new Histogram(HIGHEST_NANOS, 3);
        long puts = 0;
        for (int p = 0; p < producers; p++) {
            all.add(latencies[p]);
            puts += counts[p];
        }
        // The batch counts span from just before the first measured put to just after the last: a few
        // batches at each edge may belong to the warm-up or the stop; against thousands, that is noise.
        return new Result(puts, (end - start) / 1e9, all, after.since(before));
    }

    /** The phase every producer reads before each put (a plain volatile read: cheap beside a put). */
    private static final class Phase {
        volatile int value = WARMUP;
    }
}
