package io.bucketdb.bench.pipeline;

import io.bucketdb.BatchSizes;
import io.bucketdb.Durability;
import io.bucketdb.WaitStrategy;
import org.HdrHistogram.Histogram;

import java.util.List;
import java.util.Locale;

/** The pipeline benchmark's Markdown report: the setup, a put table, the batch-size distributions and a get table. */
final class Report {
    private Report() {
    }

    /** How the run was set up, for the report's header. */
    record Setup(String date, String dir, String fileSystem, WaitStrategy waitStrategy, double warmupSeconds, double measureSeconds,
                 long keySpace, long preload, Durability readDurability, String loadBefore, String loadAfter) {
    }

    record PutRow(Durability mode, int producers, PutLoad.Result result) {
    }

    record ReadRow(int readers, boolean writer, ReadLoad.Result result) {
    }

    static String markdown(Setup s, List<PutRow> puts, List<ReadRow> reads) {
        StringBuilder b = new StringBuilder();
        b.append("# BucketDB write pipeline: puts and gets\n\n");
        line(b, "- %s, %d CPUs (JVM), %s %s; load average %s before, %s after", s.date(),
                Runtime.getRuntime().availableProcessors(), System.getProperty("java.vm.vendor"),
                System.getProperty("java.runtime.version"), s.loadBefore(), s.loadAfter());
        line(b, "- indexes in `%s` (%s), wait strategy %s, ring 1024; every run on a fresh index, %.1f s warm-up, %.1f s measured",
                s.dir(), s.fileSystem(), s.waitStrategy(), s.warmupSeconds(), s.measureSeconds());
        b.append('\n');

        if (!puts.isEmpty()) {
            line(b, "## Puts: blocking `putLong` of random keys (from %,d), closed loop, latency per call", s.keySpace());
            b.append('\n');
            b.append("| durability | producers | puts/s | p50 µs | p99 µs | p99.9 µs | max µs | group commits | writes per commit: mean | p50 ≤ | p99 ≤ | max ≤ |\n");
            b.append("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n");
            for (PutRow r : puts) {
                Histogram h = r.result().latency();
                BatchSizes bs = r.result().batches();
                line(b, "| %s | %d | %,.0f | %s | %s | %s | %s | %,d | %.1f | %d | %d | %d |", r.mode(), r.producers(),
                        r.result().perSecond(), micros(h.getValueAtPercentile(50)), micros(h.getValueAtPercentile(99)),
                        micros(h.getValueAtPercentile(99.9)), micros(h.getMaxValue()), bs.batches(), bs.mean(),
                        bs.percentile(0.5), bs.percentile(0.99), bs.percentile(1));
            }
            b.append('\n');
            b.append("Group-commit sizes (writes per journal batch, which SYNC forces once): batches per size range.\n\n");
            for (PutRow r : puts) {
                line(b, "- %s, producers %d: %s", r.mode(), r.producers(), distribution(r.result().batches()));
            }
            b.append('\n');
        }

        if (!reads.isEmpty()) {
            line(b, "## Gets: `getLong` of random loaded keys (%,d loaded), every result checked", s.preload());
            b.append('\n');
            line(b, "The writer, where there is one, inserts new keys with blocking `putLong` (%s) in a loop, so the table grows under the readers.",
                    s.readDurability());
            b.append('\n');
            b.append("| readers | writer | gets/s | gets/s per reader | writer puts/s |\n");
            b.append("|---:|---|---:|---:|---:|\n");
            for (ReadRow r : reads) {
                line(b, "| %d | %s | %,.0f | %,.0f | %s |", r.readers(), r.writer() ? "yes" : "no", r.result().readsPerSecond(),
                        r.result().readsPerSecond() / r.readers(), r.writer() ? String.format(Locale.ROOT, "%,.0f", r.result().putsPerSecond()) : "–");
            }
            b.append('\n');
        }
        return b.toString();
    }

    /** {@code "1: 120, 2-3: 40, 4-7: 3"} without totals. */
    private static String distribution(BatchSizes s) {
        StringBuilder b = new StringBuilder();
        for (int i = 0; i < BatchSizes.BUCKETS; i++) {
            if (s.count(i) == 0) {
                continue;
            }
            long lo = 1L << i;
            long hi = BatchSizes.upperBound(i);
            b.append(b.isEmpty() ? "" : ", ").append(lo == hi ? Long.toString(lo) : lo + "-" + hi).append(": ")
                    .append(String.format(Locale.ROOT, "%,d", s.count(i)));
        }
        return b.isEmpty() ? "(none)" : b.toString();
    }

    private static String micros(long nanos) {
        double us = nanos / 1000.0;
        return us < 10 ? String.format(Locale.ROOT, "%.2f", us)
                : us < 1000 ? String.format(Locale.ROOT, "%.0f", us) : String.format(Locale.ROOT, "%,.0f", us);
    }

    private static void line(StringBuilder b, String format, Object... args) {
        b.append(String.format(Locale.ROOT, format, args)).append('\n');
    }
}
