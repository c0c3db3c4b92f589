package io.bucketdb.tools;

import io.bucketdb.BucketDB;
import io.bucketdb.inspect.IndexInspector;
import io.bucketdb.inspect.Location;
import io.bucketdb.recovery.JournalRecordLayout;
import io.bucketdb.recovery.JournalSegmentLayout;
import io.bucketdb.storage.ExtentClasses;
import io.bucketdb.storage.HeaderLayout;
import io.bucketdb.storage.IndexFileNames;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.*;

class VerifyCommandTest {
    @TempDir
    Path tmp;

    @Test
    void shouldExitZeroOnASoundIndex() throws IOException {
        Path dir = Cli.longIndex(tmp.resolve("idx"), 20_000);
        Cli.Result r = Cli.run("verify", dir.toString());
        assertEquals(0, r.code(), r::toString);
        assertEquals("", r.out());
        assertEquals("bucketdb verify: " + dir + " is sound: 20,000 entries, B=12; the view as of LSN " + viewLsn(r, dir)
                + ": 20,000 entries, each found by a lookup\n", afterViewLine(r, dir));
    }

    @Test
    void shouldExitZeroDuringAGrowth() throws IOException {
        Path dir = tmp.resolve("idx");
        Cli.growingIndex(dir);
        Cli.Result r = Cli.run("verify", dir.toString());
        assertEquals(0, r.code(), r::toString);
        assertTrue(r.err().contains("growth in progress"), r::toString);
    }

    @Test
    void shouldListEachProblemWithFileOffsetExpectedAndFound() throws IOException {
        Path dir = Cli.longIndex(tmp.resolve("idx"), 20_000);
        long koff;
        long bucket;
        long flipped = 1234;
        try (IndexInspector in = IndexInspector.open(dir)) {
            Location loc = in.locate(Format.LONG.parse(1234L, 8, "key"));
            koff = loc.foundBucketOffset() + in.layout().keyOffset(loc.slot());
            bucket = loc.bucket();
            // The file's own hash (its kind and seed), as verify rehashes with it.
            for (int bit = 40; (in.hash(Format.LONG.parse(flipped, 8, "key")) & 4095) == bucket; bit++) {
                flipped = 1234 ^ (1L << bit);
            }
        }
        write(dir, koff, ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(0, flipped).array());
        Cli.Result r = Cli.run("verify", dir.toString());
        assertEquals(1, r.code(), r::toString);
        String[] lines = r.out().split("\n");
        // The changed key breaks the structure, and as damage at rest it also fails its page's checksum.
        assertEquals(2, lines.length, r::toString);
        assertTrue(lines[0].startsWith(dir.resolve(IndexFileNames.TABLE) + " @ " + koff + ": expected a key whose hash selects bucket "
                + bucket + ", found key 0x"), lines[0]);
        long page = koff >>> ExtentClasses.PAGE_SHIFT;
        assertTrue(lines[1].startsWith(dir.resolve(IndexFileNames.TABLE) + " @ " + (page << ExtentClasses.PAGE_SHIFT) + ": expected page "
                + page + " with CRC32C 0x"), lines[1]);
        assertEquals("bucketdb verify: 2 problems found in " + dir + "\n", afterViewLine(r, dir));
    }

    @Test
    void shouldReportAFlippedValueByteThatOnlyThePageChecksumSees() throws IOException {
        Path dir = Cli.longIndex(tmp.resolve("idx"), 20_000);
        long voff;
        try (IndexInspector in = IndexInspector.open(dir)) {
            Location loc = in.locate(Format.LONG.parse(4321L, 8, "key"));
            voff = loc.foundBucketOffset() + in.layout().valueOffset(loc.slot());
        }
        // A value is any 8 bytes to the structure: no structural check can tell this flip from a real write.
        write(dir, voff + 3, new byte[]{(byte) (Format.LONG.parse(Cli.value(4321L), 8, "value")[3] ^ 0x10)});
        Cli.Result r = Cli.run("verify", dir.toString());
        assertEquals(1, r.code(), r::toString);
        long pageOff = (voff + 3) & -(long) ExtentClasses.PAGE_SIZE;
        assertEquals(1, r.out().split("\n").length, r::toString);
        assertTrue(r.out().startsWith(dir.resolve(IndexFileNames.TABLE) + " @ " + pageOff + ": expected page "
                + (pageOff >>> ExtentClasses.PAGE_SHIFT) + " with CRC32C 0x"), r::toString);
        assertTrue(r.out().contains(", found CRC32C 0x"), r::toString);
        assertEquals("bucketdb verify: 1 problem found in " + dir + "\n", afterViewLine(r, dir));
    }

