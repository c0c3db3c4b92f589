package io.bucketdb.recovery;

import static io.bucketdb.recovery.Journals.SMALL;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.bucketdb.recovery.JournalRecord.Put;
import io.bucketdb.storage.testkit.Seeds;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A crash tears the last, unforced batch: whatever it did to those bytes, replay must stop at the last
 * intact record before them, and a writer reopened there must continue cleanly.
 */
class TornTailTest {
    private static final int SYNCED = 30;
    private static final int LAST_BATCH = 3;

    @TempDir
    Path root;

    private final TestFileIO io = new TestFileIO();
    private int scenarios;

    @Test
    void everyFlippedByteOfTheLastRecordsIsDetected() throws Exception {
        Seeds.run(random -> {
            Fixture f = fixture(random);
            for (Journals.Frame frame : f.lastFrames) {
                for (long at = frame.offset(); at < frame.end(); at++) {
                    byte mask = (byte) (1 + random.nextInt(255));
                    Path dir = copy(f.dir);
                    Path segment = Journals.lastSegment(dir);
                    Journals.writeByte(segment, at, (byte) (Journals.readByte(segment, at) ^ mask));
                    String what = "LSN " + frame.lsn() + " byte " + (at - frame.offset()) + " ^ " + mask;
                    long tornBytes = checkStopsAndContinues(f, dir, frame.lsn() - 1, what);
                    if (at - frame.offset() >= JournalRecordLayout.PAYLOAD_OFFSET) {
                        assertTrue(tornBytes >= frame.end() - frame.offset(), what + ": torn bytes " + tornBytes);
                    }
                }
            }
        });
    }

    @Test
    void everyZeroedByteOfTheLastRecordsIsDetected() throws Exception {
        Seeds.run(random -> {
            Fixture f = fixture(random);
            for (Journals.Frame frame : f.lastFrames) {
                for (long at = frame.offset(); at < frame.end(); at++) {
                    Path dir = copy(f.dir);
                    Path segment = Journals.lastSegment(dir);
                    boolean changes = Journals.readByte(segment, at) != 0;
                    Journals.writeByte(segment, at, (byte) 0);
                    long expected = changes ? frame.lsn() - 1 : SYNCED + LAST_BATCH;
                    checkStopsAndContinues(f, dir, expected, "LSN " + frame.lsn() + " byte " + (at - frame.offset()) + " zeroed");
                }
            }
        });
    }

    @Test
    void everyTruncationOfTheLastRecordsIsDetected() throws Exception {
        Seeds.run(random -> {
            Fixture f = fixture(random);
            for (Journals.Frame frame : f.lastFrames) {
                for (long length = frame.offset(); length < frame.end(); length++) {
                    Path dir = copy(f.dir);
                    Journals.truncate(Journals.lastSegment(dir), length);
                    String what = "truncated to " + length + " inside LSN " + frame.lsn();
                    long tornBytes = checkStopsAndContinues(f, dir, frame.lsn() - 1, what);
                    assertEquals(length - frame.offset(), tornBytes, what);
                }
            }
        });
    }

    @Test
    void wholeLastBatchZeroedIsACleanEnd() throws Exception {
        Seeds.run(random -> {
            Fixture f = fixture(random);
            Path dir = copy(f.dir);
            long from = f.lastFrames.getFirst().offset();
            Journals.writeBytes(Journals.lastSegment(dir), from, new byte[(int) (f.lastFrames.getLast().end() - from)]);
            assertEquals(0, checkStopsAndContinues(f, dir, SYNCED, "last batch zeroed"));
        });
    }

    @Test
    void tornFirstRecordOfANewSegment() throws Exception {
        Path dir = root.resolve("roll");
        List<JournalRecord> records = new ArrayList<>();
        try (JournalWriter writer = JournalWriter.open(io, dir, SMALL, 0)) {
            while (Journals.segments(dir).size() < 2) {
                records.add(new Put(new byte[8], new byte[100]));
                writer.append(records.getLast());
                writer.sync();
            }
        }
        Path second = Journals.lastSegment(dir);
        Journals.Frame first = Journals.frames(second).getFirst();
        Journals.writeByte(second, first.offset() + JournalRecordLayout.PAYLOAD_OFFSET + 1, (byte) 0x55);
        Journals.Replayed replayed = Journals.replay(io, dir, SMALL);
        assertEquals(records.subList(0, records.size() - 1), replayed.records());
        try (JournalWriter writer = JournalWriter.open(io, dir, SMALL, 0)) {
            assertEquals(records.size(), writer.appendDeleteLong(1));
        }
        assertEquals(records.size(), Journals.replay(io, dir, SMALL).report().lastLsn());
        assertEquals(2, Journals.segments(dir).size(), "the writer continued in the second segment");
    }

