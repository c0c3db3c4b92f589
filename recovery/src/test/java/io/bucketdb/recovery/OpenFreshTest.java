package io.bucketdb.recovery;

import static io.bucketdb.recovery.Journals.SMALL;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.bucketdb.recovery.JournalRecord.Put;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@link JournalWriter#openFresh}, which starts the journal over after a recovery's checkpoint: the new segment
 * follows the last segment with a header, header-less leftovers of interrupted creations go first, and every
 * old segment goes once the new one is durable. The crash chains found both ways it went wrong: a new segment
 * behind a leftover (two header-less files, or a gap in the sequence), and the deletion of the new segment
 * when it had taken a leftover's name.
 */
class OpenFreshTest {
    @TempDir
    Path dir;

    private final TestFileIO io = new TestFileIO();

    @Test
    void theNewSegmentReplacesTheOldOnesAfterTheCheckpoint() throws Exception {
        long last = writeRecords(3);
        try (JournalWriter fresh = JournalWriter.openFresh(io, dir, SMALL, last)) {
            fresh.append(new Put(new byte[]{1}, new byte[]{2}));
            fresh.sync();
        }
        assertEquals(List.of(SegmentFiles.segmentPath(dir, 2)), Journals.segments(dir));
        assertEquals(1, Journals.replay(io, dir, SMALL, last, DamagePolicy.FAIL).report().recordsRead());
    }

    @Test
    void aLeftoverOfAnInterruptedCreationIsRemovedAndItsNameTaken() throws Exception {
        long last = writeRecords(3);
        Files.write(SegmentFiles.segmentPath(dir, 2), new byte[JournalSegmentLayout.HEADER_LENGTH]); // no header
        try (JournalWriter fresh = JournalWriter.openFresh(io, dir, SMALL, last)) {
            fresh.append(new Put(new byte[]{1}, new byte[]{2}));
            fresh.sync();
        }
        assertEquals(List.of(SegmentFiles.segmentPath(dir, 2)), Journals.segments(dir), "the new segment, not deleted");
        assertEquals(1, Journals.replay(io, dir, SMALL, last, DamagePolicy.FAIL).report().recordsRead());
    }

    /**
     * The old segments are not unlinked on the opening thread (a full segment's unlink freed 64 MiB of blocks there:
     * 22 ms of the open after 1M journaled puts, issue 16): where there is room for a spare, the old segment becomes
     * the spare the next roll reuses, as a recycle keeps a covered segment.
     */
    @Test
    void anOldSegmentBecomesASpareInsteadOfBeingUnlinked() throws Exception {
        long last = writeRecords(3);
        Path old = SegmentFiles.segmentPath(dir, 1);
        assertTrue(Files.exists(old));
        try (JournalWriter fresh = JournalWriter.openFresh(io, dir, SMALL, last)) {
            assertEquals(List.of(SegmentFiles.segmentPath(dir, 2)), Journals.segments(dir));
            assertTrue(Files.exists(SegmentFiles.sparePath(dir, 1)), "the old segment kept as a spare");
            fresh.append(new Put(new byte[]{1}, new byte[]{2}));
            fresh.sync();
        }
        assertEquals(1, Journals.replay(io, dir, SMALL, last, DamagePolicy.FAIL).report().recordsRead());
    }

    /** Appends {@code count} records to a new journal and closes it; returns the last LSN. */
    private long writeRecords(int count) throws Exception {
        try (JournalWriter writer = JournalWriter.open(io, dir, SMALL, 0)) {
            for (int i = 0; i < count; i++) {
                writer.append(new Put(new byte[]{(byte) i}, new byte[]{(byte) i}));
            }
            writer.sync();
            return writer.lastLsn();
        }
    }
}
