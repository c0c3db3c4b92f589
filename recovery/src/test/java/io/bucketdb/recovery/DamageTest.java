package io.bucketdb.recovery;

import static io.bucketdb.recovery.Journals.SMALL;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.bucketdb.spi.CorruptIndexException;
import io.bucketdb.storage.testkit.Seeds;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Damage (bytes that had been forced went bad) must never pass for a torn tail: it raises
 * {@link CorruptIndexException} naming the segment and offset, or is cut off on request with the
 * number of intact records that were dropped.
 */
class DamageTest {
    @TempDir
    Path dir;

    private final TestFileIO io = new TestFileIO();

    @Test
    void damageWithForcedRecordsAfterItIsReportedWhereItIs() throws Exception {
        Seeds.run(random -> {
            List<JournalRecord> records = records(random, 50);
            try (JournalWriter writer = JournalWriter.open(io, dir, SMALL, 0)) {
                Journals.appendSynced(writer, records, 5);
            }
            Path segment = Journals.lastSegment(dir);
            Journals.Frame damaged = Journals.frame(dir, 12);
            flip(segment, damaged.offset() + damaged.length() - 1);

            List<JournalRecord> seen = new ArrayList<>();
            CorruptIndexException e = assertThrows(CorruptIndexException.class, () -> new JournalReader(io, dir, SMALL)
                    .replay(0, DamagePolicy.FAIL, (lsn, record) -> seen.add(record)));
            assertEquals(segment, e.file());
            assertEquals(damaged.offset(), e.offset());
            assertTrue(e.getMessage().contains("LSN 12"), e.getMessage());
            assertEquals(records.subList(0, 11), seen, "the intact prefix was replayed before the verdict");
            assertThrows(CorruptIndexException.class, () -> JournalWriter.open(io, dir, SMALL, 0));

            truncateAndContinue(records, 11, 50 - 12);
        });
    }

    @Test
    void cutThatWouldLoseRecordsTheCheckpointNeedsIsRefused() throws Exception {
        try (JournalWriter writer = JournalWriter.open(io, dir, SMALL, 0)) {
            for (int i = 0; i < 30; i++) {
                writer.appendPutLong(i, i);
                writer.sync();
            }
        }
        Path segment = Journals.lastSegment(dir);
        Journals.Frame damaged = Journals.frame(dir, 12);
        Journals.Frame afterCheckpoint = Journals.frame(dir, 22);
        // Damage from below the checkpoint (20) into the records after it: no intact chain reaches LSN 21, so
        // replay cannot resynchronize past the damage the checkpoint covers (CoveredDamageTest), and a cut at
        // the damage would lose records the checkpoint needs.
        Journals.writeBytes(segment, damaged.offset(), new byte[(int) (afterCheckpoint.end() - damaged.offset())]);
        byte[] before = Files.readAllBytes(segment);
        CorruptIndexException e = assertThrows(CorruptIndexException.class,
                () -> Journals.replay(io, dir, SMALL, 20, DamagePolicy.TRUNCATE));
        assertEquals(damaged.offset(), e.offset());
        assertTrue(e.getMessage().contains("checkpoint"), e.getMessage());
        assertTrue(java.util.Arrays.equals(before, Files.readAllBytes(segment)), "nothing was cut");
    }

    @Test
    void damageInAnEarlierSegmentIsReportedThere() throws Exception {
        Seeds.run(random -> {
            List<JournalRecord> records = new ArrayList<>();
            try (JournalWriter writer = JournalWriter.open(io, dir, SMALL, 0)) {
                while (Journals.segments(dir).size() < 3) {
                    List<JournalRecord> batch = records(random, 10);
                    Journals.appendSynced(writer, batch, 10);
                    records.addAll(batch);
                }
            }
            Path first = Journals.segments(dir).getFirst();
            List<Journals.Frame> frames = Journals.frames(first);
            Journals.Frame damaged = frames.get(frames.size() / 2);
            flip(first, damaged.offset() + JournalRecordLayout.PAYLOAD_OFFSET - 1);

            CorruptIndexException e = assertThrows(CorruptIndexException.class,
                    () -> Journals.replay(io, dir, SMALL));
            assertEquals(first, e.file());
            assertEquals(damaged.offset(), e.offset());
            assertTrue(e.getMessage().contains("next segment"), e.getMessage());

            long lsn = damaged.lsn();
            truncateAndContinue(records, lsn - 1, records.size() - lsn);
            assertEquals(1, Journals.segments(dir).size(), "later segments were deleted");
        });
    }

