package io.bucketdb.tools;

import io.bucketdb.BucketDB;
import io.bucketdb.Options;
import io.bucketdb.storage.IndexFileNames;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;

import static io.bucketdb.tools.StatCommandTest.assertBad;
import static org.junit.jupiter.api.Assertions.*;

class ExportImportTest {
    @TempDir
    Path tmp;

    @Test
    void shouldRoundTripThroughBase64() throws IOException {
        Path src = Cli.longIndex(tmp.resolve("src"), 10_000);
        Path file = tmp.resolve("all.jsonl");
        Cli.Result ex = Cli.run("export", src.toString(), "--out", file.toString());
        assertEquals(0, ex.code(), ex::toString);
        assertEquals("exported 10,000 entries to " + file + "\n", ex.out());
        List<String> lines = Files.readAllLines(file);
        assertEquals(10_001, lines.size());
        assertEquals("{\"bucketdb-export\":1,\"format\":\"base64\",\"keys\":\"fixed\",\"keyWidth\":8,\"values\":\"fixed\",\"valueWidth\":8,"
                + "\"maxKeyLength\":65536,\"maxValueLength\":268435456,\"alignShift\":16,\"entries\":10000}", lines.getFirst());
        assertTrue(lines.get(1).matches("\\{\"key\":\"[A-Za-z0-9+/=]{12}\",\"value\":\"[A-Za-z0-9+/=]{12}\"}"), lines.get(1));

        Path dst = tmp.resolve("dst");
        Cli.Result im = Cli.run("import", dst.toString(), file.toString());
        assertEquals(0, im.code(), im::toString);
        assertEquals("imported 10,000 records into " + dst + ": 10,000 new keys, 0 overwritten (8-byte keys and 8-byte values, as the "
                + "export's first line says)\n", im.out());
        try (BucketDB db = BucketDB.open(dst, Options.defaults().withReadOnly(true))) {
            assertEquals(10_000, db.size());
            for (long k = 0; k < 10_000; k++) {
                assertEquals(Cli.value(k), db.getLong(k, -1), "key " + k);
            }
        }
        assertEquals(0, Cli.run("verify", dst.toString()).code());
    }

    @Test
    void shouldExportLongsAsNumbersToStandardOutput() throws IOException {
        Path src = Cli.longIndex(tmp.resolve("src"), 500);
        Cli.Result r = Cli.run("export", src.toString(), "--format", "long");
        assertEquals(0, r.code(), r::toString);
        String[] lines = r.out().split("\n");
        assertEquals(501, lines.length);
        assertTrue(lines[0].startsWith("{\"bucketdb-export\":1,\"format\":\"long\","), lines[0]);
        for (String line : java.util.Arrays.copyOfRange(lines, 1, lines.length)) {
            var m = java.util.regex.Pattern.compile("\\{\"key\":(\\d+),\"value\":(\\d+)}").matcher(line);
            assertTrue(m.matches(), line);
            assertEquals(Cli.value(Long.parseLong(m.group(1))), Long.parseLong(m.group(2)));
        }
        assertEquals(1, r.errLines().length, r::toString);
        assertTrue(r.err().startsWith("bucketdb: " + src + " as of LSN "), "the view line: " + r);
        assertTrue(r.err().contains("no writer holds it"), r::toString);
    }

