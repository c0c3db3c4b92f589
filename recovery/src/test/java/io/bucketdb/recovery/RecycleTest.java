package io.bucketdb.recovery;

import static io.bucketdb.recovery.Journals.SMALL;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.bucketdb.recovery.JournalRecord.Put;
import io.bucketdb.spi.CorruptIndexException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.zip.CRC32C;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class RecycleTest {
    @TempDir
    Path dir;

    private final TestFileIO io = new TestFileIO();
    private final JournalOptions options = SMALL.withMaxSpareSegments(1);

    @Test
    void segmentsBelowTheCheckpointAreRecycledNeverTheCurrentOne() throws Exception {
        try (JournalWriter writer = JournalWriter.open(io, dir, options, 0)) {
            fill(writer, 5);
            long checkpoint = firstLsn(4) - 1;
            assertEquals(3, writer.recycleBelow(checkpoint));
            assertEquals(List.of(segment(4), segment(5)), Journals.segments(dir).subList(0, 2));
            assertEquals(List.of(SegmentFiles.sparePath(dir, 1)), SegmentFiles.spares(dir), "one spare kept");
            assertEquals(0, writer.recycleBelow(checkpoint), "nothing more is covered");
            assertEquals(Journals.segments(dir).size() - 1, writer.recycleBelow(Long.MAX_VALUE));
            assertEquals(1, Journals.segments(dir).size(), "the current segment stays");
        }
    }

    @Test
    void replayNeedsTheRecordsAfterItsStart() throws Exception {
        long checkpoint;
        long last;
        try (JournalWriter writer = JournalWriter.open(io, dir, options, 0)) {
            fill(writer, 4);
            checkpoint = firstLsn(3) - 1;
            writer.recycleBelow(checkpoint);
            last = writer.lastLsn();
        }
        Journals.Replayed replayed = Journals.replay(io, dir, options, checkpoint, DamagePolicy.FAIL);
        assertEquals(last - checkpoint, replayed.report().recordsRead());
        CorruptIndexException e = assertThrows(CorruptIndexException.class,
                () -> Journals.replay(io, dir, options, 0, DamagePolicy.FAIL));
        assertEquals(segment(3), e.file());
        assertEquals(JournalSegmentLayout.FIRST_LSN_OFFSET, e.offset());
    }

    @Test
    void recycledSegmentNeverReplaysItsStaleRecords() throws Exception {
        long checkpoint;
        List<JournalRecord> expected = new ArrayList<>();
        try (JournalWriter writer = JournalWriter.open(io, dir, options, 0)) {
            fill(writer, 3);
            checkpoint = writer.lastLsn();
            writer.recycleBelow(firstLsn(3) - 1);
            Path spare = SegmentFiles.sparePath(dir, 1);
            assertTrue(Files.exists(spare));
            // Fill the rest of segment 3, then a little of the next one, which reuses the spare.
            while (Journals.segments(dir).size() < 2) {
                expected.add(put(writer.lastLsn() + 1));
                writer.append(expected.getLast());
                writer.sync();
            }
            for (int i = 0; i < 3; i++) {
                expected.add(put(writer.lastLsn() + 1));
                writer.append(expected.getLast());
            }
            writer.sync();
            assertFalse(Files.exists(spare), "the spare was reused");
        }
        Path reused = Journals.lastSegment(dir);
        long end = Journals.frames(reused).getLast().end();
        assertTrue(Files.size(reused) >= options.segmentSize());
        assertFalse(isZero(Journals.readBytes(reused, end, 4096)), "stale frames follow the new records");

        Journals.Replayed replayed = Journals.replay(io, dir, options, checkpoint, DamagePolicy.FAIL);
        assertEquals(expected, replayed.records());
        assertEquals(0, replayed.report().tornBytes(), "stale frames have lower LSNs: not even torn");
        try (JournalWriter writer = JournalWriter.open(io, dir, options, checkpoint)) {
            assertEquals(checkpoint + expected.size(), writer.lastLsn());
        }
    }

    @Test
    void frameWithTheNextLsnButAnotherSegmentsSaltNeverValidates() throws Exception {
        long last;
        try (JournalWriter writer = JournalWriter.open(io, dir, options, 0)) {
            fill(writer, 2);
            last = writer.lastLsn();
        }
        Path first = segment(1);
        Path current = Journals.lastSegment(dir);
        Journals.Frame donor = Journals.frames(first).get(3);
        long end = Journals.frames(current).getLast().end();

        Journals.writeBytes(current, end, forge(first, donor, last + 1, salt(first)));
        assertEquals(last, Journals.replay(io, dir, options).report().lastLsn(), "old salt: invalid");

        Journals.writeBytes(current, end, forge(first, donor, last + 1, salt(current)));
        assertEquals(last + 1, Journals.replay(io, dir, options).report().lastLsn(), "control: right salt");
    }

    @Test
    void spareRenamedButNotYetInitializedIsIgnoredAndReplaced() throws Exception {
        long last;
        try (JournalWriter writer = JournalWriter.open(io, dir, options, 0)) {
            fill(writer, 3);
            writer.recycleBelow(firstLsn(2) - 1);
            last = writer.lastLsn();
        }
        // A crash right after a roll renamed the spare: the file still carries its old header.
        long next = SegmentFiles.segments(dir).getLast().sequence() + 1;
        Files.move(SegmentFiles.sparePath(dir, 1), SegmentFiles.segmentPath(dir, next));

        Journals.Replayed replayed = Journals.replay(io, dir, options, last, DamagePolicy.FAIL);
        assertEquals(new ReplayReport(0, last, 0, 0, 1), replayed.report());
        try (JournalWriter writer = JournalWriter.open(io, dir, options, last)) {
            assertFalse(Files.exists(SegmentFiles.segmentPath(dir, next)), "the unborn segment is removed");
            fill(writer, 4);
        }
        assertTrue(Journals.replay(io, dir, options, last, DamagePolicy.FAIL).report().recordsRead() > 0);
    }

    /**
     * Replay reads each segment about once, also a reused one whose rest still holds an earlier life's
     * frames, with zero words inside them: skipping zero words must not cost a read each.
     */
    @Test
    void replayReadsAReusedSegmentAboutOnce() throws Exception {
        // Segments larger than the scanner's read window, or every read covers the whole file.
        JournalOptions options = this.options.withSegmentSize(4L * SegmentScanner.WINDOW_SIZE);
        long checkpoint;
        try (JournalWriter writer = JournalWriter.open(io, dir, options, 0)) {
            fill(writer, 3);
            checkpoint = firstLsn(3) - 1;
            writer.recycleBelow(checkpoint); // one of the two recycled segments is kept as a spare
            fill(writer, 2); // the roll reuses the spare: its rest is the earlier life's frames
            for (int i = 0; i < 3; i++) {
                writer.append(put(writer.lastLsn() + 1));
                writer.sync();
            }
        }
        long segmentBytes = 0;
        for (Path segment : Journals.segments(dir)) {
            segmentBytes += Files.size(segment);
        }
        io.bytesRead = 0;
        Journals.Replayed replayed = Journals.replay(io, dir, options, checkpoint, DamagePolicy.FAIL);
        assertTrue(replayed.report().recordsRead() > 0);
        assertTrue(io.bytesRead <= 3 * segmentBytes,
                "replay read " + io.bytesRead + " bytes of " + segmentBytes + " bytes of segments");
    }

    /** Appends ~250-byte records, syncing each, until the journal has {@code segments} segments. */
    private void fill(JournalWriter writer, int segments) throws Exception {
        while (SegmentFiles.segments(dir).size() < segments) {
            writer.append(put(writer.lastLsn() + 1));
            writer.sync();
        }
    }

    private static Put put(long lsn) {
        byte[] value = new byte[230];
        ByteBuffer.wrap(value).putLong(lsn);
        return new Put(ByteBuffer.allocate(8).putLong(lsn).array(), value);
    }

    private Path segment(long sequence) {
        return SegmentFiles.segmentPath(dir, sequence);
    }

    private long firstLsn(long sequence) throws Exception {
        return SegmentHeader.read(io, segment(sequence), sequence).firstLsn();
    }

    private static long salt(Path segment) throws Exception {
        return ByteBuffer.wrap(Journals.readBytes(segment, JournalSegmentLayout.SALT_OFFSET, 8))
                .order(ByteOrder.LITTLE_ENDIAN).getLong();
    }

    /** The donor frame's bytes with another LSN and a CRC computed with {@code salt}. */
    private static byte[] forge(Path file, Journals.Frame donor, long lsn, long salt) throws Exception {
        int aligned = JournalRecordLayout.alignedLength(donor.length());
        ByteBuffer frame = ByteBuffer.wrap(Journals.readBytes(file, donor.offset(), aligned))
                .order(ByteOrder.LITTLE_ENDIAN);
        frame.putLong(JournalRecordLayout.LSN_OFFSET, lsn);
        frame.put(JournalRecordLayout.FLAGS_OFFSET, (byte) 0);
        CRC32C crc = new CRC32C();
        crc.update(ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(0, salt));
        crc.update(frame.duplicate().position(0).limit(donor.length() - JournalRecordLayout.CRC_LENGTH));
        frame.putInt(donor.length() - JournalRecordLayout.CRC_LENGTH, (int) crc.getValue());
        return frame.array();
    }

    private static boolean isZero(byte[] bytes) {
        for (byte b : bytes) {
            if (b != 0) {
                return false;
            }
        }
        return true;
    }
}
