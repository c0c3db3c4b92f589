package io.bucketdb.tools;

import io.bucketdb.BucketDB;
import io.bucketdb.Options;
import io.bucketdb.Stats;
import io.bucketdb.inspect.IndexInspector;
import io.bucketdb.spi.CorruptIndexException;
import io.bucketdb.storage.IndexFileNames;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.reflect.RecordComponent;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.*;

class StatCommandTest {
    @TempDir
    Path tmp;

    @Test
    void shouldPrintTheNumbersThatMatter() throws IOException {
        Path dir = Cli.longIndex(tmp.resolve("idx"), 20_000);
        Cli.Result r = Cli.run("stat", dir.toString());
        assertEquals(0, r.code(), r::toString);
        assertTrue(r.out().contains("entries    20,000"), r::toString);
        assertTrue(r.out().contains("buckets    4,096 (B=12), load factor 4.88"), r::toString);
        assertTrue(r.out().contains("growth     none in progress"), r::toString);
        assertTrue(r.out().contains("widths     key 8 bytes, value 8 bytes, bucket 144 bytes"), r::toString);
        assertTrue(r.out().contains("closed cleanly"), r::toString);
        assertTrue(r.out().contains("chains     length 1: "), r::toString);
        assertTrue(r.out().contains("entries    20,000 in the view as of LSN "), r::toString);
        assertTrue(r.out().contains(" journal records replayed), 20,000 in the checkpoint image"), r::toString);
        assertEquals(1, r.errLines().length, r::toString);
        assertTrue(r.err().matches("bucketdb: " + Pattern.quote(dir.toString()) + " as of LSN \\d+ \\(checkpoint LSN \\d+ \\+ 0 journal "
                + "records replayed\\); no writer holds it\n"), r::toString);
    }

    @Test
    void shouldPrintJsonWithTheDocumentedFields() throws IOException {
        Path dir = Cli.longIndex(tmp.resolve("idx"), 20_000);
        Cli.Result r = Cli.run("stat", dir.toString(), "--json");
        assertEquals(0, r.code(), r::toString);
        String json = r.out().strip();
        assertTrue(json.startsWith("{") && json.endsWith("}") && !json.contains("\n"), json);
        assertEquals("20000", field(json, "count"));
        assertEquals("12", field(json, "B"));
        assertEquals("4096", field(json, "buckets"));
        assertEquals("false", field(json, "growing"));
        assertEquals("0", field(json, "evacuated"));
        assertEquals(String.valueOf(bytesOf(dir, "journal-")), field(json, "journalBytes"));
        assertTrue(Long.parseLong(field(json, "journalBytes")) > 0, "the journal segment is there");
        assertEquals(String.valueOf(bytesOf(dir, "page-checksums-")), field(json, "checksumBytes"));
        assertTrue(Long.parseLong(field(json, "checksumBytes")) > 0, "checkpoints wrote page checksum files");
        assertEquals(String.valueOf(bytesOf(dir, "doublewrite.bdb")), field(json, "doubleWriteBytes"));
        long all = bytesOf(dir, "");
        assertEquals(String.valueOf(all), field(json, "directoryBytes"));
        assertEquals("false", field(json, "live"));
        assertEquals("null", field(json, "lockHolder"));
        assertTrue(Long.parseLong(field(json, "imageAgeMillis")) >= 0, json);
        // 20,000 puts plus the growth markers they caused, all covered by the closing checkpoint.
        assertTrue(Long.parseLong(field(json, "checkpointLsn")) >= 20_000, json);
        assertEquals(String.valueOf(Files.size(dir.resolve(IndexFileNames.TABLE))), field(json, "fileBytes"));
        // Bytes per entry count every file of the index directory, the table alone is given beside them.
        assertEquals(all / 20_000.0, Double.parseDouble(field(json, "bytesPerEntry")), 0.001);
        assertEquals(Files.size(dir.resolve(IndexFileNames.TABLE)) / 20_000.0, Double.parseDouble(field(json, "tableBytesPerEntry")), 0.001);
        assertEquals("0", field(json, "replayRecords"), "closed cleanly: nothing to replay");
        assertEquals(20_000 / 4096.0, Double.parseDouble(field(json, "loadFactor")), 0.001);
        assertTrue(Long.parseLong(field(json, "overflowBuckets")) >= 0);
    }