    @Test
    void shouldRoundTripUtf8AndOverwriteExistingKeys() throws IOException {
        Path src = tmp.resolve("names");
        try (BucketDB db = BucketDB.open(src, Cli.options().withKeyWidth(16).withValueWidth(8))) {
            for (int i = 0; i < 300; i++) {
                db.put(pad("user-" + i, 16), pad("v\"" + i, 8));
            }
        }
        Path file = tmp.resolve("names.jsonl");
        assertEquals(0, Cli.run("export", src.toString(), "--format", "utf8", "--out", file.toString()).code());
        assertTrue(Files.readString(file).contains("\"value\":\"v\\\"7\""), "quotes escaped");

        Path dst = tmp.resolve("dst");
        // An export from before the shape line: the widths must be given.
        List<String> all = Files.readAllLines(file);
        Path old = Files.write(tmp.resolve("old.jsonl"), all.subList(1, all.size()));
        assertBad(Cli.run("import", dst.toString(), old.toString(), "--format", "utf8"), 2,
                "a new index needs --key-width and --value-width with --format utf8");
        Cli.Result im = Cli.run("import", dst.toString(), old.toString(), "--format", "utf8", "--key-width", "16", "--value-width", "8");
        assertEquals(0, im.code(), im::toString);
        Cli.Result again = Cli.run("import", dst.toString(), file.toString(), "--format", "utf8");
        assertEquals("imported 300 records into " + dst + ": 0 new keys, 300 overwritten\n", again.out());
        try (BucketDB db = BucketDB.open(dst, Options.defaults().withReadOnly(true))) {
            assertEquals(300, db.size());
            for (int i = 0; i < 300; i++) {
                assertArrayEquals(pad("v\"" + i, 8), db.get(pad("user-" + i, 16)));
            }
        }
    }

    /**
     * {@code --variable-keys}/{@code --variable-values} create a variable-length index: keys and values of
     * 0, 1, a few and many bytes (inline, small heap blocks, large heap blocks; multi-byte UTF-8 and quotes)
     * go in as utf8 and come out of {@code export} as the very lines that went in.
     */
    @Test
    void shouldImportAnyLengthsIntoANewVariableLengthIndexAndExportThemBackIdentically() throws IOException {
        // Trailing zero bytes ("nul\0", "\0\0") are data in a variable-length index: utf8 must not trim them.
        List<String> lengths = List.of("", "a", "ü", "short \"quoted\"", "x".repeat(21), "é".repeat(300), "long-".repeat(10_000),
                "nul\u0000", "\u0000\u0000");
        List<String> lines = new java.util.ArrayList<>();
        for (int k = 0; k < lengths.size(); k++) {
            for (int v = 0; v < lengths.size(); v++) {
                // Keys unique per line: the key's own text, then which value it holds (the first of each kind bare).
                String key = v == 0 ? lengths.get(k) : lengths.get(k) + "#" + v;
                lines.add("{\"key\":\"" + escaped(key) + "\",\"value\":\"" + escaped(lengths.get((k + v) % lengths.size())) + "\"}");
            }
        }
        Path file = Files.write(tmp.resolve("any.jsonl"), lines);
        Path dst = tmp.resolve("var");
        Cli.Result im = Cli.run("import", dst.toString(), file.toString(), "--format", "utf8", "--variable-keys", "--variable-values=12");
        assertEquals(0, im.code(), im::toString);
        assertEquals("imported 81 records into " + dst + ": 81 new keys, 0 overwritten\n", im.out());
        try (BucketDB db = BucketDB.open(dst, Options.defaults().withReadOnly(true))) {
            assertTrue(db.variableKeys() && db.variableValues());
            assertEquals(Options.DEFAULT_KEY_INLINE + 4, db.keyWidth(), "--variable-keys without INLINE: the default inline width");
            assertEquals(12 + 4, db.valueWidth());
            assertArrayEquals(new byte[0], db.get(new byte[0]), "the empty key holds the empty value");
            assertTrue(db.stats().heapLargeBlocks() > 0, "the 50,000-byte strings live in large heap blocks");
        }
        Path out = tmp.resolve("back.jsonl");
        Cli.Result ex = Cli.run("export", dst.toString(), "--format", "utf8", "--out", out.toString());
        assertEquals(0, ex.code(), ex::toString);
        List<String> back = Files.readAllLines(out);
        assertEquals(lines.stream().sorted().toList(), back.subList(1, back.size()).stream().sorted().toList());
        assertEquals(0, Cli.run("verify", dst.toString()).code());

        // Options before DIR: a bare --variable-keys leaves DIR alone (its optional INLINE is a number or nothing).
        Cli.Result again = Cli.run("import", "--variable-keys", dst.toString(), out.toString(), "--format", "utf8", "--variable-values", "12");
        assertEquals("imported 81 records into " + dst + ": 0 new keys, 81 overwritten\n", again.out(), again::toString);
    }

