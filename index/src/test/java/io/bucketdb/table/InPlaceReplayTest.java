package io.bucketdb.table;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.bucketdb.recovery.DamagePolicy;
import io.bucketdb.recovery.JournalOptions;
import io.bucketdb.recovery.JournalReader;
import io.bucketdb.recovery.JournalRecord;
import io.bucketdb.recovery.JournalWriter;
import io.bucketdb.spi.CorruptIndexException;
import io.bucketdb.storage.FileDurableIO;
import io.bucketdb.storage.HeaderLayout;
import io.bucketdb.storage.TableFile;
import io.bucketdb.storage.VarSlotLayout;
import io.bucketdb.storage.testkit.Seeds;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Replay applies PUT and DELETE records in place (the {@code long} path for 8-byte records of a table of 8-byte
 * slots, the reader's buffer for the rest): a table journaled as the live writer journals it (each record, then
 * the growth markers its apply caused; a batch's records applied at its commit) and replayed from the journal
 * into a fresh table ends with the same entries, every growth marker matched, and a batch the journal ends
 * inside dropped.
 */
class InPlaceReplayTest {
    private static final JournalOptions JOURNAL = JournalOptions.defaults().withSegmentSize(1 << 20);
    private static final int VAR = HeaderLayout.VAR_KEYS | HeaderLayout.VAR_VALUES;

    @TempDir
    Path tmp;

    /** One operation; a null value is a delete. */
    private record Op(byte[] key, byte[] value) {
    }

    @Test
    void longTableReplaysToTheSameEntries() throws Exception {
        long seed = Seeds.seed();
        Seeds.run(seed, () -> {
            SplittableRandom random = new SplittableRandom(seed);
            replayMatchesLive(8, 8, 0, seed, () -> {
                long key = random.nextLong(3000);
                return new Op(le(key), random.nextInt(8) == 0 ? null : le(random.nextLong()));
            }, random);
        });
    }

    /** 8-byte records of a table of variable-length slots go through the byte path, not {@code putLong}. */
    @Test
    void variableLengthTableReplaysEightByteAndOtherRecordsToTheSameEntries() throws Exception {
        long seed = Seeds.seed();
        Seeds.run(seed, () -> {
            SplittableRandom random = new SplittableRandom(seed);
            replayMatchesLive(VarSlotLayout.slotWidth(20), VarSlotLayout.slotWidth(28), VAR, seed, () -> {
                byte[] key = bytes(random, random.nextBoolean() ? 8 : 1 + random.nextInt(30));
                key[0] = (byte) random.nextInt(40); // repeats, so puts overwrite and deletes hit
                byte[] value = random.nextInt(8) == 0 ? null : bytes(random, random.nextBoolean() ? 8 : random.nextInt(60));
                return new Op(key, value);
            }, random);
        });
    }

    @Test
    void recordOfTheWrongWidthIsCorrupt() throws Exception {
        Path journal = Files.createDirectories(tmp.resolve("journal"));
        try (JournalWriter writer = JournalWriter.open(FileDurableIO.INSTANCE, journal, JOURNAL, 0)) {
            writer.appendPutLong(1, 1);
            writer.appendPut(new byte[3], new byte[8]);
        }
        try (TableFile file = TableFile.create(FileDurableIO.INSTANCE, tmp.resolve("t.bdb"), 8, 8, 16, 7, 16)) {
            GrowthMarkers markers = new GrowthMarkers();
            HashTable table = HashTable.create(file, markers);
            JournalReplayer replayer = new JournalReplayer(table, markers, journal);
            CorruptIndexException e = assertThrows(CorruptIndexException.class, () -> new JournalReader(FileDurableIO.INSTANCE,
                    journal, JOURNAL).replay(0, DamagePolicy.FAIL, replayer));
            assertTrue(e.getMessage().contains("LSN 2") && e.getMessage().contains("found 3 and 8"), e.getMessage());
            assertEquals(journal, e.file());
            assertEquals(1, table.getLong(1, -1));
        }
    }

    /**
     * Replaying 8-byte records allocates nothing per record: 60,000 puts and deletes into a table sized so that it
     * does not grow (growth markers are records) allocate on the replaying thread only the reader's fixed state and
     * the dirty-page tracking (measured after a first replay has loaded the classes). Decoding each record into a {@code JournalRecord} with two arrays allocated about
     * 100 bytes per record. In a child JVM with C1 only, as in {@link GrowthEventsAllocationTest}: C2's escape
     * analysis may or may not remove a temporary, C1 never does.
     */
    @Test
    void replayOfEightByteRecordsAllocatesNothingPerRecord() throws Exception {
        String out = runChild(ReplayChild.class);
        String[] f = out.lines().reduce((a, b) -> b).orElse("").split(" ");
        assertEquals("replayed", f[0], out);
        assertEquals(ReplayChild.RECORDS, Long.parseLong(f[1]), out);
        assertEquals(0, Long.parseLong(f[2]), "growth markers (records themselves) would blur the count: " + out);
        long allocated = Long.parseLong(f[3]);
        assertTrue(allocated < 64 << 10, "replaying " + f[1] + " records allocated " + allocated + " bytes");
    }

    /**
     * Replaying a table that grows allocates nothing per growth marker either: 120,000 8-byte puts journaled as the
     * live writer journals them (each put, then the EVACUATED markers its apply caused, about 32,000 in all), replayed
     * into an empty table that takes the same growth steps, allocate on the replaying thread only what each of its 17
     * doublings allocates (the new bucket array's snapshot and bookkeeping) and the dirty-page tracking. Decoding each
     * marker into a {@code JournalRecord} and queueing replay's own steps as records allocated about 1.5 MB. In a
     * child JVM with C1 only, as above.
     */
    @Test
    void replayOfGrowthMarkersAllocatesNothingPerMarker() throws Exception {
        String out = runChild(GrowingReplayChild.class);
        String[] f = out.lines().reduce((a, b) -> b).orElse("").split(" ");
        assertEquals("replayed", f[0], out);
        assertEquals(GrowingReplayChild.RECORDS, Long.parseLong(f[1]), out);
        assertTrue(Long.parseLong(f[2]) > 30_000, "the table grew from empty, so about 32,000 markers were checked: " + out);
        long allocated = Long.parseLong(f[3]);
        assertTrue(allocated < 256 << 10, "replaying " + f[1] + " puts and " + f[2] + " markers allocated " + allocated + " bytes");
    }

    /** The child of {@link #replayOfGrowthMarkersAllocatesNothingPerMarker}: prints what a growing table's replay allocated. */
    static final class GrowingReplayChild {
        static final long RECORDS = 120_000;

        public static void main(String[] args) throws Exception {
            Path dir = Path.of(args[0]);
            Path journal = Files.createDirectories(dir.resolve("growing-journal"));
            try (JournalWriter writer = JournalWriter.open(FileDurableIO.INSTANCE, journal, JOURNAL, 0);
                 TableFile live = TableFile.create(FileDurableIO.INSTANCE, dir.resolve("live.bdb"), 8, 8, 16, 7, 16)) {
                GrowthMarkers markers = journaledMarkers(writer);
                HashTable table = HashTable.create(live, markers);
                for (long i = 0; i < RECORDS; i++) {
                    writer.appendPutLong(i * 0x9E3779B97F4A7C15L, i);
                    table.putLong(i * 0x9E3779B97F4A7C15L, i);
                }
                writer.sync();
            }
            printReplayAllocation(dir, journal, 0);
        }
    }

    /** The child: journals 8-byte puts and deletes, replays them into a table that does not grow, prints what that allocated. */
    static final class ReplayChild {
        static final long RECORDS = 60_000;

        public static void main(String[] args) throws Exception {
            Path dir = Path.of(args[0]);
            Path journal = Files.createDirectories(dir.resolve("child-journal"));
            SplittableRandom random = new SplittableRandom(1);
            try (JournalWriter writer = JournalWriter.open(FileDurableIO.INSTANCE, journal, JOURNAL, 0)) {
                for (long i = 0; i < RECORDS; i++) {
                    if (i % 6 == 5) {
                        writer.appendDeleteLong(random.nextLong(40_000));
                    } else {
                        writer.appendPutLong(random.nextLong(40_000), i);
                    }
                }
                writer.sync();
            }
            printReplayAllocation(dir, journal, 200_000);
        }
    }

    private interface OpSource {
        Op next();
    }

    private void replayMatchesLive(int keyWidth, int valueWidth, int flags, long seed, OpSource ops, SplittableRandom random)
            throws IOException {
        Path journal = Files.createDirectories(tmp.resolve("journal"));
        Map<ByteBuffer, byte[]> model = new HashMap<>();
        long applied = 0;
        try (JournalWriter writer = JournalWriter.open(FileDurableIO.INSTANCE, journal, JOURNAL, 0);
             TableFile file = TableFile.create(FileDurableIO.INSTANCE, tmp.resolve("live.bdb"), keyWidth, valueWidth, flags, 16, seed, 16)) {
            GrowthMarkers markers = journaledMarkers(writer);
            HashTable live = HashTable.create(file, markers);
            for (int i = 0; i < 20_000; i++) {
                if (random.nextInt(200) == 0) {
                    List<Op> batch = new ArrayList<>();
                    for (int j = random.nextInt(20); j >= 0; j--) {
                        batch.add(ops.next());
                    }
                    writer.append(new JournalRecord.BatchBegin(batch.size()));
                    for (Op op : batch) {
                        journal(writer, op, keyWidth == 8 && flags == 0);
                    }
                    writer.append(new JournalRecord.BatchCommit());
                    for (Op op : batch) {
                        apply(live, op, model);
                        applied++;
                    }
                } else {
                    Op op = ops.next();
                    journal(writer, op, keyWidth == 8 && flags == 0);
                    apply(live, op, model);
                    applied++;
                }
            }
            // A batch the journal ends inside was never acknowledged: replay drops it.
            writer.append(new JournalRecord.BatchBegin(2));
            journal(writer, ops.next(), keyWidth == 8 && flags == 0);
            journal(writer, ops.next(), keyWidth == 8 && flags == 0);
            writer.sync();
            assertEquals(model.size(), live.size());
        }
        try (TableFile file = TableFile.create(FileDurableIO.INSTANCE, tmp.resolve("replayed.bdb"), keyWidth, valueWidth, flags, 16,
                seed, 16)) {
            GrowthMarkers markers = new GrowthMarkers();
            HashTable table = HashTable.create(file, markers);
            JournalReplayer replayer = new JournalReplayer(table, markers, journal);
            new JournalReader(FileDurableIO.INSTANCE, journal, JOURNAL).replay(0, DamagePolicy.FAIL, replayer);
            assertEquals(applied, replayer.applied());
            assertTrue(replayer.markersChecked() > 0, "the table grew while replaying");
            assertTrue(replayer.endedInsideBatch());
            assertEquals(model.size(), table.size());
            for (Map.Entry<ByteBuffer, byte[]> e : model.entrySet()) {
                byte[] key = new byte[e.getKey().remaining()];
                e.getKey().duplicate().get(key);
                assertArrayEquals(e.getValue(), table.get(key));
            }
        }
    }

    /** Runs {@code main} in a child JVM with C1 only and returns its output; the child must exit with 0. */
    private String runChild(Class<?> main) throws Exception {
        Process child = new ProcessBuilder(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-XX:TieredStopAtLevel=1", "--enable-native-access=ALL-UNNAMED", "-cp", System.getProperty("java.class.path"),
                main.getName(), tmp.toString()))
                .redirectErrorStream(true).start();
        String out = new String(child.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8).strip();
        assertEquals(0, child.waitFor(), out);
        return out;
    }

    /** Growth markers journaled by {@code writer}, as the live writer journals them. */
    private static GrowthMarkers journaledMarkers(JournalWriter writer) {
        GrowthMarkers markers = new GrowthMarkers();
        markers.live(new GrowthMarkers.Sink() {
            @Override
            public void appendMarker(JournalRecord marker) throws IOException {
                writer.append(marker);
            }

            @Override
            public void appendEvacuated(long oldBucket) throws IOException {
                writer.appendEvacuated(oldBucket);
            }
        });
        return markers;
    }

    /**
     * A child's measurement: replays {@code journal} into a fresh table in {@code dir} once to load and initialize the
     * classes (which allocates once), then again into another, and prints "replayed", the records applied, the
     * markers checked and the bytes the second replay allocated on this thread.
     */
    static void printReplayAllocation(Path dir, Path journal, long expectedEntries) throws IOException {
        var mx = (com.sun.management.ThreadMXBean) java.lang.management.ManagementFactory.getThreadMXBean();
        long me = Thread.currentThread().threadId();
        TableFile warm = TableFile.create(FileDurableIO.INSTANCE, dir.resolve("warm.bdb"), 8, 8, 16, 7, 16);
        try {
            GrowthMarkers markers = new GrowthMarkers();
            new JournalReader(FileDurableIO.INSTANCE, journal, JOURNAL).replay(0, DamagePolicy.FAIL,
                    new JournalReplayer(HashTable.create(warm, markers, expectedEntries), markers, journal));
        } finally {
            warm.closeAndTrim();
        }
        TableFile file = TableFile.create(FileDurableIO.INSTANCE, dir.resolve("child.bdb"), 8, 8, 16, 7, 16);
        try {
            GrowthMarkers markers = new GrowthMarkers();
            HashTable table = HashTable.create(file, markers, expectedEntries);
            JournalReplayer replayer = new JournalReplayer(table, markers, journal);
            JournalReader reader = new JournalReader(FileDurableIO.INSTANCE, journal, JOURNAL);
            long before = mx.getThreadAllocatedBytes(me);
            reader.replay(0, DamagePolicy.FAIL, replayer);
            long allocated = mx.getThreadAllocatedBytes(me) - before;
            System.out.println("replayed " + replayer.applied() + " " + replayer.markersChecked() + " " + allocated);
        } finally {
            file.closeAndTrim();
        }
    }

    private static void journal(JournalWriter writer, Op op, boolean longs) throws IOException {
        if (longs) {
            long key = ByteBuffer.wrap(op.key).order(java.nio.ByteOrder.LITTLE_ENDIAN).getLong();
            if (op.value == null) {
                writer.appendDeleteLong(key);
            } else {
                writer.appendPutLong(key, ByteBuffer.wrap(op.value).order(java.nio.ByteOrder.LITTLE_ENDIAN).getLong());
            }
        } else if (op.value == null) {
            writer.appendDelete(op.key);
        } else {
            writer.appendPut(op.key, op.value);
        }
    }

    private static void apply(HashTable table, Op op, Map<ByteBuffer, byte[]> model) throws IOException {
        if (op.value == null) {
            table.delete(op.key);
            model.remove(ByteBuffer.wrap(op.key));
        } else {
            table.put(op.key, op.value);
            model.put(ByteBuffer.wrap(op.key), op.value);
        }
    }

    private static byte[] le(long v) {
        return ByteBuffer.allocate(8).order(java.nio.ByteOrder.LITTLE_ENDIAN).putLong(0, v).array();
    }

    private static byte[] bytes(SplittableRandom random, int length) {
        byte[] b = new byte[length];
        random.nextBytes(b);
        return b;
    }
}