    @Test
    void missingSegmentIsNamed() throws Exception {
        List<JournalRecord> records = threeSegments();
        Path second = Journals.segments(dir).get(1);
        Path third = Journals.segments(dir).get(2);
        long lastOfFirst = Journals.frames(Journals.segments(dir).getFirst()).getLast().lsn();
        long inThird = Journals.frames(third).size();
        Files.delete(second);

        CorruptIndexException e = assertThrows(CorruptIndexException.class, () -> Journals.replay(io, dir, SMALL));
        assertEquals(second, e.file());
        assertEquals(0, e.offset());

        Journals.Replayed cut = Journals.replay(io, dir, SMALL, 0, DamagePolicy.TRUNCATE);
        assertEquals(new ReplayReport(lastOfFirst, lastOfFirst, 0, inThird, 1), cut.report());
        assertEquals(records.subList(0, (int) lastOfFirst), cut.records());
        assertFalse(Files.exists(third));
    }

    @Test
    void segmentWithoutAValidHeaderBeforeLaterOnesIsDamage() throws Exception {
        threeSegments();
        Path second = Journals.segments(dir).get(1);
        Journals.writeBytes(second, 0, new byte[JournalSegmentLayout.HEADER_LENGTH]);

        CorruptIndexException e = assertThrows(CorruptIndexException.class, () -> Journals.replay(io, dir, SMALL));
        assertEquals(second, e.file());
        assertEquals(0, e.offset());
        assertThrows(CorruptIndexException.class, () -> JournalWriter.open(io, dir, SMALL, 0));
    }

    @Test
    void lastSegmentWithADamagedHeaderIsNotTakenForAnInterruptedCreation() throws Exception {
        List<JournalRecord> records = threeSegments();
        Path third = Journals.segments(dir).get(2);
        long inThird = Journals.frames(third).size();
        long kept = records.size() - inThird;
        Journals.writeByte(third, JournalSegmentLayout.SALT_OFFSET, (byte) 0x5a);

        CorruptIndexException e = assertThrows(CorruptIndexException.class, () -> Journals.replay(io, dir, SMALL));
        assertEquals(third, e.file());
        assertEquals(0, e.offset());
        // The second segment's roll frame says the third was made durable before it: damage, whatever follows the header.
        assertTrue(e.getMessage().contains("ends at offset") && e.getMessage().contains("with a roll record to it"),
                e.getMessage());
        assertThrows(CorruptIndexException.class, () -> JournalWriter.open(io, dir, SMALL, 0));
        assertTrue(Files.exists(third), "the writer does not delete records it cannot read");

        Journals.Replayed cut = Journals.replay(io, dir, SMALL, 0, DamagePolicy.TRUNCATE);
        assertEquals(new ReplayReport(kept, kept, 0, inThird, 2), cut.report());
        assertFalse(Files.exists(third));
    }

    /**
     * The same damage in a journal written before roll frames existed (each zeroed, as that writer left those bytes):
     * without the evidence of a roll, the frames shaped like the next records behind the header still tell damage
     * from an interrupted creation, as they always did.
     */
    @Test
    void lastSegmentWithADamagedHeaderAndNoRollFrameBeforeItIsNotTakenForAnInterruptedCreation() throws Exception {
        List<JournalRecord> records = threeSegments();
        assertEquals(2, SegmentRollTest.stripRolls(dir));
        Path third = Journals.segments(dir).get(2);
        long inThird = Journals.frames(third).size();
        long kept = records.size() - inThird;
        Journals.writeByte(third, JournalSegmentLayout.SALT_OFFSET, (byte) 0x5a);

        CorruptIndexException e = assertThrows(CorruptIndexException.class, () -> Journals.replay(io, dir, SMALL));
        assertEquals(third, e.file());
        assertEquals(0, e.offset());
        assertTrue(e.getMessage().contains("record-like"), e.getMessage());
        assertThrows(CorruptIndexException.class, () -> JournalWriter.open(io, dir, SMALL, 0));
        assertTrue(Files.exists(third), "the writer does not delete records it cannot read");

        Journals.Replayed cut = Journals.replay(io, dir, SMALL, 0, DamagePolicy.TRUNCATE);
        assertEquals(new ReplayReport(kept, kept, 0, inThird, 2), cut.report());
        assertFalse(Files.exists(third));
    }

    @Test
    void onlySegmentWithADamagedHeaderIsDamage() throws Exception {
        try (JournalWriter writer = JournalWriter.open(io, dir, SMALL, 0)) {
            for (int i = 0; i < 4; i++) {
                writer.appendDeleteLong(i);
            }
        }
        Path segment = Journals.lastSegment(dir);
        Journals.writeByte(segment, JournalSegmentLayout.MAGIC_OFFSET, (byte) 0);
        assertThrows(CorruptIndexException.class, () -> Journals.replay(io, dir, SMALL));
        assertEquals(new ReplayReport(0, 0, 0, 4, 0),
                Journals.replay(io, dir, SMALL, 0, DamagePolicy.TRUNCATE).report());
        assertEquals(List.of(), Journals.segments(dir));
    }