    @Test
    void shouldRefuseVariableLengthOptionsThatContradictEachOtherOrTheIndex() throws IOException {
        Path file = Files.writeString(tmp.resolve("one.jsonl"), "{\"key\":\"k\",\"value\":\"v\"}\n");
        Path dst = tmp.resolve("dst");
        assertBad(Cli.run("import", dst.toString(), file.toString(), "--format", "utf8", "--variable-keys", "--key-width", "8"), 2,
                "give --key-width or --variable-keys, not both");
        assertBad(Cli.run("import", dst.toString(), file.toString(), "--format", "utf8", "--value-width=4", "--variable-values=8"), 2,
                "give --value-width or --variable-values, not both");
        assertBad(Cli.run("import", dst.toString(), file.toString(), "--format", "utf8", "--variable-keys=4", "--variable-values"), 2,
                "--variable-keys: inline width must be 8..4092 bytes, got 4");
        assertBad(Cli.run("import", dst.toString(), file.toString(), "--format", "utf8", "--variable-keys=99999999999"), 2,
                "--variable-keys: '99999999999' is not an inline width (8..4092)");
        assertBad(Cli.run("import", dst.toString(), file.toString(), "--format", "utf8", "--variable-keys"), 2,
                "a new index needs --value-width with --format utf8, or --variable-values for any length");
        assertFalse(Files.exists(dst.resolve(IndexFileNames.TABLE)), "no index was created");
        assertBad(Cli.run("import", dst.toString(), "--from-mapdb", file.toString(), "--map", "m", "--variable-values"), 2,
                "--from-mapdb makes fixed widths");

        Path fixed = Cli.longIndex(tmp.resolve("fixed"), 10);
        assertBad(Cli.run("import", fixed.toString(), file.toString(), "--format", "utf8", "--variable-keys"), 2,
                "takes 8-byte keys and 8-byte values, not the variable (20 inline) and 8 given");
        assertEquals(0, Cli.run("import", dst.toString(), file.toString(), "--format", "utf8", "--variable-keys", "--variable-values").code());
        assertBad(Cli.run("import", dst.toString(), file.toString(), "--format", "utf8", "--variable-values=16"), 2,
                "takes variable-length keys (20 bytes inline) and variable-length values (28 bytes inline), not the variable (20 inline)"
                        + " and variable (16 inline) given");
        assertBad(Cli.run("import", dst.toString(), file.toString(), "--format", "utf8", "--key-width=24"), 2,
                "not the 24 and variable (28 inline) given");
    }

    @Test
    void shouldStopAtTheFirstBadLine() throws IOException {
        Path file = Files.writeString(tmp.resolve("bad.jsonl"), """
                {"key": 1, "value": 10}
                {"key": 2, "value": 20}

                {"key": 3, "value": }
                {"key": 4, "value": 40}
                """);
        Path fresh = tmp.resolve("fresh");
        assertBad(Cli.run("import", fresh.toString(), file.toString(), "--format", "long"), 2,
                file + ":4: column 21: expected a string or an integer, found '}' (nothing was imported: " + fresh + " was not created)");
        assertFalse(Files.exists(fresh), "a new index is all or nothing");
        assertFalse(Files.exists(io.bucketdb.engine.StagedIndex.staging(fresh)), "and leaves nothing beside it");
        Path dst = Cli.longIndex(tmp.resolve("dst"), 0);
        Cli.Result r = Cli.run("import", dst.toString(), file.toString(), "--format", "long");
        assertBad(r, 2, file + ":4: column 21: expected a string or an integer, found '}' (the 2 records before it were imported)");
        try (BucketDB db = BucketDB.open(dst, Options.defaults().withReadOnly(true))) {
            assertEquals(2, db.size());
            assertEquals(20, db.getLong(2, -1));
        }
        Path wrongField = Files.writeString(tmp.resolve("field.jsonl"), "{\"k\": 1, \"value\": 2}\n");
        assertBad(Cli.run("import", dst.toString(), wrongField.toString(), "--format", "long"), 2,
                "expected {\"key\":...,\"value\":...}, found the fields [k, value]");
        Path text = Files.writeString(tmp.resolve("text.jsonl"), "{\"key\": \"x\", \"value\": 2}\n");
        assertBad(Cli.run("import", dst.toString(), text.toString(), "--format", "long"), 2, "key 'x' is not a 64-bit integer");
    }

