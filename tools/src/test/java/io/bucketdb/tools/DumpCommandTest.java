package io.bucketdb.tools;

import io.bucketdb.BucketDB;
import io.bucketdb.Durability;
import io.bucketdb.WriteBatch;
import io.bucketdb.inspect.IndexInspector;
import io.bucketdb.inspect.Location;
import io.bucketdb.storage.sim.CrashMode;
import io.bucketdb.storage.sim.CrashSimulator;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Arrays;

import static io.bucketdb.tools.StatCommandTest.assertBad;
import static io.bucketdb.tools.StatCommandTest.field;
import static org.junit.jupiter.api.Assertions.*;

class DumpCommandTest {
    @TempDir
    Path tmp;

    private static Location locate(Path dir, long key) throws IOException {
        try (IndexInspector in = IndexInspector.open(dir)) {
            return in.locate(Format.LONG.parse(key, 8, "key"));
        }
    }

    @Test
    void shouldDumpOneBucketInAlignedColumns() throws IOException {
        Path dir = Cli.longIndex(tmp.resolve("idx"), 5_000);
        Location loc = locate(dir, 42);
        Cli.Result r = Cli.run("dump", dir.toString(), "--bucket", String.valueOf(loc.bucket()));
        assertEquals(0, r.code(), r::toString);
        String[] lines = r.out().split("\n");
        assertTrue(lines[0].startsWith("B=10 (1,024 buckets), 5,000 entries, 8-byte keys, 8-byte values"), r::toString);
        assertTrue(lines[2].startsWith("bucket " + loc.bucket() + " of 1,024 @ offset " + loc.bucketOffset() + ": "), r::toString);
        String header = lines[3];
        assertTrue(header.matches("  chain +offset +next +slot +tophash +key +value"), header);
        int keyCol = header.indexOf("key");
        String row = Arrays.stream(lines).filter(l -> l.length() > keyCol && l.substring(keyCol).startsWith("42 ")).findFirst().orElseThrow();
        assertTrue(row.endsWith(" 4207"), row);
        assertEquals(header.indexOf("value"), row.lastIndexOf("4207"), "values aligned under their header");
        assertTrue(r.out().contains(String.format("0x%02x", loc.tophash())), r::toString);
    }

    @Test
    void shouldNameSlotStatesAndShowTheOldBucketDuringGrowth() throws IOException {
        Path dir = tmp.resolve("idx");
        Cli.growingIndex(dir, 8); // a copying doubling (of less than one piece): its old buckets carry evacuated states
        Cli.Result r = Cli.run("dump", dir.toString(), "--bucket", "0");
        assertEquals(0, r.code(), r::toString);
        assertTrue(r.out().contains("growing from B="), r::toString);
        assertTrue(r.out().contains("\nold bucket 0 of "), r::toString);
        assertTrue(r.out().contains("evacuated"), r::toString);
        assertTrue(r.out().contains("evacuatedX") || r.out().contains("evacuatedEmpty"), r::toString);
        assertTrue(r.out().contains("emptyRest"), r::toString);
    }

    @Test
    void shouldExplainWhereAKeyLives() throws IOException {
        Path dir = Cli.longIndex(tmp.resolve("idx"), 5_000);
        Location loc = locate(dir, 42);
        Cli.Result r = Cli.run("dump", dir.toString(), "--key", "42");
        assertEquals(0, r.code(), r::toString);
        assertTrue(r.out().contains(String.format("hash     0x%016x", loc.hash())), r::toString);
        assertTrue(r.out().contains("bucket   " + loc.bucket() + " of 1,024 (the low 10 bits of the hash)"), r::toString);
        assertTrue(r.out().contains("found    chain position " + loc.chainPosition() + ", bucket @ offset " + loc.foundBucketOffset()
                + ", slot " + loc.slot()), r::toString);
        assertTrue(r.out().contains("value    4207"), r::toString);

        Cli.Result missing = Cli.run("dump", dir.toString(), "--key", "99999999");
        assertEquals(1, missing.code(), "an absent key exits 1, as get does: " + missing);
        assertTrue(missing.out().contains("found    no: not in the chain of bucket"), missing::toString);

        Cli.Result json = Cli.run("dump", dir.toString(), "--key", "42", "--json");
        assertEquals(0, json.code(), json::toString);
        assertEquals("true", field(json.out(), "found"));
        assertEquals(String.valueOf(loc.slot()), field(json.out(), "slot"));
        assertEquals("4207", field(json.out(), "value"));
    }

    @Test
    void shouldDumpJsonAndHonourTheLimit() throws IOException {
        Path dir = Cli.longIndex(tmp.resolve("idx"), 5_000);
        Cli.Result r = Cli.run("dump", dir.toString(), "--json", "--limit", "3");
        assertEquals(0, r.code(), r::toString);
        assertEquals("10", field(r.out(), "B"));
        assertEquals("1021", field(r.out(), "more"));
        assertEquals(3, r.out().split("\"array\":\"current\"").length - 1, r::toString);
        assertTrue(r.out().contains("\"state\":\"live\""), r::toString);

        Cli.Result text = Cli.run("dump", dir.toString());
        assertTrue(text.out().contains("... 1,008 more buckets (--limit 0 dumps all, --bucket N one)"), text::toString);
    }

