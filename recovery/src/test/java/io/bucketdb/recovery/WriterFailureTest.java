package io.bucketdb.recovery;

import static io.bucketdb.recovery.Journals.SMALL;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;
import org.junit.jupiter.api.io.TempDir;

/** After a failed write or force the writer never acknowledges anything again (docs/DESIGN.md, "Rules no change may break"). */
class WriterFailureTest {
    @TempDir
    Path dir;

    private final TestFileIO io = new TestFileIO();

    @Test
    void failedWriteFailsTheWriterForGood() throws Exception {
        JournalWriter writer = JournalWriter.open(io, dir, SMALL, 0);
        writer.appendDeleteLong(1);
        writer.sync();
        writer.appendDeleteLong(2);
        io.failWriteAfter(0);
        IOException cause = assertThrows(IOException.class, writer::flush);
        assertTrue(cause.getMessage().startsWith("injected"));
        assertFailedForGood(writer, cause, 1);
        assertEquals(1, writer.writtenLsn());
    }

    @Test
    void failedForceIsNeverAcknowledged() throws Exception {
        JournalWriter writer = JournalWriter.open(io, dir, SMALL, 0);
        writer.appendDeleteLong(1);
        writer.appendDeleteLong(2);
        io.failForceAfter(0);
        IOException cause = assertThrows(IOException.class, writer::sync);
        assertEquals(2, writer.writtenLsn());
        int forces = io.forces;
        assertFailedForGood(writer, cause, 0);
        assertEquals(forces, io.forces, "no force is attempted again, not even by close");
    }

    @Test
    void failureWhileRollingFailsTheWriter() throws Exception {
        // The roll's forces: the full segment, then the new segment's header.
        for (int forcesBefore = 0; forcesBefore < 2; forcesBefore++) {
            Path sub = dir.resolve("force-" + forcesBefore);
            JournalWriter writer = JournalWriter.open(io, sub, SMALL, 0);
            fillPastOneSegment(writer);
            io.failForceAfter(forcesBefore);
            IOException cause = assertThrows(IOException.class, writer::flush);
            assertFailedForGood(writer, cause, forcesBefore == 0 ? 0 : writer.writtenLsn());
        }
        // The roll's writes: data into the full segment, then the new segment's header.
        Path sub = dir.resolve("header-write");
        JournalWriter writer = JournalWriter.open(io, sub, SMALL, 0);
        fillPastOneSegment(writer);
        io.failWriteAfter(1);
        IOException cause = assertThrows(IOException.class, writer::flush);
        assertFailedForGood(writer, cause, writer.writtenLsn());
        assertTrue(writer.writtenLsn() < writer.lastLsn());
    }

    @Test
    void reopeningAfterAFailureResumesFromWhatTheFileHolds() throws Exception {
        JournalWriter writer = JournalWriter.open(io, dir, SMALL, 0);
        writer.appendDeleteLong(1);
        writer.appendDeleteLong(2);
        io.failForceAfter(0);
        assertThrows(IOException.class, writer::sync);
        writer.close();
        // Written but never acknowledged: the records may or may not survive a power loss; here the file
        // has them, so replay returns them and a new writer continues after them.
        assertEquals(2, Journals.replay(io, dir, SMALL).report().lastLsn());
        try (JournalWriter reopened = JournalWriter.open(io, dir, SMALL, 0)) {
            assertEquals(2, reopened.durableLsn());
            assertEquals(3, reopened.appendDeleteLong(3));
        }
    }

    @Test
    void closedWriterRefusesWork() throws Exception {
        JournalWriter writer = JournalWriter.open(io, dir, SMALL, 0);
        writer.close();
        writer.close();
        IOException e = assertThrows(IOException.class, () -> writer.appendDeleteLong(1));
        assertEquals("journal writer is closed", e.getMessage());
    }

    private void fillPastOneSegment(JournalWriter writer) throws IOException {
        for (int i = 0; i < 2000; i++) {
            writer.appendPutLong(i, i);
        }
    }

    private static void assertFailedForGood(JournalWriter writer, IOException cause, long durableLsn)
            throws IOException {
        assertTrue(writer.failed());
        long written = writer.writtenLsn();
        for (Executable call : List.<Executable>of(() -> writer.appendDeleteLong(9), () -> writer.appendPut(
                new byte[1], new byte[1]), () -> writer.append(new JournalRecord.BatchCommit()), writer::flush,
                writer::sync, () -> writer.recycleBelow(Long.MAX_VALUE))) {
            IOException e = assertThrows(IOException.class, call);
            assertTrue(e.getMessage().startsWith("journal failed earlier: "), e.getMessage());
            assertSame(cause, e.getCause());
        }
        assertEquals(durableLsn, writer.durableLsn());
        assertEquals(written, writer.writtenLsn());
        writer.close();
        assertTrue(writer.failed(), "closing does not clear the failure");
    }
}
