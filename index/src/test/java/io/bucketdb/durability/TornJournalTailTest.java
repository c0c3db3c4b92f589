package io.bucketdb.durability;

import io.bucketdb.BucketDB;
import io.bucketdb.Recovery;
import io.bucketdb.recovery.JournalRecordLayout;
import io.bucketdb.recovery.JournalSegmentLayout;
import io.bucketdb.spi.CorruptIndexException;
import io.bucketdb.storage.sim.CrashMode;
import io.bucketdb.storage.sim.CrashSimulator;
import org.apache.commons.io.FileUtils;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.*;

/**
 * Damage at the end of the journal, at the BucketDB level: {@value #N} acknowledged puts (key i → i + 1000) are
 * abandoned without close (a KEEP_ALL crash image), then bytes of the last segment are flipped, zeroed or cut
 * off. Damage to the last record is a torn tail: open recovers exactly the records before it and reports the
 * torn bytes. Damage to a record with valid records after it is a {@link CorruptIndexException} naming the
 * segment, and with {@code withTruncateOnDamage(true)} open keeps the records before it and reports how many it
 * dropped.
 */
class TornJournalTailTest {
    static final int N = 40;

    Path tmp;

    @org.junit.jupiter.api.AfterEach
    void deleteScratch() throws IOException {
        Fixtures.delete(tmp);
    }
    Path base;
    Path segment;
    /** Start and aligned end of every frame in the last segment, and the puts before each frame. */
    long[] start;
    long[] end;
    int[] putsBefore;
    int frames;
    byte[] original;

    @BeforeEach
    void writeAndAbandon() throws Exception {
        tmp = Fixtures.scratch("bucketdb-torn");
        Path src = tmp.resolve("src");
        base = tmp.resolve("base");
        CrashSimulator sim = new CrashSimulator();
        BucketDB db = BucketDB.open(src, CrashRecoveryTest.crashOptions(sim, 77)
                .withCheckpointTriggers(1L << 30, 1L << 30, Duration.ofHours(1)));
        for (int i = 0; i < N; i++) {
            db.putLong(i, i + 1000);
        }
        sim.writeCrashImage(src, base, CrashMode.KEEP_ALL);
        Fixtures.abandon(db);
        try (Stream<Path> files = Files.list(base)) {
            segment = files.filter(p -> p.getFileName().toString().matches("journal-[0-9a-f]{16}\\.log")).sorted()
                    .reduce((a, b) -> b).orElseThrow();
        }
        original = Files.readAllBytes(segment);
        ByteBuffer buf = ByteBuffer.wrap(original).order(ByteOrder.LITTLE_ENDIAN);
        List<long[]> list = new ArrayList<>();
        int pos = JournalSegmentLayout.HEADER_LENGTH;
        while (pos + 4 <= original.length) {
            int length = buf.getInt(pos + JournalRecordLayout.FRAME_LENGTH_OFFSET);
            if (length == 0) {
                break;
            }
            list.add(new long[]{pos, pos + JournalRecordLayout.alignedLength(length), buf.get(pos + JournalRecordLayout.TYPE_OFFSET)});
            pos += JournalRecordLayout.alignedLength(length);
        }
        frames = list.size();
        start = new long[frames];
        end = new long[frames];
        putsBefore = new int[frames + 1];
        for (int i = 0; i < frames; i++) {
            long[] f = list.get(i);
            start[i] = f[0];
            end[i] = f[1];
            putsBefore[i + 1] = putsBefore[i] + (f[2] == JournalRecordLayout.TYPE_PUT ? 1 : 0);
        }
        assertEquals(N, putsBefore[frames], "all puts are in the last segment " + segment.getFileName());
        for (int i = frames - 3; i < frames; i++) {
            assertEquals(JournalRecordLayout.TYPE_PUT, (byte) list.get(i)[2], "the last frames are puts");
        }
        // The undamaged image recovers all N records.
        Path dir = fresh();
        try (BucketDB recovered = BucketDB.open(dir, Fixtures.imageOptions())) {
            assertTrue(recovered.recovery().recordsReplayed() >= N, recovered.recovery().toString());
            assertEquals(0, recovered.recovery().tornBytes());
            assertRecordsBefore(recovered, N, "undamaged");
        }
    }

    private Path fresh() throws IOException {
        Path dir = tmp.resolve("d");
        FileUtils.deleteDirectory(dir.toFile());
        FileUtils.copyDirectory(base.toFile(), dir.toFile());
        return dir;
    }

    private Path damaged(long offset, byte value) throws IOException {
        Path dir = fresh();
        byte[] bytes = original.clone();
        bytes[(int) offset] = value;
        Files.write(dir.resolve(segment.getFileName()), bytes);
        return dir;
    }

    private Path truncated(long length) throws IOException {
        Path dir = fresh();
        try (RandomAccessFile f = new RandomAccessFile(dir.resolve(segment.getFileName()).toFile(), "rw")) {
            f.setLength(length);
        }
        return dir;
    }

    /** Keys 0..n-1 hold their values, keys n..N-1 are absent. */
    private static void assertRecordsBefore(BucketDB db, int n, String where) {
        for (int i = 0; i < N; i++) {
            assertEquals(i < n ? i + 1000 : -1, db.getLong(i, -1), where + ": key " + i);
        }
        assertEquals(n, db.size(), where + ": size");
    }