    /**
     * A byte that is not UTF-8 in a JSON Lines file is bad input, named by its line: the import read the file through a
     * replacing decoder and stored U+FFFD (EF BF BD) in its place. The bad line comes after more than 64 KiB of good lines
     * (with CRLF endings) so that a reader decoding ahead of the parse would name an earlier line.
     */
    @Test
    void shouldRefuseBytesThatAreNotUtf8NamingTheirLineAndKeepTheRecordsBeforeIt() throws IOException {
        int good = 2_000;
        java.io.ByteArrayOutputStream bytes = new java.io.ByteArrayOutputStream();
        for (int i = 0; i < good; i++) {
            bytes.writeBytes(("{\"key\":\"user-" + i + "\",\"value\":\"caf\u00e9 " + "x".repeat(40) + "\"}\r\n")
                    .getBytes(StandardCharsets.UTF_8));
        }
        bytes.writeBytes("{\"key\":\"bad\",\"value\":\"caf".getBytes(StandardCharsets.UTF_8));
        bytes.write(0xE9); // Latin-1 for é: not UTF-8
        bytes.writeBytes("\"}\n{\"key\":\"after\",\"value\":\"v\"}".getBytes(StandardCharsets.UTF_8));
        Path file = Files.write(tmp.resolve("latin1.jsonl"), bytes.toByteArray());
        int line = good + 1;

        Path fresh = tmp.resolve("fresh");
        assertBad(Cli.run("import", fresh.toString(), file.toString(), "--format", "utf8", "--variable-keys", "--variable-values"), 2,
                file + ":" + line + ": byte 26 (0xe9) is not valid UTF-8");
        assertFalse(Files.exists(fresh), "a new index is all or nothing");

        Path dst = tmp.resolve("dst");
        try (BucketDB db = BucketDB.open(dst, Cli.options().withVariableKeys(16).withVariableValues(24))) {
            assertTrue(db.size() == 0);
        }
        assertBad(Cli.run("import", dst.toString(), file.toString(), "--format", "utf8"), 2,
                file + ":" + line + ": byte 26 (0xe9) is not valid UTF-8");
        try (BucketDB db = BucketDB.open(dst, Options.defaults().withReadOnly(true))) {
            assertEquals(good, db.size(), "every record before the bad line, none from it on");
            assertArrayEquals(("caf\u00e9 " + "x".repeat(40)).getBytes(StandardCharsets.UTF_8),
                    db.get("user-1999".getBytes(StandardCharsets.UTF_8)), "CRLF lines: the \\r is no part of the value");
            assertNull(db.get("bad".getBytes(StandardCharsets.UTF_8)));
        }
    }

