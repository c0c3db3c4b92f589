package io.bucketdb.tools;

import io.bucketdb.BucketDB;
import io.bucketdb.Options;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Base64;

import static io.bucketdb.tools.StatCommandTest.assertBad;
import static org.junit.jupiter.api.Assertions.*;

/** {@code get}, {@code put}, {@code delete} and {@code scan}: round trips in every format, bad input, a held lock. */
class KeyCommandsTest {
    @TempDir
    Path tmp;

    /** An empty, closed index made with {@code o}. */
    private Path index(String name, Options o) throws IOException {
        Path dir = tmp.resolve(name);
        BucketDB.open(dir, o.withHashSeed(Cli.SEED)).close();
        return dir;
    }

    private static long size(Path dir) throws IOException {
        try (BucketDB view = Views.open(dir)) {
            return view.size();
        }
    }

    /** The stderr lines of {@code r} after the view line that every reading command prints first. */
    private static String[] afterViewLine(Cli.Result r, Path dir) {
        String[] lines = r.errLines();
        assertTrue(lines.length > 0 && lines[0].startsWith("bucketdb: " + dir + " as of LSN "), () -> "the view line first: " + r);
        return Arrays.copyOfRange(lines, 1, lines.length);
    }

    /**
     * put (new, then replaced), get, scan, delete, then get and delete of the absent key, with keys and values
     * typed as {@code key}, {@code v1}, {@code v2} and printed back as {@code shownKey} and {@code v2}.
     */
    private static void roundTrip(Path dir, String key, String shownKey, String v1, String v2, String... formats) {
        String d = dir.toString();
        Cli.Result put = Cli.run(args(formats, "put", d, key, v1));
        assertEquals(0, put.code(), put::toString);
        assertEquals("put key " + key + " in " + dir + ": a new key\n", put.out());
        assertEquals("", put.err(), put::toString);
        Cli.Result again = Cli.run(args(formats, "put", d, key, v2));
        assertEquals(0, again.code(), again::toString);
        assertEquals("put key " + key + " in " + dir + ": replaced its value\n", again.out());

        Cli.Result get = Cli.run(args(formats, "get", d, key));
        assertEquals(0, get.code(), get::toString);
        assertEquals(v2 + "\n", get.out());
        assertEquals(0, afterViewLine(get, dir).length, get::toString);

        Cli.Result scan = Cli.run(args(formats, "scan", d));
        assertEquals(0, scan.code(), scan::toString);
        assertEquals(shownKey + "\t" + v2 + "\n", scan.out());
        assertArrayEquals(new String[]{"bucketdb scan: 1 entry"}, afterViewLine(scan, dir), scan::toString);

        Cli.Result del = Cli.run(args(formats, "delete", d, key));
        assertEquals(0, del.code(), del::toString);
        assertEquals("deleted key " + key + " from " + dir + "\n", del.out());

        Cli.Result gone = Cli.run(args(formats, "get", d, key));
        assertEquals(Exit.PROBLEMS, gone.code(), gone::toString);
        assertEquals("", gone.out());
        assertArrayEquals(new String[]{"bucketdb get: key " + key + " is not in " + dir}, afterViewLine(gone, dir), gone::toString);
        assertBad(Cli.run(args(formats, "delete", d, key)), Exit.PROBLEMS, "bucketdb delete: key " + key + " is not in " + dir
                + ": nothing deleted");
        assertEquals("", Cli.run(args(formats, "scan", d)).out());
    }

    private static String[] args(String[] formats, String... command) {
        String[] all = Arrays.copyOf(command, command.length + formats.length);
        System.arraycopy(formats, 0, all, command.length, formats.length);
        return all;
    }

    @Test
    void roundTripsLongKeysAndValuesByDefault() throws IOException {
        Path dir = index("long", Options.defaults());
        roundTrip(dir, "42", "42", "4207", "-5"); // a negative value is a value, not an option
        roundTrip(dir, "-9", "-9", "0", "9223372036854775807", "--format", "long");
    }

