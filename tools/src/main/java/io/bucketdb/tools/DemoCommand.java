package io.bucketdb.tools;

import io.bucketdb.BucketDB;
import io.bucketdb.Options;
import io.bucketdb.Growth;
import io.bucketdb.Stats;
import io.bucketdb.inspect.BucketView;
import io.bucketdb.inspect.IndexInspector;
import io.bucketdb.inspect.Location;
import io.bucketdb.inspect.Problem;
import io.bucketdb.storage.Header;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.stream.Stream;

/**
 * {@code bucketdb demo}: the README's first command. Builds an index of long keys, shows each growth
 * as it happens, closes, reopens, checks every key and the whole structure with the inspector, dumps
 * one bucket and sums up. Everything it prints is measured, none of it staged.
 */
@Command(name = "demo", mixinStandardHelpOptions = true,
        description = {"Show BucketDB at work: load N long keys (printing each growth of the table as it happens), close, "
                + "reopen, check every key and the whole structure with the inspector, dump one bucket, and sum up.",
                "Uses a temporary directory (deleted afterwards) unless --dir is given."},
        footer = {"%nExamples:%n  bucketdb demo%n  bucketdb demo --keys 100000 --dir /tmp/demo-idx",
                "%nExit codes: 0 every key read back and the structure sound, 1 a key was lost or verify found problems, "
                        + "2 usage error, 3 I/O error."})
final class DemoCommand implements Callable<Integer> {
    /** Asynchronous puts kept in flight while loading (a power of two). */
    private static final int WINDOW = 4096;

    /** Growth is watched through {@link BucketDB#growth()} (cheap) at most this often, so each step is seen. */
    private static final long MAX_CHECK_INTERVAL = 1 << 16;

    @Spec
    CommandSpec spec;

    @Option(names = "--dir", paramLabel = "D", description = "Build the index in D (new or empty; kept afterwards).")
    Path dir;

    @Option(names = "--keys", paramLabel = "N", defaultValue = "5000000", description = "How many keys to load (default ${DEFAULT-VALUE}).")
    long keys;

    static long value(long key) {
        return key * 100 + 7;
    }

    @Override
    public Integer call() throws IOException {
        if (keys < 1) {
            throw CliException.usage("--keys must be at least 1, got " + keys);
        }
        if (dir != null && Files.exists(dir.resolve(BucketDB.TABLE_FILE))) {
            throw CliException.usage(dir + " already holds an index; the demo builds a new one: give a new or empty directory");
        }
        boolean temporary = dir == null;
        Path d = temporary ? Files.createTempDirectory("bucketdb-demo-") : dir;
        try {
            return run(d, temporary);
        } finally {
            if (temporary) {
                deleteTree(d);
            }
        }
    }