    /**
     * A JSON escape of half a surrogate pair is text without UTF-8 bytes: String.getBytes stored '?' for it. Refused, in
     * an import line and on the command line, and nothing is written.
     */
    @Test
    void shouldRefuseALoneSurrogateInsteadOfStoringAQuestionMark() throws IOException {
        Path file = Files.writeString(tmp.resolve("surrogate.jsonl"), """
                {"key":"ok","value":"\\ud83d\\ude00"}
                {"key":"half","value":"a\\ud800b"}
                """);
        Path dst = tmp.resolve("dst");
        try (BucketDB db = BucketDB.open(dst, Cli.options().withVariableKeys(16).withVariableValues(24))) {
            assertTrue(db.size() == 0);
        }
        assertBad(Cli.run("import", dst.toString(), file.toString(), "--format", "utf8"), 2,
                file + ":2: value holds a lone surrogate (U+D800, character 2)");
        try (BucketDB db = BucketDB.open(dst, Options.defaults().withReadOnly(true))) {
            assertEquals(1, db.size());
            assertArrayEquals("\uD83D\uDE00".getBytes(StandardCharsets.UTF_8), db.get("ok".getBytes(StandardCharsets.UTF_8)),
                    "a surrogate pair is one character, in 4 bytes of UTF-8");
        }
        assertBad(Cli.run("put", dst.toString(), "k", "a\uDC00", "--format", "utf8"), 2, "value holds a lone surrogate (U+DC00");
        assertBad(Cli.run("scan", dst.toString(), "--format", "utf8", "--prefix", "\uD800"), 2, "--prefix holds a lone surrogate");
        try (BucketDB db = BucketDB.open(dst, Options.defaults().withReadOnly(true))) {
            assertEquals(1, db.size(), "nothing written");
        }
    }

    /** A record with a field twice is ambiguous (JSON leaves the choice to the reader): the import took the last one, silently. */
    @Test
    void shouldRefuseARecordWithAFieldTwice() throws IOException {
        Path file = Files.writeString(tmp.resolve("twice.jsonl"), """
                {"key": 1, "value": 10}
                {"key": 2, "value": 20, "value": 21}
                {"key": 3, "value": 30}
                """);
        Path dst = Cli.longIndex(tmp.resolve("dst"), 0);
        assertBad(Cli.run("import", dst.toString(), file.toString(), "--format", "long"), 2,
                file + ":2: column 25: the field \"value\" appears twice (the 1 records before it were imported)");
        try (BucketDB db = BucketDB.open(dst, Options.defaults().withReadOnly(true))) {
            assertEquals(1, db.size(), "nothing of the bad line, nothing after it");
            assertEquals(-1, db.getLong(2, -1));
        }
    }

    @Test
    void shouldKeepEveryRecordBeforeABadLineDeepInALargeFile() throws IOException {
        // More good lines than the import keeps in flight, so the bad line arrives with puts still unacknowledged.
        int good = 3 * WindowedLoader.WINDOW + 17;
        StringBuilder b = new StringBuilder();
        for (int k = 0; k < good; k++) {
            b.append("{\"key\": ").append(k).append(", \"value\": ").append(Cli.value(k)).append("}\n");
        }
        b.append("{\"key\": 1, \"value\": \"ten\"}\n");
        for (int k = good; k < good + 100; k++) {
            b.append("{\"key\": ").append(k).append(", \"value\": ").append(Cli.value(k)).append("}\n");
        }
        Path file = Files.writeString(tmp.resolve("deep.jsonl"), b);
        Path dst = Cli.longIndex(tmp.resolve("dst"), 0); // into an existing index; a new one would not be created
        Cli.Result r = Cli.run("import", dst.toString(), file.toString(), "--format", "long");
        assertBad(r, 2, file + ":" + (good + 1) + ": value 'ten' is not a 64-bit integer (decimal, or hex with 0x) (the " + Text.count(good)
                + " records before it were imported)");
        try (BucketDB db = BucketDB.open(dst, Options.defaults().withReadOnly(true))) {
            assertEquals(good, db.size(), "every record before the bad line, none after it");
            for (long k = 0; k < good; k++) {
                assertEquals(Cli.value(k), db.getLong(k, -1), "key " + k);
            }
        }
    }

