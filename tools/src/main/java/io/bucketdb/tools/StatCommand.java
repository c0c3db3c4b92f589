package io.bucketdb.tools;

import io.bucketdb.inspect.Census;
import io.bucketdb.inspect.HeapUsage;
import io.bucketdb.inspect.IndexInspector;
import io.bucketdb.storage.Header;
import io.bucketdb.storage.VarSlotLayout;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
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

    /** The numbers {@code stat} prints, under the names of its JSON output. */
    static Map<String, Object> numbers(IndexInspector in) throws java.io.IOException {
        Header h = in.header();
        Census c = in.census();
        long buckets = 1L << h.b;
        Map<String, Object> m = Json.object();
        m.put("directory", in.directory().toString());
        m.put("count", h.count);
        m.put("B", h.b);
        m.put("buckets", buckets);
        m.put("loadFactor", (double) h.count / buckets);
        m.put("overflowBuckets", h.overflowBuckets);
        m.put("freeOverflowBuckets", h.ovfFreeCount);
        m.put("chainHistogram", c.chainHistogram());
        m.put("growing", h.growing());
        m.put("sameSizeGrowth", h.sameSizeGrow());
        m.put("oldBuckets", c.oldBuckets());
        m.put("evacuated", c.evacuatedOldBuckets());
        m.put("evacuationMark", h.nevacuate);
        m.put("keyWidth", h.keyWidth);
        m.put("valueWidth", h.valueWidth);
        m.put("variableKeys", h.varKeys());
        m.put("variableValues", h.varValues());
        HeapUsage heap = in.heapUsage();
        m.put("heapBytesInUse", heap.bytesInUse());
        m.put("heapBytesFree", heap.bytesFree());
        m.put("heapLargeBlocks", heap.largeBlocks());
        m.put("heapLargeBytes", heap.largeBytes());
        List<Object> classes = new ArrayList<>();
        for (HeapUsage.SmallClass sc : heap.classes()) {
            Map<String, Object> cm = Json.object();
            cm.put("blockBytes", (long) sc.blockBytes());
            cm.put("blocks", sc.blocks());
            cm.put("inUse", sc.inUse());
            cm.put("free", sc.free());
            classes.add(cm);
        }
        m.put("heapClasses", classes);
        m.put("bucketBytes", h.bucketSize());
        m.put("fileBytes", in.fileBytes());
        m.put("allocatedBytes", h.fileEnd);
        m.put("freeBytes", in.freeBytes());
        m.put("wastedBytes", h.wastedBytes);
        m.put("bytesPerEntry", h.count == 0 ? 0.0 : (double) in.fileBytes() / h.count);
        m.put("journalBytes", journalBytes(in.file().getParent()));
        m.put("checkpointLsn", h.checkpointLsn);
        m.put("generation", h.generation);
        m.put("headerSlot", in.activeSlot() == 0 ? "A" : "B");
        m.put("cleanClose", h.cleanClose);
        m.put("imageAgeSeconds", imageAgeSeconds(in.file()));
        m.put("recovery", "nothing to replay: this format has no journal yet");
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
        t.row("chains", histogram((long[]) s.get("chainHistogram")));
        t.row("growth", growth(s));
        t.row("widths", width("key", s.get("keyWidth"), (boolean) s.get("variableKeys")) + ", "
                + width("value", s.get("valueWidth"), (boolean) s.get("variableValues")) + ", bucket " + s.get("bucketBytes") + " bytes");
        if ((boolean) s.get("variableKeys") || (boolean) s.get("variableValues")) {
            t.row("heap", heap(s));
        }
        t.row("file", Text.bytes((long) s.get("fileBytes")) + " on disk (" + Text.count((long) s.get("fileBytes")) + " bytes), "
                + Text.bytes((long) s.get("allocatedBytes")) + " allocated, " + Text.bytes((long) s.get("freeBytes")) + " free, "
                + Text.bytes((long) s.get("wastedBytes")) + " alignment gaps");
        t.row("per entry", count == 0 ? "-" : String.format("%.1f bytes", (double) s.get("bytesPerEntry")));
        t.row("journal", Text.bytes((long) s.get("journalBytes")));
        t.row("recovery", (String) s.get("recovery"));
        t.lines("").forEach(out::println);
    }

    private static String width(String what, Object slotWidth, boolean variable) {
        int w = (int) slotWidth;
        return variable ? what + " variable-length (" + VarSlotLayout.inlineWidth(w) + " bytes inline, " + w + "-byte slot)"
                : what + " " + w + " bytes";
    }

    /** In use and free, then each class that has blocks: "64 B: 10 in use, 54 free". */
    @SuppressWarnings("unchecked")
    private static String heap(Map<String, Object> s) {
        StringBuilder b = new StringBuilder(Text.bytes((long) s.get("heapBytesInUse")) + " in use, "
                + Text.bytes((long) s.get("heapBytesFree")) + " free");
        for (Object o : (List<Object>) s.get("heapClasses")) {
            Map<String, Object> c = (Map<String, Object>) o;
            if ((long) c.get("blocks") > 0) {
                b.append("; ").append(c.get("blockBytes")).append(" B: ").append(Text.count((long) c.get("inUse"))).append(" in use, ")
                        .append(Text.count((long) c.get("free"))).append(" free");
            }
        }
        long large = (long) s.get("heapLargeBlocks");
        if (large > 0) {
            b.append("; large: ").append(Text.count(large)).append(" blocks, ").append(Text.bytes((long) s.get("heapLargeBytes")));
        }
        return b.toString();
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

    private static String histogram(long[] h) {
        StringBuilder b = new StringBuilder("length ");
        for (int k = 0; k < h.length; k++) {
            if (h[k] == 0) {
                continue;
            }
            b.append(k + 1).append(k == h.length - 1 ? "+" : "").append(": ").append(Text.count(h[k])).append("  ");
        }
        return b.toString().strip();
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

    /** Bytes of the journal segment files beside the table (preallocated segments count in full). */
    static long journalBytes(java.nio.file.Path dir) throws java.io.IOException {
        try (var files = java.nio.file.Files.list(dir)) {
            long sum = 0;
            for (java.nio.file.Path p : (Iterable<java.nio.file.Path>) files::iterator) {
                String n = p.getFileName().toString();
                if (n.startsWith("journal-") && n.endsWith(".log")) {
                    sum += java.nio.file.Files.size(p);
                }
            }
            return sum;
        }
    }
}
