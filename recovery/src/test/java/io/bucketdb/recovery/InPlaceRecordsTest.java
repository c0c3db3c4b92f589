package io.bucketdb.recovery;

import static io.bucketdb.recovery.Journals.SMALL;
import static io.bucketdb.storage.Layouts.BYTE;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.bucketdb.recovery.JournalRecord.Delete;
import io.bucketdb.recovery.JournalRecord.Put;
import io.bucketdb.spi.CorruptIndexException;
import io.bucketdb.storage.testkit.Seeds;
import java.lang.foreign.MemorySegment;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * PUT and DELETE records reach a consumer in place ({@link RecordConsumer#putLong}, {@link RecordConsumer#put} and
 * the deletes): with the same bytes, in the same order, as the records a consumer of {@link JournalRecord}s gets,
 * 8-byte keys and values (exactly those) through the {@code long} methods, and EVACUATED markers through
 * {@link RecordConsumer#evacuated}.
 */
class InPlaceRecordsTest {
    @TempDir
    Path dir;

    private final TestFileIO io = new TestFileIO();

    /** Rebuilds records from the in-place calls and notes which method each arrived through. */
    private static final class InPlace implements RecordConsumer {
        final List<Journals.Entry> entries = new ArrayList<>();
        final List<String> paths = new ArrayList<>();

        @Override
        public void accept(long lsn, JournalRecord record) {
            entries.add(new Journals.Entry(lsn, record));
            paths.add(record instanceof Put || record instanceof Delete ? "accept(data)" : "marker");
        }

        @Override
        public void putLong(long lsn, long key, long value) {
            entries.add(new Journals.Entry(lsn, new Put(JournalPayloads.littleEndian(key), JournalPayloads.littleEndian(value))));
            paths.add("putLong");
        }

        @Override
        public void deleteLong(long lsn, long key) {
            entries.add(new Journals.Entry(lsn, new Delete(JournalPayloads.littleEndian(key))));
            paths.add("deleteLong");
        }

        @Override
        public void put(long lsn, MemorySegment frame, long keyOffset, int keyLength, long valueOffset, int valueLength) {
            entries.add(new Journals.Entry(lsn, new Put(frame.asSlice(keyOffset, keyLength).toArray(BYTE),
                    frame.asSlice(valueOffset, valueLength).toArray(BYTE))));
            paths.add("put");
        }

        @Override
        public void delete(long lsn, MemorySegment frame, long keyOffset, int keyLength) {
            entries.add(new Journals.Entry(lsn, new Delete(frame.asSlice(keyOffset, keyLength).toArray(BYTE))));
            paths.add("delete");
        }

        @Override
        public void evacuated(long lsn, long oldBucket) {
            entries.add(new Journals.Entry(lsn, new JournalRecord.Evacuated(oldBucket)));
            paths.add("evacuated");
        }
    }

    @Test
    void inPlaceCallsCarryTheRecordsTheRecordPathDelivers() throws Exception {
        Seeds.run(random -> {
            List<JournalRecord> records = new ArrayList<>();
            for (int i = 0; i < 3000; i++) {
                records.add(switch (random.nextInt(5)) {
                    case 0 -> Journals.randomRecord(random);
                    case 1 -> new Put(bytes(random, nearEight(random)), bytes(random, nearEight(random)));
                    case 2 -> new Delete(bytes(random, nearEight(random)));
                    case 3 -> new JournalRecord.Evacuated(random.nextInt(3) == 0 ? random.nextLong(Long.MAX_VALUE) : random.nextInt(1 << 20));
                    default -> random.nextInt(50) == 0
                            ? new Put(bytes(random, 8), bytes(random, SegmentScanner.WINDOW_SIZE + random.nextInt(100)))
                            : new Put(bytes(random, 8), bytes(random, 8));
                });
            }
            // Segments larger than the read window, so that the window moves within a segment as well.
            JournalOptions options = SMALL.withSegmentSize(1 << 20);
            try (JournalWriter writer = JournalWriter.open(io, dir, options, 0)) {
                Journals.appendSynced(writer, records, 1 + random.nextInt(40));
            }
            Journals.Replayed byRecord = Journals.replay(io, dir, options);
            InPlace inPlace = new InPlace();
            ReplayReport report = new JournalReader(io, dir, options).replay(0, DamagePolicy.FAIL, inPlace);

            assertEquals(records, byRecord.records());
            assertEquals(byRecord.entries(), inPlace.entries);
            assertEquals(byRecord.report(), report);
            for (int i = 0; i < records.size(); i++) {
                assertEquals(expectedPath(records.get(i)), inPlace.paths.get(i), "record " + (i + 1) + ": " + records.get(i));
            }
            assertFalse(inPlace.paths.contains("accept(data)"), "every put and delete arrives in place");
            assertTrue(inPlace.paths.contains("putLong") && inPlace.paths.contains("put")
                    && inPlace.paths.contains("deleteLong") && inPlace.paths.contains("delete") && inPlace.paths.contains("evacuated"));
        });
    }

    /** A CRC-valid EVACUATED frame with a negative bucket was written wrong: in place it is refused as decoding refuses it. */
    @Test
    void negativeEvacuatedBucketIsCorruptInPlaceAsWhenDecoded() throws Exception {
        try (JournalWriter writer = JournalWriter.open(io, dir, SMALL, 0)) {
            writer.appendPutLong(1, 2);
            writer.appendEvacuated(-5);
            writer.sync();
        }
        CorruptIndexException inPlace = assertThrows(CorruptIndexException.class,
                () -> new JournalReader(io, dir, SMALL).replay(0, DamagePolicy.FAIL, new InPlace()));
        CorruptIndexException decoded = assertThrows(CorruptIndexException.class,
                () -> new JournalReader(io, dir, SMALL).replay(0, DamagePolicy.FAIL, (lsn, record) -> { }));
        assertEquals(decoded.getMessage(), inPlace.getMessage());
        assertEquals(decoded.offset(), inPlace.offset());
        assertTrue(inPlace.getMessage().contains("negative bucket index: -5"), inPlace.getMessage());
    }

    @Test
    void discardingConsumerJudgesTheJournalAsAReplayDoes() throws Exception {
        try (JournalWriter writer = JournalWriter.open(io, dir, SMALL, 0)) {
            for (int i = 0; i < 500; i++) {
                writer.appendPutLong(i, ~i);
                writer.append(new Put(new byte[] {(byte) i}, new byte[i % 40]));
                writer.appendDeleteLong(i / 2);
            }
            writer.sync();
        }
        Journals.Replayed replayed = Journals.replay(io, dir, SMALL);
        assertEquals(replayed.report(), new JournalReader(io, dir, SMALL).replay(0, DamagePolicy.FAIL,
                RecordConsumer.discarding()));
        JournalCheck check = new JournalReader(io, dir, SMALL).check(0);
        assertEquals(1500, check.records());
        assertEquals(replayed.report().lastLsn(), check.lastLsn());
    }

    private static String expectedPath(JournalRecord record) {
        return switch (record) {
            case Put p -> p.key().length == 8 && p.value().length == 8 ? "putLong" : "put";
            case Delete d -> d.key().length == 8 ? "deleteLong" : "delete";
            case JournalRecord.Evacuated e -> "evacuated";
            default -> "marker";
        };
    }

    /** A length from 6 to 10: 8 bytes, and the lengths next to it, which must not take the {@code long} path. */
    private static int nearEight(Random random) {
        return 6 + random.nextInt(5);
    }

    private static byte[] bytes(Random random, int length) {
        byte[] b = new byte[length];
        random.nextBytes(b);
        return b;
    }
}