    @Test
    void shouldShowKeysInTheFormatAsked() throws IOException {
        Path dir = Cli.longIndex(tmp.resolve("idx"), 100);
        Cli.Result hex = Cli.run("dump", dir.toString(), "--key", "2a00000000000000", "--format", "hex");
        assertEquals(0, hex.code(), hex::toString);
        assertTrue(hex.out().contains("value    6f10000000000000"), hex::toString);

        Path text = tmp.resolve("text");
        try (BucketDB db = BucketDB.open(text, Cli.options().withKeyWidth(12).withValueWidth(4))) {
            db.put(Arrays.copyOf("apple".getBytes(StandardCharsets.UTF_8), 12), "red\0".getBytes(StandardCharsets.UTF_8));
        }
        Cli.Result utf8 = Cli.run("dump", text.toString(), "--key", "apple", "--format", "utf8");
        assertEquals(0, utf8.code(), utf8::toString);
        assertTrue(utf8.out().contains("key      apple\n"), utf8::toString);
        assertTrue(utf8.out().contains("value    red\n"), utf8::toString);
    }

    @Test
    void shouldRefuseBadArguments() throws IOException {
        Path dir = Cli.longIndex(tmp.resolve("idx"), 100);
        assertBad(Cli.run("dump", dir.toString(), "--bucket", "99"), 2, "--bucket 99 does not exist: the index has 16 buckets (0..15)");
        assertBad(Cli.run("dump", dir.toString(), "--key", "abc"), 2, "key 'abc' is not a 64-bit integer");
        assertBad(Cli.run("dump", dir.toString(), "--key", "ab", "--format", "hex"), 2, "key 'ab' is 1 bytes; this index takes 8-byte keys");
        assertBad(Cli.run("dump", dir.toString(), "--bucket", "1", "--key", "1"), 2, "give --bucket or --key, not both");
        assertBad(Cli.run("dump", dir.toString(), "--format", "octal"), 2, "Invalid value for option '--format'");
        assertBad(Cli.run("dump", tmp.resolve("none").toString()), 3, "no such directory");
    }

    /**
     * The line that says what the buckets shown lack must be true also when the view replayed no put or delete:
     * two empty atomic batches after the checkpoint are four LSNs (begin, commit) and no operation, so the view is
     * ahead of the image while its recovery counts 0 records replayed ("the 0 journal records after it" was printed).
     */
    @Test
    void shouldNameTheLsnsTheViewHoldsBeyondTheImageAlsoWhenNoRecordWasReplayed() throws IOException {
        Path live = tmp.resolve("live");
        CrashSimulator sim = new CrashSimulator();
        BucketDB db = BucketDB.open(live, Cli.options().withDurability(Durability.SYNC).withDurableIO(sim));
        for (long k = 0; k < 10; k++) {
            db.putLong(k, k * 10);
        }
        db.checkpoint();
        db.write(new WriteBatch());
        db.write(new WriteBatch());
        Path dir = tmp.resolve("idx");
        sim.writeCrashImage(live, dir, CrashMode.KEEP_ALL); // db is abandoned, as a kill leaves it
        long checkpointLsn;
        long viewLsn;
        try (BucketDB view = Views.open(dir)) {
            checkpointLsn = view.recovery().checkpointLsn();
            viewLsn = view.lsn();
            assertEquals(0, view.recovery().recordsReplayed(), () -> "the case this test is about: " + view.recovery());
            assertTrue(viewLsn > checkpointLsn, () -> "the view is ahead of the image: " + view.recovery());
        }
        Cli.Result r = Cli.run("dump", dir.toString(), "--limit", "1");
        assertEquals(0, r.code(), r::toString);
        assertEquals("bucketdb dump: the buckets shown are the checkpoint image at LSN " + checkpointLsn + "; the journal after it, up to LSN "
                + viewLsn + ", is in the view only", r.errLines()[1], r::toString);

        // The ordinary case: puts after the checkpoint, and --key, which shows the view's value.
        Path crashed = Cli.crashed(tmp, "crashed", 5);
        Cli.Result key = Cli.run("dump", crashed.toString(), "--key", "3");
        assertEquals(0, key.code(), key::toString);
        try (BucketDB view = Views.open(crashed)) {
            assertEquals("bucketdb dump: the buckets shown are the checkpoint image at LSN " + view.recovery().checkpointLsn()
                    + "; the journal after it, up to LSN " + view.lsn() + ", is in the view only (its value of the key is shown)",
                    key.errLines()[1], key::toString);
        }
    }
}
