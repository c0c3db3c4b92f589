package io.bucketdb.tools;

import io.bucketdb.Stats;
import io.bucketdb.inspect.IndexInspector;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

import java.io.PrintWriter;
import java.lang.reflect.RecordComponent;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;

/**
 * {@code bucketdb stat DIR}: the header and the numbers that matter, read through the inspector
 * (read-only, no lock, so it works on a live index and shows its last checkpoint image).
 */
@Command(name = "stat", mixinStandardHelpOptions = true,
        description = {"Show an index's numbers: entries, buckets and load, overflow chains, growth in progress, widths, "
                + "bytes on disk and per entry, generation and close state.",
                "Reads the file read-only without the lock, so it also works while a writer has the index open "
                        + "(it then shows the last image written to disk and how old it is)."},
        footer = {"%nExamples:%n  bucketdb stat /data/idx%n  bucketdb stat /data/idx --json", Exit.FOOTER})
final class StatCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Parameters(index = "0", paramLabel = "DIR", description = "The index directory.")
    Path dir;

    @Option(names = "--json", description = "Print one JSON object instead of text.")
    boolean json;

    @Override
    public Integer call() throws Exception {
        PrintWriter out = spec.commandLine().getOut();
        try (IndexInspector in = IndexInspector.open(dir)) {
            Map<String, Object> s = numbers(in);
            if (json) {
                out.println(Json.value(s));
            } else {
                print(out, s);
            }
        }
        out.flush();
        return Exit.OK;
    }

    /**
     * The numbers {@code stat} prints, under the names of its JSON output: the {@link Stats} of the image
     * ({@link IndexInspector#stats()}, the same record {@code BucketDB.stats()} returns for an open index)
     * and the image's age, which only the file on disk has.
     */
    static Map<String, Object> numbers(IndexInspector in) throws java.io.IOException {
        Stats st = in.stats();
        Map<String, Object> m = Json.object();
        for (RecordComponent c : Stats.class.getRecordComponents()) {
            try {
                Object v = c.getAccessor().invoke(st);
                m.put(c.getName().equals("b") ? "B" : c.getName(), v instanceof Path p ? p.toString() : v);
            } catch (ReflectiveOperationException e) {
                throw new IllegalStateException("Stats." + c.getName(), e);
            }
        }
        m.put("bytesPerEntry", st.bytesPerEntry());
        m.put("imageAgeSeconds", imageAgeSeconds(in.file()));
        return m;
    }

    private static long imageAgeSeconds(Path file) {
        try {
            long ms = System.currentTimeMillis() - Files.getLastModifiedTime(file).toMillis();
            return Math.max(0, ms / 1000);
        } catch (java.io.IOException e) {
            return -1;
        }
    }

    private static void print(PrintWriter out, Map<String, Object> s) {
        long count = (long) s.get("count");
        Text.Columns t = new Text.Columns();
        t.row("index", s.get("directory") + " (header slot " + s.get("headerSlot") + ", generation " + s.get("generation") + ", "
                + ((boolean) s.get("cleanClose") ? "closed cleanly" : "not closed cleanly: open now, or it crashed") + ")");
        t.row("image", "written " + age((long) s.get("imageAgeSeconds")) + ", checkpoint LSN " + s.get("checkpointLsn"));
        t.row("entries", Text.count(count));
        t.row("buckets", Text.count((long) s.get("buckets")) + " (B=" + s.get("B") + "), load factor "
                + String.format("%.2f", (double) s.get("loadFactor")) + " (doubles above 6.5)");
        t.row("overflow", Text.count((long) s.get("overflowBuckets")) + " buckets in chains, "
                + Text.count((long) s.get("freeOverflowBuckets")) + " free");
        t.row("chains", histogram((List<?>) s.get("chainHistogram")));
        t.row("growth", growth(s));
        t.row("widths", "key " + s.get("keyWidth") + " bytes, value " + s.get("valueWidth") + " bytes, bucket "
                + s.get("bucketBytes") + " bytes");
        t.row("file", Text.bytes((long) s.get("fileBytes")) + " on disk (" + Text.count((long) s.get("fileBytes")) + " bytes), "
                + Text.bytes((long) s.get("allocatedBytes")) + " allocated, " + Text.bytes((long) s.get("freeBytes")) + " free, "
                + Text.bytes((long) s.get("wastedBytes")) + " alignment gaps");
        t.row("per entry", count == 0 ? "-" : String.format("%.1f bytes (all files of the directory)", (double) s.get("bytesPerEntry")));
        t.row("journal", Text.bytes((long) s.get("journalBytes")));
        t.row("directory", Text.bytes((long) s.get("directoryBytes")) + " on disk, all files (table, journal, "
                + "double-write, page checksums)");
        t.row("recovery", recovery(s));
        t.lines("").forEach(out::println);
    }

    private static String growth(Map<String, Object> s) {
        if (!(boolean) s.get("growing")) {
            return "none in progress";
        }
        int b = (int) s.get("B");
        boolean same = (boolean) s.get("sameSizeGrowth");
        return (same ? "same-size (packing overflow chains) at B=" + b : "doubling B=" + (b - 1) + " -> " + b) + ": "
                + Text.count((long) s.get("evacuated")) + " of " + Text.count((long) s.get("oldBuckets"))
                + " old buckets evacuated (mark at " + Text.count((long) s.get("evacuationMark")) + ")";
    }

    private static String histogram(List<?> h) {
        StringBuilder b = new StringBuilder("length ");
        for (int k = 0; k < h.size(); k++) {
            long n = (Long) h.get(k);
            if (n == 0) {
                continue;
            }
            b.append(k + 1).append(k == h.size() - 1 ? "+" : "").append(": ").append(Text.count(n)).append("  ");
        }
        return b.toString().strip();
    }

    private static String recovery(Map<String, Object> s) {
        long records = (long) s.get("replayRecords");
        long torn = (long) s.get("replayTornBytes");
        if (records == 0 && torn == 0) {
            return "nothing to replay: the journal holds nothing after the checkpoint";
        }
        return "an open would replay " + Text.count(records) + " journal records after the checkpoint"
                + (torn > 0 ? " and drop a torn tail of " + Text.count(torn) + " bytes" : "");
    }

    private static String age(long secs) {
        if (secs < 0) {
            return "at an unknown time";
        }
        if (secs < 120) {
            return secs + " s ago";
        }
        if (secs < 7200) {
            return secs / 60 + " min ago";
        }
        return secs / 3600 + " h ago";
    }
}
