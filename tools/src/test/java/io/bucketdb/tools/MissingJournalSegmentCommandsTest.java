package io.bucketdb.tools;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.bucketdb.BucketDB;
import io.bucketdb.Durability;
import io.bucketdb.Options;
import io.bucketdb.storage.IndexFileNames;
import io.bucketdb.storage.sim.CrashMode;
import io.bucketdb.storage.sim.CrashSimulator;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code bucketdb verify} and {@code recover} on a crashed index whose newest journal segment is gone: both name the
 * missing segment (its predecessor ends with a roll frame to it); {@code recover --truncate} accepts the loss. Before
 * the roll frame, verify found nothing and recover reported a recovery without the segment's writes.
 */
class MissingJournalSegmentCommandsTest {
    @TempDir
    Path tmp;

    @Test
    void shouldReportAMissingNewestSegmentInVerifyAndRecover() throws IOException {
        Path live = tmp.resolve("live");
        CrashSimulator sim = new CrashSimulator();
        BucketDB db = BucketDB.open(live, Cli.options().withDurability(Durability.SYNC).withDurableIO(sim)
                .withJournalSegmentSize(64 * 1024).withCheckpointTriggers(1L << 30, 1L << 30, Duration.ofHours(1)));
        for (long k = 0; k < 4_000; k++) { // about 1,600 puts a segment: two rolls
            db.putLong(k, k * 10);
        }
        Path dir = tmp.resolve("crashed");
        sim.writeCrashImage(live, dir, CrashMode.KEEP_ALL); // db is abandoned, as a killed process would leave it
        List<Path> segments;
        try (Stream<Path> s = Files.list(dir)) {
            segments = s.filter(p -> IndexFileNames.JOURNAL_SEGMENT.matcher(p.getFileName().toString()).matches())
                    .sorted().toList();
        }
        assertTrue(segments.size() >= 3, "the puts rolled twice: " + segments);
        Path newest = segments.getLast();
        Files.delete(newest);

        Cli.Result verify = Cli.run("verify", dir.toString());
        assertEquals(1, verify.code(), verify::toString);
        assertTrue(verify.out().startsWith(newest + " @ 0: ") && verify.out().contains("journal segment "
                + newest.getFileName() + " ("), verify::toString);
        assertTrue(verify.out().contains("with a roll record to it"), verify::toString);

        Cli.Result recover = Cli.run("recover", dir.toString());
        assertEquals(3, recover.code(), recover::toString);
        assertTrue(recover.err().contains("journal is damaged") && recover.err().contains(newest.getFileName().toString()),
                recover::toString);

        Cli.Result cut = Cli.run("recover", "--truncate", dir.toString());
        assertEquals(0, cut.code(), cut::toString);
        assertTrue(cut.out().contains("missing journal segment:    its writes from LSN "), cut::toString);
        try (BucketDB reopened = BucketDB.open(dir, Options.defaults().withReadOnly(true))) {
            long kept = reopened.size();
            assertTrue(kept > 0 && kept < 4_000, "the puts of the older segments: " + kept);
            assertEquals((kept - 1) * 10, reopened.getLong(kept - 1, -1));
        }
        assertEquals(0, Cli.run("verify", dir.toString()).code());
    }
}
