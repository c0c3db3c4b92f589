package io.bucketdb.bench.compare;

import io.bucketdb.bench.Keys;

import java.util.HashMap;
import java.util.Map;
import java.util.Properties;
import java.util.SplittableRandom;

/** The mixed workload of a {@link Worker} read fork: gets and overwriting puts of loaded keys, and what they left. */
final class MixedRun {
    private MixedRun() {
    }

    /**
     * Half gets, half overwriting puts of present keys ({@code isPut} drawn from {@code seed}); gets check
     * only that the key is present. Each pass over the keys writes values they did not hold before it
     * ({@link #mixedValue}; a key drawn twice in one pass gets the same value twice). Warms up for
     * {@code warmupSeconds} (none if 0), measures for {@code measureSeconds} into {@code result}, and
     * returns each overwritten key's last value, for the delete-half run that follows in the same fork.
     */
    static Map<Long, Long> run(KvStore store, int entries, long seed, double warmupSeconds, double measureSeconds,
                               Properties result) throws Exception {
        long[] keys = Keys.sampleLoaded(entries);
        boolean[] isPut = new boolean[keys.length];
        SplittableRandom random = new SplittableRandom(seed);
        for (int i = 0; i < isPut.length; i++) {
            isPut[i] = random.nextBoolean();
        }
        long positions = 0;
        try (KvStore.Session s = KvStore.longView(store)) {
            if (warmupSeconds > 0) {
                positions += timedMixed(s, keys, isPut, warmupSeconds, positions)[0];
            }
            GcCounter gc = new GcCounter();
            long[] r = timedMixed(s, keys, isPut, measureSeconds, positions);
            positions += r[0];
            gc.report(result);
            Worker.rate(result, "", r[0], r[1]);
        }
        return lastWrites(keys, isPut, positions);
    }

    /**
     * Runs the mix over {@code keys} from operation number {@code startPosition} (counted over the
     * warmup and the measurement, so the keys and values continue where the last call stopped); returns {ops, nanos}.
     */
    private static long[] timedMixed(KvStore.Session s, long[] keys, boolean[] isPut, double secs, long startPosition) throws Exception {
        int mask = keys.length - 1;
        long start = System.nanoTime();
        long end = start + Worker.nanos(secs);
        long ops = 0;
        int i = (int) (startPosition & mask);
        long pass = 1 + startPosition / keys.length;
        long now;
        // Small chunks: with forced writes one chunk may take a while.
        int chunk = 64;
        do {
            for (int j = 0; j < chunk; j++) {
                if (isPut[i]) {
                    s.put(keys[i], Keys.valueOf(keys[i]) + pass);
                } else if (s.get(keys[i], Keys.MISSING) == Keys.MISSING) {
                    throw new IllegalStateException("get(" + keys[i] + ") of a present key found nothing");
                }
                i = (i + 1) & mask;
                if (i == 0) {
                    pass++;
                }
            }
            ops += chunk;
            now = System.nanoTime();
        } while (now < end);
        return new long[] {ops, now - start};
    }

    /**
     * The value the mixed run's operation number {@code position} writes to {@code key} (if it is a
     * put): the loaded value plus the number of the pass over the {@code keyCount} keys, 1 on the first,
     * so each pass writes a value the key did not hold before it.
     */
    static long mixedValue(long key, long position, int keyCount) {
        return Keys.valueOf(key) + 1 + position / keyCount;
    }

    /**
     * Each key the mixed run overwrote in its first {@code positions} operations, with the last value
     * it wrote. Every position of the last pass over the keys is replayed in order, so a key drawn
     * twice ends with its later write.
     */
    static Map<Long, Long> lastWrites(long[] keys, boolean[] isPut, long positions) {
        Map<Long, Long> last = new HashMap<>();
        for (long p = Math.max(0, positions - keys.length); p < positions; p++) {
            int i = (int) (p % keys.length);
            if (isPut[i]) {
                last.put(keys[i], mixedValue(keys[i], p, keys.length));
            }
        }
        return last;
    }
}