    /**
     * A crash between a checkpoint's in-place writes and its header leaves pages newer than the header
     * (and a complete double-write batch that the next open finishes). verify cannot tell those pages from
     * damage by their checksums alone, so it says what the state is and how to finish it.
     */
    @Test
    void shouldExplainPageProblemsWhileANewerCheckpointIsUnfinished() throws IOException {
        Path dir = Cli.longIndex(tmp.resolve("idx"), 20_000);
        long voff;
        try (IndexInspector in = IndexInspector.open(dir)) {
            Location loc = in.locate(Format.LONG.parse(4321L, 8, "key"));
            voff = loc.foundBucketOffset() + in.layout().valueOffset(loc.slot());
        }
        write(dir, voff, new byte[]{0x7F}); // as if a newer checkpoint had written this page in place
        Cli.Result plain = Cli.run("verify", dir.toString());
        assertEquals(1, plain.code(), plain::toString);
        assertFalse(plain.err().contains("note: a checkpoint newer"), plain::toString);

        Path dw = dir.resolve(io.bucketdb.recovery.DoubleWriteLayout.FILE_NAME);
        ByteBuffer head = ByteBuffer.allocate(io.bucketdb.recovery.DoubleWriteLayout.SIZE).order(ByteOrder.LITTLE_ENDIAN);
        try (FileChannel ch = FileChannel.open(dw, StandardOpenOption.READ)) {
            ch.read(head, 0);
        }
        head.putLong(io.bucketdb.recovery.DoubleWriteLayout.GENERATION_OFFSET,
                head.getLong(io.bucketdb.recovery.DoubleWriteLayout.GENERATION_OFFSET) + 1);
        java.util.zip.CRC32C crc = new java.util.zip.CRC32C();
        crc.update(head.array(), 0, io.bucketdb.recovery.DoubleWriteLayout.CHECKSUM_OFFSET);
        head.putInt(io.bucketdb.recovery.DoubleWriteLayout.CHECKSUM_OFFSET, (int) crc.getValue());
        try (FileChannel ch = FileChannel.open(dw, StandardOpenOption.WRITE)) {
            ch.write(head.position(0), 0);
        }
        Cli.Result r = Cli.run("verify", dir.toString());
        assertEquals(1, r.code(), r::toString);
        assertTrue(r.err().contains("note: a checkpoint newer than the header read is being written in place, or was "
                + "interrupted by a crash"), r::toString);
        assertTrue(r.err().contains("`bucketdb recover " + dir + "` finishes that checkpoint"), r::toString);
    }

    @Test
    void shouldReportAnUnreadableHeaderAsAProblem() throws IOException {
        Path dir = Cli.longIndex(tmp.resolve("idx"), 1_000);
        write(dir, HeaderLayout.SLOT_A + HeaderLayout.COUNT_OFFSET, new byte[]{0x55});
        write(dir, HeaderLayout.SLOT_B + HeaderLayout.COUNT_OFFSET, new byte[]{0x55});
        Cli.Result r = Cli.run("verify", dir.toString());
        assertEquals(1, r.code(), r::toString);
        // With both slots damaged, the one that claims the newer generation is reported.
        assertTrue(r.out().contains(" @ " + HeaderLayout.CHECKSUM_OFFSET + ": expected header CRC32C")
                || r.out().contains(" @ " + (HeaderLayout.SLOT_B + HeaderLayout.CHECKSUM_OFFSET) + ": expected header CRC32C"), r::toString);

        Cli.Result stat = Cli.run("stat", dir.toString());
        assertEquals(3, stat.code(), stat::toString);
        assertTrue(stat.err().contains("run 'bucketdb verify " + dir + "'"), stat::toString);
    }

    @Test
    void shouldReportAMissingIndexAsAnIoError() {
        Cli.Result r = Cli.run("verify", tmp.resolve("nothing").toString());
        assertEquals(3, r.code(), r::toString);
        assertEquals(1, r.errLines().length, r::toString);
    }