    /** Bytes of the regular files in {@code dir} whose names start with {@code prefix}, counted here independently of the tool. */
    static long bytesOf(Path dir, String prefix) throws IOException {
        try (Stream<Path> files = Files.list(dir)) {
            long sum = 0;
            for (Path p : files.filter(Files::isRegularFile).filter(p -> p.getFileName().toString().startsWith(prefix)).toList()) {
                sum += Files.size(p);
            }
            return sum;
        }
    }

    @Test
    void shouldSayTheReadingCommandsShowALiveIndexAsOfTheirView() throws IOException {
        Path dir = Cli.longIndex(tmp.resolve("idx"), 2_000);
        try (BucketDB db = BucketDB.open(dir, Cli.options())) {
            for (long k = 2_000; k < 2_500; k++) {
                db.putLong(k, Cli.value(k)); // acknowledged after the journal write: in the journal, not in the checkpoint image
            }
            // The commands that read through a read-only view say so in its line, naming the writer.
            Pattern viewLine = Pattern.compile("^bucketdb: " + Pattern.quote(dir.toString()) + " as of LSN \\d+ \\(checkpoint LSN \\d+ "
                    + "\\+ [\\d,]+ journal records replayed\\); a writer holds it \\(pid " + ProcessHandle.current().pid()
                    + " [^\n]*\\): writes after this moment are not shown$", Pattern.MULTILINE);
            for (String cmd : new String[]{"stat", "dump", "verify", "get", "scan", "export"}) {
                Cli.Result r = cmd.equals("get") ? Cli.run(cmd, dir.toString(), "5") : Cli.run(cmd, dir.toString());
                assertEquals(0, r.code(), r::toString);
                assertTrue(viewLine.matcher(r.err()).find(), r::toString);
            }
            Cli.Result json = Cli.run("stat", "--json", dir.toString());
            assertEquals("true", field(json.out(), "live"));
            assertTrue(field(json.out(), "lockHolder").startsWith("\"pid " + ProcessHandle.current().pid()), json::toString);
            assertEquals("500", field(json.out(), "journalRecordsSinceImage"));
            long age = Long.parseLong(field(json.out(), "imageAgeMillis"));
            long sinceWrite = System.currentTimeMillis()
                    - Files.getLastModifiedTime(dir.resolve("page-checksums-" + (Long.parseLong(field(json.out(), "generation")) & 1) + ".bdb")).toMillis();
            assertTrue(age >= 0 && age <= sinceWrite, "the age is that of the checkpoint's checksum file: " + age + " vs " + sinceWrite);
        }
        Cli.Result closed = Cli.run("stat", dir.toString());
        assertTrue(closed.err().contains("no writer holds it"), closed::toString);
        assertEquals("false", field(Cli.run("stat", "--json", dir.toString()).out(), "live"));
    }

    /**
     * {@code stat --json} prints every component of {@link Stats} under its name, with the value the record
     * holds (nested: the heap's classes as objects of their components); and a read-only {@link BucketDB}
     * open of the same closed index reports the very same record (one way to compute the numbers, whichever
     * way the index is read). Two indexes: one closed while growing, one of variable-length keys and values
     * with a fragmented heap, so every component holds something other than its zero.
     */
    @Test
    void jsonPrintsEveryStatsFieldAndAnOpenIndexReportsTheSameStats() throws Exception {
        Path growing = tmp.resolve("growing");
        Cli.growingIndex(growing);
        Stats g = assertJsonHoldsTheStatsOf(growing);
        assertTrue(g.growing() && g.evacuated() > 0, g::toString);
        assertFalse(g.variableKeys() || g.variableValues(), g::toString);

        Stats v = assertJsonHoldsTheStatsOf(Cli.variableIndex(tmp.resolve("variable")));
        assertTrue(v.variableKeys() && v.variableValues(), v::toString);
        assertTrue(v.heapBytesInUse() > 0 && v.heapBytesFree() > 0 && v.heapLargeBlocks() > 0 && v.heapLargeBytes() > 0,
                v::toString);
        assertTrue(v.heapClasses().stream().filter(c -> c.blocks() > 0).count() > 1, v::toString);
        Cli.Result text = Cli.run("stat", v.directory().toString());
        assertTrue(text.out().contains("heap       " + Text.bytes(v.heapBytesInUse()) + " in use, "
                + Text.bytes(v.heapBytesFree()) + " free"), text::toString);
        assertTrue(text.out().contains("; large: " + Text.count(v.heapLargeBlocks()) + " blocks"), text::toString);
        assertFalse(Cli.run("stat", growing.toString()).out().contains("heap "), "no heap line for fixed widths");
    }