    @Test
    void roundTripsUtf8IntoFixedWidthsZeroPadded() throws IOException {
        Path dir = index("utf8", Options.defaults().withKeyWidth(16).withValueWidth(24));
        roundTrip(dir, "alice", "alice", "Alice", "Alice Smith, Zürich", "--format", "utf8");
    }

    @Test
    void roundTripsHexIntoVariableLengthsWithZeroBytes() throws IOException {
        Path dir = index("hex", Options.defaults().withVariableKeys(16).withVariableValues(16));
        String longValue = "00".repeat(3000) + "ff"; // beyond the inline width: in the value heap
        roundTrip(dir, "00ff10", "00ff10", "0001feff00", longValue, "--format", "hex");
        roundTrip(dir, "", "", "", "00", "--format", "hex"); // the empty key and the empty value
    }

    @Test
    void roundTripsBase64AndMixedFormats() throws IOException {
        Path dir = index("b64", Options.defaults().withKeyWidth(4).withValueWidth(12));
        String key = Base64.getEncoder().encodeToString(new byte[]{1, 2, 3, 0});
        roundTrip(dir, key, key, Base64.getEncoder().encodeToString(new byte[12]),
                Base64.getEncoder().encodeToString("hello world!".getBytes()), "--format", "base64");
        Path mixed = index("mixed", Options.defaults().withValueWidth(16));
        roundTrip(mixed, "7", "7", "hello", "world", "--key-format", "long", "--value-format", "utf8");
        roundTrip(mixed, "0x10", "16", "0a0b" + "00".repeat(14), "0c0d" + "00".repeat(14), "--value-format", "hex", "--format", "long");
    }

    @Test
    void scanFiltersByPrefixAndStopsAtTheLimit() throws IOException {
        Path dir = index("names", Options.defaults().withKeyWidth(12).withValueWidth(8));
        try (BucketDB db = BucketDB.open(dir)) {
            for (int i = 0; i < 5; i++) {
                db.put(Format.UTF8.parse("user:" + i, 12, "key"), Format.UTF8.parse("u" + i, 8, "value"));
            }
            db.put(Format.UTF8.parse("admin:1", 12, "key"), Format.UTF8.parse("a1", 8, "value"));
        }
        Cli.Result users = Cli.run("scan", dir.toString(), "--format", "utf8", "--prefix", "user:");
        assertEquals(0, users.code(), users::toString);
        String[] lines = users.out().split("\n");
        Arrays.sort(lines);
        assertArrayEquals(new String[]{"user:0\tu0", "user:1\tu1", "user:2\tu2", "user:3\tu3", "user:4\tu4"}, lines, users::toString);
        assertArrayEquals(new String[]{"bucketdb scan: 5 entries with prefix user:"}, afterViewLine(users, dir));

        Cli.Result hexPrefix = Cli.run("scan", dir.toString(), "--key-format", "hex", "--value-format", "utf8", "--prefix", "61646d");
        assertEquals("61646d696e3a310000000000\ta1\n", hexPrefix.out(), hexPrefix::toString); // "adm": a fixed key shows its padding in hex

        Cli.Result two = Cli.run("scan", dir.toString(), "--format", "utf8", "--limit", "2");
        assertEquals(2, two.out().split("\n").length, two::toString);
        assertArrayEquals(new String[]{"bucketdb scan: 2 entries (--limit 2; more match)"}, afterViewLine(two, dir));
        assertEquals(6, Cli.run("scan", dir.toString(), "--format", "utf8", "--limit", "0").out().split("\n").length);
    }