    private int run(Path d, boolean temporary) throws IOException {
        PrintWriter out = spec.commandLine().getOut();
        long t0 = System.nanoTime();
        out.println("BucketDB demo: " + Text.count(keys) + " long keys (key k -> value 100k+7) into " + d
                + (temporary ? " (temporary)" : ""));
        out.println();
        out.println("1. load with putLong, watching the table grow");
        out.flush();

        Progress bar = new Progress(spec.commandLine().getErr(), Progress.onTerminal(), "   loading", keys, "keys");
        int lastB = -1;
        int firstB = -1;
        int growths = 0;
        int sameSize = 0;
        boolean lastGrowing = false;
        long loadStart = System.nanoTime();
        long closeNanos;
        Stats last;
        // ASYNC: journal writes reach the OS per put and are forced every 100 ms (one thread, no group commit yet).
        try (BucketDB db = BucketDB.open(d, Options.defaults().withDurability(io.bucketdb.Durability.ASYNC))) {
            long nextCheck = 0;
            // Keep a window of asynchronous puts in flight: the ring batches them into group commits,
            // where one blocking put at a time would pay a hand-off to the writer thread per key.
            @SuppressWarnings("unchecked")
            java.util.concurrent.CompletableFuture<Boolean>[] window = new java.util.concurrent.CompletableFuture[WINDOW];
            for (long k = 0; k < keys; k++) {
                int w = (int) (k & (WINDOW - 1));
                if (window[w] != null) {
                    window[w].join();
                }
                window[w] = db.putLongAsync(k, value(k));
                if (k == nextCheck || k == keys - 1) {
                    nextCheck = k + Math.max(256, Math.min(MAX_CHECK_INTERVAL, Long.highestOneBit(k + 1) / 16));
                    Growth s = db.growth();
                    if (firstB < 0) {
                        firstB = s.b();
                    } else if (s.b() != lastB) {
                        bar.println(out, "   " + growthLine(lastB, s, k + 1));
                        growths++;
                    } else if (!lastGrowing && s.growing()) {
                        bar.println(out, "   same-size growth at B=" + s.b() + " by key " + Text.count(k + 1) + " (packing "
                                + Text.count(s.overflowBuckets()) + " overflow buckets), evacuating incrementally: "
                                + Text.count(s.evacuated()) + " of " + Text.count(s.oldBuckets()) + " old buckets done");
                        sameSize++;
                    } else if (lastGrowing && !s.growing()) {
                        bar.println(out, "   growth at B=" + s.b() + " finished by key " + Text.count(k + 1));
                    }
                    lastB = s.b();
                    lastGrowing = s.growing();
                    bar.update(k + 1);
                }
            }
            for (var f : window) {
                if (f != null) {
                    f.join();
                }
            }
            last = db.stats();
            bar.finish();
            long loadNanos = System.nanoTime() - loadStart;
            out.println("   loaded " + Text.count(keys) + " keys in " + secs(loadNanos) + " ("
                    + Text.count((long) (keys / Math.max(1e-9, loadNanos / 1e9))) + " puts/s), B=" + last.b()
                    + (last.growing() ? ", growth still in progress: " + Text.count(last.evacuated()) + " of "
                    + Text.count(last.oldBuckets()) + " old buckets evacuated" : ""));
            long c = System.nanoTime();
            db.close();
            closeNanos = System.nanoTime() - c;
        }
        long fileBytes = Files.size(d.resolve(BucketDB.TABLE_FILE));
        out.println("   closed in " + secs(closeNanos) + ": wrote back " + Text.bytes(fileBytes));
        out.println();

        out.println("2. reopen");
        long r = System.nanoTime();
        long size;
        try (BucketDB db = BucketDB.open(d, Options.defaults().withReadOnly(true))) {
            size = db.size();
        }
        long reopenNanos = System.nanoTime() - r;
        out.println("   reopened read-only in " + secs(reopenNanos) + ": " + Text.count(size) + " entries (nothing is read until used)");
        out.println();

        out.println("3. check with the inspector (reads the file through the storage layouts, not the table)");
        out.flush();
        long v = System.nanoTime();
        List<Problem> problems;
        long wrong = 0;
        Header h;
        BucketView sample;
        try (IndexInspector in = IndexInspector.open(d)) {
            h = in.header();
            problems = in.verify();
            Progress check = new Progress(spec.commandLine().getErr(), Progress.onTerminal(), "   reading back", keys, "keys");
            for (long k = 0; k < keys; k++) {
                if (in.getLong(k, ~value(k)) != value(k)) {
                    wrong++;
                }
                if ((k & 0xFFFF) == 0) {
                    check.update(k);
                }
            }
            check.finish();
            long probe = Math.min(42, keys - 1);
            Location loc = in.locate(Format.LONG.parse(probe, 8, "key"));
            sample = loc.inOldArray() ? in.oldBucket(loc.oldBucket()) : in.bucket(loc.bucket());
        }
        long verifyNanos = System.nanoTime() - v;
        for (Problem p : problems.subList(0, Math.min(10, problems.size()))) {
            out.println("   problem: " + p);
        }
        out.println("   structure: " + (problems.isEmpty() ? "sound (0 problems)" : problems.size() + " problems"));
        out.println("   keys: " + Text.count(keys - wrong) + " of " + Text.count(keys) + " read back with the right value"
                + " (" + secs(verifyNanos) + " with the structure check)");
        out.println();

        out.println("4. the bucket holding key " + Math.min(42, keys - 1));
        BucketText.lines(sample, sample.old() ? h.oldB : h.b, Format.LONG).forEach(l -> out.println("   " + l));
        out.println();

        boolean ok = problems.isEmpty() && wrong == 0 && size == keys;
        Text.Columns t = new Text.Columns();
        t.row("keys", Text.count(keys));
        t.row("file", Text.bytes(fileBytes) + ", " + String.format("%.1f", (double) fileBytes / keys) + " bytes per entry");
        t.row("growths", (last.b() - firstB) + " doublings (B " + firstB + " -> " + last.b() + ", seen in " + growths + " steps), "
                + sameSize + " same-size");
        t.row("verify", (problems.isEmpty() ? "sound" : problems.size() + " problems") + ", "
                + (wrong == 0 ? "every key read back" : Text.count(wrong) + " keys missing or wrong"));
        t.row("time", secs(System.nanoTime() - t0) + " in all");
        out.println("summary: " + (ok ? "OK" : "FAILED"));
        t.lines("   ").forEach(out::println);
        out.flush();
        return ok ? Exit.OK : Exit.PROBLEMS;
    }

    private static String growthLine(int fromB, Growth s, long atKeys) {
        int steps = s.b() - fromB;
        String what = steps == 1 ? "growth: B " + fromB + " -> " + s.b() : "growth: B " + fromB + " -> " + s.b() + " (" + steps + " doublings)";
        return what + " by key " + Text.count(atKeys) + (s.growing()
                ? ", evacuating incrementally: " + Text.count(s.evacuated()) + " of " + Text.count(s.oldBuckets()) + " old buckets done"
                : "");
    }

    private static String secs(long nanos) {
        double s = nanos / 1e9;
        return s < 1 ? String.format("%.0f ms", s * 1000) : String.format("%.1f s", s);
    }

    private static void deleteTree(Path d) throws IOException {
        if (!Files.exists(d)) {
            return;
        }
        try (Stream<Path> walk = Files.walk(d)) {
            for (Path p : walk.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        }
    }
}
