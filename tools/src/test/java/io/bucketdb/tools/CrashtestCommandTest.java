package io.bucketdb.tools;

import io.bucketdb.BucketDB;
import io.bucketdb.Durability;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static io.bucketdb.tools.StatCommandTest.assertBad;
import static org.junit.jupiter.api.Assertions.*;

/**
 * {@code bucketdb crashtest}: real writer processes killed with SIGKILL, and the checker shown to catch a
 * lost acknowledged write and a key no writer wrote, on real indexes changed behind its back.
 */
class CrashtestCommandTest {
    @TempDir
    Path tmp;

    @Test
    void shouldSurviveAFewKillsAndReportThem() throws IOException {
        Path dir = tmp.resolve("ct");
        Cli.Result r = Cli.run("crashtest", dir.toString(), "--kills", "3");
        assertEquals(0, r.code(), r::toString);
        assertEquals("", r.err(), "no progress bar off a terminal: " + r);
        assertTrue(r.out().startsWith("crashtest: writer processes on " + dir + " killed with SIGKILL (SYNC, 8-byte keys, 8-byte values"), r::toString);
        assertTrue(r.out().contains("kills         3 with SIGKILL: 1 aimed at a growth, 1 at a checkpoint, 1 at a random moment"), r::toString);
        assertTrue(r.out().contains("lost          0\n"), r::toString);
        assertTrue(r.out().contains("wrong         0 "), r::toString);
        assertTrue(r.out().contains("recovery      min "), r::toString);
        assertTrue(r.out().contains("structure sound (bucketdb verify)"), r::toString);
        assertTrue(r.out().endsWith("result: OK, no acknowledged write lost\n"), r::toString);
        assertTrue(number(r.out(), "acknowledged  ([\\d,]+) ") > 0, r::toString);
        assertTrue(number(r.out(), "checked       ([\\d,]+) acknowledged writes checked") > 0, r::toString);
        assertEquals(0, Cli.run("verify", dir.toString()).code(), "the index is kept, and sound");
    }

    @Test
    void shouldCheckWideValuesWithAsyncDurability() {
        Path dir = tmp.resolve("ct-async");
        Cli.Result r = Cli.run("crashtest", dir.toString(), "--kills", "2", "--durability", "async", "--value-size", "40");
        assertEquals(0, r.code(), r::toString);
        assertTrue(r.out().contains("(ASYNC, 8-byte keys, 40-byte values"), r::toString);
        assertTrue(r.out().contains("lost          0\n"), r::toString);
        assertTrue(r.out().contains("result: OK"), r::toString);
    }

    @Test
    void shouldReportALostAcknowledgedWriteAndAKeyNoWriterWroteAndExitOne() throws Exception {
        Path dir = tmp.resolve("ct-lost");
        CrashRun run = new CrashRun(dir, Files.createDirectories(tmp.resolve("work")), Durability.SYNC, 8, 42);
        CrashReport report = new CrashReport();
        long key = -1;
        while (key < 0) { // the first writer almost always leaves an acknowledged put; if not, the next one
            report.killed(run.killOne(CrashRun.Aim.RANDOM, System.nanoTime() + 60_000_000_000L));
            CrashRun.Recovered clean = run.recoverAndCheck();
            assertTrue(clean.check().ok(), clean.check()::toString);
            report.recovered(clean);
            key = run.ledger().anyPresentKey();
        }
        long stranger = CrashValue.KEY_LIMIT - 1; // no writer uses keys this high
        try (BucketDB db = BucketDB.open(dir, WriterChild.churnOptions(Durability.SYNC, 8))) {
            assertTrue(db.deleteLong(key), "the acknowledged put is there before we delete it");
            db.putLong(stranger, CrashValue.tag(stranger, 1));
        }

        CrashRun.Recovered tampered = run.recoverAndCheck();
        report.recovered(tampered);
        Ledger.Check c = tampered.check();
        assertEquals(1, c.lost(), c::toString);
        assertEquals(1, c.wrong(), c::toString);
        assertTrue(c.problems().getFirst().startsWith("key " + key + ": lost: expected version "), c::toString);
        assertTrue(c.problems().getFirst().endsWith(", found absent"), c::toString);
        assertTrue(c.problems().get(1).contains("keys no writer touched: [" + stranger + "]"), c::toString);
        assertEquals(Exit.PROBLEMS, report.exitCode());
        String text = String.join("\n", report.lines(1, 1, 1, 0));
        assertTrue(text.contains("lost          1\n"), text);
        assertTrue(text.contains("wrong         1 "), text);
        assertTrue(text.contains("key " + key + ": lost: "), text);
        assertTrue(text.endsWith("result: FAILED"), text);
    }

