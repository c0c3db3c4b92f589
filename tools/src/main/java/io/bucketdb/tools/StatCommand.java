package io.bucketdb.tools;

import io.bucketdb.BucketDB;
import io.bucketdb.Stats;
import io.bucketdb.inspect.IndexInspector;
import io.bucketdb.recovery.JournalCheck;
import io.bucketdb.storage.Header;
import io.bucketdb.storage.VarSlotLayout;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;

/**
 * {@code bucketdb stat DIR}: the header and the numbers that matter, read through the inspector
 * (read-only, no lock, so it works on a live index and shows its last checkpoint image), with the entry
 * count and LSN of a read-only view opened next to it (the image plus the journal replayed after it).
 */
@Command(name = "stat", mixinStandardHelpOptions = true,
        description = {"Show an index's numbers: entries, buckets and load, overflow chains, growth in progress, widths, "
                + "bytes on disk and per entry, generation and close state.",
                "Reads the file read-only without the lock, so it also works while a writer has the index open "
                        + "(it then shows the last image written to disk and how old it is). The entries line also shows "
                        + "the count of a read-only view (the image plus the journal records after it, replayed in memory); "
                        + "--json adds viewLsn, recordsReplayed and viewCount.",
                "A staging directory beside DIR (.DIR.bucketdb-new: a build, import or compaction running, or one that crashed) "
                        + "is shown with its size on a leftover line (--json: stagingLeftover, stagingLeftoverBytes, "
                        + "stagingLeftoverHolder, stagingLeftoverRemovable); a crashed one goes away at the next writable open of DIR or its next build."},
        footer = {"%nExamples:%n  bucketdb stat /data/idx%n  bucketdb stat /data/idx --json",
                "%nExit codes: 0 success, 2 usage error, 3 I/O error (missing, unreadable or damaged index)."})
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
        Map<String, Object> s = Views.consistent(dir, in -> numbers(in, LiveImage.of(in)));
        LeftoverLine.putInto(s, dir); // beside the index, not in it: the same whichever image was read
        try (Views.Attempt view = Views.attempt(dir)) {
            putView(s, view.view());
            view.say(spec.commandLine().getErr(), spec.qualifiedName());
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
     * ({@link IndexInspector#stats()}, the same record {@code BucketDB.stats()} returns for an open index),
     * then what only the files on disk tell: the split of the directory's bytes, the image's time and
     * whether a writer has the index open, and what an open would do with the journal.
     */
    static Map<String, Object> numbers(IndexInspector in, LiveImage image) throws java.io.IOException {
        Stats st = in.stats();
        Map<String, Object> m = Json.object();
        Json.fields(st).forEach((name, v) -> m.put(name.equals("b") ? "B" : name, v));
        // Every file the index costs, not only the table: the journal's preallocated segments can outweigh a small table.
        m.put("bytesPerEntry", st.bytesPerEntry());
        m.put("tableBytesPerEntry", st.count() == 0 ? 0.0 : (double) st.fileBytes() / st.count());
        // Issue 19: what the files take in disk blocks (checkpoints punch free space out of the table); -1 if unknown.
        m.put("fileDiskBytes", io.bucketdb.inspect.StatsCollector.diskBytes(in.directory().resolve(io.bucketdb.storage.IndexFileNames.TABLE)));
        m.put("directoryDiskBytes", io.bucketdb.inspect.StatsCollector.diskBytes(in.directory()));
        image.putInto(m);
        m.put("recovery", recovery(in, in.header()));
        return m;
    }

    /**
     * The read-only view's fields, null where it could not be opened: the LSN it shows, the journal records it
     * replayed after the checkpoint image, and its entry count (the image's is {@code count}).
     */
    private static void putView(Map<String, Object> m, BucketDB view) {
        m.put("viewLsn", view == null ? null : view.lsn());
        m.put("recordsReplayed", view == null ? null : view.recovery().recordsReplayed());
        m.put("viewCount", view == null ? null : view.size());
    }

    /** What opening the index for writing would do with the journal, judged as {@code verify} judges it. */
    private static String recovery(IndexInspector in, Header h) {
        JournalCheck j;
        try {
            j = in.journalCheck();
        } catch (java.io.IOException e) {
            return "journal unreadable (" + e.getMessage() + ")";
        }
        if (j.damaged()) {
            return "open would refuse the journal (damaged): run 'bucketdb verify " + in.directory() + "'";
        }
        String torn = j.tornBytes() > 0 ? ", and drop a torn tail of " + Text.count(j.tornBytes()) + " bytes" : "";
        if (j.records() == 0) {
            return "nothing to replay after checkpoint LSN " + h.checkpointLsn + torn;
        }
        return "open replays " + Text.count(j.records()) + " journal records (LSN " + (h.checkpointLsn + 1) + " to " + j.lastLsn()
                + ", " + Text.bytes(j.recordBytes()) + ")" + torn;
    }

    private static void print(PrintWriter out, Map<String, Object> s) {
        long count = (long) s.get("count");
        Text.Columns t = new Text.Columns();
        t.row("index", s.get("directory") + " (header slot " + s.get("headerSlot") + ", generation " + s.get("generation") + ", "
                + ((boolean) s.get("cleanClose") ? "closed cleanly" : "not closed cleanly: open now, or it crashed") + ")");
        t.row("image", "checkpoint of " + s.get("imageTime") + " (" + LiveImage.age((long) s.get("imageAgeMillis")) + " ago), checkpoint LSN "
                + s.get("checkpointLsn") + ((boolean) s.get("live") ? "; live: LOCK held by " + s.get("lockHolder") : ""));
        t.row("entries", s.get("viewLsn") == null ? Text.count(count) + " in the checkpoint image (no view: see above)"
                : Text.count((long) s.get("viewCount")) + " in the view as of LSN " + s.get("viewLsn") + " ("
                + Text.count((long) s.get("recordsReplayed")) + " journal records replayed), " + Text.count(count)
                + " in the checkpoint image");
        t.row("buckets", Text.count((long) s.get("buckets")) + " (B=" + s.get("B") + "), load factor "
                + String.format("%.2f", (double) s.get("loadFactor")) + " (doubles above 6.5)");
        t.row("overflow", Text.count((long) s.get("overflowBuckets")) + " buckets in chains, "
                + Text.count((long) s.get("freeOverflowBuckets")) + " free");
        t.row("chains", histogram((List<?>) s.get("chainHistogram")));
        t.row("growth", growth(s));
        t.row("widths", width("key", s.get("keyWidth"), (boolean) s.get("variableKeys")) + ", "
                + width("value", s.get("valueWidth"), (boolean) s.get("variableValues"))
                + (Boolean.TRUE.equals(s.get("valuesOutOfLine")) ? " out of line (in the value heap)" : "")
                + ", bucket " + s.get("bucketBytes") + " bytes");
        if ((boolean) s.get("variableKeys") || (boolean) s.get("variableValues") || Boolean.TRUE.equals(s.get("valuesOutOfLine"))) {
            t.row("heap", heap(s));
        }
        t.row("file", Text.bytes((long) s.get("fileBytes")) + " on disk (" + Text.count((long) s.get("fileBytes")) + " bytes), "
                + Text.bytes((long) s.get("allocatedBytes")) + " allocated, " + Text.bytes((long) s.get("freeBytes")) + " free, "
                + Text.bytes((long) s.get("wastedBytes")) + " alignment gaps" + blocks(s, "fileDiskBytes", "fileBytes"));
        t.row("directory", Text.bytes((long) s.get("directoryBytes")) + ": table " + Text.bytes((long) s.get("fileBytes")) + ", journal "
                + Text.bytes((long) s.get("journalBytes")) + " (grows with use while open, a header only after a clean close), page checksums "
                + Text.bytes((long) s.get("checksumBytes")) + ", double-write " + Text.bytes((long) s.get("doubleWriteBytes"))
                + ((long) s.get("otherBytes") > 0 ? ", other " + Text.bytes((long) s.get("otherBytes")) : "")
                + blocks(s, "directoryDiskBytes", "directoryBytes"));
        if (s.get("stagingLeftover") != null) {
            t.row("leftover", LeftoverLine.describe(String.valueOf(s.get("directory")), (String) s.get("stagingLeftover"),
                    (long) s.get("stagingLeftoverBytes"), (String) s.get("stagingLeftoverHolder"),
                    (boolean) s.get("stagingLeftoverRemovable")));
        }
        t.row("per entry", count == 0 ? "-" : String.format("%.1f bytes (all files; the table alone %.1f)",
                (double) s.get("bytesPerEntry"), (double) s.get("tableBytesPerEntry")));
        t.row("recovery", (String) s.get("recovery"));
        t.lines("").forEach(out::println);
    }

    /** "; 12.0 MiB in disk blocks (3.0 MiB given back)", or nothing where the platform does not tell. */
    private static String blocks(Map<String, Object> s, String diskKey, String sizeKey) {
        long disk = (long) s.get(diskKey);
        if (disk < 0) {
            return "";
        }
        long holes = (long) s.get(sizeKey) - disk;
        return "; " + Text.bytes(disk) + " in disk blocks" + (holes > 0 ? " (" + Text.bytes(holes) + " not allocated)" : "");
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

}
