package io.bucketdb.recovery;

import static io.bucketdb.recovery.Journals.SMALL;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.sun.management.ThreadMXBean;
import io.bucketdb.spi.CorruptIndexException;
import io.bucketdb.storage.testkit.Seeds;
import java.lang.management.ManagementFactory;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.zip.CRC32C;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Hostile bytes never hang replay, never exhaust memory, and never pass for records. */
class HostileInputTest {
    private static final ThreadMXBean THREADS = (ThreadMXBean) ManagementFactory.getThreadMXBean();

    @TempDir
    Path dir;

    private final TestFileIO io = new TestFileIO();

    @Test
    void hugeLengthFieldsAreInvalidAndAllocateNothing() throws Exception {
        JournalOptions options = SMALL.withSegmentSize(4 << 20);
        int[] lengths = {Integer.MAX_VALUE, -1, Integer.MIN_VALUE, options.maxFrameLength() + 1,
                options.maxFrameLength(), 3 << 20, 64 << 10};
        for (int i = 0; i < lengths.length; i++) {
            Path sub = dir.resolve("case-" + i);
            long end = fiveRecords(sub, options);
            Path segment = Journals.lastSegment(sub);
            Journals.writeBytes(segment, end, header(lengths[i], JournalRecordLayout.TYPE_PUT, 6));
            Journals.writeBytes(segment, end + JournalRecordLayout.PAYLOAD_OFFSET, new byte[] {8, 0, 0, 0});

            long before = THREADS.getCurrentThreadAllocatedBytes();
            ReplayReport report = Journals.replay(io, sub, options).report();
            long allocated = THREADS.getCurrentThreadAllocatedBytes() - before;
            assertEquals(5, report.lastLsn(), "length " + lengths[i]);
            assertTrue(allocated < 4 << 20, "length " + lengths[i] + " made replay allocate " + allocated);
            try (JournalWriter writer = JournalWriter.open(io, sub, options, 0)) {
                assertEquals(6, writer.appendDeleteLong(6));
            }
            assertEquals(6, Journals.replay(io, sub, options).report().lastLsn());
        }
    }

    @Test
    void randomGarbageAfterTheRecordsEndsReplay() throws Exception {
        Seeds.run(random -> {
            long end = fiveRecords(dir, SMALL);
            Path segment = Journals.lastSegment(dir);
            byte[] garbage = new byte[(int) (Files.size(segment) - end)];
            random.nextBytes(garbage);
            Journals.writeBytes(segment, end, garbage);
            ReplayReport report = Journals.replay(io, dir, SMALL).report();
            assertEquals(5, report.lastLsn());
        });
    }

    @Test
    void frameLikeBytesEverywhereExhaustTheBudgetNotTheMachine() throws Exception {
        long end = fiveRecords(dir, SMALL);
        Path segment = Journals.lastSegment(dir);
        long size = Files.size(segment);
        // A plausible header every 16 bytes, each claiming the rest of the file: checksumming them all
        // would cost size^2/32 bytes.
        for (long at = end; at + JournalRecordLayout.MIN_ALIGNED_FRAME_LENGTH <= size; at += 16) {
            int length = (int) ((size - at) & -JournalRecordLayout.ALIGNMENT);
            Journals.writeBytes(segment, at, header(length, JournalRecordLayout.TYPE_DELETE, 6));
        }
        CorruptIndexException e = assertThrows(CorruptIndexException.class, () -> Journals.replay(io, dir, SMALL));
        assertEquals(segment, e.file());
        assertEquals(end, e.offset());
        assertTrue(e.getMessage().contains("frame-like"), e.getMessage());

        ReplayReport cut = Journals.replay(io, dir, SMALL, 0, DamagePolicy.TRUNCATE).report();
        assertEquals(new ReplayReport(5, 5, 0, 0, 1), cut);
        assertEquals(new ReplayReport(5, 5, 0, 0, 1), Journals.replay(io, dir, SMALL).report());
    }

    @Test
    void intactFrameThatDoesNotDecodeIsAlwaysCorrupt() throws Exception {
        long end = fiveRecords(dir, SMALL);
        Path segment = Journals.lastSegment(dir);
        // A PUT whose key length exceeds its payload, with a correct CRC: a writer bug, never a tear.
        ByteBuffer frame = ByteBuffer.allocate(32).order(ByteOrder.LITTLE_ENDIAN);
        int length = (int) JournalRecordLayout.frameLength(8);
        frame.put(header(length, JournalRecordLayout.TYPE_PUT, 6)).putInt(100).putInt(0);
        long salt = ByteBuffer.wrap(Journals.readBytes(segment, JournalSegmentLayout.SALT_OFFSET, 8))
                .order(ByteOrder.LITTLE_ENDIAN).getLong();
        CRC32C crc = new CRC32C();
        crc.update(ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(0, salt));
        crc.update(frame.array(), 0, length - JournalRecordLayout.CRC_LENGTH);
        frame.putInt(length - JournalRecordLayout.CRC_LENGTH, (int) crc.getValue());
        Journals.writeBytes(segment, end, frame.array());

        for (DamagePolicy policy : DamagePolicy.values()) {
            CorruptIndexException e = assertThrows(CorruptIndexException.class,
                    () -> Journals.replay(io, dir, SMALL, 0, policy));
            assertEquals(end, e.offset());
            assertTrue(e.getMessage().contains("PUT key length"), e.getMessage());
        }
    }

    /** Writes five synced records to a new journal; returns where the sixth would start. */
    private long fiveRecords(Path journal, JournalOptions options) throws Exception {
        try (JournalWriter writer = JournalWriter.open(io, journal, options, 0)) {
            for (int i = 1; i <= 5; i++) {
                writer.appendPutLong(i, i);
                writer.sync();
            }
        }
        return Journals.frames(Journals.lastSegment(journal)).getLast().end();
    }

    private static byte[] header(int length, byte type, long lsn) {
        return ByteBuffer.allocate(JournalRecordLayout.PAYLOAD_OFFSET).order(ByteOrder.LITTLE_ENDIAN)
                .putInt(JournalRecordLayout.FRAME_LENGTH_OFFSET, length)
                .put(JournalRecordLayout.TYPE_OFFSET, type)
                .putLong(JournalRecordLayout.LSN_OFFSET, lsn)
                .array();
    }
}
