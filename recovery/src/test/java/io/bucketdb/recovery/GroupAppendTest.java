package io.bucketdb.recovery;

import static io.bucketdb.recovery.JournalSegmentLayout.HEADER_LENGTH;
import static io.bucketdb.recovery.Journals.SMALL;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.sun.management.ThreadMXBean;
import java.lang.management.ManagementFactory;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class GroupAppendTest {
    @TempDir
    Path dir;

    private final TestFileIO io = new TestFileIO();

    @Test
    void flushWritesTheBatchOnceAndSyncForcesOnce() throws Exception {
        try (JournalWriter writer = JournalWriter.open(io, dir, SMALL, 0)) {
            io.writes.clear();
            int forces = io.forces;
            for (int i = 0; i < 100; i++) {
                writer.appendPutLong(i, i);
            }
            assertEquals(100, writer.lastLsn());
            assertEquals(0, writer.writtenLsn());
            assertEquals(0, io.writes.size(), "appending does no I/O");

            writer.flush();
            assertEquals(1, io.writes.size());
            assertEquals(100, writer.writtenLsn());
            assertEquals(0, writer.durableLsn());
            assertEquals(forces, io.forces, "flush does not force");

            writer.sync();
            assertEquals(1, io.writes.size());
            assertEquals(forces + 1, io.forces);
            assertEquals(100, writer.durableLsn());

            writer.flush();
            writer.sync();
            assertEquals(1, io.writes.size(), "an empty batch writes nothing");
            assertEquals(forces + 1, io.forces, "nothing new to force");
        }
    }

    @Test
    void syncFlushesFirst() throws Exception {
        try (JournalWriter writer = JournalWriter.open(io, dir, SMALL, 0)) {
            io.writes.clear();
            writer.appendDeleteLong(1);
            writer.appendDeleteLong(2);
            writer.sync();
            assertEquals(1, io.writes.size());
            assertEquals(2, writer.durableLsn());
        }
    }

    @Test
    void batchIsSplitOnlyWhereItRollsIntoANewSegment() throws Exception {
        try (JournalWriter writer = JournalWriter.open(io, dir, SMALL, 0)) {
            io.writes.clear();
            // 40-byte frames: about 1600 fit in a 64 KiB segment, so 2000 roll once.
            for (int i = 0; i < 2000; i++) {
                writer.appendPutLong(i, i);
            }
            writer.flush();
            assertEquals(3, io.writesFrom(HEADER_LENGTH),
                    "one write per segment the batch touches, and the roll frame that ends the full one");
            assertEquals(1, io.writes.stream().filter(w -> w.position() == 0).count(), "one new header");
            assertEquals(2, Journals.segments(dir).size());
            assertEquals(writer.lastLsn(), writer.writtenLsn());
            assertTrue(writer.durableLsn() > 0, "the full segment was forced before the roll");
        }
        assertEquals(2000, Journals.replay(io, dir, SMALL).report().lastLsn());
    }

    @Test
    void firstRecordAfterAForceCarriesTheFlag() throws Exception {
        try (JournalWriter writer = JournalWriter.open(io, dir, SMALL, 0)) {
            writer.appendDeleteLong(1);
            writer.appendDeleteLong(2);
            writer.flush();
            writer.appendDeleteLong(3);
            writer.sync();
            writer.appendDeleteLong(4);
            writer.appendDeleteLong(5);
        }
        Path segment = Journals.lastSegment(dir);
        StringBuilder flags = new StringBuilder();
        for (Journals.Frame frame : Journals.frames(segment)) {
            flags.append(Journals.readByte(segment, frame.offset() + JournalRecordLayout.FLAGS_OFFSET));
        }
        assertEquals("10010", flags.toString());
    }

    @Test
    void longPathAllocatesNothingPerRecord() throws Exception {
        JournalOptions options = JournalOptions.defaults().withSegmentSize(8 << 20).withBufferSize(4 << 20);
        ThreadMXBean threads = (ThreadMXBean) ManagementFactory.getThreadMXBean();
        try (JournalWriter writer = JournalWriter.open(io, dir, options, 0)) {
            for (int round = 0; round < 5; round++) {
                for (int i = 0; i < 50_000; i++) {
                    writer.appendPutLong(i, i);
                    writer.appendDeleteLong(i);
                }
                writer.sync();
            }
            long before = threads.getCurrentThreadAllocatedBytes();
            for (int i = 0; i < 50_000; i++) {
                writer.appendPutLong(i, -i);
                writer.appendDeleteLong(i);
            }
            long allocated = threads.getCurrentThreadAllocatedBytes() - before;
            assertTrue(allocated < 64 << 10, "100 000 appends allocated " + allocated + " bytes");
        }
    }
}