    /**
     * The unforced batch [b1 b2 b3] lost only b1. b2 and b3 are intact frames, and b3 sits exactly
     * where a reopened writer appending two records of the same sizes would expect its third one. Unless
     * the writer zeroes the torn tail before appending, b3 would be replayed after the new records:
     * a write nobody made.
     */
    @Test
    void reopenedWriterZeroesTheTornTailSoNoOldFrameLinesUp() throws Exception {
        Path dir = root.resolve("phantom");
        try (JournalWriter writer = JournalWriter.open(io, dir, SMALL, 0)) {
            writer.appendPut(new byte[] {1}, new byte[] {1});
            writer.sync();
            writer.appendPut(new byte[] {2}, new byte[] {2});
            writer.appendPut(new byte[] {3}, new byte[] {3});
            writer.appendPut(new byte[] {4}, new byte[] {4});
            writer.flush();
        }
        Path segment = Journals.lastSegment(dir);
        List<Journals.Frame> frames = Journals.frames(segment);
        Journals.Frame b1 = frames.get(1);
        Journals.Frame b3 = frames.get(3);
        Journals.writeBytes(segment, b1.offset(), new byte[(int) (b1.end() - b1.offset())]);

        Journals.Replayed torn = Journals.replay(io, dir, SMALL);
        assertEquals(1, torn.report().lastLsn());
        assertEquals(b3.end() - b1.offset(), torn.report().tornBytes(), "b2 and b3 are part of the torn tail");

        try (JournalWriter writer = JournalWriter.open(io, dir, SMALL, 0)) {
            assertArrayEquals(new byte[(int) (b3.end() - b1.offset())],
                    Journals.readBytes(segment, b1.offset(), (int) (b3.end() - b1.offset())), "zeroed on open");
            writer.appendPut(new byte[] {5}, new byte[] {5});
            writer.appendPut(new byte[] {6}, new byte[] {6});
        }
        assertEquals(List.of(new Put(new byte[] {1}, new byte[] {1}), new Put(new byte[] {5}, new byte[] {5}),
                new Put(new byte[] {6}, new byte[] {6})), Journals.replay(io, dir, SMALL).records());
    }

    /** A journal of {@link #SYNCED} records synced in batches, then one more synced batch of small records. */
    private Fixture fixture(Random random) throws Exception {
        Path dir = root.resolve("base");
        List<JournalRecord> records = new ArrayList<>();
        try (JournalWriter writer = JournalWriter.open(io, dir, SMALL, 0)) {
            for (int i = 0; i < SYNCED; i++) {
                records.add(Journals.randomRecord(random));
            }
            Journals.appendSynced(writer, records, 5);
            for (int i = 0; i < LAST_BATCH; i++) {
                records.add(new Put(Journals.bytes(random, 8), Journals.bytes(random, 24)));
                writer.append(records.getLast());
            }
            writer.sync();
        }
        List<Journals.Frame> frames = Journals.frames(Journals.lastSegment(dir));
        assertEquals(1, Journals.segments(dir).size());
        return new Fixture(dir, records, frames.subList(SYNCED, SYNCED + LAST_BATCH));
    }

    private record Fixture(Path dir, List<JournalRecord> records, List<Journals.Frame> lastFrames) {
    }

    private Path copy(Path base) throws Exception {
        Path dir = root.resolve("case-" + scenarios++);
        Journals.copyDirectory(base, dir);
        return dir;
    }

    /**
     * Replays {@code dir}, expecting exactly the records up to {@code lastLsn}; reopens a writer there,
     * appends two records and replays again, expecting them right after. Returns the first replay's torn
     * bytes. Deletes {@code dir} afterwards to keep the temporary directory small.
     */
    private long checkStopsAndContinues(Fixture f, Path dir, long lastLsn, String what) throws Exception {
        Journals.Replayed replayed = Journals.replay(io, dir, SMALL);
        assertEquals(lastLsn, replayed.report().lastLsn(), what);
        assertEquals(f.records.subList(0, (int) lastLsn), replayed.records(), what);
        try (JournalWriter writer = JournalWriter.open(io, dir, SMALL, 0)) {
            assertEquals(lastLsn, writer.lastLsn(), what);
            writer.appendDeleteLong(lastLsn + 1);
            writer.appendDeleteLong(lastLsn + 2);
        }
        Journals.Replayed again = Journals.replay(io, dir, SMALL, lastLsn, DamagePolicy.FAIL);
        assertEquals(new ReplayReport(2, lastLsn + 2, 0, 0, 1), again.report(), what);
        for (Path file : Journals.segments(dir)) {
            Files.delete(file);
        }
        return replayed.report().tornBytes();
    }
}