    // ------------------------------------------------------------------ the journal

    /** Offsets of the record frames at the start of {@code segment}, up to the first that is not one (a clean end is zeros). */
    private static List<Long> frames(Path segment) throws IOException {
        List<Long> out = new ArrayList<>();
        try (FileChannel ch = FileChannel.open(segment, StandardOpenOption.READ)) {
            long at = JournalSegmentLayout.HEADER_LENGTH;
            ByteBuffer head = ByteBuffer.allocate(JournalRecordLayout.PAYLOAD_OFFSET).order(ByteOrder.LITTLE_ENDIAN);
            while (ch.read(head.clear(), at) == head.capacity() && head.getInt(JournalRecordLayout.FRAME_LENGTH_OFFSET) != 0) {
                out.add(at);
                at += JournalRecordLayout.alignedLength(head.getInt(JournalRecordLayout.FRAME_LENGTH_OFFSET));
            }
            out.add(at); // where the next record would go
        }
        return out;
    }

    /**
     * The stderr of a verify run without the line that says what the view shows: the {@link ViewLine} of
     * {@code dir} first, or, where the view's replay stops at the damage verify lists (once read-only opens
     * replay the journal), the note that says so.
     */
    static String afterViewLine(Cli.Result r, Path dir) {
        String note = "bucketdb verify: note: " + VerifyCommand.NO_VIEW + "\n";
        if (r.err().contains(note)) {
            assertFalse(r.err().contains("bucketdb: " + dir + " as of LSN "), r::toString);
            return r.err().replace(note, "");
        }
        assertTrue(r.err().startsWith("bucketdb: " + dir + " as of LSN "), () -> "the view line first: " + r);
        return r.err().substring(r.err().indexOf('\n') + 1);
    }

    /** The LSN the {@link ViewLine} of {@code r} names. */
    static long viewLsn(Cli.Result r, Path dir) {
        String rest = r.err().substring(("bucketdb: " + dir + " as of LSN ").length());
        return Long.parseLong(rest.substring(0, rest.indexOf(' ')));
    }

