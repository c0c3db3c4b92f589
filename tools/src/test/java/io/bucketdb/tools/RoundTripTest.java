package io.bucketdb.tools;

import io.bucketdb.BucketDB;
import io.bucketdb.Cursor;
import io.bucketdb.Options;
import io.bucketdb.engine.StagedIndex;
import io.bucketdb.inspect.IndexInspector;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Stream;

import static io.bucketdb.tools.StatCommandTest.assertBad;
import static org.junit.jupiter.api.Assertions.*;

/**
 * Issue 17: {@code export | import} of any index gives an index with the same entries and the same shape (fixed
 * widths, variable lengths and their inline widths, the chunk alignment), in every {@code --format} that can write
 * the entries, with NUL bytes inside keys and values and empty values; and the import of a new index is all or
 * nothing.
 */
class RoundTripTest {
    @TempDir
    Path tmp;

    /** The shapes an index can take, each with the entries written into it. */
    enum Shape {
        LONGS(o -> o.withKeyWidth(8).withValueWidth(8)),
        FIXED_EMPTY_VALUES(o -> o.withKeyWidth(12).withValueWidth(0)),
        FIXED(o -> o.withKeyWidth(20).withValueWidth(7)),
        VARIABLE_KEYS(o -> o.withVariableKeys(12).withValueWidth(8)),
        VARIABLE_VALUES(o -> o.withKeyWidth(16).withVariableValues(40)),
        VARIABLE(o -> o.withVariableKeys(8).withVariableValues(8)),
        EMPTY(o -> o.withVariableKeys().withValueWidth(3));

        final java.util.function.UnaryOperator<Options> widths;

        Shape(java.util.function.UnaryOperator<Options> widths) {
            this.widths = widths;
        }

        boolean longs() {
            return this == LONGS;
        }
    }

    static Stream<Arguments> cases() {
        List<Arguments> all = new ArrayList<>();
        for (Shape s : Shape.values()) {
            for (Format f : Format.values()) {
                if (f != Format.LONG || s.longs()) {
                    all.add(Arguments.of(s, f));
                }
            }
        }
        return all.stream();
    }

    @ParameterizedTest(name = "{0} in --format {1}")
    @MethodSource("cases")
    void shouldRecreateTheSameEntriesAndShape(Shape shape, Format format) throws IOException {
        Path src = build(shape);
        Path file = tmp.resolve("export.jsonl");
        Cli.Result ex = Cli.run("export", src.toString(), "--format", format.label(), "--out", file.toString());
        assertEquals(0, ex.code(), ex::toString);
        Path dst = tmp.resolve("copy");
        // No width options: the first line says everything a new index needs.
        Cli.Result im = Cli.run("import", dst.toString(), file.toString());
        assertEquals(0, im.code(), im::toString);
        assertSame(src, dst);
        assertEquals(0, Cli.run("verify", dst.toString()).code());
        Cli.Result again = Cli.run("export", dst.toString(), "--format", format.label());
        assertEquals(Files.readString(file).lines().sorted().toList(), again.out().lines().sorted().toList(), "the same export");
    }

    @Test
    void shouldPipeAnExportIntoImportThroughStandardInput() throws IOException {
        Path src = build(Shape.VARIABLE);
        Cli.Result ex = Cli.run("export", src.toString());
        assertEquals(0, ex.code(), ex::toString);
        Path dst = tmp.resolve("piped");
        InputStream in = System.in;
        try {
            System.setIn(new ByteArrayInputStream(ex.out().getBytes(StandardCharsets.UTF_8)));
            Cli.Result im = Cli.run("import", dst.toString(), "-");
            assertEquals(0, im.code(), im::toString);
        } finally {
            System.setIn(in);
        }
        assertSame(src, dst);
    }

    @Test
    void shouldCreateNothingFromAnIncompleteExport() throws IOException {
        Path src = build(Shape.LONGS);
        Path file = tmp.resolve("export.jsonl");
        assertEquals(0, Cli.run("export", src.toString(), "--out", file.toString()).code());
        List<String> lines = Files.readAllLines(file);
        Path cut = Files.write(tmp.resolve("cut.jsonl"), lines.subList(0, lines.size() - 5));
        Path dst = tmp.resolve("dst");
        assertBad(Cli.run("import", dst.toString(), cut.toString()), 2, cut + " holds " + Text.count(lines.size() - 6)
                + " records, but its first line says the export has " + Text.count(lines.size() - 1)
                + ": the file is incomplete (nothing was imported: " + dst + " was not created)");
        assertFalse(Files.exists(dst));
        assertFalse(Files.exists(StagedIndex.staging(dst)), "the half-built index is removed");

        assertBad(Cli.run("import", dst.toString(), file.toString(), "--format", "hex"), 2,
                file + ":1: the export's first line says it is in --format base64, not hex: give --format base64 or leave --format out");
        assertBad(Cli.run("import", dst.toString(), file.toString(), "--key-width", "4"), 2,
                "the export's first line says 8-byte keys and 8-byte values; --key-width 4 was given (leave the width options out)");
        Path newer = Files.write(tmp.resolve("newer.jsonl"), List.of(lines.getFirst().replace("\"bucketdb-export\":1", "\"bucketdb-export\":2")));
        assertBad(Cli.run("import", dst.toString(), newer.toString()), 2, "version 2 of the shape line; this bucketdb reads versions 1..1");
        assertFalse(Files.exists(dst));
    }