    /** Compares {@code stat --json} of {@code dir} with every component of its {@link Stats}; returns them. */
    private static Stats assertJsonHoldsTheStatsOf(Path dir) throws Exception {
        Stats stats;
        try (IndexInspector in = IndexInspector.open(dir)) {
            stats = in.stats();
        }
        try (BucketDB db = BucketDB.open(dir, Options.defaults().withReadOnly(true))) {
            assertEquals(stats, db.stats());
        }
        String json = Cli.run("stat", dir.toString(), "--json").out().strip();
        for (RecordComponent c : Stats.class.getRecordComponents()) {
            Object v = c.getAccessor().invoke(stats);
            String name = c.getName().equals("b") ? "B" : c.getName();
            switch (v) {
                case Double d -> assertEquals(d, Double.parseDouble(field(json, name)), 0.001, name);
                case List<?> list -> { // the closing bracket ends the match, so a longer list cannot pass for it
                    String expected = "\"" + name + "\":" + jsonOf(list);
                    assertTrue(json.contains(expected), () -> expected + " in " + json);
                }
                default -> assertEquals(jsonOf(v), field(json, name), name);
            }
        }
        return stats;
    }

    /** The JSON text of a component's value other than a double, written here independently of {@link Json}. */
    private static String jsonOf(Object v) throws ReflectiveOperationException {
        StringBuilder b = new StringBuilder();
        switch (v) {
            case Record r -> {
                b.append('{');
                for (RecordComponent c : r.getClass().getRecordComponents()) {
                    b.append(b.length() > 1 ? "," : "").append('"').append(c.getName()).append("\":")
                            .append(jsonOf(c.getAccessor().invoke(r)));
                }
                b.append('}');
            }
            case List<?> list -> {
                b.append('[');
                for (Object x : list) {
                    b.append(b.length() > 1 ? "," : "").append(jsonOf(x));
                }
                b.append(']');
            }
            case String str -> b.append('"').append(str).append('"');
            case Path path -> b.append('"').append(path).append('"');
            default -> b.append(v);
        }
        return b.toString();
    }

    @Test
    void shouldShowAGrowthInProgress() throws IOException {
        Path dir = tmp.resolve("idx");
        Cli.growingIndex(dir);
        Cli.Result r = Cli.run("stat", dir.toString(), "--json");
        assertEquals(0, r.code(), r::toString);
        assertEquals("true", field(r.out(), "growing"));
        long evacuated = Long.parseLong(field(r.out(), "evacuated"));
        long old = Long.parseLong(field(r.out(), "oldBuckets"));
        assertTrue(evacuated > 0 && evacuated < old, r::toString);
        Cli.Result text = Cli.run("stat", dir.toString());
        assertTrue(text.out().contains("old buckets evacuated"), text::toString);
        assertTrue(text.out().contains("growth     doubling B="), text::toString);
    }

    @Test
    void shouldExplainBadInputInOneLine() throws IOException {
        assertBad(Cli.run("stat", tmp.resolve("missing").toString()), 3, "missing: no such directory");
        Path empty = Files.createDirectories(tmp.resolve("empty"));
        assertBad(Cli.run("stat", empty.toString()), 3, "not a BucketDB index");
        Path file = Files.writeString(tmp.resolve("plain.txt"), "hello");
        assertBad(Cli.run("stat", file.toString()), 3, "not a directory");
        Path junk = Files.createDirectories(tmp.resolve("junk"));
        Files.write(junk.resolve(IndexFileNames.TABLE), new byte[9000]);
        assertBad(Cli.run("stat", junk.toString()), 3, "not a BucketDB table file; run 'bucketdb verify " + junk + "'");
        assertBad(Cli.run("stat", "--bogus", junk.toString()), 2, "Unknown option: '--bogus'");
        assertBad(Cli.run("stat"), 2, "Missing required parameter: 'DIR'");
    }

