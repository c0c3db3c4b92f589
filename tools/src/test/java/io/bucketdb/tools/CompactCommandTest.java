package io.bucketdb.tools;

import io.bucketdb.BucketDB;
import io.bucketdb.Options;
import io.bucketdb.engine.StagedIndex;
import io.bucketdb.storage.IndexFileNames;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static io.bucketdb.tools.StatCommandTest.assertBad;
import static io.bucketdb.tools.StatCommandTest.field;
import static org.junit.jupiter.api.Assertions.*;

/** {@code bucketdb compact}: contents kept key by key, a shrunk index, --to, refusals, and what an interrupted compaction leaves. */
class CompactCommandTest {
    @TempDir
    Path tmp;

    private static void assertLongs(Path dir, long n) throws IOException {
        try (BucketDB db = BucketDB.open(dir, Options.defaults().withReadOnly(true))) {
            assertEquals(n, db.size(), dir + " size");
            for (long k = 0; k < n; k++) {
                assertEquals(Cli.value(k), db.getLong(k, -1), "key " + k);
            }
        }
    }

    private static int b(Path dir) {
        Cli.Result stat = Cli.run("stat", dir.toString(), "--json");
        assertEquals(0, stat.code(), stat::toString);
        return Integer.parseInt(field(stat.out(), "B"));
    }

    private static long number(String out, String regex) {
        Matcher m = Pattern.compile(regex).matcher(out);
        assertTrue(m.find(), () -> regex + " in\n" + out);
        return Long.parseLong(m.group(1).replace(",", ""));
    }

    @Test
    void shouldKeepEveryEntryAndReportWhatItDid() throws IOException {
        Path dir = Cli.longIndex(tmp.resolve("idx"), 20_000);
        Cli.Result r = Cli.run("compact", dir.toString());
        assertEquals(0, r.code(), r::toString);
        assertTrue(r.out().startsWith("compacted " + dir + "\n"), r::toString);
        assertTrue(r.out().contains("  entries    20,000, checked key by key in "), r::toString);
        assertTrue(r.out().contains("  buckets    B 12 -> 12 (4,096 -> 4,096, load factor 4.88)"), r::toString);
        assertTrue(r.out().matches("(?s).*  table      [0-9.]+ [KM]iB -> [0-9.]+ [KM]iB \\([-+]?\\d+%\\)\n.*"), r::toString);
        assertTrue(r.out().contains("  journal    ") && r.out().contains("  directory  "), r::toString);
        assertEquals("", r.err());
        assertLongs(dir, 20_000);
        assertEquals(0, Cli.run("verify", dir.toString()).code());
        assertFalse(Files.exists(StagedIndex.staging(dir)) || Files.exists(StagedIndex.retired(dir)), "no leftovers");
        try (BucketDB db = BucketDB.open(dir, Cli.options())) {
            db.putLong(-1, 5); // writable as any index
        }
    }

    @Test
    void shouldKeepByteKeysAndValuesOfAnyWidth() throws IOException {
        Path dir = tmp.resolve("bytes");
        try (BucketDB db = BucketDB.open(dir, Cli.options().withKeyWidth(13).withValueWidth(3))) {
            for (int i = 0; i < 3_000; i++) {
                db.put(key13(i), new byte[]{(byte) i, (byte) (i >> 8), 7});
            }
        }
        Cli.Result r = Cli.run("compact", dir.toString());
        assertEquals(0, r.code(), r::toString);
        try (BucketDB db = BucketDB.open(dir, Options.defaults().withReadOnly(true))) {
            assertEquals(13, db.keyWidth());
            assertEquals(3, db.valueWidth());
            assertEquals(3_000, db.size());
            for (int i = 0; i < 3_000; i++) {
                assertArrayEquals(new byte[]{(byte) i, (byte) (i >> 8), 7}, db.get(key13(i)), "key " + i);
            }
        }
    }

    private static byte[] key13(int i) {
        byte[] k = Arrays.copyOf(("k" + i).getBytes(), 13);
        k[12] = (byte) (i * 31);
        return k;
    }

    @Test
    void shouldShrinkAnIndexThatLostMostOfItsKeys() throws IOException {
        Path dir = Cli.longIndex(tmp.resolve("idx"), 50_000);
        try (BucketDB db = BucketDB.open(dir, Cli.options())) {
            for (long k = 0; k < 50_000; k++) {
                if (k % 10 != 0) {
                    db.deleteLong(k);
                }
            }
        }
        long before = Files.size(dir.resolve(IndexFileNames.TABLE));
        assertEquals(13, b(dir), "grown for 50,000 keys");
        Cli.Result r = Cli.run("compact", dir.toString());
        assertEquals(0, r.code(), r::toString);
        assertTrue(r.out().contains("B 13 -> 10 (8,192 -> 1,024"), r::toString);
        long after = Files.size(dir.resolve(IndexFileNames.TABLE));
        assertTrue(after < before / 4, "table " + before + " -> " + after + " bytes");
        assertEquals(10, b(dir), "the smallest B that holds 5,000 keys at 6.5 per bucket");
        try (BucketDB db = BucketDB.open(dir, Options.defaults().withReadOnly(true))) {
            assertEquals(5_000, db.size());
            for (long k = 0; k < 50_000; k++) {
                assertEquals(k % 10 == 0 ? Cli.value(k) : -1, db.getLong(k, -1), "key " + k);
            }
        }
        assertEquals(0, Cli.run("verify", dir.toString()).code());
    }