    @Test
    void shouldAllowEitherOutcomeForOperationsInFlightButNotAnOlderVersion() throws IOException {
        Ledger ledger = new Ledger(4096);
        ledger.intent(1, 5, false);
        ledger.ack(1);                  // key 5: version 1 acknowledged
        ledger.intent(2, 5, false);     // ... version 2 in flight
        ledger.intent(3, 7, false);
        ledger.ack(3);                  // key 7: version 3 acknowledged
        ledger.intent(4, 7, true);      // ... a delete in flight
        ledger.intent(5, 9, false);     // key 9: a first put in flight
        ledger.intent(6, 11, false);
        ledger.ack(6);                  // key 11: version 6 acknowledged, nothing in flight
        Path dir = tmp.resolve("ledger");
        try (BucketDB db = BucketDB.open(dir, WriterChild.churnOptions(Durability.SYNC, 8))) {
            db.putLong(5, CrashValue.tag(5, 2)); // the put in flight took effect
            db.putLong(11, CrashValue.tag(11, 6));
            // key 7: the delete in flight took effect; key 9: the put in flight did not
            Ledger.Check c = ledger.check(db, 8);
            assertTrue(c.ok(), c::toString);
            assertEquals(3, c.inFlight());
            assertEquals(2, c.inFlightTookEffect());
            assertEquals(3, c.acknowledgedChecked());

            ledger.intent(7, 5, false);
            ledger.ack(7);                   // key 5: version 7 acknowledged, but the index still holds version 2
            db.putLong(11, CrashValue.tag(12, 6)); // key 11 holds key 12's value
            Ledger.Check older = ledger.check(db, 8);
            assertEquals(1, older.lost(), older::toString);
            assertEquals(1, older.wrong(), older::toString);
            assertEquals(List.of("key 5: lost: expected version 7, found version 2",
                    "key 11: wrong: expected version 6, found version 6 of key 12"), older.problems());
        }
    }

    @Test
    void shouldRunAChainOfLivesThatNeverCloseAndReportThem() throws IOException {
        Path dir = tmp.resolve("chain");
        Cli.Result r = Cli.run("crashtest", dir.toString(), "--chain", "--kills", "4", "--seed", "5");
        assertEquals(0, r.code(), r::toString);
        assertTrue(r.out().startsWith("crashtest --chain: writer lives on " + dir + " that never close, each killed with SIGKILL"
                + " (SYNC or ASYNC at random, 8-byte keys, 8-byte values, up to 1,048,576 keys; seed 5)"), r::toString);
        assertTrue(r.out().contains("lives         4 writer lives killed with SIGKILL, none closed"), r::toString);
        assertTrue(r.out().contains("then 1 final open that only checks"), r::toString);
        assertTrue(r.out().contains("kills         1 (") && r.out().contains("aimed at a growth, 1 ("), r::toString);
        assertTrue(r.out().contains("lost          0\n"), r::toString);
        assertTrue(r.out().contains("failed opens  0\n"), r::toString);
        assertTrue(r.out().contains("structure sound (bucketdb verify)"), r::toString);
        assertTrue(r.out().endsWith("result: OK, no acknowledged write lost\n"), r::toString);
        assertTrue(number(r.out(), "checked       ([\\d,]+) acknowledged writes checked") > 0, r::toString);
        try (var files = Files.list(dir)) {
            assertTrue(files.noneMatch(f -> f.getFileName().toString().startsWith("ledger-")), "ledger files stay out of the index");
        }
    }

