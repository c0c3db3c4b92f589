package io.bucketdb.tools;

import io.bucketdb.BucketDB;
import io.bucketdb.inspect.BucketView;
import io.bucketdb.inspect.ChainBucket;
import io.bucketdb.inspect.IndexInspector;
import io.bucketdb.inspect.Location;
import io.bucketdb.inspect.Slot;
import io.bucketdb.storage.Header;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;

/**
 * {@code bucketdb dump DIR}: buckets as the table stores them, tophash states named, chains followed;
 * one bucket (and its old bucket while growing), or the place of one key and why it is there.
 */
@Command(name = "dump", mixinStandardHelpOptions = true,
        description = {"Show buckets as the table stores them: each slot's tophash (or state: emptyRest, emptyOne, evacuatedX, "
                + "evacuatedY, evacuatedEmpty), keys, values and overflow chains with file offsets.",
                "Without --bucket or --key, dumps the buckets in order (--limit of them); during a growth the old array follows.",
                "The buckets are those of the checkpoint image on disk; --key also shows the key's value in a read-only view "
                        + "(the image plus the journal after it, replayed in memory), and exits 1 if the key is absent (from the view; from the image if no view opens)."},
        footer = {"%nExamples:%n  bucketdb dump /data/idx --bucket 12%n  bucketdb dump /data/idx --key 42%n"
                + "  bucketdb dump /data/idx --limit 0 --json > buckets.json",
                "%nExit codes: 0 success, 1 --key: the key is absent, 2 usage error, 3 I/O error (missing, unreadable or damaged index)."})