    @Test
    void shouldExplainAnUnreadableTableFileInOneLine() throws IOException {
        // Tests run as root here, so permission bits cannot make a file unreadable; a directory where the table file belongs can.
        Path dir = Files.createDirectories(tmp.resolve("odd").resolve(IndexFileNames.TABLE)).getParent();
        for (String cmd : new String[]{"stat", "dump", "verify", "export"}) {
            Cli.Result r = Cli.run(cmd, dir.toString());
            assertEquals(3, r.code(), r::toString);
            assertEquals(1, r.errLines().length, () -> "one line on stderr: " + r);
            assertTrue(r.err().contains(IndexFileNames.TABLE), r::toString);
            assertFalse(r.err().contains("\tat "), r::toString);
        }
    }

    @Test
    void shouldDrawNoProgressWhenOutputIsNotATerminal() {
        assertFalse(Progress.onTerminal(), "the test runner's streams are not a terminal");
    }

    @Test
    void shouldSendATruncatedFileToVerify() throws IOException {
        Path dir = Cli.longIndex(tmp.resolve("idx"), 5_000);
        try (FileChannel ch = FileChannel.open(dir.resolve(IndexFileNames.TABLE), StandardOpenOption.WRITE)) {
            ch.truncate(ch.size() / 2);
        }
        assertBad(Cli.run("stat", dir.toString()), 3, "run 'bucketdb verify " + dir + "'");
    }

    /**
     * stat reads the header, then the journal after its checkpoint. A writer that checkpoints and starts its journal anew
     * between the two (here: an open, a put and a close) makes the old header's LSN look like records missing from the
     * journal: stat beside a live writer exited 3 with "the index is damaged". It reads the new image instead. The
     * writer runs exactly between the two reads of the first attempt, so the race is taken every time.
     */
    @Test
    void shouldRereadAnImageThatAWriterReplacedWhileStatReadIt() throws IOException {
        Path dir = Cli.longIndex(tmp.resolve("idx"), 1_000);
        List<Exception> stale = new ArrayList<>();
        Map<String, Object> s = Views.consistent(dir, in -> {
            if (stale.isEmpty() && in.header().count == 1_000) {
                try (BucketDB writer = BucketDB.open(dir, Cli.options())) {
                    writer.putLong(1_000, Cli.value(1_000));
                }
            }
            try {
                return StatCommand.numbers(in, LiveImage.of(in));
            } catch (CorruptIndexException e) {
                stale.add(e);
                throw e;
            }
        });
        assertEquals(1, stale.size(), "the stale image's journal looked damaged once: " + stale);
        assertEquals(1_001L, s.get("count"), "the numbers of the new image: " + s);
        assertEquals(0, Cli.run("stat", dir.toString()).code());
    }

    /**
     * A page a writer checkpoints in place while stat reads it, matching no checksum file yet, fails the read with an
     * I/O error (VerifiedPages: "the page changed on disk while it was read"); stat beside a busy writer exited 4 for it
     * (ReadingCommandsBesideABusyWriterTest, seed 34258663183508). With a newer image installed meanwhile the read
     * is done again on it.
     */
    @Test
    void shouldRereadWhenAPageChangedUnderTheReadOfAnImageAWriterReplaced() throws IOException {
        Path dir = Cli.longIndex(tmp.resolve("idx"), 1_000);
        List<Exception> failed = new ArrayList<>();
        Map<String, Object> s = Views.consistent(dir, in -> {
            if (failed.isEmpty()) {
                try (BucketDB writer = BucketDB.open(dir, Cli.options())) {
                    writer.putLong(1_000, Cli.value(1_000));
                }
                UncheckedIOException e = new UncheckedIOException(new IOException(dir.resolve("table.bdb")
                        + " @ offset 229376: the page changed on disk while it was read"));
                failed.add(e);
                throw e;
            }
            return StatCommand.numbers(in, LiveImage.of(in));
        });
        assertEquals(1, failed.size(), "read once more after the page changed: " + failed);
        assertEquals(1_001L, s.get("count"), "the numbers of the new image: " + s);
    }

