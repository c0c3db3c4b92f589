package io.bucketdb.tools;

import io.bucketdb.BucketDB;
import io.bucketdb.Growth;
import io.bucketdb.Options;
import io.bucketdb.Recovery;
import io.bucketdb.Stats;
import io.bucketdb.inspect.BucketView;
import io.bucketdb.inspect.IndexInspector;
import io.bucketdb.inspect.Location;
import io.bucketdb.inspect.Problem;
import io.bucketdb.storage.Header;
import io.bucketdb.storage.IndexFileNames;
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
import java.util.concurrent.CompletableFuture;
import java.util.stream.Stream;

/**
 * {@code bucketdb demo}: the README's first command. A writer process loads long keys through the write
 * pipeline and reports each growth as it happens; the demo kills it with SIGKILL in the middle of a growth,
 * reopens the index (recovery), checks every key the writer had acknowledged, loads the rest in this
 * process, closes, reopens, checks every key and the whole structure with the inspector, dumps one bucket,
 * deletes every other key and compacts the index as {@code bucketdb compact} does, checks it key by key
 * again, and sums up. Everything it prints is measured, none of it staged.
 */
@Command(name = "demo", mixinStandardHelpOptions = true,
        description = {"Show BucketDB at work: a writer process loads N long keys through the write pipeline (printing each "
                + "growth of the table as it happens) and is killed with SIGKILL in the middle of a growth; the index is "
                + "reopened (recovery replays the journal), every acknowledged key is checked, the rest are loaded, and the "
                + "index is closed, reopened, checked key by key and structurally with the inspector; one bucket is dumped; "
                + "every other key is deleted and the index compacted as 'bucketdb compact' does, reopened and checked key by "
                + "key; and the run summed up.",
                "Uses a temporary directory (deleted afterwards) unless --dir is given."},
        footer = {"%nExamples:%n  bucketdb demo%n  bucketdb demo --keys 100000 --dir /tmp/demo-idx",
                "%nExit codes: 0 every key read back and the structure sound, 1 a key was lost (also one acknowledged "
                        + "before the kill) or verify found problems, 2 usage error, 3 I/O error."})
final class DemoCommand implements Callable<Integer> {
    /** Growth is watched through {@link BucketDB#growth()} (cheap) at most this often, so each step is seen. */
    private static final long MAX_CHECK_INTERVAL = 1 << 16;

    @Spec
    CommandSpec spec;

    @Option(names = "--dir", paramLabel = "D", description = "Build the index in D (new or empty; kept afterwards).")
    Path dir;

    @Option(names = "--keys", paramLabel = "N", defaultValue = "5000000", description = "How many keys to load (default ${DEFAULT-VALUE}).")
    long keys;

    static long value(long key) {
        return WriterChild.loadValue(key);
    }