    @Test
    void firstSegmentWhoseCreationWasInterruptedIsIgnored() throws Exception {
        Files.createDirectories(dir);
        Path unborn = SegmentFiles.segmentPath(dir, 1);
        Files.write(unborn, new byte[(int) SMALL.segmentSize()]);
        assertEquals(new ReplayReport(0, 0, 0, 0, 0), Journals.replay(io, dir, SMALL).report());
        try (JournalWriter writer = JournalWriter.open(io, dir, SMALL, 0)) {
            assertEquals(1, writer.appendDeleteLong(1));
        }
        assertEquals(List.of(unborn), Journals.segments(dir));
        assertEquals(1, Journals.replay(io, dir, SMALL).report().lastLsn());
    }

    /**
     * Two unforced writes, and the crash kept the later one but not the earlier: intact frames follow
     * the invalid point, yet nothing proves the lost bytes had ever been durable. A torn tail, not damage.
     */
    @Test
    void lostEarlierUnforcedWriteIsATearNotDamage() throws Exception {
        try (JournalWriter writer = JournalWriter.open(io, dir, SMALL, 0)) {
            for (int i = 0; i < 5; i++) {
                writer.appendPutLong(i, i);
            }
            writer.sync();
            for (int i = 5; i < 11; i++) {
                writer.appendPutLong(i, i);
                if (i == 7) {
                    writer.flush();
                }
            }
            writer.flush();
        }
        Path segment = Journals.lastSegment(dir);
        Journals.Frame lostFrom = Journals.frame(dir, 6);
        Journals.Frame lostTo = Journals.frame(dir, 8);
        long end = Journals.frame(dir, 11).end();
        Journals.writeBytes(segment, lostFrom.offset(), new byte[(int) (lostTo.end() - lostFrom.offset())]);

        Journals.Replayed replayed = Journals.replay(io, dir, SMALL);
        assertEquals(5, replayed.report().lastLsn());
        assertEquals(end - lostFrom.offset(), replayed.report().tornBytes(), "the kept later write is torn too");
        assertEquals(0, replayed.report().recordsDropped());
    }

    /**
     * The limit of one force per batch: bit rot inside the last forced batch, with no later batch whose
     * first record would prove it had been forced, cannot be told from a torn unforced batch.
     */
    @Test
    void damageInsideTheLastForcedBatchIsIndistinguishableFromATear() throws Exception {
        try (JournalWriter writer = JournalWriter.open(io, dir, SMALL, 0)) {
            for (int i = 0; i < 10; i++) {
                writer.appendPutLong(i, i);
            }
            writer.sync();
        }
        Journals.Frame frame = Journals.frame(dir, 4);
        flip(Journals.lastSegment(dir), frame.offset() + 20);
        Journals.Replayed replayed = Journals.replay(io, dir, SMALL);
        assertEquals(3, replayed.report().lastLsn());
        assertTrue(replayed.report().tornBytes() > 0);
    }

    private List<JournalRecord> threeSegments() throws Exception {
        List<JournalRecord> records = new ArrayList<>();
        try (JournalWriter writer = JournalWriter.open(io, dir, SMALL, 0)) {
            while (Journals.segments(dir).size() < 3) {
                records.add(new JournalRecord.Put(new byte[8], new byte[500]));
                writer.append(records.getLast());
                writer.sync();
            }
        }
        return records;
    }

    /** Cuts the journal at the damage and checks the report, a clean second replay and a writer after it. */
    private void truncateAndContinue(List<JournalRecord> records, long lastKept, long dropped) throws Exception {
        Journals.Replayed cut = Journals.replay(io, dir, SMALL, 0, DamagePolicy.TRUNCATE);
        assertEquals(records.subList(0, (int) lastKept), cut.records());
        assertEquals(lastKept, cut.report().lastLsn());
        assertEquals(dropped, cut.report().recordsDropped());
        assertEquals(0, cut.report().tornBytes());

        Journals.Replayed again = Journals.replay(io, dir, SMALL);
        assertEquals(new ReplayReport(lastKept, lastKept, 0, 0, 1), again.report());
        try (JournalWriter writer = JournalWriter.open(io, dir, SMALL, 0)) {
            assertEquals(lastKept + 1, writer.appendDeleteLong(7));
        }
        assertEquals(lastKept + 1, Journals.replay(io, dir, SMALL).report().lastLsn());
    }

    private static List<JournalRecord> records(java.util.Random random, int count) {
        List<JournalRecord> records = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            records.add(Journals.randomRecord(random));
        }
        return records;
    }

    private static void flip(Path file, long offset) throws Exception {
        Journals.writeByte(file, offset, (byte) (Journals.readByte(file, offset) ^ 0x40));
    }
}