    @Test
    void shouldCompactAnIndexClosedInTheMiddleOfAGrowth() throws IOException {
        Path dir = tmp.resolve("growing");
        long n = Cli.growingIndex(dir);
        Cli.Result r = Cli.run("compact", dir.toString());
        assertEquals(0, r.code(), r::toString);
        assertLongs(dir, n);
        Cli.Result stat = Cli.run("stat", dir.toString(), "--json");
        assertEquals("false", field(stat.out(), "growing"), "no old array left");
    }

    @Test
    void shouldWriteACopyWithToAndLeaveTheSourceAsItWas() throws IOException {
        Path dir = Cli.longIndex(tmp.resolve("idx"), 9_000);
        Path out = tmp.resolve("copies").resolve("idx-compact");
        Cli.Result r = Cli.run("compact", dir.toString(), "--to", out.toString());
        assertEquals(0, r.code(), r::toString);
        assertTrue(r.out().startsWith("compacted " + dir + " into " + out + " (" + dir + " unchanged)\n"), r::toString);
        assertLongs(dir, 9_000);
        assertLongs(out, 9_000);
        assertFalse(Files.exists(StagedIndex.staging(out)));
        Files.createDirectories(tmp.resolve("empty"));
        assertEquals(0, Cli.run("compact", dir.toString(), "--to", tmp.resolve("empty").toString()).code(), "an empty directory will do");
        assertLongs(tmp.resolve("empty"), 9_000);
        assertBad(Cli.run("compact", dir.toString(), "--to", out.toString()), 2, "already exists; give a new or empty directory");
        assertBad(Cli.run("compact", dir.toString(), "--to", dir.resolve("inner").toString()), 2, "must be outside");
    }

    @Test
    void shouldRefuseALockedIndexNamingTheHolder() throws IOException {
        Path dir = Cli.longIndex(tmp.resolve("idx"), 100);
        try (BucketDB writer = BucketDB.open(dir, Cli.options())) {
            Cli.Result r = Cli.run("compact", dir.toString());
            assertBad(r, 3, "is locked by another writer");
            assertTrue(r.err().contains("held by this process: pid " + ProcessHandle.current().pid()), r::toString);
            assertFalse(Files.exists(StagedIndex.staging(dir)), "nothing built");
            writer.putLong(100, Cli.value(100));
        }
        assertLongs(dir, 101);
    }

    @Test
    void shouldRefuseBadInputWithOneLine() throws IOException {
        assertBad(Cli.run("compact", tmp.resolve("missing").toString()), 3, "missing: no such index directory");
        Path plain = Files.createDirectories(tmp.resolve("plain"));
        Files.writeString(plain.resolve("notes.txt"), "not an index");
        assertBad(Cli.run("compact", plain.toString()), 3, "is not an index: table.bdb is missing");
        assertBad(Cli.run("compact", plain.resolve("notes.txt").toString()), 3, "notes.txt is not a directory");
        Path junk = Files.createDirectories(tmp.resolve("junk"));
        Files.write(junk.resolve(IndexFileNames.TABLE), new byte[20_000]);
        assertBad(Cli.run("compact", junk.toString()), 3, "run 'bucketdb verify " + junk + "'");
        assertFalse(Files.exists(StagedIndex.staging(junk)));
        assertBad(Cli.run("compact"), 2, "Missing required parameter: 'DIR'");
        assertBad(Cli.run("compact", plain.toString(), "--fast"), 2, "Unknown option: '--fast'");
    }

    @Test
    void shouldClearWhatACrashedBuildLeft() throws IOException {
        Path dir = Cli.longIndex(tmp.resolve("idx"), 2_000);
        Path stale = Cli.longIndex(StagedIndex.staging(dir), 10); // killed while building: unlocked, incomplete
        Files.writeString(stale.resolve("journal-0000000000000042.log"), "half a record");
        Cli.Result r = Cli.run("compact", dir.toString());
        assertEquals(0, r.code(), r::toString);
        assertLongs(dir, 2_000);
        assertFalse(Files.exists(stale));
    }

    /** A compaction killed between its renames: DIR moved to OLD, the checked copy still in NEW. */
    private Path killedBetweenRenames() throws IOException {
        Path dir = Cli.longIndex(tmp.resolve("idx"), 3_000);
        Path copy = tmp.resolve("copy");
        assertEquals(0, Cli.run("compact", dir.toString(), "--to", copy.toString()).code());
        Files.move(dir, StagedIndex.retired(dir));
        Files.move(copy, StagedIndex.staging(dir));
        return dir;
    }

