package io.bucketdb.tools;

import io.bucketdb.BucketDB;
import io.bucketdb.Durability;
import io.bucketdb.Options;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Path;

import static io.bucketdb.tools.StatCommandTest.field;
import static org.junit.jupiter.api.Assertions.*;

/**
 * The tools on an index whose 100-byte fixed values are kept out of line (issue 19): {@code stat} and {@code dump}
 * say so, {@code verify} passes, {@code compact} keeps the placement (either one), and {@code export}, its salvage
 * mode and {@code import} carry the values as fixed-width records and the placement in the export's first line.
 */
class OutOfLineValuesToolsTest {
    @TempDir
    Path tmp;

    private static byte[] key(long k) {
        return ByteBuffer.allocate(16).putLong(k * 0x9E3779B97F4A7C15L).putLong(k).array();
    }

    private static byte[] value(long k) {
        byte[] v = new byte[100];
        for (int i = 0; i < v.length; i++) {
            v[i] = (byte) (k + 3 * i);
        }
        return v;
    }

    private Path index(String name, boolean outOfLine) throws IOException {
        Path dir = tmp.resolve(name);
        try (BucketDB db = BucketDB.open(dir, Options.defaults().withKeyWidth(16).withValueWidth(100)
                .withValuesOutOfLine(outOfLine).withDurability(Durability.ASYNC))) {
            for (long k = 0; k < 800; k++) {
                db.put(key(k), value(k));
            }
            for (long k = 0; k < 800; k += 3) {
                db.delete(key(k));
            }
        }
        return dir;
    }

    private static void assertEntries(Path dir, boolean outOfLine) throws IOException {
        try (BucketDB db = BucketDB.open(dir, Options.defaults().withReadOnly(true))) {
            assertEquals(outOfLine, db.stats().valuesOutOfLine(), dir::toString);
            assertEquals(100, db.valueWidth());
            assertEquals(800 - 267, db.size());
            for (long k = 0; k < 800; k++) {
                assertArrayEquals(k % 3 == 0 ? null : value(k), db.get(key(k)), "key " + k + " in " + dir);
            }
        }
    }

    @Test
    void statDumpAndVerifyKnowValuesOutOfLine() throws IOException {
        Path dir = index("idx", true);
        Cli.Result stat = Cli.run("stat", dir.toString());
        assertEquals(0, stat.code(), stat::toString);
        assertTrue(stat.out().contains("value 100 bytes out of line (in the value heap)"), stat::toString);
        assertTrue(stat.out().contains(" in use, "), "the heap row: " + stat);
        Cli.Result json = Cli.run("stat", dir.toString(), "--json");
        assertEquals("true", field(json.out(), "valuesOutOfLine"), json::toString);
        assertEquals("100", field(json.out(), "valueWidth"), json::toString);
        assertEquals("false", field(json.out(), "variableValues"), json::toString);
        assertEquals(String.valueOf(533L * 104), field(json.out(), "heapBytesInUse"), json::toString); // 104-byte page-fit blocks
        Cli.Result dump = Cli.run("dump", dir.toString());
        assertEquals(0, dump.code(), dump::toString);
        assertTrue(dump.out().contains("100-byte values out of line"), dump::toString);
        Cli.Result verify = Cli.run("verify", dir.toString());
        assertEquals(0, verify.code(), verify::toString);

        Cli.Result inline = Cli.run("stat", index("inline", false).toString());
        assertTrue(inline.out().contains("value 100 bytes, bucket 944 bytes"), inline::toString);
    }

    @Test
    void compactKeepsThePlacementEitherWay() throws IOException {
        for (boolean out : new boolean[]{true, false}) {
            Path dir = index(out ? "out" : "in", out);
            Cli.Result r = Cli.run("compact", dir.toString());
            assertEquals(0, r.code(), r::toString);
            assertEntries(dir, out);
            assertEquals(0, Cli.run("verify", dir.toString()).code());
        }
    }

    @Test
    void exportSalvageAndImportCarryFixedWidthRecordsAndThePlacement() throws IOException {
        for (boolean out : new boolean[]{true, false}) {
            Path src = index(out ? "src-heap" : "src-inline", out);
            for (String mode : new String[]{"plain", "salvage"}) {
                Path file = tmp.resolve(mode + "-" + out + ".jsonl");
                Cli.Result ex = mode.equals("plain") ? Cli.run("export", src.toString(), "--out", file.toString())
                        : Cli.run("export", src.toString(), "--salvage", "--out", file.toString());
                assertEquals(0, ex.code(), ex::toString);
                String shape = java.nio.file.Files.readAllLines(file).get(0);
                assertTrue(shape.contains("\"values\":\"fixed\"") && shape.contains("\"valueWidth\":100")
                        && shape.contains("\"valuePlacement\":\"" + (out ? "heap" : "inline") + "\""), mode + ": " + shape);
                Path dst = tmp.resolve("dst-" + mode + "-" + out);
                Cli.Result im = Cli.run("import", dst.toString(), file.toString());
                assertEquals(0, im.code(), im::toString);
                assertEntries(dst, out); // the export's placement, not the default for 100-byte values (out of line)
            }
        }
    }

    @Test
    void anExportWithoutAPlacementTakesTheDefaultAndABadOneIsRefused() throws IOException {
        Path file = tmp.resolve("e.jsonl");
        Cli.Result ex = Cli.run("export", index("src", false).toString(), "--out", file.toString());
        assertEquals(0, ex.code(), ex::toString);
        java.util.List<String> lines = new java.util.ArrayList<>(java.nio.file.Files.readAllLines(file));
        String shape = lines.get(0);

        lines.set(0, shape.replace(",\"valuePlacement\":\"inline\"", "")); // as bucketdb wrote exports before the field
        java.nio.file.Files.write(file, lines);
        Path old = tmp.resolve("old");
        Cli.Result im = Cli.run("import", old.toString(), file.toString());
        assertEquals(0, im.code(), im::toString);
        assertEntries(old, true); // 100-byte values go out of line by default

        lines.set(0, shape.replace("\"valuePlacement\":\"inline\"", "\"valuePlacement\":\"disk\""));
        java.nio.file.Files.write(file, lines);
        Path bad = tmp.resolve("bad");
        Cli.Result refused = Cli.run("import", bad.toString(), file.toString());
        assertNotEquals(0, refused.code(), refused::toString);
        assertTrue(refused.err().contains("\"valuePlacement\": \"disk\", not \"inline\" or \"heap\""), refused::toString);
        assertFalse(java.nio.file.Files.exists(bad.resolve("table.bdb")), "nothing created: " + refused);
    }
}
