package io.bucketdb.durability;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.bucketdb.BucketDB;
import io.bucketdb.spi.CorruptIndexException;
import io.bucketdb.storage.IndexFileNames;
import io.bucketdb.storage.sim.CrashMode;
import io.bucketdb.storage.sim.CrashSimulator;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The newest journal segment of a crashed index, lost: the open refuses the index with a {@link CorruptIndexException}
 * naming the segment instead of opening without the writes acknowledged in it, whether older segments remain (the last
 * of them ends with a roll frame naming it) or a checkpoint had recycled them all (the header says the index was not
 * closed cleanly, so a journal must exist).
 */
class MissingJournalSegmentTest {
    /** 64 KiB segments and 40-byte put frames: about 1,600 puts a segment. */
    private static final int PUTS = 4_000;

    private Path tmp;

    @BeforeEach
    void scratch() throws IOException {
        tmp = Fixtures.scratch("bucketdb-missing-segment");
    }

    @AfterEach
    void deleteScratch() throws IOException {
        Fixtures.delete(tmp);
    }

    /**
     * Before the roll frame this open succeeded with the puts of the older segments only (the first assertion failed:
     * nothing was thrown).
     */
    @Test
    void anOpenRefusesACrashedIndexWhoseNewestSegmentIsGoneAndNamesIt() throws Exception {
        Path image = crashAfterPuts(1L << 30, PUTS); // no checkpoint: every segment stays
        List<Path> segments = segments(image);
        assertTrue(segments.size() >= 3, "the puts rolled at least twice: " + segments);
        Path newest = segments.getLast();
        Files.delete(newest);

        CorruptIndexException e = assertThrows(CorruptIndexException.class,
                () -> BucketDB.open(image, Fixtures.imageOptions()).close());
        assertEquals(newest, e.file());
        assertTrue(e.getMessage().contains(segments.get(segments.size() - 2).getFileName() + " ends at offset"),
                e.getMessage());

        // Asked to, the open accepts the loss: the puts of the older segments, not one more.
        try (BucketDB db = BucketDB.open(image, Fixtures.imageOptions().withTruncateOnDamage(true))) {
            long kept = db.size();
            assertTrue(kept > 0 && kept < PUTS, "kept " + kept);
            for (int i = 0; i < kept; i++) {
                assertEquals(i + 1000, db.getLong(i, -1), "key " + i);
            }
            assertEquals(-1, db.getLong(kept, -1));
            // ... and says so: the missing segment's writes, from the LSN after the last one kept (how many: unknown).
            assertEquals(db.recovery().lastLsn() + 1, db.recovery().lostFromLsn(), db.recovery().toString());
            assertTrue(db.recovery().needed());
        }
    }

    /**
     * With checkpoints recycling the older segments, the newest may be the only one: its loss is a missing journal,
     * which an index not closed cleanly refuses. Checked after every 500 puts, whatever segments are left: without its
     * newest segment, the image either refuses to open or still holds every put (the segment held none of them).
     */
    @Test
    void anyLostNewestSegmentIsRefusedOrHeldNothing() throws Exception {
        for (int puts = 500; puts <= PUTS; puts += 500) {
            Path image = crashAfterPuts(48 * 1024, puts);
            List<Path> segments = segments(image);
            Files.delete(segments.getLast());
            String where = puts + " puts, segments " + segments.stream().map(Path::getFileName).toList();
            try (BucketDB db = BucketDB.open(image, Fixtures.imageOptions())) {
                assertEquals(puts, db.size(), where + ": opened without its newest segment, and lost puts");
            } catch (CorruptIndexException refused) {
                assertTrue(refused.file().getFileName().toString().startsWith(IndexFileNames.JOURNAL_PREFIX),
                        where + ": " + refused);
            }
        }
    }

    /** A KEEP_ALL crash image of an index after {@code puts} acknowledged puts (key i → i + 1000). */
    private Path crashAfterPuts(long checkpointBytes, int puts) throws IOException {
        Path src = tmp.resolve("src-" + puts);
        Path image = tmp.resolve("image-" + puts);
        CrashSimulator sim = new CrashSimulator();
        BucketDB db = BucketDB.open(src, CrashRecoveryTest.crashOptions(sim, 77)
                .withCheckpointTriggers(checkpointBytes, checkpointBytes, Duration.ofHours(1)));
        try {
            for (int i = 0; i < puts; i++) {
                db.putLong(i, i + 1000);
            }
            sim.writeCrashImage(src, image, CrashMode.KEEP_ALL);
        } finally {
            Fixtures.abandon(db);
        }
        return image;
    }

    private static List<Path> segments(Path dir) throws IOException {
        try (Stream<Path> files = Files.list(dir)) {
            return files.filter(p -> IndexFileNames.JOURNAL_SEGMENT.matcher(p.getFileName().toString()).matches())
                    .sorted().toList();
        }
    }
}