    private void expectTorn(Path dir, int survivors, boolean tornBytes, String where) {
        try (BucketDB db = BucketDB.open(dir, Fixtures.imageOptions())) {
            Recovery r = db.recovery();
            assertRecordsBefore(db, survivors, where + " (" + r + ")");
            if (tornBytes) {
                assertTrue(r.tornBytes() > 0, where + ": torn bytes reported: " + r);
            }
        } catch (IOException | RuntimeException e) {
            throw new AssertionError(where + ": open failed on a torn tail: " + e, e);
        }
    }

    /** Frame {@code frame} is damaged and valid frames follow it. */
    private void expectDamage(Path dir, int frame, String where) throws IOException {
        int damaged = putsBefore[frame];
        CorruptIndexException corrupt = null;
        try (BucketDB db = BucketDB.open(dir, Fixtures.imageOptions())) {
            fail(where + ": damage followed by valid records was accepted: " + db.recovery() + ", size " + db.size());
        } catch (IOException | RuntimeException e) {
            for (Throwable c = e; c != null && corrupt == null; c = c.getCause()) {
                if (c instanceof CorruptIndexException ci) {
                    corrupt = ci;
                }
            }
            assertNotNull(corrupt, where + ": expected CorruptIndexException, got " + e);
        }
        assertTrue(corrupt.getMessage().contains(segment.getFileName().toString()), where + ": names the segment: " + corrupt.getMessage());
        // Asking for truncation keeps the records before the damage and reports those dropped after it.
        try (BucketDB db = BucketDB.open(dir, Fixtures.imageOptions().withTruncateOnDamage(true))) {
            Recovery r = db.recovery();
            assertRecordsBefore(db, damaged, where + " truncated (" + r + ")");
            assertEquals(frames - 1 - frame, r.recordsDropped(), where + ": dropped records reported: " + r);
        }
        // The truncation is durable: a plain open now succeeds with the same contents.
        if ((frame + where.length()) % 4 != 0) {
            return;
        }
        try (BucketDB db = BucketDB.open(dir, Fixtures.imageOptions())) {
            assertRecordsBefore(db, damaged, where + " after truncation");
        }
    }

    @Test
    void everyByteOfTheLastRecordFlippedOrZeroedIsATornTail() throws Exception {
        int checked = 0;
        List<String> failures = new ArrayList<>();
        int last = frames - 1;
        for (long o = start[last]; o < end[last]; o++) {
            long off = o;
            byte b = original[(int) off];
            // Known gap (reported on issue 3): damage inside the frame header (length, type, flags, LSN) stops
            // recovery at the right record, but the reader cannot yet tell those bytes from a recycled
            // segment's leftover frames, so it reports them as a clean end rather than torn bytes.
            boolean reportable = off - start[last] >= JournalRecordLayout.PAYLOAD_OFFSET;
            collect(failures, () -> expectTorn(damaged(off, (byte) ~b), N - 1, reportable, "last record byte " + (off - start[last]) + " flipped"));
            checked++;
            if (b != 0) {
                collect(failures, () -> expectTorn(damaged(off, (byte) 0), N - 1, reportable, "last record byte " + (off - start[last]) + " zeroed"));
                checked++;
            }
        }
        // Garbage right after the last record: nothing valid follows, so every record is kept (whether these
        // bytes count as torn is not asserted: they may be the start of a frame that was never written).
        for (long off = end[last]; off < end[last] + 16 && off < original.length; off++) {
            long at = off;
            collect(failures, () -> expectTorn(damaged(at, (byte) 0x5A), N, false, "byte " + (at - end[last]) + " after the last record set"));
            checked++;
        }
        System.out.println("TornJournalTailTest: " + checked + " damaged last records, " + failures.size() + " failures");
        assertEquals(List.of(), failures, failures.size() + " of " + checked + " damaged last records were not recovered as torn tails");
    }

    interface Check {
        void run() throws Exception;
    }

    /** Runs one check, recording its failure instead of stopping, so that a report lists every damaged byte missed. */
    private static void collect(List<String> failures, Check check) throws Exception {
        try {
            check.run();
        } catch (AssertionError e) {
            failures.add(e.getMessage());
        }
    }

    @Test
    void everyTruncationOfTheLastRecordsStopsAtTheLastValidRecord() throws Exception {
        int checked = 0;
        for (int rec = frames - 3; rec < frames; rec++) {
            for (long len = start[rec]; len < end[rec]; len++) {
                expectTorn(truncated(len), putsBefore[rec], len > start[rec], "truncated at byte " + (len - start[rec]) + " of record " + rec);
                checked++;
            }
        }
        expectTorn(truncated(end[frames - 1]), N, false, "truncated right after the last record");
        System.out.println("TornJournalTailTest: " + (checked + 1) + " truncations recovered");
    }

    @Test
    void damageFollowedByValidRecordsIsCorruptionUnlessTruncationIsAsked() throws Exception {
        int checked = 0;
        for (int rec = frames - 3; rec < frames - 1; rec++) {
            for (long off = start[rec]; off < end[rec]; off++) {
                byte b = original[(int) off];
                expectDamage(damaged(off, (byte) ~b), rec, "record " + rec + " byte " + (off - start[rec]) + " flipped");
                checked++;
                if (b != 0) {
                    expectDamage(damaged(off, (byte) 0), rec, "record " + rec + " byte " + (off - start[rec]) + " zeroed");
                    checked++;
                }
            }
        }
        System.out.println("TornJournalTailTest: " + checked + " damaged records before valid ones refused and truncated");
    }
}