final class DumpCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Parameters(index = "0", paramLabel = "DIR", description = "The index directory.")
    Path dir;

    @Option(names = "--bucket", paramLabel = "N", description = "Dump bucket N of the current array (and its old bucket while growing).")
    Long bucket;

    @Option(names = "--key", paramLabel = "K", description = "Show where key K lives and why: hash, bucket, tophash, growth state, slot.")
    String key;

    @Option(names = "--format", paramLabel = "FORMAT",
            description = "How keys and values are shown: hex, utf8, long (8-byte fields, little-endian) or base64. "
                    + "Default: long for 8-byte keys and values, else hex. Also how --key is read.")
    Format format;

    @Option(names = "--json", description = "Print JSON instead of text.")
    boolean json;

    @Option(names = "--limit", paramLabel = "N", defaultValue = "16",
            description = "Buckets to dump without --bucket or --key (default ${DEFAULT-VALUE}; 0 for all).")
    long limit;

    @Override
    public Integer call() throws IOException {
        if (bucket != null && key != null) {
            throw CliException.usage("give --bucket or --key, not both");
        }
        if (limit < 0) {
            throw CliException.usage("--limit must be 0 (all) or more, got " + limit);
        }
        PrintWriter out = spec.commandLine().getOut();
        // Read whole before the view opens, and read again if a live writer replaced the image meanwhile: a
        // checkpoint writing pages in place under the read made dump say "the index is damaged" (exit 3).
        Image img = Views.consistent(dir, this::read);
        Header h = img.header();
        try (Views.Attempt view = Views.attempt(dir)) {
            if (img.key() != null) {
                return dumpKey(img, view, out);
            }
            say(view, h, false);
            emit(img.buckets(), h, img.format(), out, bucket != null ? 0
                    : (1L << h.b) + (h.growing() ? 1L << h.oldB : 0) - img.buckets().size());
        }
        out.flush();
        return Exit.OK;
    }

    /**
     * What dump shows of one checkpoint image: its header, the format, and the buckets to dump, or for --key the
     * key, where it lives and the chain searched.
     */
    private record Image(Header header, Format format, List<BucketView> buckets, byte[] key, Location location, BucketView searched) {
    }

    private Image read(IndexInspector in) throws IOException {
        Header h = in.header();
        Format f = format != null ? format : Format.displayDefault(h.keyWidth, h.valueWidth);
        if (bucket != null && (bucket < 0 || bucket >= 1L << h.b)) {
            throw CliException.usage("--bucket " + bucket + " does not exist: the index has " + Text.count(1L << h.b)
                    + " buckets (0.." + ((1L << h.b) - 1) + ")");
        }
        if (key != null) {
            byte[] k = parseKey(h, f);
            Location loc = in.locate(k);
            BucketView searched = loc.inOldArray() ? in.oldBucket(loc.oldBucket()) : in.bucket(loc.bucket());
            return new Image(h, f, List.of(), k, loc, searched);
        }
        List<BucketView> views = new ArrayList<>();
        if (bucket != null) {
            views.add(in.bucket(bucket));
            if (h.growing()) {
                views.add(in.oldBucket(bucket & ((1L << h.oldB) - 1)));
            }
        } else {
            long total = (1L << h.b) + (h.growing() ? 1L << h.oldB : 0);
            long n = limit == 0 ? total : Math.min(limit, total);
            for (long b = 0; b < n; b++) {
                views.add(b < 1L << h.b ? in.bucket(b) : in.oldBucket(b - (1L << h.b)));
            }
        }
        return new Image(h, f, views, null, null, null);
    }

    /**
     * The view's line on stderr, once the input is checked and the image read (so that bad input and damage stay
     * one line), and what the journal after the image adds, which the buckets shown do not hold.
     */
    private void say(Views.Attempt view, Header h, boolean forKey) throws IOException {
        PrintWriter err = spec.commandLine().getErr();
        view.say(err, spec.qualifiedName());
        if (view.view() != null && view.view().lsn() > h.checkpointLsn) {
            // The LSN range, not recordsReplayed: that counts puts and deletes only, 0 when the view's own image is
            // newer than h or the journal after the checkpoint holds only batch boundaries or growth markers.
            err.println(spec.qualifiedName() + ": the buckets shown are the checkpoint image at LSN " + h.checkpointLsn
                    + "; the journal after it, up to LSN " + view.view().lsn() + ", is in the view only"
                    + (forKey ? " (its value of the key is shown)" : ""));
            err.flush();
        }
    }

    private void emit(List<BucketView> views, Header h, Format f, PrintWriter out, long more) {
        if (json) {
            Map<String, Object> m = Json.object();
            m.put("B", h.b);
            m.put("growing", h.growing());
            m.put("oldB", h.growing() ? h.oldB : null);
            m.put("format", f.label());
            m.put("buckets", views.stream().map(v -> (Object) BucketText.json(v, f)).toList());
            m.put("more", more);
            out.println(Json.value(m));
            return;
        }
        out.println(summary(h));
        for (BucketView v : views) {
            out.println();
            BucketText.lines(v, v.old() ? h.oldB : h.b, f).forEach(out::println);
        }
        if (more > 0) {
            out.println();
            out.println("... " + Text.count(more) + " more buckets (--limit 0 dumps all, --bucket N one)");
        }
    }

    private static String summary(Header h) {
        return "B=" + h.b + " (" + Text.count(1L << h.b) + " buckets), " + Text.count(h.count) + " entries, "
                + h.keyWidth + "-byte keys, " + (h.outlineValues() ? h.outlineValueWidth + "-byte values out of line"
                : h.valueWidth + "-byte values")
                + (h.growing() ? ", growing from B=" + h.oldB + " (old buckets below " + h.nevacuate + " evacuated)" : "");
    }

    private byte[] parseKey(Header h, Format f) {
        try {
            return f.parse(key, Format.keyWidth(h), "key");
        } catch (IllegalArgumentException e) {
            throw CliException.usage(e.getMessage());
        }
    }

    /**
     * Explains where {@code k} lives in the checkpoint image, and what the view (when it opened) holds for it;
     * {@link Exit#PROBLEMS} if the key is absent (see {@link #absent}).
     */
    private int dumpKey(Image img, Views.Attempt attempt, PrintWriter out) throws IOException {
        Header h = img.header();
        Format f = img.format();
        byte[] k = img.key();
        Location loc = img.location();
        BucketView searched = img.searched();
        BucketDB view = attempt.view();
        byte[] inView = view == null ? null : view.get(k);
        say(attempt, h, true);
        if (json) {
            Map<String, Object> m = Json.object();
            m.put("key", BucketText.jsonValue(f, k));
            m.put("hash", String.format("0x%016x", loc.hash()));
            m.put("bucket", loc.bucket());
            m.put("bucketOffset", loc.bucketOffset());
            m.put("tophash", loc.tophash());
            m.put("growing", loc.growing());
            if (loc.growing()) {
                m.put("oldBucket", loc.oldBucket());
                m.put("oldBucketOffset", loc.oldBucketOffset());
                m.put("oldEvacuated", loc.oldEvacuated());
            }
            m.put("found", loc.found());
            if (loc.found()) {
                m.put("array", loc.inOldArray() ? "old" : "current");
                m.put("foundBucketOffset", loc.foundBucketOffset());
                m.put("chainPosition", loc.chainPosition());
                m.put("slot", loc.slot());
                m.put("value", BucketText.jsonValue(f, loc.value()));
                Slot s = found(searched, loc);
                if (s != null && s.keyAt() != null) {
                    m.put("keyStored", s.keyAt().toString());
                }
                if (s != null && s.valueAt() != null) {
                    m.put("valueStored", s.valueAt().toString());
                }
            }
            m.put("chain", BucketText.json(searched, f));
            if (view != null) {
                m.put("viewLsn", view.lsn());
                m.put("viewValue", inView == null ? null : BucketText.jsonValue(f, inView));
            }
            out.println(Json.value(m));
            out.flush();
            return absent(loc, view, inView) ? Exit.PROBLEMS : Exit.OK;
        }
        Text.Columns t = new Text.Columns();
        t.row("key", f.text(k));
        t.row("hash", String.format("0x%016x (%s)", loc.hash(), h.keyedHash()
                ? "rapidhash, secrets derived from this index's seed"
                : "rapidhash with public secrets and this index's seed: a file created before format version 3"));
        t.row("bucket", loc.bucket() + " of " + Text.count(1L << h.b) + " (the low " + h.b + " bits of the hash) @ offset " + loc.bucketOffset());
        t.row("tophash", String.format("0x%02x (the top 8 bits of the hash%s)", loc.tophash(),
                (loc.hash() >>> 56) < 5 ? ", bumped above the slot states" : ""));
        if (loc.growing()) {
            t.row("growth", "old bucket " + loc.oldBucket() + " of " + Text.count(1L << h.oldB) + " @ offset " + loc.oldBucketOffset()
                    + (loc.oldEvacuated() ? " is evacuated, so lookups use the new bucket"
                    : " is not evacuated yet, so the key lives in the old bucket's chain"));
        }
        if (loc.found()) {
            t.row("found", "chain position " + loc.chainPosition() + ", bucket @ offset " + loc.foundBucketOffset() + ", slot " + loc.slot()
                    + (loc.inOldArray() ? " (old array)" : ""));
            t.row("value", f.text(loc.value()));
            Slot s = found(searched, loc);
            if (s != null && (s.keyAt() != null || s.valueAt() != null)) {
                t.row("stored", BucketText.stored(s));
            }
        } else {
            t.row("found", "no: not in the chain of " + (loc.inOldArray() ? "old bucket " + loc.oldBucket() : "bucket " + loc.bucket()));
        }
        if (view != null) {
            t.row("view", (inView == null ? "absent" : "value " + f.text(inView)) + " in the view as of LSN " + view.lsn()
                    + (view.lsn() > h.checkpointLsn ? " (the image above is at LSN " + h.checkpointLsn + ")" : ""));
        }
        t.lines("").forEach(out::println);
        out.println();
        BucketText.lines(searched, searched.old() ? h.oldB : h.b, f).forEach(out::println);
        out.flush();
        return absent(loc, view, inView) ? Exit.PROBLEMS : Exit.OK;
    }

    /** Whether the index lacks the key: its view when it opened (what get answers), else the image explained. */
    private static boolean absent(Location loc, BucketDB view, byte[] inView) {
        return view != null ? inView == null : !loc.found();
    }

    /** The slot {@code loc} found, in the chain view of its bucket. */
    private static Slot found(BucketView searched, Location loc) {
        for (ChainBucket cb : searched.chain()) {
            if (cb.offset() == loc.foundBucketOffset()) {
                return cb.slots().get(loc.slot());
            }
        }
        return null;
    }
}