    @Test
    void shouldRefuseMismatchedWidthsMissingFilesAndLockedIndexes() throws IOException {
        Path dst = Cli.longIndex(tmp.resolve("dst"), 10);
        Path file = Files.writeString(tmp.resolve("one.jsonl"), "{\"key\":\"AAAAAAAAAAA=\",\"value\":\"AQ==\"}\n");
        assertBad(Cli.run("import", dst.toString(), file.toString()), 2, "value 'AQ==' is 1 bytes; this index takes 8-byte values");
        assertBad(Cli.run("import", dst.toString(), file.toString(), "--key-width", "4", "--value-width", "8"), 2,
                "takes 8-byte keys and 8-byte values, not the 4 and 8 given");
        assertBad(Cli.run("import", dst.toString(), tmp.resolve("none.jsonl").toString()), 3, "none.jsonl: no such file");
        try (BucketDB open = BucketDB.open(dst)) {
            Path ok = Files.writeString(tmp.resolve("ok.jsonl"), "{\"key\":1,\"value\":2}\n");
            assertBad(Cli.run("import", dst.toString(), ok.toString(), "--format", "long"), 3, "is locked by another writer");
        }
        Path wide = tmp.resolve("wide");
        try (BucketDB db = BucketDB.open(wide, Cli.options().withKeyWidth(4).withValueWidth(1))) {
            db.put(new byte[]{1, 2, 3, 4}, new byte[]{5});
        }
        assertBad(Cli.run("export", wide.toString(), "--format", "long"), 2, "--format long needs 8-byte keys and values");
        assertBad(Cli.run("export", tmp.resolve("missing").toString()), 3, "no such directory");
    }

    /**
     * {@code export --out} opens FILE truncated: a FILE among the index's own files, named directly or through a symbolic
     * link to DIR, would destroy the index a reading command must leave as it is. It is refused before anything is written.
     */
    @Test
    void shouldRefuseAnOutFileInsideTheIndexAndLeaveTheIndexAsItWas() throws IOException {
        Path dir = Cli.longIndex(tmp.resolve("idx"), 1_000);
        Path table = dir.resolve(IndexFileNames.TABLE);
        byte[] before = Files.readAllBytes(table);
        List<Path> filesBefore;
        try (var s = Files.list(dir)) {
            filesBefore = s.sorted().toList();
        }
        Path link = Files.createSymbolicLink(tmp.resolve("link"), dir);
        for (Path out : List.of(table, dir.resolve("all.jsonl"), link.resolve(IndexFileNames.TABLE))) {
            for (String salvage : new String[]{"", "--salvage"}) {
                String[] args = salvage.isEmpty() ? new String[]{"export", dir.toString(), "--out", out.toString()}
                        : new String[]{"export", dir.toString(), "--out", out.toString(), salvage};
                assertBad(Cli.run(args), 2, "--out " + out + " must be outside " + dir);
            }
        }
        assertArrayEquals(before, Files.readAllBytes(table), "the table file is untouched");
        try (var s = Files.list(dir)) {
            assertEquals(filesBefore, s.sorted().toList(), "no file added to the index directory");
        }
        assertEquals(0, Cli.run("verify", dir.toString()).code());
        Path beside = tmp.resolve("idx.jsonl");
        assertEquals(0, Cli.run("export", dir.toString(), "--out", beside.toString()).code(), "a FILE beside DIR is fine");
    }

    /** A variable-length key that is not 8 bytes cannot be a long: the message named it as the index's width ("1-byte keys"). */
    @Test
    void shouldNameTheEntryNotTheIndexWhenAVariableLengthKeyIsNoLong() throws IOException {
        Path dir = tmp.resolve("var");
        try (BucketDB db = BucketDB.open(dir, Cli.options().withVariableKeys(16).withVariableValues(24))) {
            db.put(new byte[]{7}, new byte[8]);
        }
        for (String command : new String[]{"export", "scan"}) {
            Cli.Result r = Cli.run(command, dir.toString(), "--format", "long");
            assertEquals(2, r.code(), r::toString);
            assertTrue(r.err().contains("--format long needs 8-byte keys and values; this index has a key of 1 byte "
                    + "(variable-length keys): use --format base64"), r::toString);
        }
    }

    /** {@code s} inside a JSON string: only its quotes need escaping here. */
    private static String escaped(String s) {
        return s.replace("\"", "\\\"").replace("\u0000", "\\u0000"); // as the tool's JSON writer escapes them
    }

    private static byte[] pad(String s, int width) {
        return Arrays.copyOf(s.getBytes(StandardCharsets.UTF_8), width);
    }
}
