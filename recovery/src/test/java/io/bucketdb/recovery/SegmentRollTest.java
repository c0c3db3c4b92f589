package io.bucketdb.recovery;

import static io.bucketdb.recovery.Journals.SMALL;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.bucketdb.spi.CorruptIndexException;
import io.bucketdb.spi.DurableFile;
import io.bucketdb.spi.DurableIO;
import io.bucketdb.storage.sim.CrashMode;
import io.bucketdb.storage.sim.CrashSimulator;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The roll frame ({@link SegmentRoll}): the newest segment of a journal that rolled can no longer vanish unnoticed with
 * the writes acknowledged in it, a power loss at any operation of a roll (or of a clean close's trim) never makes it a
 * false alarm, and a journal written before it existed reads as it always did.
 */
class SegmentRollTest {
    @TempDir
    Path tmp;

    /** Records per synced batch: 40-byte frames, so a 64 KiB segment takes about 16 batches. */
    private static final int BATCH = 100;
    /** Batches of {@link #run}: three segments and part of a fourth. */
    private static final int BATCHES = 40;

    private final TestFileIO io = new TestFileIO();

    /**
     * The defect this frame fixes. Before it, replay read the first segments, found the last of them ending like any
     * complete segment, and returned the records up to there: the writes acknowledged in the deleted one were gone
     * without an error (this test's first {@code assertThrows} failed: nothing was thrown).
     */
    @Test
    void aMissingNewestSegmentIsDamageThatNamesIt() throws Exception {
        Path dir = Files.createDirectory(tmp.resolve("journal"));
        long acknowledged;
        try (JournalWriter writer = JournalWriter.open(io, dir, SMALL, 0)) {
            acknowledged = run(writer, BATCHES);
        }
        List<Path> segments = Journals.segments(dir);
        assertTrue(segments.size() >= 3, "the workload rolled at least twice: " + segments);
        Path newest = segments.getLast();
        Path before = segments.get(segments.size() - 2);
        long keptLsn = Journals.frames(before).getLast().lsn();
        assertTrue(keptLsn < acknowledged, "the newest segment holds acknowledged records");
        Files.delete(newest);

        CorruptIndexException e = assertThrows(CorruptIndexException.class, () -> Journals.replay(io, dir, SMALL));
        assertEquals(newest, e.file());
        assertEquals(0, e.offset());
        assertTrue(e.getMessage().contains("journal segment " + newest.getFileName()), e.getMessage());
        assertTrue(e.getMessage().contains(before.getFileName() + " ends at offset"), e.getMessage());
        assertTrue(e.getMessage().contains("from LSN " + (keptLsn + 1)), e.getMessage());
        assertThrows(CorruptIndexException.class, () -> JournalWriter.open(io, dir, SMALL, 0),
                "a writer opened without a replay refuses it too");

        JournalCheck check = new JournalReader(io, dir, SMALL, true).check(0);
        assertEquals(newest, check.damage().file(), "verify reports what an open refuses");
        assertEquals(keptLsn, check.records());

        Journals.Replayed cut = Journals.replay(io, dir, SMALL, 0, DamagePolicy.TRUNCATE);
        assertEquals(keptLsn, cut.report().lastLsn(), "a cut keeps what is there");
        assertEquals(keptLsn, Journals.replay(io, dir, SMALL).report().lastLsn(), "and the cut removed the roll frame");
        try (JournalWriter writer = JournalWriter.open(io, dir, SMALL, 0)) {
            assertEquals(keptLsn + 1, writer.appendDeleteLong(7));
        }
        assertEquals(keptLsn + 1, Journals.replay(io, dir, SMALL).report().lastLsn());
    }

    /** The bytes FILE-FORMATS.md and {@link JournalRecordLayout} document for a roll frame. */
    @Test
    void aRollFrameHasTheDocumentedBytes() throws Exception {
        Path dir = Files.createDirectory(tmp.resolve("journal"));
        try (JournalWriter writer = JournalWriter.open(io, dir, SMALL, 0)) {
            run(writer, 20); // one roll
        }
        List<SegmentFiles.Entry> segments = SegmentFiles.segments(dir);
        assertEquals(2, segments.size());
        SegmentHeader first = SegmentHeader.read(io, segments.get(0).path(), segments.get(0).sequence());
        SegmentHeader second = SegmentHeader.read(io, segments.get(1).path(), segments.get(1).sequence());
        int at = (int) Journals.frames(segments.get(0).path()).getLast().end();
        ByteBuffer file = ByteBuffer.wrap(Files.readAllBytes(segments.get(0).path())).order(ByteOrder.LITTLE_ENDIAN);
        int length = file.getInt(at + JournalRecordLayout.FRAME_LENGTH_OFFSET);
        assertEquals(JournalRecordLayout.PAYLOAD_OFFSET + 16 + JournalRecordLayout.CRC_LENGTH, length);
        assertEquals(40, SegmentRoll.ALIGNED_LENGTH);
        assertEquals(9, JournalRecordLayout.TYPE_ROLL);
        assertEquals(JournalRecordLayout.TYPE_ROLL, file.get(at + JournalRecordLayout.TYPE_OFFSET));
        assertEquals(JournalRecordLayout.FLAG_AFTER_FORCE, file.get(at + JournalRecordLayout.FLAGS_OFFSET));
        assertEquals(0, file.getShort(at + JournalRecordLayout.RESERVED_OFFSET));
        assertEquals(second.firstLsn(), file.getLong(at + JournalRecordLayout.LSN_OFFSET), "the next segment's first LSN");
        assertEquals(second.sequence(), file.getLong(at + JournalRecordLayout.PAYLOAD_OFFSET));
        assertEquals(second.salt(), file.getLong(at + JournalRecordLayout.PAYLOAD_OFFSET + 8));
        java.util.zip.CRC32C crc = new java.util.zip.CRC32C();
        crc.update(ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(0, first.salt()));
        crc.update(file.array(), at, length - JournalRecordLayout.CRC_LENGTH);
        assertEquals((int) crc.getValue(), file.getInt(at + length - JournalRecordLayout.CRC_LENGTH),
                "the CRC covers the salt of the segment it ends");
        assertEquals(0, file.getInt(at + length), "zero padding");
        assertEquals(20L * BATCH, Journals.replay(io, dir, SMALL).report().lastLsn(), "and replay delivers no record for it");
        assertEquals(20 * BATCH, Journals.replay(io, dir, SMALL).entries().size());
    }

    @Test
    void aNewestSegmentThatIsNotTheOneTheRollNamesIsDamage() throws Exception {
        Path dir = Files.createDirectory(tmp.resolve("journal"));
        try (JournalWriter writer = JournalWriter.open(io, dir, SMALL, 0)) {
            run(writer, BATCHES);
        }
        Path newest = Journals.lastSegment(dir);
        long sequence = SegmentFiles.segments(dir).getLast().sequence();
        SegmentHeader header = SegmentHeader.read(io, newest, sequence);
        // Another life's segment of that name (a copy from elsewhere): a valid header, but not the salt the roll names.
        try (DurableFile file = io.open(newest, DurableIO.Mode.OPEN_EXISTING)) {
            file.write(0, new SegmentHeader(sequence, header.salt() ^ 1, header.firstLsn()).encode());
        }

        CorruptIndexException e = assertThrows(CorruptIndexException.class, () -> Journals.replay(io, dir, SMALL));
        assertEquals(newest, e.file());
        assertEquals(JournalSegmentLayout.SALT_OFFSET, e.offset());
        assertTrue(e.getMessage().contains("ends with a roll to"), e.getMessage());
    }

    /**
     * A reader beside a live writer (a view, {@code bucketdb verify}) that listed the directory just before a roll, then
     * finds the roll frame naming a segment its listing lacks: the writer created that segment meanwhile, so the
     * journal as this reader saw it ends at the roll; no alarm. (Simulated: the newest segment is moved away before the
     * replay and back when the replay opens the segment before it to walk it.)
     */
    @Test
    void aReaderThatListedBeforeALiveRollEndsAtTheRoll() throws Exception {
        Path dir = Files.createDirectory(tmp.resolve("journal"));
        try (JournalWriter writer = JournalWriter.open(io, dir, SMALL, 0)) {
            run(writer, 20); // one roll
        }
        List<Path> segments = Journals.segments(dir);
        assertEquals(2, segments.size());
        Path first = segments.getFirst();
        Path newest = segments.getLast();
        Path aside = tmp.resolve("aside");
        Files.move(newest, aside);
        long lastOfFirst = Journals.frames(first).getLast().lsn();
        int[] opens = {0};
        io.bucketdb.storage.ForwardingDurableIO live = new io.bucketdb.storage.ForwardingDurableIO(io) {
            @Override
            public DurableFile open(Path file, DurableIO.Mode mode) throws IOException {
                if (file.equals(first) && ++opens[0] == 2) { // the header read, then the walk: the roll happens now
                    Files.move(aside, newest);
                }
                return super.open(file, mode);
            }
        };
        ReplayReport report = new JournalReader(live, dir, SMALL, true)
                .replay(0, DamagePolicy.FAIL, RecordConsumer.discarding());
        assertTrue(Files.exists(newest), "the simulated roll happened during the replay");
        assertEquals(lastOfFirst, report.lastLsn(), "the journal as listed ends at the roll");
        assertEquals(0, report.tornBytes());
        assertEquals(20L * BATCH, Journals.replay(io, dir, SMALL).report().lastLsn(), "a new replay reads on");
    }

    /**
     * A journal written before the roll frame existed (each roll frame zeroed: the preallocated zeros the writer left
     * there) replays to the same records, and a writer appends to it. Without the evidence, its newest segment's loss
     * stays as undetectable as it always was: that is the old format, not a regression.
     */
    @Test
    void aJournalWithoutRollFramesReadsAsBefore() throws Exception {
        Path dir = Files.createDirectory(tmp.resolve("journal"));
        long acknowledged;
        try (JournalWriter writer = JournalWriter.open(io, dir, SMALL, 0)) {
            acknowledged = run(writer, BATCHES);
        }
        ReplayReport withRolls = Journals.replay(io, dir, SMALL).report();
        assertTrue(stripRolls(dir) >= 2, "the fixture had roll frames to remove");

        Journals.Replayed old = Journals.replay(io, dir, SMALL);
        assertEquals(withRolls, old.report());
        assertEquals(acknowledged, old.report().lastLsn());
        assertNull(new JournalReader(io, dir, SMALL, true).check(0).damage());
        try (JournalWriter writer = JournalWriter.open(io, dir, SMALL, 0)) {
            for (int i = 0; i < 3 * BATCH * 7; i++) { // past the next roll, which writes the new frame
                writer.appendPutLong(i, i);
            }
            writer.sync();
        }
        assertEquals(acknowledged + 3 * BATCH * 7, Journals.replay(io, dir, SMALL).report().lastLsn());
    }

    /**
     * A power loss after every operation of a workload that rolls three times, with and without segments prepared
     * ahead, each image taken kept-all, dropped-all and torn by two seeds: the journal replays without an alarm to at
     * least every record a sync acknowledged; and with its newest segment deleted, it either still holds every one
     * (the segment held none: its roll frame was not durable) or the replay refuses it, never a silent loss.
     */
    @Test
    void aPowerLossAtEveryOperationOfARollIsNoFalseAlarmAndLosesNothingSilently() throws Exception {
        for (JournalOptions options : List.of(SMALL, SMALL.withPrepareAhead(true))) {
            sweep(options, false);
        }
    }

    /**
     * The same for a clean close after the workload ({@link JournalWriter#closeAfterCheckpoint}), followed by a next
     * life that appends: a power loss part-way through the trim can leave the old segments beside the new header-only
     * one, which the next life appends to. No roll names that one; the next open retires the old ones before it
     * appends, so its loss is a missing journal, which is refused. Before that retirement this test failed: without
     * the newest segment the replay ended silently at the clean close's checkpoint.
     */
    @Test
    void aPowerLossDuringACleanCloseLeavesNoSegmentWhoseLossGoesUnnoticed() throws Exception {
        sweep(SMALL, true);
    }

    private void sweep(JournalOptions options, boolean closeClean) throws Exception {
        long total;
        {
            CrashSimulator sim = new CrashSimulator();
            Path dir = Journals.durableDirectory(sim, tmp, "count");
            long before = sim.operationCount();
            JournalWriter writer = JournalWriter.open(sim, dir, options, 0);
            workload(writer, closeClean);
            total = sim.operationCount() - before;
            Journals.deleteTree(dir);
        }
        int images = 0;
        for (long crashAt = 1; crashAt <= total; crashAt++) {
            CrashSimulator sim = new CrashSimulator();
            Path dir = Journals.durableDirectory(sim, tmp, "run");
            sim.crashAfter(sim.operationCount() + crashAt);
            lastAcknowledged = 0;
            checkpoint = 0;
            JournalWriter writer = null;
            try {
                writer = JournalWriter.open(sim, dir, options, 0);
                workload(writer, closeClean);
            } catch (IOException crashed) { // a SimulatedCrashException, or what it made fail
                if (writer != null) {
                    writer.awaitPreparedSegment();
                    try {
                        writer.abandon();
                    } catch (IOException | RuntimeException ignored) {
                        // the files are gone with the crash
                    }
                }
            }
            long acknowledged = lastAcknowledged;
            long afterLsn = checkpoint;
            for (long seed : new long[] {-1, -2, 1, 2}) {
                String where = "crash after operation " + crashAt + " of " + total + ", image " + seed + ", "
                        + options + (closeClean ? ", clean close" : "");
                Path image = tmp.resolve("image");
                if (seed == -1) {
                    sim.writeCrashImage(dir, image, CrashMode.KEEP_ALL);
                } else if (seed == -2) {
                    sim.writeCrashImage(dir, image, CrashMode.DROP_ALL);
                } else {
                    sim.writeCrashImage(dir, image, seed * 1_000_003 + crashAt);
                }
                try {
                    checkImage(image, options, afterLsn, acknowledged, closeClean, where);
                    images++;
                } finally {
                    Journals.deleteTree(image);
                }
            }
            Journals.deleteTree(dir);
        }
        assertTrue(images > 0);
    }

    /**
     * What one crash image must hold: no alarm, every acknowledged record; then, after a clean close, a next life that
     * appends; and the loss of the newest segment must not lose records silently.
     */
    private void checkImage(Path image, JournalOptions options, long afterLsn, long acknowledged, boolean closeClean,
                            String where) throws IOException {
        TestFileIO again = new TestFileIO();
        long last = Journals.replay(again, image, options, afterLsn, DamagePolicy.FAIL).report().lastLsn();
        assertTrue(last >= acknowledged, where + ": replay ends at " + last + ", " + acknowledged + " were synced");
        assertNoSilentLossWithoutTheNewest(image, options, afterLsn, last, where);
        if (!closeClean) {
            return;
        }
        // The next life, as an index opens it: after a clean close (its checkpoint header installed) it appends to the
        // newest segment, whichever older ones the crash left; after a crash it recovers into a fresh segment.
        long next;
        boolean clean = afterLsn > 0;
        try (JournalWriter reopened = clean ? JournalWriter.open(again, image, options, afterLsn)
                : JournalWriter.openFresh(again, image, options, last)) {
            for (int i = 1; i <= BATCH; i++) {
                reopened.appendPutLong(last + i, i);
            }
            reopened.sync();
            next = reopened.lastLsn();
        }
        long from = clean ? afterLsn : last;
        assertEquals(next, Journals.replay(again, image, options, from, DamagePolicy.FAIL).report().lastLsn(), where);
        assertNoSilentLossWithoutTheNewest(image, options, from, next, where + ", next life");
    }

    /**
     * With the newest segment of {@code image} deleted (in a copy), a replay as an open after a crash runs it (a
     * journal required) refuses it or still reaches {@code last}.
     */
    private void assertNoSilentLossWithoutTheNewest(Path image, JournalOptions options, long afterLsn, long last,
                                                    String where) throws IOException {
        Path copy = tmp.resolve("without-newest");
        Journals.copyDirectory(image, copy);
        try {
            List<Path> segments = Journals.segments(copy);
            if (segments.isEmpty()) {
                return;
            }
            Files.delete(segments.getLast());
            ReplayReport report;
            try {
                report = new JournalReader(new TestFileIO(), copy, options, true)
                        .replay(afterLsn, DamagePolicy.FAIL, RecordConsumer.discarding());
            } catch (CorruptIndexException refused) {
                return;
            }
            assertEquals(last, report.lastLsn(), where + ": without " + segments.getLast().getFileName()
                    + ", replay ended silently at " + report.lastLsn());
        } finally {
            Journals.deleteTree(copy);
        }
    }

    private void workload(JournalWriter writer, boolean closeClean) throws IOException {
        long last = run(writer, BATCHES);
        writer.awaitPreparedSegment();
        if (closeClean) {
            checkpoint = last; // as the clean close's checkpoint header is installed before the journal's trim
            writer.closeAfterCheckpoint(last);
        } else {
            writer.close();
        }
        writer.awaitPreparedSegment();
    }

    /** The checkpoint LSN of a crash image: 0, or the clean close's once its trim began. */
    private long checkpoint;

    /** The LSN the last sync of {@link #run} acknowledged before a crash cut it. */
    private long lastAcknowledged;

    /** Appends {@code batches} synced batches of 8-byte puts; returns the last LSN a sync acknowledged. */
    private long run(JournalWriter writer, int batches) throws IOException {
        long lsn = 0;
        for (int b = 0; b < batches; b++) {
            for (int i = 0; i < BATCH; i++) {
                lsn++;
                writer.appendPutLong(lsn, ~lsn);
            }
            writer.sync();
            lastAcknowledged = lsn;
            writer.awaitPreparedSegment();
        }
        return lsn;
    }

    /** Zeroes every roll frame in {@code dir}, as a journal written before it existed has none; returns how many. */
    static int stripRolls(Path dir) throws IOException {
        int stripped = 0;
        for (Path segment : Journals.segments(dir)) {
            List<Journals.Frame> frames = Journals.frames(segment);
            long end = frames.isEmpty() ? JournalSegmentLayout.HEADER_LENGTH : frames.getLast().end();
            byte[] at = Files.readAllBytes(segment);
            if (end + JournalRecordLayout.PAYLOAD_OFFSET <= at.length
                    && ByteBuffer.wrap(at).order(ByteOrder.LITTLE_ENDIAN).get((int) end + JournalRecordLayout.TYPE_OFFSET)
                    == JournalRecordLayout.TYPE_ROLL) {
                Journals.writeBytes(segment, end, new byte[SegmentRoll.ALIGNED_LENGTH]);
                stripped++;
            }
        }
        return stripped;
    }

    @Test
    void stripRollsLeavesNoRollFrame() throws Exception {
        Path dir = Files.createDirectory(tmp.resolve("journal"));
        try (JournalWriter writer = JournalWriter.open(io, dir, SMALL, 0)) {
            run(writer, BATCHES);
        }
        stripRolls(dir);
        assertFalse(stripRolls(dir) > 0);
    }
}
