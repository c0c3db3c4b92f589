package io.bucketdb.tools;

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
                "Without --bucket or --key, dumps the buckets in order (--limit of them); during a growth the old array follows."},
        footer = {"%nExamples:%n  bucketdb dump /data/idx --bucket 12%n  bucketdb dump /data/idx --key 42%n"
                + "  bucketdb dump /data/idx --limit 0 --json > buckets.json", Exit.FOOTER})
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
            description = "How keys and values are shown: hex, utf8 or long (8-byte fields, little-endian). "
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
        try (IndexInspector in = IndexInspector.open(dir)) {
            LiveImage.report(in, spec.commandLine().getErr(), spec.qualifiedName());
            Header h = in.header();
            Format f = format != null ? format : Format.displayDefault(h.keyWidth, h.valueWidth);
            if (key != null) {
                dumpKey(in, h, f, out);
            } else if (bucket != null) {
                if (bucket < 0 || bucket >= 1L << h.b) {
                    throw CliException.usage("--bucket " + bucket + " does not exist: the index has " + Text.count(1L << h.b)
                            + " buckets (0.." + ((1L << h.b) - 1) + ")");
                }
                List<BucketView> views = new ArrayList<>();
                views.add(in.bucket(bucket));
                if (h.growing()) {
                    views.add(in.oldBucket(bucket & ((1L << h.oldB) - 1)));
                }
                emit(views, h, f, out, 0);
            } else {
                dumpAll(in, h, f, out);
            }
        }
        out.flush();
        return Exit.OK;
    }

    private void dumpAll(IndexInspector in, Header h, Format f, PrintWriter out) throws IOException {
        long total = (1L << h.b) + (h.growing() ? 1L << h.oldB : 0);
        long n = limit == 0 ? total : Math.min(limit, total);
        List<BucketView> views = new ArrayList<>();
        for (long k = 0; k < n; k++) {
            views.add(k < 1L << h.b ? in.bucket(k) : in.oldBucket(k - (1L << h.b)));
        }
        emit(views, h, f, out, total - n);
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
                + h.keyWidth + "-byte keys, " + h.valueWidth + "-byte values"
                + (h.growing() ? ", growing from B=" + h.oldB + " (old buckets below " + h.nevacuate + " evacuated)" : "");
    }

    private void dumpKey(IndexInspector in, Header h, Format f, PrintWriter out) throws IOException {
        byte[] k;
        try {
            k = f.parse(key, Format.keyWidth(h), "key");
        } catch (IllegalArgumentException e) {
            throw CliException.usage(e.getMessage());
        }
        Location loc = in.locate(k);
        BucketView searched = loc.inOldArray() ? in.oldBucket(loc.oldBucket()) : in.bucket(loc.bucket());
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
            out.println(Json.value(m));
            return;
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
        t.lines("").forEach(out::println);
        out.println();
        BucketText.lines(searched, searched.old() ? h.oldB : h.b, f).forEach(out::println);
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