    @Test
    void shouldRefuseANonEmptyDirectoryThatIsNotAnIndex() throws IOException {
        Path src = build(Shape.LONGS);
        Path file = tmp.resolve("export.jsonl");
        assertEquals(0, Cli.run("export", src.toString(), "--out", file.toString()).code());
        Path foreign = Files.createDirectories(tmp.resolve("photos"));
        Files.writeString(foreign.resolve("cat.jpg"), "meow");
        assertBad(Cli.run("import", foreign.toString(), file.toString()), 2,
                foreign + " is not empty and holds no index (no table.bdb): import creates an index only in a new or empty directory");
        assertEquals(List.of(foreign.resolve("cat.jpg")), Files.list(foreign).toList(), "left as it was");
        Path empty = Files.createDirectories(tmp.resolve("empty"));
        assertEquals(0, Cli.run("import", empty.toString(), file.toString()).code(), "an empty directory takes the new index");
        assertSame(src, empty);
    }

    @Test
    void shouldCheckAnExistingIndexAgainstTheExportAndTheFormatBeforeTheFirstPut() throws IOException {
        Path src = build(Shape.VARIABLE);
        Path file = tmp.resolve("export.jsonl");
        assertEquals(0, Cli.run("export", src.toString(), "--out", file.toString()).code());
        Path fixed = Cli.longIndex(tmp.resolve("fixed"), 3);
        assertBad(Cli.run("import", fixed.toString(), file.toString()), 2,
                "the export holds variable-length keys; the index takes 8-byte keys (" + fixed + "); nothing was imported");
        Path wide = tmp.resolve("wide");
        try (BucketDB db = BucketDB.open(wide, Cli.options().withKeyWidth(16).withValueWidth(8))) {
            db.put(new byte[16], new byte[8]);
        }
        Path longs = Files.writeString(tmp.resolve("longs.jsonl"), "{\"key\":1,\"value\":2}\n");
        assertBad(Cli.run("import", wide.toString(), longs.toString(), "--format", "long"), 2,
                "--format long needs 8-byte keys and values; " + wide + " takes 16-byte keys and 8-byte values; nothing was imported");
        try (BucketDB db = BucketDB.open(wide, Options.defaults().withReadOnly(true))) {
            assertEquals(1, db.size());
        }
        try (BucketDB db = BucketDB.open(fixed, Options.defaults().withReadOnly(true))) {
            assertEquals(3, db.size());
        }
    }

    /**
     * Compaction checks its copy entry by entry through a read-only open, whose {@code get(byte[])} hashed the key slot's
     * width instead of the key's length for variable-length keys with fixed-width values: it refused every such index.
     */
    @Test
    void shouldCompactAnIndexOfVariableLengthKeysAndFixedWidthValues() throws IOException {
        Path src = build(Shape.VARIABLE_KEYS);
        Path copy = tmp.resolve("compacted");
        Cli.Result r = Cli.run("compact", src.toString(), "--to", copy.toString());
        assertEquals(0, r.code(), r::toString);
        assertSame(src, copy);
    }

    /** An index of {@code shape} holding its entries, closed. */
    private Path build(Shape shape) throws IOException {
        Path dir = tmp.resolve("src-" + shape);
        try (BucketDB db = BucketDB.open(dir, shape.widths.apply(Cli.options()))) {
            if (shape == Shape.EMPTY) {
                return dir;
            }
            for (int i = 0; i < 300; i++) {
                db.put(field(db.variableKeys(), db.keyWidth(), "k" + i, i), field(db.variableValues(), db.valueWidth(), "value " + i, i + 1));
            }
            if (db.variableValues()) {
                db.put(field(db.variableKeys(), db.keyWidth(), "empty", 0), new byte[0]);
            }
            if (db.variableKeys()) {
                db.put(new byte[0], field(db.variableValues(), db.valueWidth(), "of the empty key", 3));
            }
        }
        return dir;
    }

    /**
     * Bytes for a key or value: text with NUL bytes inside and at the end (ASCII, so every format writes it, and an
     * 8-byte field is also a number for the long format); fixed fields are cut or zero-padded to their width.
     */
    private static byte[] field(boolean variable, int width, String text, int i) {
        String s = text + "\u0000" + "x".repeat(i % 70) + (i % 3 == 0 ? "\u0000" : "");
        byte[] b = s.getBytes(StandardCharsets.UTF_8);
        if (variable) {
            return b;
        }
        byte[] f = Arrays.copyOf(b, width);
        // A fixed field holds the number too, so that cutting the text to the width leaves the keys unique.
        byte[] n = Integer.toString(i).getBytes(StandardCharsets.UTF_8);
        System.arraycopy(n, 0, f, 0, Math.min(n.length, width));
        return f;
    }

    /** Same entries, same shape: widths or variable lengths with their inline widths, and the chunk alignment. */
    static void assertSame(Path src, Path dst) throws IOException {
        try (BucketDB a = BucketDB.open(src, Options.defaults().withReadOnly(true));
             BucketDB b = BucketDB.open(dst, Options.defaults().withReadOnly(true))) {
            assertEquals(a.variableKeys(), b.variableKeys(), "variable keys");
            assertEquals(a.variableValues(), b.variableValues(), "variable values");
            assertEquals(a.keyWidth(), b.keyWidth(), "key slot width");
            assertEquals(a.valueWidth(), b.valueWidth(), "value slot width");
            assertEquals(a.size(), b.size(), "entries");
            Cursor c = a.cursor();
            while (c.next()) {
                assertArrayEquals(c.value(), b.get(c.key()), () -> "the value of key " + Arrays.toString(c.key()));
            }
        }
        try (IndexInspector a = IndexInspector.open(src); IndexInspector b = IndexInspector.open(dst)) {
            assertEquals(a.header().alignShift, b.header().alignShift, "chunk alignment");
        }
    }
}