    /** An I/O error of a read of an image nothing replaced is the answer: not read again, not hidden. */
    @Test
    void shouldNotRereadAnIoErrorOfAnImageNothingReplaced() throws IOException {
        Path dir = Cli.longIndex(tmp.resolve("idx"), 1_000);
        int[] reads = new int[1];
        UncheckedIOException e = assertThrows(UncheckedIOException.class, () -> Views.consistent(dir, in -> {
            reads[0]++;
            throw new UncheckedIOException(new IOException("a failing disk"));
        }));
        assertEquals("a failing disk", e.getCause().getMessage());
        assertEquals(1, reads[0], "no reread without a newer image");
    }

    @Test
    void shouldShowHelpWithAnExample() {
        Cli.Result r = Cli.run("stat", "--help");
        assertEquals(0, r.code());
        assertTrue(r.out().contains("bucketdb stat /data/idx --json"), r::toString);
        assertTrue(r.out().contains("Exit codes: 0 success"), r::toString);
    }

    static void assertBad(Cli.Result r, int code, String text) {
        assertEquals(code, r.code(), r::toString);
        assertEquals(1, r.errLines().length, () -> "one line on stderr: " + r);
        assertTrue(r.err().contains(text), r::toString);
        assertFalse(r.err().contains("\tat "), r::toString);
        assertEquals("", r.out(), r::toString);
    }

    /**
     * A staging directory a build killed before its commit left beside the index: stat shows it with its size and how it
     * goes away (text and JSON), verify says so in a note and still finds the index sound, recover removes it.
     */
    @Test
    void shouldShowTheStagingDirectoryOfACrashedBuildUntilAWritableOpenRemovesIt() throws IOException {
        Path dir = Cli.longIndex(tmp.resolve("idx"), 1_000);
        Path staging = Cli.longIndex(tmp.resolve(".idx" + IndexFileNames.STAGING_SUFFIX), 200); // its lock free, as a kill leaves it
        long bytes;
        try (Stream<Path> s = Files.list(staging)) {
            bytes = s.filter(p -> !p.getFileName().toString().equals(IndexFileNames.LOCK)).mapToLong(p -> p.toFile().length()).sum();
        }
        Cli.Result text = Cli.run("stat", dir.toString());
        assertEquals(0, text.code(), text::toString);
        assertTrue(text.out().contains("leftover   " + staging + " (" + Text.bytes(bytes) + "): left by a build, import or "
                + "compaction of " + dir + " that crashed; the next writable open of " + dir), text::toString);
        Cli.Result json = Cli.run("stat", dir.toString(), "--json");
        assertEquals("\"" + staging + "\"", field(json.out(), "stagingLeftover"));
        assertEquals(Long.toString(bytes), field(json.out(), "stagingLeftoverBytes"));
        assertEquals("null", field(json.out(), "stagingLeftoverHolder"));
        assertEquals("true", field(json.out(), "stagingLeftoverRemovable"));
        Cli.Result verify = Cli.run("verify", dir.toString());
        assertEquals(0, verify.code(), "not a problem of the index: " + verify);
        assertTrue(verify.err().contains("verify: note: " + staging + " (" + Text.bytes(bytes) + "): left by a build"), verify::toString);

        Cli.Result recover = Cli.run("recover", dir.toString());
        assertEquals(0, recover.code(), recover::toString);
        assertTrue(recover.out().contains("crashed build removed:      " + Text.bytes(bytes)), recover::toString);
        assertFalse(Files.exists(staging));
        assertFalse(Cli.run("stat", dir.toString()).out().contains("leftover"));
        assertEquals("null", field(Cli.run("stat", dir.toString(), "--json").out(), "stagingLeftover"));
        assertEquals("0", field(Cli.run("stat", dir.toString(), "--json").out(), "stagingLeftoverBytes"));
    }

    static String field(String json, String name) {
        Matcher m = Pattern.compile("\"" + name + "\":(\"[^\"]*\"|[^,}\\]]+)").matcher(json);
        assertTrue(m.find(), () -> name + " in " + json);
        return m.group(1);
    }
}
