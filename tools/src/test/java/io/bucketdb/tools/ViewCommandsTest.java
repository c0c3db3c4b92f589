package io.bucketdb.tools;

import io.bucketdb.BucketDB;
import io.bucketdb.Durability;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;

import static io.bucketdb.tools.StatCommandTest.field;
import static org.junit.jupiter.api.Assertions.*;

/**
 * The reading commands read through the read-only view: {@code stat --json}'s view fields, and the writes of a live
 * writer that has not checkpointed, and those of a writer killed without a checkpoint, seen by get, scan, stat, dump,
 * verify and export ({@link ToolsAfterKillTest} kills a real writer process).
 */
class ViewCommandsTest {
    @TempDir
    Path tmp;

    @Test
    void statJsonKeepsItsFieldsAndAddsTheViewsLsnRecordsReplayedAndCount() throws IOException {
        Path dir = Cli.longIndex(tmp.resolve("idx"), 2_000);
        Cli.Result r = Cli.run("stat", dir.toString(), "--json");
        assertEquals(0, r.code(), r::toString);
        String json = r.out();
        assertEquals("2000", field(json, "count"));
        assertEquals("false", field(json, "live"));
        assertEquals(field(json, "checkpointLsn"), field(json, "viewLsn"), "a closed index: the view is the image");
        assertEquals("0", field(json, "recordsReplayed"));
        assertEquals("2000", field(json, "viewCount"));
        assertTrue(r.err().startsWith("bucketdb: " + dir + " as of LSN " + field(json, "viewLsn") + " "), r::toString);
    }

    /**
     * A writer in this JVM acknowledged 1,000 SYNC puts and keeps the index open without a checkpoint: every
     * reading command shows them.
     */
    @Test
    void theReadingCommandsSeeTheAcknowledgedWritesOfALiveWriter() throws IOException {
        Path dir = Cli.longIndex(tmp.resolve("idx"), 0);
        try (BucketDB writer = BucketDB.open(dir, Cli.options().withDurability(Durability.SYNC)
                .withCheckpointTriggers(1L << 30, 1L << 30, Duration.ofHours(1)))) {
            for (long k = 0; k < 1_000; k++) {
                writer.putLong(k, Cli.value(k));
            }
            assertSeen(dir, 1_000, Cli::value);
        }
    }

    /** A writer killed after 300 acknowledged SYNC puts, none checkpointed: the tools see them all without recover. */
    @Test
    void theReadingCommandsSeeEveryAcknowledgedWriteAfterACrash() throws IOException {
        Path dir = Cli.crashed(tmp, "crashed", 300);
        assertSeen(dir, 300, k -> k * 10);
    }

    private static void assertSeen(Path dir, int n, java.util.function.LongUnaryOperator value) {
        String d = dir.toString();
        for (long k : new long[]{0, n / 2, n - 1}) {
            Cli.Result get = Cli.run("get", d, String.valueOf(k));
            assertEquals(0, get.code(), get::toString);
            assertEquals(value.applyAsLong(k) + "\n", get.out());
        }
        assertEquals(1, Cli.run("get", d, String.valueOf(n)).code(), "absent beyond the writes");

        Cli.Result scan = Cli.run("scan", d);
        assertEquals(0, scan.code(), scan::toString);
        assertEquals(n, scan.out().split("\n").length, scan::toString);
        assertTrue(scan.err().endsWith("bucketdb scan: " + Text.count(n) + " entries\n"), scan::toString);

        Cli.Result stat = Cli.run("stat", d, "--json");
        assertEquals(0, stat.code(), stat::toString);
        assertEquals(String.valueOf(n), field(stat.out(), "viewCount"), stat::toString);
        assertEquals(String.valueOf(n), field(stat.out(), "recordsReplayed"), "one record per SYNC put: " + stat);
        assertTrue(Long.parseLong(field(stat.out(), "viewLsn")) >= Long.parseLong(field(stat.out(), "checkpointLsn")) + n, stat::toString);
        assertTrue(stat.err().startsWith("bucketdb: " + dir + " as of LSN " + field(stat.out(), "viewLsn") + " (checkpoint LSN "
                + field(stat.out(), "checkpointLsn") + " + " + Text.count(n) + " journal records replayed)"), stat::toString);

        Cli.Result dump = Cli.run("dump", d, "--key", "1");
        assertEquals(0, dump.code(), "present in the view, though not in the image: " + dump);
        assertTrue(dump.out().contains("view     value " + value.applyAsLong(1) + " in the view as of LSN "), dump::toString);

        Cli.Result export = Cli.run("export", d, "--format", "long");
        assertEquals(0, export.code(), export::toString);
        assertEquals(n + 1, export.out().split("\n").length, "the shape line and every entry: " + export);
        assertTrue(export.out().contains("{\"key\":" + (n - 1) + ",\"value\":" + value.applyAsLong(n - 1) + "}"), export::toString);

        Cli.Result verify = Cli.run("verify", d);
        assertEquals(0, verify.code(), verify::toString);
        assertTrue(verify.err().contains(": " + Text.count(n) + " entries, each found by a lookup"), verify::toString);
    }
}