    @Test
    void refusesBadInputWithOneLineAndWritesNothing() throws IOException {
        Path dir = Cli.longIndex(tmp.resolve("idx"), 100);
        String d = dir.toString();
        assertBad(Cli.run("get", d, "0102", "--format", "hex"), 2, "bucketdb get: key '0102' is 2 bytes; this index takes 8-byte keys");
        assertBad(Cli.run("put", d, "0102", "0000000000000001", "--format", "hex"), 2, "key '0102' is 2 bytes; this index takes 8-byte keys");
        assertBad(Cli.run("delete", d, "010203040506070809", "--format", "hex"), 2, "this index takes 8-byte keys");
        assertBad(Cli.run("put", d, "abc", "1"), 2, "bucketdb put: key 'abc' is not a 64-bit integer (decimal, or hex with 0x)");
        assertBad(Cli.run("put", d, "1", "1.5"), 2, "value '1.5' is not a 64-bit integer");
        assertBad(Cli.run("put", d, "1", "0g0g0g0g0g0g0g0g", "--value-format", "hex"), 2, "value '0g0g0g0g0g0g0g0g' is not hex");
        assertBad(Cli.run("put", d, "1", "%%%", "--value-format", "base64"), 2, "value '%%%' is not base64");
        assertBad(Cli.run("put", d, "1", "more than eight", "--value-format", "utf8"), 2,
                "value 'more than eight' is 15 bytes in UTF-8; this index takes 8-byte values");
        assertBad(Cli.run("get", d, "1", "--format", "octal"), 2, "Invalid value for option '--format'");
        assertBad(Cli.run("put", d, "1"), 2, "Missing required parameter: 'VALUE'");
        assertBad(Cli.run("scan", d, "--prefix", "1"), 2, "--prefix needs keys in utf8, hex or base64 (--key-format)");
        assertBad(Cli.run("scan", d, "--limit", "-1"), 2, "--limit must be 0 (all) or more, got -1");
        assertEquals(100, size(dir), "nothing was written");
        assertEquals(Cli.value(1), Long.parseLong(Cli.run("get", d, "1").out().strip()), "nothing was written");

        Path wide = index("wide", Options.defaults().withKeyWidth(16).withValueWidth(8));
        assertBad(Cli.run("get", wide.toString(), "1", "--format", "long"), 2,
                "bucketdb get: --format long needs 8-byte keys; this index has 16-byte keys: use --format hex, utf8 or base64");
        assertBad(Cli.run("put", wide.toString(), "k", "01", "--key-format", "utf8", "--value-format", "hex", "--format", "long"),
                2, "value '01' is 1 bytes; this index takes 8-byte values"); // --value-format wins over --format
        assertBad(Cli.run("scan", wide.toString(), "--key-format", "long"), 2,
                "--key-format long needs 8-byte keys; this index has 16-byte keys: use --key-format hex, utf8 or base64");
        assertEquals("", Cli.run("scan", wide.toString(), "--value-format", "long").out(), "hex keys by default, 8-byte values");
        assertEquals(0, size(wide));

        Path variable = index("variable", Options.defaults().withVariableKeys().withVariableValues());
        String tooLong = "00".repeat((64 << 10) + 1);
        assertBad(Cli.run("put", variable.toString(), tooLong, "00", "--format", "hex"), 2,
                "key of 65,537 bytes is longer than the 65,536 bytes this index takes; nothing was written");
        assertBad(Cli.run("get", variable.toString(), tooLong, "--format", "hex"), 2, "key of 65,537 bytes is longer");
        Cli.Result longValue = Cli.run("put", variable.toString(), "1", "1", "--format", "long");
        assertEquals(0, longValue.code(), "long is 8 bytes, also into variable-length data: " + longValue);
        assertEquals(1, size(variable));
    }

    @Test
    void refusesAMissingIndexWithoutCreatingOne() {
        Path none = tmp.resolve("none");
        for (String cmd : new String[]{"get", "delete"}) {
            assertBad(Cli.run(cmd, none.toString(), "1"), 3, "no index in " + none);
        }
        assertBad(Cli.run("put", none.toString(), "1", "2"), 3, "no index in " + none);
        assertBad(Cli.run("scan", none.toString()), 3, "no index in " + none);
        assertFalse(Files.exists(none), "put does not create an index");
    }