    @Test
    void shouldFinishACompactionKilledBetweenItsRenames() throws IOException {
        Path dir = killedBetweenRenames();
        Cli.Result r = Cli.run("compact", dir.toString());
        assertEquals(0, r.code(), r::toString);
        assertEquals(dir + ": finished an interrupted compaction; the compacted index is in place\n", r.out());
        assertLongs(dir, 3_000);
        assertFalse(Files.exists(StagedIndex.staging(dir)) || Files.exists(StagedIndex.retired(dir)), "no leftovers");
    }

    /**
     * 'bucketdb recover' is what a user runs after a crash, and finishing the swap is part of recovering: it said
     * "no such index directory". The commands that read the checkpoint image said "no such directory" as for a lost index;
     * they say what happened and what finishes it, and change nothing.
     */
    @Test
    void shouldLetRecoverFinishItAndTheImageCommandsSayWhatHappened() throws IOException {
        Path dir = killedBetweenRenames();
        String d = dir.toString();
        for (String[] args : new String[][]{{"stat", d}, {"dump", d}, {"verify", d}, {"export", d}, {"export", d, "--salvage"},
                {"backup", d, tmp.resolve("backup").toString()}}) {
            assertBad(Cli.run(args), 3, "no index in " + d + ": a compaction was interrupted between its renames");
            assertTrue(Cli.run(args).err().contains("'bucketdb recover " + d + "' or 'bucketdb compact " + d + "' finishes it"));
        }
        assertFalse(Files.exists(dir), "reading changed nothing");
        assertTrue(Files.isDirectory(StagedIndex.retired(dir)) && Files.isDirectory(StagedIndex.staging(dir)));

        Cli.Result r = Cli.run("recover", d);
        assertEquals(0, r.code(), r::toString);
        assertTrue(r.out().startsWith(d + ": finished an interrupted compaction; the compacted index is in place\n"), r::toString);
        assertTrue(r.out().contains("entries now:                3,000"), r::toString);
        assertLongs(dir, 3_000);
        assertFalse(Files.exists(StagedIndex.staging(dir)) || Files.exists(StagedIndex.retired(dir)), "no leftovers");
        assertBad(Cli.run("recover", tmp.resolve("idx-file").toString()), 3, "no such index directory");
        Path file = Files.writeString(tmp.resolve("a-file"), "x");
        assertBad(Cli.run("recover", file.toString()), 3, file + " is not a directory: an index is a directory");
    }

    @Test
    void shouldLetTheNextOpenFinishIt() throws IOException {
        Path dir = killedBetweenRenames();
        try (BucketDB db = BucketDB.open(dir, Cli.options())) { // what an application restarting after the crash does
            assertEquals(3_000, db.size());
        }
        assertFalse(Files.exists(StagedIndex.retired(dir)));
        assertLongs(dir, 3_000);
    }

    @Test
    void shouldNotRaceACompactionThatIsStillRunning() throws IOException {
        Path dir = killedBetweenRenames();
        try (BucketDB running = BucketDB.open(StagedIndex.retired(dir), Cli.options())) { // holds the lock the swap carries
            assertBad(Cli.run("compact", dir.toString()), 3, "is being replaced by a compaction");
            assertFalse(Files.exists(dir));
        }
        assertEquals(0, Cli.run("compact", dir.toString()).code());
        assertLongs(dir, 3_000);
    }

    @Test
    void shouldRemoveTheOldIndexLeftAfterTheSecondRename() throws IOException {
        Path dir = Cli.longIndex(tmp.resolve("idx"), 1_000);
        Path old = Cli.longIndex(StagedIndex.retired(dir), 50);
        Cli.Result r = Cli.run("compact", dir.toString());
        assertEquals(0, r.code(), r::toString);
        assertFalse(Files.exists(old));
        assertLongs(dir, 1_000);
    }

    @Test
    void shouldNameTheOldIndexWhenTheCopyIsGone() throws IOException {
        Path dir = Cli.longIndex(tmp.resolve("idx"), 10);
        Path old = StagedIndex.retired(dir);
        Files.move(dir, old);
        assertBad(Cli.run("compact", dir.toString()), 3, "rename " + old + " back to " + dir);
        assertLongs(old, 10);
    }

    @Test
    void shouldExplainItselfInHelp() {
        Cli.Result r = Cli.run("compact", "--help");
        assertEquals(0, r.code(), r::toString);
        assertTrue(r.out().startsWith("Usage: bucketdb compact"), r::toString);
        assertTrue(r.out().contains("bucketdb compact /data/idx --to /backup/idx-compact"), r::toString);
        assertTrue(r.out().contains("Exit codes: 0 "), r::toString);
    }
}
