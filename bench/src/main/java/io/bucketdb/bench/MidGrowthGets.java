package io.bucketdb.bench;

import io.bucketdb.BucketDB;
import io.bucketdb.Durability;
import io.bucketdb.Growth;
import io.bucketdb.Options;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.SplittableRandom;
import java.util.concurrent.locks.LockSupport;

/**
 * Get-hit on a table whose load stopped soon after a doubling began, against a settled table of the same size and B
 * (issue 16, "growth finishes without writes"), in one JVM: index A is loaded with {@code entries} blocking puts (the
 * doubling at 851,968 entries begins 18k puts before the end of the default 870,000, so about three quarters of
 * its old buckets are left), index B is created for that many entries ({@code withExpectedEntries}: no growth at
 * all). After the load the run waits up to {@code settleSeconds} for A's growth to end (it never does without idle
 * evacuation), then times random gets of loaded keys in alternating slices, A then B, and prints each slice's rate
 * and the median of the A/B ratios: the machine's noise hits both of a pair alike.
 *
 * <pre>
 * java -cp bench/target/benchmarks.jar io.bucketdb.bench.MidGrowthGets [entries [slices [settleSeconds]]]
 * </pre>
 */
public final class MidGrowthGets {
    private static final int GETS_PER_SLICE = 300_000;

    private MidGrowthGets() {
    }

    public static void main(String[] args) throws Exception {
        int entries = args.length > 0 ? Integer.parseInt(args[0]) : 870_000;
        int slices = args.length > 1 ? Integer.parseInt(args[1]) : 30;
        double settleSeconds = args.length > 2 ? Double.parseDouble(args[2]) : 5;
        Path root = Files.createTempDirectory("bucketdb-midgrowth");
        Options o = Options.defaults().withDurability(Durability.ASYNC).withHashSeed(0x6E7L);
        try (BucketDB a = BucketDB.open(root.resolve("a"), o);
             BucketDB b = BucketDB.open(root.resolve("b"), o.withExpectedEntries(entries))) {
            for (int n = 0; n < entries; n++) {
                long k = Keys.key(n);
                a.putLong(k, Keys.valueOf(k));
                b.putLong(k, Keys.valueOf(k));
            }
            Growth loaded = a.growth();
            long t0 = System.nanoTime();
            while (a.growth().growing() && System.nanoTime() - t0 < settleSeconds * 1e9) {
                LockSupport.parkNanos(1_000_000);
            }
            Growth before = a.growth();
            System.out.printf("A after the load: %s%nA when timing starts (%.3f s later): %s%nB: %s%n", loaded,
                    (System.nanoTime() - t0) / 1e9, before, b.growth());
            long[] probes = new long[1 << 20];
            SplittableRandom rnd = new SplittableRandom(42);
            for (int i = 0; i < probes.length; i++) {
                probes[i] = Keys.key(rnd.nextInt(entries));
            }
            long sink = 0;
            for (int w = 0; w < 3; w++) { // warm-up
                sink += gets(a, probes, w) + gets(b, probes, w);
            }
            double[] ratios = new double[slices];
            double[] ra = new double[slices];
            double[] rb = new double[slices];
            for (int s = 0; s < slices; s++) {
                long s0 = System.nanoTime();
                sink += gets(a, probes, s);
                long s1 = System.nanoTime();
                sink += gets(b, probes, s);
                long s2 = System.nanoTime();
                ra[s] = GETS_PER_SLICE / ((s1 - s0) / 1e9);
                rb[s] = GETS_PER_SLICE / ((s2 - s1) / 1e9);
                ratios[s] = ra[s] / rb[s];
            }
            System.out.printf("A at the end: %s%n", a.growth());
            System.out.printf("median get-hit A %.3f M/s, B %.3f M/s, median of A/B per slice pair x%.3f (%d pairs of %d gets; sink %d)%n",
                    median(ra) / 1e6, median(rb) / 1e6, median(ratios), slices, GETS_PER_SLICE, sink);
        } finally {
            try (var walk = Files.walk(root)) {
                walk.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            }
        }
    }

    private static long gets(BucketDB db, long[] probes, int slice) {
        long sum = 0;
        int at = slice * 7919;
        for (int i = 0; i < GETS_PER_SLICE; i++) {
            sum += db.getLong(probes[(at + i) & (probes.length - 1)], Keys.MISSING);
        }
        return sum;
    }

    private static double median(double[] xs) {
        double[] c = xs.clone();
        Arrays.sort(c);
        return c.length % 2 == 1 ? c[c.length / 2] : (c[c.length / 2 - 1] + c[c.length / 2]) / 2;
    }
}