    @Test
    void shouldCatchABatchThatTookEffectOnSomeOfItsKeysOnly() throws IOException {
        Ledger ledger = new Ledger(4096);
        ledger.batch(new long[]{10, 13, 16}, new long[]{1, 4, 7}, new boolean[]{false, false, true});
        ledger.intent(2, 7, false);
        ledger.ack(2);                                  // key 7: version 2, the batch deletes it
        try (BucketDB db = BucketDB.open(tmp.resolve("torn"), WriterChild.churnOptions(Durability.SYNC, 8))) {
            db.putLong(1, CrashValue.tag(1, 10));       // the batch shows on key 1, but not on key 4 (absent, not version 13)
            db.putLong(7, CrashValue.tag(7, 2));        // nor on key 7 (not deleted)
            Ledger.Check c = ledger.check(db, 8);
            assertEquals(1, c.tornBatches(), c::toString);
            assertFalse(c.ok());
            assertEquals(0, c.lost(), c::toString);
            assertEquals(List.of("batch 10 (3 operations, in flight) took effect in part: key 1 shows it, key 7 does not"),
                    c.problems());
        }
        Ledger whole = new Ledger(4096);
        whole.batch(new long[]{10, 13}, new long[]{1, 4}, new boolean[]{false, true});
        whole.batch(new long[]{20, 23}, new long[]{5, 8}, new boolean[]{false, false});
        try (BucketDB db = BucketDB.open(tmp.resolve("whole"), WriterChild.churnOptions(Durability.SYNC, 8))) {
            db.putLong(1, CrashValue.tag(1, 10));       // batch 10 took effect (key 4 absent either way); batch 20 did not
            Ledger.Check c = whole.check(db, 8);
            assertTrue(c.ok(), c::toString);
            assertEquals(4, c.inFlight());
        }
    }