    private static void flip(Path file, long off, int mask) throws IOException {
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ, StandardOpenOption.WRITE)) {
            ByteBuffer b = ByteBuffer.allocate(1);
            ch.read(b, off);
            ch.write(ByteBuffer.wrap(new byte[]{(byte) (b.get(0) ^ mask)}), off);
        }
    }

    @Test
    void shouldFindAFlippedByteInAJournalRecordFollowedByForcedRecords() throws IOException {
        Path dir = Cli.crashed(tmp, "crashed", 300);
        Cli.Result clean = Cli.run("verify", dir.toString());
        assertEquals(0, clean.code(), "a crash that kept every write leaves a sound journal: " + clean);
        assertEquals("", clean.out(), clean::toString);
        assertFalse(clean.err().contains("note:"), clean::toString);

        Path segment = Cli.firstSegment(dir);
        List<Long> frames = frames(segment);
        assertTrue(frames.size() > 100, "the journal holds the puts: " + frames.size());
        long frame = frames.get(50);
        // Each SYNC put is its own forced batch, so the records after this one prove it had been forced: damage.
        flip(segment, frame + JournalRecordLayout.PAYLOAD_OFFSET + 5, 0x04);
        Cli.Result r = Cli.run("verify", dir.toString());
        assertEquals(1, r.code(), r::toString);
        assertEquals(1, r.out().split("\n").length, r::toString);
        assertTrue(r.out().startsWith(segment + " @ " + frame + ": expected a record with LSN "), r::toString);
        assertTrue(r.out().contains(", found a frame of "), r::toString);
        assertTrue(r.out().contains(" whose CRC32C is 0x"), r::toString);
        assertEquals("bucketdb verify: 1 problem found in " + dir + "\n", afterViewLine(r, dir));

        Cli.Result stat = Cli.run("recover", dir.toString());
        assertEquals(3, stat.code(), "open refuses what verify reports: " + stat);
    }

    @Test
    void shouldNoteDamageTheCheckpointCoversWithoutFailing() throws IOException {
        Path live = tmp.resolve("covered-live");
        io.bucketdb.storage.sim.CrashSimulator sim = new io.bucketdb.storage.sim.CrashSimulator();
        BucketDB db = BucketDB.open(live, Cli.options().withDurability(io.bucketdb.Durability.SYNC).withDurableIO(sim)
                .withCheckpointTriggers(1L << 30, 1L << 30, java.time.Duration.ofHours(1)));
        for (long k = 0; k < 300; k++) {
            db.putLong(k, k * 10);
            if (k == 199) {
                db.checkpoint(); // in the middle of the segment: records 1 to 200 and more are below it
            }
        }
        Path dir = tmp.resolve("covered");
        sim.writeCrashImage(live, dir, io.bucketdb.storage.sim.CrashMode.KEEP_ALL); // db is abandoned, as a kill leaves it
        Path segment = Cli.firstSegment(dir);
        long frame = frames(segment).get(50);
        flip(segment, frame + JournalRecordLayout.PAYLOAD_OFFSET + 5, 0x04);

        Cli.Result r = Cli.run("verify", dir.toString());
        assertEquals(0, r.code(), r::toString);
        assertEquals("", r.out(), r::toString);
        assertTrue(r.err().contains("bucketdb verify: note: " + segment + " @ " + frame + ": expected a record with LSN "), r::toString);
        assertTrue(r.err().contains(" (at or below the checkpoint at LSN "), r::toString);
        assertTrue(r.err().contains("opening the index skips it"), r::toString);
        assertTrue(r.err().contains(" is sound: "), r::toString);
        try (BucketDB opened = BucketDB.open(dir, Cli.options())) {
            assertEquals(300, opened.size());
        }
    }

    @Test
    void shouldFindADamagedSegmentHeader() throws IOException {
        Path dir = Cli.crashed(tmp, "crashed", 300);
        Path segment = Cli.firstSegment(dir);
        flip(segment, JournalSegmentLayout.SALT_OFFSET + 2, 0x10);
        Cli.Result r = Cli.run("verify", dir.toString());
        assertEquals(1, r.code(), r::toString);
        assertEquals(1, r.out().split("\n").length, r::toString);
        assertTrue(r.out().startsWith(segment + " @ 0: expected a valid header for segment "), r::toString);
        assertTrue(r.out().contains(", found header bytes whose CRC32C is 0x"), r::toString);
        assertEquals(3, Cli.run("recover", dir.toString()).code(), "open refuses it too");
    }

    @Test
    void shouldNoteATornJournalTailWithoutFailing() throws IOException {
        Path dir = Cli.crashed(tmp, "crashed", 300);
        Path segment = Cli.firstSegment(dir);
        List<Long> frames = frames(segment);
        long last = frames.get(frames.size() - 2);
        long end = frames.getLast();
        // A write a crash cut short: the next record's header landed (its LSN follows the last one), its CRC does not match.
        try (FileChannel ch = FileChannel.open(segment, StandardOpenOption.READ, StandardOpenOption.WRITE)) {
            ByteBuffer copy = ByteBuffer.allocate((int) (end - last)).order(ByteOrder.LITTLE_ENDIAN);
            ch.read(copy, last);
            copy.putLong(JournalRecordLayout.LSN_OFFSET, copy.getLong(JournalRecordLayout.LSN_OFFSET) + 1);
            ch.write(copy.flip(), end);
        }
        Cli.Result r = Cli.run("verify", dir.toString());
        assertEquals(0, r.code(), r::toString);
        assertEquals("", r.out(), r::toString);
        String torn = Text.count(end - last);
        assertTrue(afterViewLine(r, dir).startsWith("bucketdb verify: note: " + segment + " @ " + end + ": a torn journal tail of " + torn
                + " bytes after the last valid record (LSN "), r::toString);
        assertTrue(r.err().contains("opening the index drops those " + torn + " bytes"), r::toString);
        assertTrue(r.err().contains(" is sound: "), r::toString);
        try (BucketDB db = BucketDB.open(dir, Cli.options())) {
            assertEquals(end - last, db.recovery().tornBytes(), "the note says what open drops");
            assertEquals(300, db.size());
        }
    }

    private static void write(Path dir, long off, byte[] bytes) throws IOException {
        try (FileChannel ch = FileChannel.open(dir.resolve(IndexFileNames.TABLE), StandardOpenOption.WRITE)) {
            ch.write(ByteBuffer.wrap(bytes), off);
        }
    }
}