    @Override
    public Integer call() throws IOException, InterruptedException {
        if (keys < 1) {
            throw CliException.usage("--keys must be at least 1, got " + keys);
        }
        if (dir != null && Files.exists(dir.resolve(IndexFileNames.TABLE))) {
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

    private int run(Path d, boolean temporary) throws IOException, InterruptedException {
        PrintWriter out = spec.commandLine().getOut();
        long t0 = System.nanoTime();
        out.println("BucketDB demo: " + Text.count(keys) + " long keys (key k -> value 100k+7) into " + d
                + (temporary ? " (temporary)" : ""));
        out.println();
        out.println("1. load through the write pipeline in a writer process, watching the table grow, and kill it with SIGKILL");
        out.println("   in the middle of a growth (the writer puts through a window of " + Text.count(WriterChild.LOAD_WINDOW)
                + " async puts, ASYNC: acknowledged after the journal write,");
        out.println("   which a process kill cannot undo; default checkpoint triggers, checkpoints run beside the writer)");
        out.flush();

        GrowthWatch watch = new GrowthWatch();
        Progress bar = new Progress(spec.commandLine().getErr(), Progress.onTerminal(), "   loading", keys, "keys");
        long loadStart = System.nanoTime();
        KilledLoad.Outcome killed = KilledLoad.run(d, keys, watch, bar, out);
        bar.finish();
        Growth at = killed.atKill();
        out.println("   SIGKILL to the writer (pid " + killed.pid() + ") " + (killed.midGrowth()
                ? "in the middle of the growth to B=" + at.b() : "after the load ended (no growth was caught in its middle)")
                + "; its last report: " + Text.count(killed.issued()) + " keys put, " + (at.growing() ? Text.count(at.evacuated())
                + " of " + Text.count(at.oldBuckets()) + " old buckets evacuated, " : "")
                + Text.count(killed.acknowledged()) + " keys acknowledged");
        out.println();

        out.println("2. recover: reopen the killed writer's index, replay its journal, check every acknowledged key");
        out.flush();
        long recoverStart = System.nanoTime();
        BucketDB db = BucketDB.open(d, WriterChild.loadOptions());
        long recoveryNanos = System.nanoTime() - recoverStart;
        Recovered recovered;
        long closeNanos;
        Stats last;
        try (db) {
            Recovery r = db.recovery();
            out.println("   reopened in " + secs(recoveryNanos) + ": replayed " + Text.count(r.recordsReplayed()) + " journal records (LSN "
                    + r.checkpointLsn() + " -> " + r.lastLsn() + "), " + Text.count(r.markersChecked()) + " growth markers checked, "
                    + Text.count(r.tornBytes()) + " bytes of torn journal tail dropped"
                    + (r.checkpointFinished() ? ", an interrupted checkpoint finished (" + r.doubleWritePages() + " pages)" : ""));
            Growth g = db.growth();
            out.println("   " + (g.growing() ? "the table is mid-growth, as the kill left it: B=" + g.b() + ", " + Text.count(g.evacuated())
                    + " of " + Text.count(g.oldBuckets()) + " old buckets evacuated; the next writes carry on evacuating"
                    : "the table is not growing: B=" + g.b()));
            recovered = checkAcknowledged(db, killed.acknowledged());
            out.println("   acknowledged keys: " + Text.count(recovered.good()) + " of " + Text.count(killed.acknowledged())
                    + " read back with the right value; " + Text.count(recovered.inFlight())
                    + " more, in flight at the kill, were recovered too" + (recovered.wrongBeyond() == 0 ? ""
                    : "; " + Text.count(recovered.wrongBeyond()) + " keys past the acknowledged ones hold a wrong value"));
            out.println();

            out.println("3. load the remaining keys in this process");
            out.flush();
            Progress rest = new Progress(spec.commandLine().getErr(), Progress.onTerminal(), "   loading", keys, "keys");
            long restStart = System.nanoTime();
            loadInProcess(db, killed.acknowledged(), watch, rest, out);
            rest.finish();
            last = db.stats();
            long restNanos = System.nanoTime() - restStart;
            long loaded = keys - killed.acknowledged();
            out.println("   put the " + Text.count(loaded) + " keys from " + Text.count(killed.acknowledged())
                    + " on (those in flight at the kill again) in " + secs(restNanos) + " ("
                    + Text.count((long) (loaded / Math.max(1e-9, restNanos / 1e9))) + " puts/s): " + Text.count(db.size())
                    + " keys, B=" + last.b() + (last.growing() ? ", growth still in progress: " + Text.count(last.evacuated()) + " of "
                    + Text.count(last.oldBuckets()) + " old buckets evacuated" : ""));
            out.println("   loaded " + Text.count(keys) + " keys in " + secs(System.nanoTime() - loadStart)
                    + " with the kill and the recovery");
            long c = System.nanoTime();
            db.close();
            closeNanos = System.nanoTime() - c;
        }
        long fileBytes = Files.size(d.resolve(IndexFileNames.TABLE));
        out.println("   closed in " + secs(closeNanos) + ": wrote back " + Text.bytes(fileBytes));
        out.println();

        out.println("4. reopen");
        long r = System.nanoTime();
        long size;
        try (BucketDB reopened = BucketDB.open(d, Options.defaults().withReadOnly(true))) {
            size = reopened.size();
        }
        long reopenNanos = System.nanoTime() - r;
        out.println("   reopened read-only in " + secs(reopenNanos) + ": " + Text.count(size) + " entries (nothing is read until used)");
        out.println();

        out.println("5. check with the inspector (reads the file through the storage layouts, not the table)");
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

        out.println("6. the bucket holding key " + Math.min(42, keys - 1));
        BucketText.lines(sample, sample.old() ? h.oldB : h.b, Format.LONG).forEach(l -> out.println("   " + l));
        out.println();

        Compacted compacted = compact(d, out);

        boolean recoveredAll = recovered.good() == killed.acknowledged() && recovered.wrongBeyond() == 0;
        boolean ok = problems.isEmpty() && wrong == 0 && size == keys && recoveredAll && compacted.ok();
        Text.Columns t = new Text.Columns();
        t.row("keys", Text.count(keys));
        t.row("file", Text.bytes(fileBytes) + ", " + String.format("%.1f", (double) fileBytes / keys) + " bytes per entry");
        t.row("growths", (last.b() - watch.firstB()) + " doublings (B " + watch.firstB() + " -> " + last.b() + ", seen in "
                + watch.steps() + " steps), " + watch.sameSize() + " same-size");
        t.row("recovery", secs(recoveryNanos) + " after SIGKILL " + (killed.midGrowth() ? "mid-growth" : "after the load") + ", "
                + (recoveredAll ? "every acknowledged key there" : Text.count(killed.acknowledged() - recovered.good())
                + " acknowledged keys lost" + (recovered.wrongBeyond() == 0 ? "" : ", " + Text.count(recovered.wrongBeyond())
                + " keys in flight wrong")));
        t.row("verify", (problems.isEmpty() ? "sound" : problems.size() + " problems") + ", "
                + (wrong == 0 ? "every key read back" : Text.count(wrong) + " keys missing or wrong"));
        Compaction.Result c = compacted.result();
        t.row("compact", "deleted " + Text.count(compacted.deleted()) + " keys, then table " + Text.bytes(c.tableBefore()) + " -> "
                + Text.bytes(c.tableAfter()) + ", directory " + Text.bytes(c.dirBefore()) + " -> " + Text.bytes(c.dirAfter()) + ", "
                // Per entry as the file line above counts it (the table file), then with every file of the directory.
                + (c.entries() == 0 ? "no entries" : String.format("%.1f", (double) c.tableAfter() / c.entries())
                + " bytes per entry after (" + String.format("%.1f", (double) c.dirAfter() / c.entries()) + " with the journal)")
                + ", " + (compacted.ok() ? "every key checked" : Text.count(compacted.wrong()) + " keys wrong"));
        t.row("time", secs(System.nanoTime() - t0) + " in all");
        out.println("summary: " + (ok ? "OK" : "FAILED"));
        t.lines("   ").forEach(out::println);
        out.flush();
        return ok ? Exit.OK : Exit.PROBLEMS;
    }

    /** What the compact step did: its compaction, the keys deleted before it and those found wrong after it. */
    private record Compacted(Compaction.Result result, long deleted, long wrong) {
        boolean ok() {
            return wrong == 0;
        }
    }

    /**
     * Step 7: deletes every odd key through the pipeline, so that compaction has half the table to reclaim,
     * compacts the index in place as {@code bucketdb compact} does ({@link Compaction}), reopens it and
     * checks every key: the even ones with their values, the odd ones gone.
     */
    private Compacted compact(Path d, PrintWriter out) throws IOException {
        out.println("7. compact: delete every other key through the pipeline, then 'bucketdb compact' the index and check it key by key");
        out.flush();
        long deleted;
        long del = System.nanoTime();
        try (BucketDB db = BucketDB.open(d, WriterChild.loadOptions())) {
            WindowedLoader loader = new WindowedLoader(db);
            for (long k = 1; k < keys; k += 2) {
                loader.deleteLong(k);
            }
            loader.finish();
            deleted = loader.added();
        }
        long delNanos = System.nanoTime() - del;
        long c = System.nanoTime();
        Compaction.Result r = new Compaction(d, d, spec.commandLine().getErr(), Progress.onTerminal()).run();
        long compactNanos = System.nanoTime() - c;
        out.println("   deleted " + Text.count(deleted) + " keys in " + secs(delNanos) + "; compacted " + Text.count(r.entries())
                + " entries in " + secs(compactNanos) + " (copied and checked against the source): B " + r.oldB() + " -> " + r.newB()
                + ", table " + Text.bytes(r.tableBefore()) + " -> " + Text.bytes(r.tableAfter()) + ", directory "
                + Text.bytes(r.dirBefore()) + " -> " + Text.bytes(r.dirAfter()));
        long wrong = 0;
        long v = System.nanoTime();
        try (BucketDB db = BucketDB.open(d, Options.defaults().withReadOnly(true))) {
            for (long k = 0; k < keys; k++) {
                long expected = (k & 1) == 0 ? value(k) : ~value(k);
                if (db.getLong(k, ~value(k)) != expected) {
                    wrong++;
                }
            }
            if (db.size() != keys - deleted) {
                wrong += Math.abs(db.size() - (keys - deleted));
            }
        }
        out.println("   reopened: " + (wrong == 0 ? "all " + Text.count(keys - deleted) + " remaining keys hold their values and the "
                + Text.count(deleted) + " deleted ones are gone" : Text.count(wrong) + " keys wrong") + " (checked in "
                + secs(System.nanoTime() - v) + ")");
        out.println();
        return new Compacted(r, deleted, wrong);
    }

    /** Puts keys {@code from..keys-1} through a window of async puts, printing growth as the load did in the writer. */
    private void loadInProcess(BucketDB db, long from, GrowthWatch watch, Progress bar, PrintWriter out) {
        // Keep a window of asynchronous puts in flight: the ring batches them into group commits,
        // where one blocking put at a time would pay a hand-off to the writer thread per key.
        @SuppressWarnings("unchecked")
        CompletableFuture<Boolean>[] window = new CompletableFuture[WriterChild.LOAD_WINDOW];
        long nextCheck = from;
        for (long k = from; k < keys; k++) {
            int w = (int) (k & (window.length - 1));
            if (window[w] != null) {
                window[w].join();
            }
            window[w] = db.putLongAsync(k, value(k));
            if (k == nextCheck || k == keys - 1) {
                nextCheck = k + Math.max(256, Math.min(MAX_CHECK_INTERVAL, Long.highestOneBit(k + 1) / 16));
                String line = watch.observe(db.growth(), k + 1);
                if (line != null) {
                    bar.println(out, "   " + line);
                }
                bar.update(k + 1);
            }
        }
        for (CompletableFuture<Boolean> f : window) {
            if (f != null) {
                f.join();
            }
        }
    }

    /**
     * What recovery kept of the killed load: keys {@code 0..acknowledged-1} must all be there with their value;
     * later ones were in flight and may be there (with their value) or not.
     */
    private record Recovered(long good, long inFlight, long wrongBeyond) {
    }

    private Recovered checkAcknowledged(BucketDB db, long acknowledged) {
        long good = 0;
        long inFlight = 0;
        long wrongBeyond = 0;
        for (long k = 0; k < keys; k++) {
            long v = db.getLong(k, ~value(k));
            if (k < acknowledged) {
                if (v == value(k)) {
                    good++;
                }
            } else if (v == value(k)) {
                inFlight++;
            } else if (v != ~value(k)) {
                wrongBeyond++;
            }
        }
        return new Recovered(good, inFlight, wrongBeyond);
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