    @Test
    void shouldFeedTheLedgerFromTheWritersFileAndDropALineTheKillCut() throws IOException {
        Path file = tmp.resolve("ledger.txt");
        try (LedgerFile.Appender a = new LedgerFile.Appender(file)) {
            a.line("W 1 5 P");
            a.line("A 1");
            a.line("B 4 3 8P 11D");
            a.line("A 4");
            a.line("W 10 5 D");
        }
        Files.writeString(file, "A 1", java.nio.file.StandardOpenOption.APPEND); // an acknowledgement the kill cut
        Ledger ledger = new Ledger(4096);
        LedgerFile.Read read = LedgerFile.feed(file, ledger);
        assertEquals(new LedgerFile.Read(5, 4, 2, null), read);
        assertEquals(3, ledger.acknowledged());
        assertEquals(1, ledger.inFlight(), "the delete of key 5 is in flight: its cut acknowledgement does not count");
        assertEquals(11, ledger.nextSeq());
        assertEquals(12, ledger.keyEnd());
        Files.writeString(file, "W 11 5 X\n", java.nio.file.StandardOpenOption.APPEND);
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> LedgerFile.feed(file, new Ledger(4096)));
        assertTrue(e.getMessage().contains("line 6 'A 1W 11 5 X'"), e::getMessage);
    }

    @Test
    void shouldCheckWhatAWriterReadThroughItsOpen() throws IOException {
        Path file = tmp.resolve("check.bin");
        Ledger ledger = new Ledger(4096);
        ledger.intent(1, 3, false);
        ledger.ack(1);
        ledger.intent(2, 6, false);
        ledger.ack(2);
        try (BucketDB db = BucketDB.open(tmp.resolve("read"), WriterChild.churnOptions(Durability.SYNC, 8))) {
            db.putLong(3, CrashValue.tag(3, 1));        // key 6 lost
            db.putLong(100, CrashValue.tag(100, 9));    // a key no writer touched
            OpenCheckFile.write(db, 8, ledger.keyEnd(), file);
        }
        Ledger.Check c = ledger.check(OpenCheckFile.read(file));
        assertEquals(1, c.lost(), c::toString);
        assertEquals(1, c.wrong(), c::toString);
        assertEquals(List.of("key 6: lost: expected version 2, found absent",
                "2 entries in the index, but only 1 of the keys the writers touched are present; keys no writer touched: [100]"),
                c.problems());
    }

    @Test
    void shouldEncodeKeyAndVersionInEveryByteOfAValue() {
        byte[] v = CrashValue.bytes(123, 45, 40);
        assertEquals(CrashValue.tag(123, 45), CrashValue.tagOf(v));
        v[33] ^= 1; // a torn or stale byte far from the tag
        assertEquals(-1, CrashValue.tagOf(v));
        assertEquals(CrashValue.tag(123, 45), CrashValue.tagOf(CrashValue.bytes(123, 45, 8)));
    }

    @Test
    void shouldRefuseBadOptionsWithOneLine() throws IOException {
        String dir = tmp.resolve("new").toString();
        assertBad(Cli.run("crashtest", dir, "--kills", "0"), 2, "--kills must be at least 1, got 0");
        assertBad(Cli.run("crashtest", dir, "--kills", "many"), 2, "Invalid value for option '--kills'");
        assertBad(Cli.run("crashtest", dir, "--seconds", "0"), 2, "--seconds must be at least 1, got 0");
        assertBad(Cli.run("crashtest", dir, "--durability", "fast"), 2, "Invalid value for option '--durability'");
        assertBad(Cli.run("crashtest", dir, "--value-size", "4"), 2, "--value-size must be 8 to 4096 bytes");
        assertBad(Cli.run("crashtest", dir, "--value-size", "5000"), 2, "--value-size must be 8 to 4096 bytes");
        assertBad(Cli.run("crashtest", dir, "--bogus"), 2, "Unknown option: '--bogus'");
        assertBad(Cli.run("crashtest"), 2, "Missing required parameter: 'DIR'");
        Path index = Cli.longIndex(tmp.resolve("idx"), 10);
        assertBad(Cli.run("crashtest", index.toString()), 2, "already holds an index");
        Path busy = Files.createDirectories(tmp.resolve("busy"));
        Files.writeString(busy.resolve("notes.txt"), "mine");
        assertBad(Cli.run("crashtest", busy.toString()), 2, "is not empty");
        Path file = Files.writeString(tmp.resolve("plain.txt"), "hello");
        assertBad(Cli.run("crashtest", file.toString()), 2, "is not a directory");
        assertFalse(Files.exists(Path.of(dir)), "nothing created on bad input");
    }

    @Test
    void shouldGiveHelpWithAnExampleAndTheExitCodes() {
        Cli.Result r = Cli.run("crashtest", "--help");
        assertEquals(0, r.code(), r::toString);
        assertTrue(r.out().startsWith("Usage: bucketdb crashtest"), r::toString);
        assertTrue(r.out().contains("bucketdb crashtest /mnt/data/crash-idx --seconds 600"), r::toString);
        assertTrue(r.out().contains("bucketdb crashtest /mnt/data/chain-idx --chain --kills 1000"), r::toString);
        assertTrue(r.out().contains("With --chain the writers never close"), r::toString);
        assertTrue(r.out().contains("Exit codes: 0 every acknowledged write survived every kill, 1 a write was lost"), r::toString);
        assertFalse(Cli.run("--help").out().contains("writer-child"), "the writer's subcommand is hidden");
    }

    private static long number(String text, String regex) {
        Matcher m = Pattern.compile(regex).matcher(text);
        assertTrue(m.find(), () -> regex + " in " + text);
        return Long.parseLong(m.group(1).replace(",", ""));
    }
}
