package io.bucketdb.recovery;

import static io.bucketdb.recovery.Journals.SMALL;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.bucketdb.spi.DurableFile;
import io.bucketdb.storage.FileDurableIO;
import io.bucketdb.storage.ForwardingDurableIO;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A view reads a journal while the writer appends to it, through a mapping: the reader can see the last frame mid-copy
 * (its CRC in place, its padding not yet written) and, a moment later, whole. The walk then ends at that frame, and the
 * scan of the tail, which reads again, finds it intact: that frame is the end of the journal as the walk saw it, not
 * evidence that something forced was lost (a clean-clone CI run of BackupCommandTest failed so, as damage).
 */
class LiveTailTest {
    @TempDir
    Path root;

    @Test
    void aFrameCompletedBetweenTheWalkAndTheTailScanEndsTheReplayInsteadOfFailingIt() throws Exception {
        Path dir = root.resolve("journal");
        List<JournalRecord> records = new ArrayList<>();
        Random random = new Random(7);
        for (int i = 0; i < 40; i++) {
            records.add(Journals.randomRecord(random));
        }
        try (JournalWriter writer = JournalWriter.open(new TestFileIO(), dir, SMALL, 0)) {
            Journals.appendSynced(writer, records, 4); // forced batches: later frames carry the after-force flag
        }
        Path segment = Journals.lastSegment(dir);
        // The frame being appended: the last first-of-a-batch frame (flagged as written after a force) that has padding
        // after its CRC, with the journal cut after it. As the reader saw it mid-copy, a padding byte was not yet zero.
        Journals.Frame target = null;
        for (Journals.Frame f : Journals.frames(segment)) {
            if (f.lsn() % 4 == 1 && f.offset() + JournalRecordLayout.crcOffset(f.length()) + 4 < f.end()) {
                target = f;
            }
        }
        assertTrue(target != null, "some frame after a force is padded");
        Journals.truncate(segment, target.end());
        long padding = target.end() - 1;
        Journals.writeByte(segment, padding, (byte) 0x5A);

        // As the frame stays incomplete, the reader takes it for a torn tail; its last open of the segment is the scan of
        // that tail, after the walk. Now the writer finishes the frame just before that open.
        int[] opens = {0, Integer.MAX_VALUE};
        ForwardingDurableIO io = new ForwardingDurableIO(FileDurableIO.INSTANCE) {
            @Override
            public DurableFile open(Path file, Mode mode) throws IOException {
                if (file.equals(segment) && ++opens[0] == opens[1]) {
                    Journals.writeByte(segment, padding, (byte) 0);
                }
                return super.open(file, mode);
            }
        };
        ReplayReport torn = new JournalReader(io, dir, SMALL).replay(0, DamagePolicy.FAIL, (lsn, r) -> { });
        assertEquals(target.lsn() - 1, torn.lastLsn(), "an incomplete last frame is a torn tail");
        opens[1] = opens[0];
        opens[0] = 0;
        List<Long> lsns = new ArrayList<>();
        ReplayReport report = new JournalReader(io, dir, SMALL).replay(0, DamagePolicy.FAIL, (lsn, r) -> lsns.add(lsn));
        assertEquals(opens[1], opens[0], "the same opens as before");
        assertEquals(target.lsn() - 1, report.lastLsn(), "the replay ends before the frame the walk saw incomplete");
        assertEquals(target.lsn() - 1, lsns.size());
    }
}
