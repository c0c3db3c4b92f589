package io.bucketdb.recovery;

import static io.bucketdb.recovery.Journals.SMALL;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.bucketdb.recovery.JournalRecord.BatchBegin;
import io.bucketdb.recovery.JournalRecord.BatchCommit;
import io.bucketdb.recovery.JournalRecord.Checkpoint;
import io.bucketdb.recovery.JournalRecord.Delete;
import io.bucketdb.recovery.JournalRecord.Evacuated;
import io.bucketdb.recovery.JournalRecord.GrowBegin;
import io.bucketdb.recovery.JournalRecord.GrowEnd;
import io.bucketdb.recovery.JournalRecord.Put;
import io.bucketdb.spi.CorruptIndexException;
import io.bucketdb.storage.testkit.Seeds;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.LongStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class JournalRoundTripTest {
    @TempDir
    Path dir;

    private final TestFileIO io = new TestFileIO();

    @Test
    void everyRecordTypeRoundTripsAcrossSegments() throws Exception {
        Seeds.run(random -> {
            List<JournalRecord> records = new ArrayList<>(List.of(
                    new Put(new byte[] {1}, new byte[0]), new Put(new byte[0], new byte[] {2}),
                    new Delete(new byte[] {3, 4}), new Delete(new byte[0]),
                    new BatchBegin(0), new BatchBegin(Integer.MAX_VALUE), new BatchCommit(),
                    new GrowBegin(0, false), new GrowBegin(63, true), new Evacuated(0),
                    new Evacuated(Long.MAX_VALUE), new GrowEnd(), new Checkpoint(0), new Checkpoint(Long.MAX_VALUE)));
            for (int i = 0; i < 3000; i++) {
                records.add(Journals.randomRecord(random));
            }
            try (JournalWriter writer = JournalWriter.open(io, dir, SMALL, 0)) {
                Journals.appendSynced(writer, records, 1 + random.nextInt(40));
                assertEquals(records.size(), writer.durableLsn());
            }
            Journals.Replayed replayed = Journals.replay(io, dir, SMALL);
            assertEquals(records, replayed.records());
            assertEquals(LongStream.rangeClosed(1, records.size()).boxed().toList(),
                    replayed.entries().stream().map(Journals.Entry::lsn).toList());
            assertEquals(new ReplayReport(records.size(), records.size(), 0, 0, Journals.segments(dir).size()),
                    replayed.report());
            assertTrue(Journals.segments(dir).size() >= 4, "records span several segments");
        });
    }

    @Test
    void replayStartsAfterTheGivenLsnAndSkipsOlderSegments() throws Exception {
        Seeds.run(random -> {
            List<JournalRecord> records = new ArrayList<>();
            for (int i = 0; i < 1200; i++) {
                records.add(Journals.randomRecord(random));
            }
            try (JournalWriter writer = JournalWriter.open(io, dir, SMALL, 0)) {
                Journals.appendSynced(writer, records, 25);
            }
            int segments = Journals.segments(dir).size();
            long after = random.nextInt(records.size() + 1);
            Journals.Replayed replayed = Journals.replay(io, dir, SMALL, after, DamagePolicy.FAIL);
            assertEquals(records.subList((int) after, records.size()), replayed.records());
            assertEquals(records.size(), replayed.report().lastLsn());
            assertTrue(replayed.report().segmentsSeen() <= segments);
            if (after == records.size()) {
                assertEquals(1, replayed.report().segmentsSeen(), "only the last segment is read");
            }
        });
    }

    @Test
    void reopenedWriterContinuesAfterTheLastRecord() throws Exception {
        try (JournalWriter writer = JournalWriter.open(io, dir, SMALL, 0)) {
            writer.appendPut(new byte[] {1}, new byte[] {1});
            writer.sync();
        }
        try (JournalWriter writer = JournalWriter.open(io, dir, SMALL, 0)) {
            assertEquals(1, writer.lastLsn());
            assertEquals(1, writer.durableLsn());
            assertEquals(2, writer.appendDelete(new byte[] {1}));
        }
        assertEquals(List.of(new Put(new byte[] {1}, new byte[] {1}), new Delete(new byte[] {1})),
                Journals.replay(io, dir, SMALL).records());
    }

    @Test
    void longPathsWriteLittleEndianBytes() throws Exception {
        try (JournalWriter writer = JournalWriter.open(io, dir, SMALL, 0)) {
            writer.appendPutLong(0x0102030405060708L, -2);
            writer.appendDeleteLong(42);
        }
        List<JournalRecord> records = Journals.replay(io, dir, SMALL).records();
        assertEquals(new Put(le(0x0102030405060708L), le(-2)), records.get(0));
        assertEquals(new Delete(le(42)), records.get(1));
    }

    @Test
    void evacuatedMarkerWithoutARecordObjectMatchesTheRecordPath() throws Exception {
        Path marker = Files.createDirectories(dir.resolve("appendEvacuated"));
        Path other = Files.createDirectories(dir.resolve("append"));
        try (JournalWriter writer = JournalWriter.open(io, marker, SMALL, 0);
             JournalWriter records = JournalWriter.open(io, other, SMALL, 0)) {
            for (long bucket : new long[] {0, 1, 0x7FFF_FFFFL, 1L << 40}) {
                assertEquals(records.append(new Evacuated(bucket)), writer.appendEvacuated(bucket));
            }
        }
        List<JournalRecord> replayed = Journals.replay(io, marker, SMALL).records();
        assertEquals(Journals.replay(io, other, SMALL).records(), replayed);
        assertEquals(List.of(new Evacuated(0), new Evacuated(1), new Evacuated(0x7FFF_FFFFL), new Evacuated(1L << 40)), replayed);
    }

    @Test
    void memorySegmentPathsCopyWholeSegments() throws Exception {
        try (Arena arena = Arena.ofConfined(); JournalWriter writer = JournalWriter.open(io, dir, SMALL, 0)) {
            MemorySegment key = arena.allocate(5);
            MemorySegment value = arena.allocate(300);
            for (int i = 0; i < 300; i++) {
                value.set(ValueLayout.JAVA_BYTE, i, (byte) i);
            }
            key.fill((byte) 7);
            writer.appendPut(key, 0, key.byteSize(), value, 0, value.byteSize());
            writer.appendDelete(key);
            writer.appendPut(MemorySegment.ofArray(new byte[] {9, 9}), 0, 2, MemorySegment.ofArray(new byte[0]), 0, 0);
        }
        List<JournalRecord> records = Journals.replay(io, dir, SMALL).records();
        Put put = (Put) records.get(0);
        assertArrayEquals(new byte[] {7, 7, 7, 7, 7}, put.key());
        assertEquals(300, put.value().length);
        assertEquals((byte) 299, put.value()[299]);
        assertEquals(new Delete(new byte[] {7, 7, 7, 7, 7}), records.get(1));
        assertEquals(new Put(new byte[] {9, 9}, new byte[0]), records.get(2));
    }

    @Test
    void recordLargerThanASegmentGetsASegmentOfItsOwn() throws Exception {
        byte[] big = new byte[200 << 10];
        big[big.length - 1] = 1;
        try (JournalWriter writer = JournalWriter.open(io, dir, SMALL, 0)) {
            writer.appendPut(new byte[] {1}, new byte[] {1});
            writer.appendPut(new byte[] {2}, big);
            writer.appendPut(new byte[] {3}, new byte[] {3});
        }
        List<JournalRecord> records = Journals.replay(io, dir, SMALL).records();
        assertEquals(List.of(new Put(new byte[] {1}, new byte[] {1}), new Put(new byte[] {2}, big),
                new Put(new byte[] {3}, new byte[] {3})), records);
        assertTrue(Files.size(Journals.segments(dir).get(1)) > SMALL.segmentSize());
    }

    @Test
    void recordsLargerThanTheReadWindowAreChecksummedInPieces() throws Exception {
        Seeds.run(random -> {
            byte[] big = new byte[3 * SegmentScanner.WINDOW_SIZE + 123];
            random.nextBytes(big);
            List<JournalRecord> records = List.of(new Put(new byte[] {1}, big), new Delete(new byte[] {2}),
                    new Put(new byte[] {3}, big));
            try (JournalWriter writer = JournalWriter.open(io, dir, SMALL, 0)) {
                Journals.appendSynced(writer, records, 1);
            }
            assertEquals(records, Journals.replay(io, dir, SMALL).records());

            Path last = Journals.lastSegment(dir);
            Journals.Frame frame = Journals.frames(last).getLast();
            long at = frame.offset() + frame.length() - JournalRecordLayout.CRC_LENGTH - 1;
            Journals.writeByte(last, at, (byte) (Journals.readByte(last, at) ^ 1));
            Journals.Replayed torn = Journals.replay(io, dir, SMALL);
            assertEquals(records.subList(0, 2), torn.records());
            assertEquals(frame.end() - frame.offset(), torn.report().tornBytes());
        });
    }

    /**
     * Keys and values are the index's to check; the writer refuses only a frame longer than readers accept (it would
     * read as damage), and appends nothing then.
     */
    @Test
    void framesLongerThanReadersAcceptAreRefusedWithoutHarm() throws Exception {
        JournalOptions options = SMALL.withMaxKeyLength(16).withMaxValueLength(32);
        try (JournalWriter writer = JournalWriter.open(io, dir, options, 0)) {
            assertThrows(IllegalStateException.class, () -> writer.appendPut(new byte[16], new byte[33]));
            assertThrows(IllegalStateException.class, () -> writer.appendPut(new byte[1], new byte[48]));
            assertThrows(IllegalStateException.class, () -> writer.appendDelete(new byte[16 + 32 + 5]));
            assertEquals(1, writer.appendPut(new byte[16], new byte[32]));
        }
        assertEquals(1, Journals.replay(io, dir, options).report().lastLsn());
    }

    @Test
    void newJournalStartsAfterTheCheckpoint() throws Exception {
        try (JournalWriter writer = JournalWriter.open(io, dir, SMALL, 100)) {
            assertEquals(100, writer.lastLsn());
            assertEquals(101, writer.appendDeleteLong(1));
        }
        Journals.Replayed replayed = Journals.replay(io, dir, SMALL, 100, DamagePolicy.FAIL);
        assertEquals(1, replayed.report().recordsRead());
        assertEquals(101, replayed.report().lastLsn());
    }

    @Test
    void emptyDirectoryReplaysNothing() throws Exception {
        assertEquals(new ReplayReport(0, 7, 0, 0, 0), Journals.replay(io, dir.resolve("none"), SMALL, 7,
                DamagePolicy.FAIL).report());
    }

    @Test
    void journalEndingBeforeTheCheckpointIsRefused() throws Exception {
        try (JournalWriter writer = JournalWriter.open(io, dir, SMALL, 0)) {
            writer.appendDeleteLong(1);
        }
        CorruptIndexException e = assertThrows(CorruptIndexException.class,
                () -> Journals.replay(io, dir, SMALL, 5, DamagePolicy.FAIL));
        assertEquals(Journals.lastSegment(dir), e.file());
        assertThrows(CorruptIndexException.class, () -> JournalWriter.open(io, dir, SMALL, 5));
    }

    private static byte[] le(long value) {
        return ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(value).array();
    }
}
