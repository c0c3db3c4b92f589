package io.bucketdb.durability;

import io.bucketdb.BucketDB;
import io.bucketdb.storage.testkit.Seeds;
import io.bucketdb.recovery.JournalRecordLayout;
import io.bucketdb.recovery.JournalSegmentLayout;
import io.bucketdb.storage.FileDurableIO;
import io.bucketdb.storage.IndexFileNames;
import io.bucketdb.storage.TableFile;
import io.bucketdb.storage.sim.CrashMode;
import io.bucketdb.storage.sim.CrashSimulator;
import org.apache.commons.io.FileUtils;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.*;

/**
 * A flipped bit in a journal frame the checkpoint already covers (the same segment as the records after
 * the checkpoint, a lower LSN) is needed by nothing: an index crashed after a checkpoint in the middle
 * of a segment opens with every acknowledged entry, with and without {@code truncateOnDamage}. Issue 15,
 * defect 5: open used to stop the walk at that frame and refuse. The timeout is a hang guard.
 */
@Timeout(300)
class CoveredJournalDamageTest {
    static final int BEFORE = 300;
    static final int AFTER = 200;

    Path tmp;

    @AfterEach
    void deleteScratch() throws IOException {
        Fixtures.delete(tmp);
    }

    @Test
    void aFlippedBitBelowTheCheckpointDoesNotStopRecovery() throws Exception {
        tmp = Fixtures.scratch("bucketdb-covered");
        Path src = tmp.resolve("src");
        Path base = tmp.resolve("base");
        CrashSimulator sim = new CrashSimulator();
        BucketDB db = BucketDB.open(src, CrashRecoveryTest.crashOptions(sim, 91)
                .withCheckpointTriggers(1L << 30, 1L << 30, Duration.ofHours(1)));
        for (int i = 0; i < BEFORE; i++) {
            db.putLong(i, i + 1000);
        }
        db.checkpoint();
        for (int i = BEFORE; i < BEFORE + AFTER; i++) {
            db.putLong(i, i + 1000);
        }
        sim.writeCrashImage(src, base, CrashMode.KEEP_ALL);
        Fixtures.abandon(db);

        long checkpointLsn;
        try (TableFile table = TableFile.open(FileDurableIO.INSTANCE, base.resolve(IndexFileNames.TABLE), true, 30)) {
            checkpointLsn = table.header().checkpointLsn;
        }
        Path segment = lastSegment(base);
        List<long[]> covered = frames(segment).stream().filter(f -> f[2] <= checkpointLsn).toList();
        assertTrue(covered.size() > 100, "the checkpoint is in the middle of the segment: " + covered.size()
                + " frames below it");

        long seed = Seeds.seed();
        java.util.SplittableRandom random = new java.util.SplittableRandom(seed);
        Seeds.run(seed, () -> {
            for (int round = 0; round < 4; round++) {
                long[] frame = covered.get(random.nextInt(covered.size()));
                long offset = frame[0] + random.nextLong(frame[1] - frame[0]);
                int bit = random.nextInt(8);
                for (boolean truncate : new boolean[]{false, true}) {
                    String where = "bit " + bit + " at " + offset + " in the frame of LSN " + frame[2] + " (checkpoint "
                            + checkpointLsn + "), truncateOnDamage " + truncate;
                    Path image = tmp.resolve("image");
                    FileUtils.deleteDirectory(image.toFile());
                    FileUtils.copyDirectory(base.toFile(), image.toFile());
                    flip(lastSegment(image), offset, bit);
                    try (BucketDB recovered = BucketDB.open(image, Fixtures.realOptions().withTruncateOnDamage(truncate))) {
                        assertEquals(BEFORE + AFTER, recovered.size(), where);
                        for (int i = 0; i < BEFORE + AFTER; i++) {
                            assertEquals(i + 1000, recovered.getLong(i, -1), where + ": key " + i);
                        }
                        assertEquals(0, recovered.recovery().recordsDropped(), where);
                    } catch (IOException e) {
                        throw new AssertionError(where + ": open failed: " + e.getMessage(), e);
                    }
                    try (BucketDB reopened = BucketDB.open(image, Fixtures.realOptions())) {
                        assertEquals(BEFORE + AFTER, reopened.size(), where + ", reopened");
                    }
                }
            }
        });
    }

    private static Path lastSegment(Path dir) throws IOException {
        try (Stream<Path> files = Files.list(dir)) {
            return files.filter(p -> p.getFileName().toString().matches("journal-[0-9a-f]{16}\\.log")).sorted()
                    .reduce((a, b) -> b).orElseThrow();
        }
    }

    /** {start, aligned end, LSN} of every frame of an undamaged segment. */
    private static List<long[]> frames(Path segment) throws IOException {
        byte[] bytes = Files.readAllBytes(segment);
        ByteBuffer buf = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN);
        List<long[]> frames = new ArrayList<>();
        int pos = JournalSegmentLayout.HEADER_LENGTH;
        while (pos + JournalRecordLayout.PAYLOAD_OFFSET <= bytes.length) {
            int length = buf.getInt(pos + JournalRecordLayout.FRAME_LENGTH_OFFSET);
            if (length == 0) {
                break;
            }
            int end = pos + JournalRecordLayout.alignedLength(length);
            frames.add(new long[]{pos, end, buf.getLong(pos + JournalRecordLayout.LSN_OFFSET)});
            pos = end;
        }
        return frames;
    }

    private static void flip(Path file, long offset, int bit) throws IOException {
        try (RandomAccessFile f = new RandomAccessFile(file.toFile(), "rw")) {
            f.seek(offset);
            int b = f.read();
            f.seek(offset);
            f.write(b ^ (1 << bit));
        }
    }
}