    @Test
    void putAndDeleteRefuseAHeldIndexNamingTheHolder() throws IOException {
        Path dir = Cli.longIndex(tmp.resolve("idx"), 10);
        try (BucketDB writer = BucketDB.open(dir, Cli.options())) {
            String holder = "is locked by another writer: lock file " + dir.resolve("LOCK") + " is held by this process: pid "
                    + ProcessHandle.current().pid();
            assertBad(Cli.run("put", dir.toString(), "1", "2"), 3, holder);
            assertBad(Cli.run("delete", dir.toString(), "1"), 3, holder);
            assertEquals(Cli.value(1), writer.getLong(1, -1), "nothing was written");
            // Reading takes no lock: get and scan work beside the writer, and say that it holds the index.
            Cli.Result get = Cli.run("get", dir.toString(), "3");
            assertEquals(0, get.code(), get::toString);
            assertEquals(Cli.value(3) + "\n", get.out());
            assertTrue(get.err().contains("; a writer holds it (pid " + ProcessHandle.current().pid()), get::toString);
        }
        assertEquals(0, Cli.run("put", dir.toString(), "1", "2").code(), "the lock is free again");
    }

    @Test
    void everyKeyCommandHelpShowsAnExampleAndTheExitCodes() {
        for (String cmd : new String[]{"get", "put", "delete", "scan"}) {
            Cli.Result r = Cli.run(cmd, "--help");
            assertEquals(0, r.code(), r::toString);
            assertTrue(r.out().startsWith("Usage: bucketdb " + cmd), r::toString);
            assertTrue(r.out().contains("Examples:\n  bucketdb " + cmd + " /data/"), r::toString);
            assertTrue(r.out().contains("Exit codes: 0 "), r::toString);
            assertTrue(r.out().contains("--key-format=FORMAT") && r.out().contains("--value-format=FORMAT"), r::toString);
        }
        assertTrue(Cli.run().err().contains("missing command: get, put, delete, scan, stat,"));
    }

    @Test
    void aKeyOrValueStartingWithADashNamesTheDoubleDashAndWorksAfterIt() throws IOException {
        Path dir = index("dash", Options.defaults().withKeyWidth(16).withValueWidth(24));
        String d = dir.toString();
        String hint = "was taken for an option: a key or value that starts with '-' goes after '--', which ends the options";
        Cli.Result put = Cli.run("put", d, "-x", "y", "--format", "utf8");
        assertBad(put, Exit.USAGE, "bucketdb put: ");
        assertTrue(put.err().contains("'-x' " + hint + " (bucketdb put [OPTIONS] DIR -- KEY VALUE)"), put::toString);
        Cli.Result value = Cli.run("put", d, "x", "-y", "--format", "utf8");
        assertBad(value, Exit.USAGE, "'-y' " + hint);
        Cli.Result get = Cli.run("get", d, "-x", "--format", "utf8");
        assertBad(get, Exit.USAGE, "'-x' " + hint + " (bucketdb get [OPTIONS] DIR -- KEY)");
        Cli.Result del = Cli.run("delete", d, "--key-format=utf8", "-x");
        assertBad(del, Exit.USAGE, "'-x' " + hint + " (bucketdb delete [OPTIONS] DIR -- KEY)");
        assertEquals(0, size(dir), "nothing written");

        // The hint is true: after '--' the same key goes in, comes back and goes away.
        assertEquals(0, Cli.run("put", d, "--format", "utf8", "--", "-x", "-y").code());
        Cli.Result back = Cli.run("get", d, "--format", "utf8", "--", "-x");
        assertEquals("-y\n", back.out(), back::toString);
        assertEquals(0, Cli.run("delete", d, "--key-format", "utf8", "--", "-x").code());
        assertEquals(0, size(dir));

        // No hint where no dash is to blame: a missing key, a negative number (picocli passes it as a parameter).
        assertFalse(Cli.run("put", d, "7").err().contains(hint));
        Cli.Result negative = Cli.run("put", tmp.resolve("absent").toString(), "-5");
        assertTrue(negative.err().contains("Missing required parameter: 'VALUE'") && !negative.err().contains(hint), negative::toString);
        for (String cmd : new String[]{"get", "put", "delete"}) {
            Cli.Result help = Cli.run(cmd, "--help");
            assertTrue(help.out().contains("bucketdb " + cmd + " /data/names --") && help.out().contains(" -- -alice"), help::toString);
        }
    }
}
