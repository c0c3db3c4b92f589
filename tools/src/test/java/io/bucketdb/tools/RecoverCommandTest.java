package io.bucketdb.tools;

import io.bucketdb.BucketDB;
import io.bucketdb.Durability;
import io.bucketdb.Options;
import io.bucketdb.recovery.JournalSegmentLayout;
import io.bucketdb.storage.sim.CrashMode;
import io.bucketdb.storage.sim.CrashSimulator;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.*;

/** {@code bucketdb recover}: a clean index, a crashed one, and a journal damaged in the middle. */
class RecoverCommandTest {
    @TempDir
    Path tmp;

    private Path crashed(String name, int puts) throws IOException {
        return Cli.crashed(tmp, name, puts);
    }

    @Test
    void shouldSayThereIsNothingToRecoverAfterACleanClose() throws IOException {
        Path dir = Cli.longIndex(tmp.resolve("idx"), 1_000);
        Cli.Result r = Cli.run("recover", dir.toString());
        assertEquals(0, r.code(), r::toString);
        assertTrue(r.out().contains("nothing to recover"), r::toString);
        assertTrue(r.out().contains("entries now:                1,000"), r::toString);
    }

    /**
     * A writer killed right after a checkpoint leaves nothing to replay, but the index was not closed cleanly (stat says
     * so): recover must not call it "closed cleanly". It said exactly that.
     */
    @Test
    void shouldNotCallAnIndexKilledAfterACheckpointClosedCleanly() throws IOException {
        Path live = tmp.resolve("checkpointed-live");
        CrashSimulator sim = new CrashSimulator();
        BucketDB db = BucketDB.open(live, Cli.options().withDurability(Durability.SYNC).withDurableIO(sim));
        for (long k = 0; k < 100; k++) {
            db.putLong(k, k);
        }
        db.checkpoint();
        Path dir = tmp.resolve("checkpointed");
        sim.writeCrashImage(live, dir, CrashMode.KEEP_ALL); // db is abandoned, as a killed process would leave it
        Cli.Result r = Cli.run("recover", dir.toString());
        assertEquals(0, r.code(), r::toString);
        assertFalse(r.out().contains("closed cleanly)"), r::toString);
        assertTrue(r.out().contains(dir + ": not closed cleanly; nothing to replay"), r::toString);
        assertTrue(r.out().contains("journal records replayed:   0"), r::toString);
        assertTrue(r.out().contains("entries now:                100"), r::toString);
        Cli.Result again = Cli.run("recover", dir.toString());
        assertTrue(again.out().contains("nothing to recover (closed cleanly)"), "recover closed it cleanly: " + again);
    }

    @Test
    void shouldReplayTheJournalOfACrashedIndexAndReportIt() throws IOException {
        Path dir = crashed("crashed", 3_000);
        Cli.Result r = Cli.run("recover", dir.toString());
        assertEquals(0, r.code(), r::toString);
        assertTrue(r.out().contains(": recovered in"), r::toString);
        assertTrue(r.out().contains("entries now:                3,000"), r::toString);
        try (BucketDB db = BucketDB.open(dir, Options.defaults().withReadOnly(true))) {
            assertEquals(3_000, db.size(), "recover checkpointed: the table file alone holds every write now");
            assertEquals(29_990, db.getLong(2_999, -1));
        }
        Cli.Result again = Cli.run("recover", dir.toString());
        assertTrue(again.out().contains("nothing to recover"), again::toString);
    }

    @Test
    void shouldRefuseJournalDamageAndCutItWithTruncate() throws IOException {
        Path dir = crashed("damaged", 500);
        Path segment = Cli.firstSegment(dir);
        // Flip a byte in an early record: every SYNC record after it was forced, so this is damage, not a torn tail.
        try (RandomAccessFile f = new RandomAccessFile(segment.toFile(), "rw")) {
            long at = JournalSegmentLayout.HEADER_LENGTH + 8 * 40 + 12;
            f.seek(at);
            int b = f.read();
            f.seek(at);
            f.write(b ^ 0x40);
        }
        Cli.Result refused = Cli.run("recover", dir.toString());
        assertEquals(3, refused.code(), refused::toString);
        assertTrue(refused.err().contains("journal is damaged") && refused.err().contains("--truncate"), refused::toString);
        assertTrue(refused.err().contains(segment.getFileName().toString()), "names the segment: " + refused);

        Cli.Result cut = Cli.run("recover", "--truncate", dir.toString());
        assertEquals(0, cut.code(), cut::toString);
        assertFalse(cut.out().contains("records dropped at damage:  0"), cut::toString);
        Cli.Result verify = Cli.run("verify", dir.toString());
        assertEquals(0, verify.code(), verify::toString);
    }
}
