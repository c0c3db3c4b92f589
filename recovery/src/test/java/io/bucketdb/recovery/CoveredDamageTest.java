package io.bucketdb.recovery;

import static io.bucketdb.recovery.Journals.SMALL;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.bucketdb.spi.CorruptIndexException;
import io.bucketdb.storage.testkit.Seeds;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Damage to a journal frame that the checkpoint covers (at or below its LSN, in the segment replay
 * starts in) is needed by nothing: replay and the writer resynchronize on the intact records after it,
 * with or without {@link DamagePolicy#TRUNCATE}, change nothing on disk, and {@link JournalReader#check}
 * reports it as covered damage, not as a reason to refuse. Damage after the checkpoint stays damage.
 * The timeout is a hang guard, not a speed assertion.
 */
@Timeout(120)
class CoveredDamageTest {
    @TempDir
    Path dir;

    private final TestFileIO io = new TestFileIO();

    @Test
    void aDamagedFrameBelowTheCheckpointIsSkipped() throws Exception {
        for (int round = 0; round < 20; round++) {
            Path at = Files.createDirectories(dir.resolve("r" + round));
            Seeds.run(random -> skipsCoveredDamage(at, random));
        }
    }

    private void skipsCoveredDamage(Path at, Random random) throws Exception {
        int count = 40 + random.nextInt(80);
        List<JournalRecord> records = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            records.add(Journals.randomRecord(random));
        }
        try (JournalWriter writer = JournalWriter.open(io, at, SMALL, 0)) {
            Journals.appendSynced(writer, records, 1 + random.nextInt(6));
        }
        long checkpoint = 2 + random.nextInt(count - 2);
        Path segment = Journals.segmentOf(at, checkpoint + 1);
        List<Journals.Frame> frames = Journals.frames(segment);
        List<Journals.Frame> covered = frames.stream().filter(f -> f.lsn() <= checkpoint).toList();
        if (covered.isEmpty()) {
            return; // the record after the checkpoint starts its segment: nothing below it is read
        }
        Journals.Frame damaged = covered.get(random.nextInt(covered.size()));
        long offset = damaged.offset() + random.nextLong(damaged.end() - damaged.offset());
        flipBit(segment, offset, random.nextInt(8));
        byte[] before = Files.readAllBytes(segment);
        String what = "checkpoint " + checkpoint + ", damage in frame " + damaged.lsn() + " at " + offset;

        for (DamagePolicy policy : DamagePolicy.values()) {
            Journals.Replayed replayed = Journals.replay(io, at, SMALL, checkpoint, policy);
            assertEquals(records.subList((int) checkpoint, count), replayed.records(), what + ", " + policy);
            assertEquals(count, replayed.report().lastLsn(), what);
            assertEquals(0, replayed.report().recordsDropped(), what);
            assertArrayEquals(before, Files.readAllBytes(segment), "nothing was cut: " + what);
        }
        JournalCheck check = new JournalReader(io, at, SMALL).check(checkpoint);
        assertFalse(check.damaged(), what + ": " + check.damage());
        assertEquals(count - checkpoint, check.records(), what);
        assertNotNull(check.coveredDamage(), what);
        assertEquals(segment, check.coveredDamage().file(), what);
        assertEquals(damaged.offset(), check.coveredDamage().offset(), what);
        assertTrue(check.coveredDamage().getMessage().contains("LSN " + damaged.lsn()), check.coveredDamage().getMessage());

        // The writer resumes after the last record, and the next replay still skips the damage.
        List<JournalRecord> more = List.of(Journals.randomRecord(random), Journals.randomRecord(random));
        try (JournalWriter writer = JournalWriter.open(io, at, SMALL, checkpoint)) {
            assertEquals(count, writer.lastLsn(), what);
            Journals.appendSynced(writer, more, 1);
        }
        List<JournalRecord> all = new ArrayList<>(records.subList((int) checkpoint, count));
        all.addAll(more);
        assertEquals(all, Journals.replay(io, at, SMALL, checkpoint, DamagePolicy.FAIL).records(), what);
    }

    @Test
    void aDamagedCheckpointRecordWithNothingAfterItIsSkipped() throws Exception {
        List<JournalRecord> records = putLongs(30);
        try (JournalWriter writer = JournalWriter.open(io, dir, SMALL, 0)) {
            Journals.appendSynced(writer, records, 3);
        }
        Journals.Frame last = Journals.frame(dir, 30);
        flipBit(Journals.lastSegment(dir), last.offset() + JournalRecordLayout.PAYLOAD_OFFSET + 2, 5);
        for (DamagePolicy policy : DamagePolicy.values()) {
            Journals.Replayed replayed = Journals.replay(io, dir, SMALL, 30, policy);
            assertEquals(List.of(), replayed.records());
            assertEquals(30, replayed.report().lastLsn());
        }
        JournalCheck check = new JournalReader(io, dir, SMALL).check(30);
        assertFalse(check.damaged());
        assertEquals(last.offset(), check.coveredDamage().offset());

        try (JournalWriter writer = JournalWriter.open(io, dir, SMALL, 30)) {
            writer.appendPutLong(31, 31);
            writer.sync();
        }
        Journals.Replayed replayed = Journals.replay(io, dir, SMALL, 30, DamagePolicy.FAIL);
        assertEquals(1, replayed.records().size());
        assertEquals(31, replayed.report().lastLsn());
    }

    @Test
    void damageAfterTheCheckpointIsStillDamageBehindCoveredDamage() throws Exception {
        try (JournalWriter writer = JournalWriter.open(io, dir, SMALL, 0)) {
            Journals.appendSynced(writer, putLongs(40), 2);
        }
        Path segment = Journals.lastSegment(dir);
        Journals.Frame below = Journals.frame(dir, 5);
        Journals.Frame after = Journals.frame(dir, 25);
        flipBit(segment, below.offset() + JournalRecordLayout.PAYLOAD_OFFSET, 0);
        flipBit(segment, after.offset() + JournalRecordLayout.PAYLOAD_OFFSET, 0);

        List<JournalRecord> seen = new ArrayList<>();
        CorruptIndexException e = assertThrows(CorruptIndexException.class, () -> new JournalReader(io, dir, SMALL)
                .replay(20, DamagePolicy.FAIL, (lsn, record) -> seen.add(record)));
        assertEquals(after.offset(), e.offset(), e.getMessage());
        assertTrue(e.getMessage().contains("LSN 25"), e.getMessage());
        assertEquals(putLongs(24).subList(20, 24), seen, "the records after the checkpoint up to the damage");
        JournalCheck check = new JournalReader(io, dir, SMALL).check(20);
        assertTrue(check.damaged());
        assertEquals(below.offset(), check.coveredDamage().offset());

        Journals.Replayed cut = Journals.replay(io, dir, SMALL, 20, DamagePolicy.TRUNCATE);
        assertEquals(24, cut.report().lastLsn());
        assertEquals(40 - 25, cut.report().recordsDropped());
    }

    @Test
    void recordsAfterTheCheckpointLostWithTheCoveredOnesAreStillMissing() throws Exception {
        try (JournalWriter writer = JournalWriter.open(io, dir, SMALL, 0)) {
            Journals.appendSynced(writer, putLongs(40), 2);
        }
        Path segment = Journals.lastSegment(dir);
        Journals.Frame from = Journals.frame(dir, 10);
        Journals.Frame to = Journals.frame(dir, 22);
        // Frames 10 to 22 gone: the checkpoint (20) covers some, not 21 and 22, and forced records follow.
        Journals.writeBytes(segment, from.offset(), new byte[(int) (to.end() - from.offset())]);
        CorruptIndexException e = assertThrows(CorruptIndexException.class,
                () -> Journals.replay(io, dir, SMALL, 20, DamagePolicy.FAIL));
        assertEquals(from.offset(), e.offset(), e.getMessage());
        assertThrows(CorruptIndexException.class, () -> Journals.replay(io, dir, SMALL, 20, DamagePolicy.TRUNCATE));
    }

    @Test
    void frameLikeBytesAfterCoveredDamageEndTheLookAheadWithinItsBudget() throws Exception {
        try (JournalWriter writer = JournalWriter.open(io, dir, SMALL, 0)) {
            Journals.appendSynced(writer, putLongs(20), 1);
        }
        Path segment = Journals.lastSegment(dir);
        Journals.Frame damaged = Journals.frame(dir, 3);
        long size = Files.size(segment);
        // From frame 3 on, every 8 bytes the header of a 16 KiB frame with a reachable LSN: checksumming
        // each would read the rest of the segment again and again.
        ByteBuffer junk = ByteBuffer.allocate((int) (size - damaged.offset())).order(ByteOrder.LITTLE_ENDIAN);
        for (int p = 0; p + JournalRecordLayout.PAYLOAD_OFFSET <= junk.capacity(); p += JournalRecordLayout.ALIGNMENT) {
            junk.putInt(p + JournalRecordLayout.FRAME_LENGTH_OFFSET, 16 << 10);
            junk.put(p + JournalRecordLayout.TYPE_OFFSET, JournalRecordLayout.TYPE_PUT);
            junk.putLong(p + JournalRecordLayout.LSN_OFFSET, 4);
        }
        Journals.writeBytes(segment, damaged.offset(), junk.array());
        CorruptIndexException e = assertThrows(CorruptIndexException.class,
                () -> Journals.replay(io, dir, SMALL, 10, DamagePolicy.FAIL));
        assertEquals(segment, e.file());
    }

    @Test
    void anUndamagedJournalReportsNoCoveredDamage() throws Exception {
        try (JournalWriter writer = JournalWriter.open(io, dir, SMALL, 0)) {
            Journals.appendSynced(writer, putLongs(20), 4);
        }
        JournalCheck check = new JournalReader(io, dir, SMALL).check(10);
        assertFalse(check.damaged());
        assertNull(check.coveredDamage());
        assertEquals(10, check.records());
    }

    private static List<JournalRecord> putLongs(int count) {
        List<JournalRecord> records = new ArrayList<>();
        for (long i = 1; i <= count; i++) {
            records.add(new JournalRecord.Put(ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(0, i).array(),
                    ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(0, i * 3).array()));
        }
        return records;
    }

    private static void flipBit(Path file, long offset, int bit) throws Exception {
        Journals.writeByte(file, offset, (byte) (Journals.readByte(file, offset) ^ (1 << bit)));
    }
}
