package io.bucketdb.bench.compare;

import org.HdrHistogram.EncodableHistogram;
import org.HdrHistogram.Histogram;
import org.HdrHistogram.HistogramLogReader;

import java.io.FileNotFoundException;
import java.nio.file.Path;
import java.util.Locale;

/**
 * Splits a one-thread load's put latencies (a runner's {@code load.STORE.hlog}, one interval per N/200 puts) into the
 * first interval and the rest, so a report can tell the puts of a cold JVM from the steady load's (issue 16, branch
 * {@code tail4}): in a 10M load the first 50,000 puts run while the JVM still interprets and compiles the put path, and
 * they held most of the 1,000 slowest puts that set p99.99 (docs/BENCHMARKS.md, "tail4").
 *
 * <p>Usage: {@code java -cp benchmarks.jar:lib/* io.bucketdb.bench.compare.LoadLogTail [--over NANOS] HLOG...}
 * prints, per log, the puts over the threshold (default 45,000 ns) in the first interval and in the others, p99.99 of
 * all puts and of the others, and the 1,000th slowest of the others.
 */
public final class LoadLogTail {
    /** The default threshold: 45 µs, a little under issue 16's p99.99 goal of 50 µs. */
    static final long DEFAULT_OVER_NANOS = 45_000;

    /**
     * What one load log holds, first interval apart.
     *
     * @param firstPuts       puts in the log's first interval
     * @param firstOver       of those, puts over the threshold
     * @param otherPuts       puts in every later interval
     * @param otherOver       of those, puts over the threshold
     * @param p9999AllNanos   p99.99 of every put
     * @param p9999OtherNanos p99.99 of the puts after the first interval
     * @param slowest1000OtherNanos the 1,000th slowest put after the first interval (0 if there are not that many)
     */
    record Split(long firstPuts, long firstOver, long otherPuts, long otherOver, long p9999AllNanos, long p9999OtherNanos,
                 long slowest1000OtherNanos) {
    }

    private LoadLogTail() {
    }

    /**
     * Reads the log at {@code hlog} and splits it.
     *
     * @param hlog      a load's HdrHistogram interval log
     * @param overNanos the latency above which a put counts as slow
     * @return the split, or one of zeros for a log without intervals
     * @throws FileNotFoundException if there is no such log
     */
    static Split split(Path hlog, long overNanos) throws FileNotFoundException {
        HistogramLogReader reader = new HistogramLogReader(hlog.toFile());
        Histogram all = new Histogram(3_600_000_000_000L, 3);
        Histogram other = new Histogram(3_600_000_000_000L, 3);
        long firstPuts = 0;
        long firstOver = 0;
        boolean first = true;
        EncodableHistogram e;
        while ((e = reader.nextIntervalHistogram()) != null) {
            Histogram h = (Histogram) e;
            all.add(h);
            if (first) {
                firstPuts = h.getTotalCount();
                firstOver = over(h, overNanos);
                first = false;
            } else {
                other.add(h);
            }
        }
        long n = other.getTotalCount();
        long slowest1000 = n >= 1000 ? other.getValueAtPercentile(100.0 * (n - 1000) / n) : 0;
        return new Split(firstPuts, firstOver, n, over(other, overNanos), percentile(all), percentile(other), slowest1000);
    }

    private static long over(Histogram h, long overNanos) {
        return h.getTotalCount() - h.getCountBetweenValues(0, overNanos);
    }

    private static long percentile(Histogram h) {
        return h.getTotalCount() == 0 ? 0 : h.getValueAtPercentile(99.99);
    }

    public static void main(String[] args) throws Exception {
        long over = DEFAULT_OVER_NANOS;
        int i = 0;
        if (args.length >= 2 && args[0].equals("--over")) {
            over = Long.parseLong(args[1]);
            i = 2;
        }
        if (i >= args.length) {
            System.err.println("usage: LoadLogTail [--over NANOS] HLOG...");
            System.exit(2);
        }
        for (; i < args.length; i++) {
            Split s = split(Path.of(args[i]), over);
            System.out.println(String.format(Locale.ROOT,
                    "%s: puts over %d ns: %d of the first %d, %d of the other %d; p99.99 %.1f us, without the first %d puts "
                            + "%.1f us (the 1,000th slowest of the others %.1f us)",
                    args[i], over, s.firstOver(), s.firstPuts(), s.otherOver(), s.otherPuts(), s.p9999AllNanos() / 1000.0,
                    s.firstPuts(), s.p9999OtherNanos() / 1000.0, s.slowest1000OtherNanos() / 1000.0));
        }
    }
}
