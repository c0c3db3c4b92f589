package io.bucketdb;

import io.bucketdb.pipeline.BulkFlush;
import io.bucketdb.storage.IndexFileNames;
import io.bucketdb.storage.sim.CrashMode;
import io.bucketdb.storage.sim.CrashSimulator;
import io.bucketdb.storage.sim.Operation;
import io.bucketdb.storage.testkit.Seeds;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.UncheckedIOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicReference;

import static org.junit.jupiter.api.Assertions.*;

/** {@link BulkLoad}: every edge of a flush, the byte path, refusals, replay and the caller's allocations. */
class BulkLoadTest {
    private static final int GROUP = BulkFlush.GROUP;

    @TempDir
    Path tmp;

    private static Options async() {
        return Options.defaults().withDurability(Durability.ASYNC);
    }

    @Test
    void anEmptyFlushWritesNothingAndOneEntryIsWritten() throws Exception {
        try (BucketDB db = BucketDB.open(tmp.resolve("a"), async()); BulkLoad load = db.bulkLoad(16)) {
            long groups = db.batchSizes().batches();
            assertEquals(0, load.flush());
            assertEquals(0, db.size());
            assertEquals(groups, db.batchSizes().batches(), "an empty flush publishes nothing");
            assertEquals(0, load.putAllLong(new long[0], new long[0], 0, 0));
            load.putLong(7, 70);
            assertEquals(1, load.buffered());
            assertEquals(-1, db.getLong(7, -1), "buffered, not written");
            assertEquals(1, load.flush());
            assertEquals(0, load.buffered());
            assertEquals(70, db.getLong(7, -1));
            assertEquals(1, db.size());
        }
    }

    @Test
    void aKeyRepeatedInAFlushEndsWithItsLastValue() throws Exception {
        try (BucketDB db = BucketDB.open(tmp.resolve("d"), async()); BulkLoad load = db.bulkLoad(100)) {
            db.putLong(1, 10);
            load.putLong(1, 11);
            load.putLong(2, 20);
            load.putLong(1, 12);
            load.putLong(2, 21);
            load.putLong(3, 30);
            assertEquals(2, load.flush(), "keys 2 and 3 are new, key 1 was there");
            assertEquals(12, db.getLong(1, -1));
            assertEquals(21, db.getLong(2, -1));
            assertEquals(30, db.getLong(3, -1));
            assertEquals(3, db.size());
            // Across the group boundary of one putAllLong: the later group's value wins.
            long[] keys = new long[GROUP + 2];
            long[] values = new long[GROUP + 2];
            for (int i = 0; i < keys.length; i++) {
                keys[i] = i < GROUP ? 100 + i : 100;
                values[i] = i;
            }
            assertEquals(GROUP, load.putAllLong(keys, values, 0, keys.length));
            assertEquals(GROUP + 1, db.getLong(100, -1));
        }
    }

    @Test
    void aLargeLoadIsWrittenInBoundedGroupsAndReplays() throws Exception {
        Path dir = tmp.resolve("l");
        Path image = tmp.resolve("l-image");
        int n = 3 * GROUP + 17;
        // Checkpoints off, and the image of a process killed before close: its open replays every entry from the journal.
        CrashSimulator sim = new CrashSimulator();
        Options o = async().withDurableIO(sim).withCheckpointTriggers(Long.MAX_VALUE, Long.MAX_VALUE, java.time.Duration.ofDays(1));
        try (BucketDB db = BucketDB.open(dir, o)) {
            BatchSizes before = db.batchSizes();
            try (BulkLoad load = db.bulkLoad(n + 5)) {
                for (long k = 0; k < n; k++) {
                    load.putLong(k * 7919, k);
                }
                assertEquals(n, load.flush());
            }
            BatchSizes groups = db.batchSizes().since(before);
            assertEquals(4, groups.batches(), "a flush of " + n + " entries in groups of at most " + GROUP);
            assertEquals(n, groups.writes());
            // The auto-flush of a full buffer, and putAllLong from the caller's arrays.
            try (BulkLoad load = db.bulkLoad(1000)) {
                for (long k = n; k < 2L * n; k++) {
                    load.putLong(k * 7919, k);
                }
                assertEquals(n % 1000, load.buffered());
                long[] keys = new long[n];
                long[] values = new long[n];
                for (int i = 0; i < n; i++) {
                    keys[i] = (2L * n + i) * 7919;
                    values[i] = 2L * n + i;
                }
                assertEquals(n - 10, load.putAllLong(keys, values, 10, n));
                assertEquals(0, load.buffered(), "putAllLong flushes the buffer first");
                assertEquals(2L * n - 10, load.added(), "this loader's new keys");
            }
            assertEquals(3L * n - 10, db.size());
            sim.writeCrashImage(dir, image, CrashMode.KEEP_ALL);
        }
        try (BucketDB db = BucketDB.open(image, async())) {
            assertTrue(db.recovery().recordsReplayed() >= 3L * n - 10, "the entries came back from the journal: " + db.recovery());
            assertEquals(3L * n - 10, db.size());
            for (long k = 0; k < 3L * n; k++) {
                boolean written = k < 2L * n || k >= 2L * n + 10;
                assertEquals(written ? k : -1, db.getLong(k * 7919, -1), "key number " + k);
            }
        }
    }

    @Test
    void byteEntriesAreCopiedCheckedAndWrittenInOrder() throws Exception {
        Options o = async().withKeyWidth(16).withValueWidth(24);
        try (BucketDB db = BucketDB.open(tmp.resolve("b"), o); BulkLoad load = db.bulkLoad(3)) {
            byte[] key = new byte[16];
            byte[] value = new byte[24];
            for (int i = 0; i < 10; i++) {
                key[0] = (byte) i;
                value[5] = (byte) (i + 1);
                load.put(key, value); // the same arrays each time: the loader copies
            }
            assertThrows(IllegalArgumentException.class, () -> load.put(new byte[15], new byte[24]));
            assertThrows(IllegalArgumentException.class, () -> load.put(new byte[16], new byte[8]));
            assertThrows(IllegalArgumentException.class, () -> load.putLong(1, 2), "no long path for 16/24");
            assertEquals(1, load.buffered(), "refused entries are not buffered");
            load.flush();
            assertEquals(10, db.size());
            for (int i = 0; i < 10; i++) {
                key[0] = (byte) i;
                assertEquals(i + 1, db.get(key)[5]);
            }
            // A bad entry in the middle of a putAll: nothing of that call is written or buffered.
            byte[][] keys = new byte[5][];
            byte[][] values = new byte[5][];
            for (int i = 0; i < 5; i++) {
                keys[i] = new byte[16];
                keys[i][1] = (byte) (i + 1);
                values[i] = new byte[24];
            }
            keys[3] = new byte[17];
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> load.putAll(keys, values, 0, 5));
            assertTrue(e.getMessage().contains("entry 3"), e.getMessage());
            values[3] = null;
            keys[3] = new byte[16];
            keys[3][1] = 4;
            assertThrows(NullPointerException.class, () -> load.putAll(keys, values, 0, 5));
            assertEquals(0, load.buffered());
            assertEquals(10, db.size());
            values[3] = new byte[24];
            load.putAll(keys, values, 0, 5);
            load.flush();
            assertEquals(15, db.size());
        }
    }

    @Test
    void variableLengthEntriesGrowTheBuffer() throws Exception {
        Options o = async().withVariableKeys(8).withVariableValues(8);
        Map<String, byte[]> model = new HashMap<>();
        SplittableRandom rnd = new SplittableRandom(Seeds.seed());
        try (BucketDB db = BucketDB.open(tmp.resolve("v"), o); BulkLoad load = db.bulkLoad(50)) {
            for (int i = 0; i < 400; i++) {
                byte[] k = ("key-" + rnd.nextInt(300)).getBytes();
                byte[] v = new byte[rnd.nextInt(2000)];
                rnd.nextBytes(v);
                load.put(k, v);
                model.put(new String(k), v);
            }
            load.flush();
            assertEquals(model.size(), db.size());
            model.forEach((k, v) -> assertArrayEquals(v, db.get(k.getBytes()), k));
        }
    }

    @Test
    void longIndexTakesByteEntriesAsLittleEndianLongs() throws Exception {
        try (BucketDB db = BucketDB.open(tmp.resolve("le"), async()); BulkLoad load = db.bulkLoad(4)) {
            load.put(Codec.LONG.encode(5L), Codec.LONG.encode(55L));
            load.putLong(6, 66);
            load.flush();
            assertEquals(55, db.getLong(5, -1));
            assertArrayEquals(Codec.LONG.encode(66L), db.get(Codec.LONG.encode(6L)));
        }
    }

    @Test
    void closedAndReadOnlyIndexesAndClosedLoadersRefuse() throws Exception {
        Path dir = tmp.resolve("c");
        BucketDB db = BucketDB.open(dir, async());
        BulkLoad load = db.bulkLoad(8);
        load.putLong(1, 1);
        load.close();
        load.close(); // idempotent
        assertEquals(1, db.getLong(1, -1), "close flushes");
        assertThrows(IllegalStateException.class, () -> load.putLong(2, 2));
        assertThrows(IllegalStateException.class, load::flush);
        BulkLoad open = db.bulkLoad(8);
        open.putLong(3, 3);
        db.close();
        assertThrows(IllegalStateException.class, () -> db.bulkLoad(8));
        IllegalStateException e = assertThrows(IllegalStateException.class, open::flush);
        assertEquals(0, open.buffered(), "a refused flush leaves the loader empty");
        try (BucketDB view = BucketDB.open(dir, async().withReadOnly(true))) {
            assertThrows(IllegalStateException.class, () -> view.bulkLoad(8), "read-only");
            assertEquals(-1, view.getLong(3, -1), "nothing of the refused flush reached the index: " + e);
        }
        try (BucketDB again = BucketDB.open(dir, async())) {
            assertThrows(IllegalArgumentException.class, () -> again.bulkLoad(0));
            BulkLoad other = again.bulkLoad(2);
            AtomicReference<Throwable> fromOtherThread = new AtomicReference<>();
            Thread t = new Thread(() -> {
                try {
                    other.putLong(9, 9);
                    other.flush();
                } catch (Throwable x) {
                    fromOtherThread.set(x);
                }
            });
            t.start();
            t.join();
            assertInstanceOf(IllegalStateException.class, fromOtherThread.get(), "a loader belongs to the thread that made it");
            assertEquals(-1, again.getLong(9, -1));
        }
    }

    /**
     * A range outside either array (arrays of different lengths, a negative start, an end before the start) and null
     * arrays are refused before anything is written or flushed: the entries buffered before stay buffered.
     */
    @Test
    void badRangesAndNullArraysWriteNothing() throws Exception {
        try (BucketDB db = BucketDB.open(tmp.resolve("ranges"), async())) {
            BulkLoad load = db.bulkLoad(8);
            load.putLong(1, 10);
            long[] three = {100, 101, 102};
            long[] two = {200, 201};
            assertThrows(IndexOutOfBoundsException.class, () -> load.putAllLong(three, two, 0, 3), "values shorter than the range");
            assertThrows(IndexOutOfBoundsException.class, () -> load.putAllLong(two, three, 0, 3), "keys shorter than the range");
            assertThrows(IndexOutOfBoundsException.class, () -> load.putAllLong(three, three, -1, 2));
            assertThrows(IndexOutOfBoundsException.class, () -> load.putAllLong(three, three, 2, 1));
            assertThrows(NullPointerException.class, () -> load.putAllLong(null, three, 0, 1));
            assertThrows(NullPointerException.class, () -> load.putAllLong(three, null, 0, 1));
            byte[][] keys = {new byte[8], new byte[8]};
            assertThrows(IndexOutOfBoundsException.class, () -> load.putAll(keys, new byte[1][], 0, 2));
            assertEquals(1, load.buffered(), "nothing flushed");
            assertEquals(0, db.size(), "nothing written");
            assertEquals(1, load.putAllLong(three, two, 1, 2), "a range within both arrays is written");
            load.close();
            assertEquals(10, db.getLong(1, -1));
            assertEquals(201, db.getLong(101, -1));
            assertEquals(2, db.size());
        }
    }

    /**
     * A flush or close from a thread other than the loader's is refused before it touches the buffer: the owner's
     * buffered entries stay buffered (not dropped by the refused flush), the loader stays open, and the owner's own
     * flush writes them.
     */
    @Test
    void aFlushOrCloseFromAnotherThreadKeepsTheOwnersEntries() throws Exception {
        try (BucketDB db = BucketDB.open(tmp.resolve("owner"), async())) {
            BulkLoad load = db.bulkLoad(8);
            load.putLong(1, 10);
            load.putLong(2, 20);
            Throwable[] thrown = new Throwable[2];
            Thread other = new Thread(() -> {
                try {
                    load.flush();
                } catch (Throwable t) {
                    thrown[0] = t;
                }
                try {
                    load.close();
                } catch (Throwable t) {
                    thrown[1] = t;
                }
            });
            other.start();
            other.join();
            assertInstanceOf(IllegalStateException.class, thrown[0], "flush from another thread");
            assertInstanceOf(IllegalStateException.class, thrown[1], "close from another thread");
            assertEquals(2, load.buffered(), "the refused calls kept the owner's entries");
            load.putLong(3, 30);
            load.close();
            assertEquals(10, db.getLong(1, -1));
            assertEquals(20, db.getLong(2, -1));
            assertEquals(30, db.getLong(3, -1));
        }
    }

    @Test
    void aJournalFailureFailsTheFlushAndTurnsTheIndexReadOnly() throws Exception {
        CrashSimulator sim = new CrashSimulator();
        Options o = Options.defaults().withDurability(Durability.SYNC).withDurableIO(sim);
        try (BucketDB db = BucketDB.open(tmp.resolve("f"), o); BulkLoad load = db.bulkLoad(4 * GROUP)) {
            db.putLong(-1, -1);
            long[] count = {0};
            // The third journal force from now fails: the flush's third group (SYNC forces each group; its frames go
            // into the segment's mapping, which is no operation).
            sim.failWhen(op -> op.kind() == Operation.Kind.FORCE
                    && op.path().getFileName().toString().startsWith(IndexFileNames.JOURNAL_PREFIX) && ++count[0] == 3);
            for (long k = 0; k < 4 * GROUP; k++) {
                load.putLong(k, k);
            }
            UncheckedIOException e = assertThrows(UncheckedIOException.class, load::flush);
            assertTrue(e.getMessage().contains("after 2 of its 4 groups"), e.getMessage());
            assertEquals(0, load.buffered());
            assertEquals(2 * GROUP, db.getLong(2L * GROUP - 1, -1) + 1, "the groups before the failure are applied");
            assertEquals(-1, db.getLong(2L * GROUP, -1), "the failed group is not");
            assertEquals(-1, db.getLong(4L * GROUP - 1, -1), "nor any after it");
            load.putLong(1, 2);
            IllegalStateException refused = assertThrows(IllegalStateException.class, load::flush);
            assertTrue(refused.getMessage().contains("read-only after an I/O failure"), refused.getMessage());
            assertThrows(IllegalStateException.class, () -> db.bulkLoad(1));
        } catch (java.io.IOException expected) {
            // close reports the failure nobody else saw; here the flush saw it
        }
    }

    @Test
    void aWriterBesideALargeFlushIsAcknowledgedAndKept() throws Exception {
        try (BucketDB db = BucketDB.open(tmp.resolve("o"), async()); BulkLoad load = db.bulkLoad(64 * GROUP)) {
            for (long k = 0; k < 64 * GROUP; k++) {
                load.putLong(k, k);
            }
            CountDownLatch started = new CountDownLatch(1);
            AtomicReference<Long> sizeSeenByOther = new AtomicReference<>();
            Thread other = new Thread(() -> {
                started.countDown();
                db.putLong(-5, 5); // lands between two groups of the flush (BulkGroupsTest shows where)
                sizeSeenByOther.set(db.size());
            });
            other.start();
            started.await();
            load.flush();
            other.join();
            assertEquals(5, db.getLong(-5, -1));
            assertEquals(64L * GROUP + 1, db.size());
            assertNotNull(sizeSeenByOther.get());
        }
    }

    @Test
    void theCallersThreadAllocatesNothingPerEntry() throws Exception {
        var mx = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        long me = Thread.currentThread().threadId();
        // No checkpoint triggers: the writer role's holder begins a checkpoint, and that allocates the list of the
        // dirty pages it snapshots (about 80 KiB here), per checkpoint and not per entry; whether one falls on this
        // thread depends on which thread held the role when a trigger fired, which made the test fail when run alone.
        Options noCheckpoints = async().withCheckpointTriggers(Long.MAX_VALUE, Long.MAX_VALUE, Duration.ofDays(1));
        try (BucketDB db = BucketDB.open(tmp.resolve("m"), noCheckpoints); BulkLoad load = db.bulkLoad(10_000)) {
            long[] keys = new long[10_000];
            long[] values = new long[10_000];
            for (int round = 0; round < 30; round++) { // warm-up, so the JIT has compiled the paths
                for (int i = 0; i < 10_000; i++) {
                    load.putLong(round * 1_000_000L + i, i);
                    keys[i] = -(round * 1_000_000L + i) - 1;
                }
                load.putAllLong(keys, values, 0, keys.length);
            }
            int n = 400_000;
            long before = mx.getThreadAllocatedBytes(me);
            for (int i = 0; i < n; i++) {
                load.putLong(1_000_000_000L + i * 31L, i); // new keys: the table grows meanwhile
            }
            for (int round = 0; round < 10; round++) {
                for (int i = 0; i < 10_000; i++) {
                    keys[i] = 2_000_000_000L + round * 10_000L + i;
                }
                load.putAllLong(keys, values, 0, keys.length);
            }
            load.flush();
            long allocated = mx.getThreadAllocatedBytes(me) - before;
            assertEquals(30 * 20_000L + n + 100_000, db.size());
            // Under one byte per entry: the smallest object per entry would be 16 bytes. What a run alone allocates here
            // (about 190 KiB) is, in JFR's allocation events, mostly the JVM generating lambda and method-handle classes
            // for code first used in this window (LambdaMetafactory, InvokerBytecodeGenerator), plus a boxed count per
            // flush: nothing that grows with the entries.
            int entries = n + 100_000;
            assertTrue(allocated < entries, "the loader's thread allocated " + allocated + " bytes for " + entries
                    + " entries: more than nothing per entry");
        }
    }

    /**
     * The byte path's promise: {@link BulkLoad#put(byte[], byte[])} and {@link BulkLoad#putAll} allocate nothing per
     * entry on the caller's thread, also in the flushes it leads (the journal's records of the group and their apply).
     * A capturing lambda per checked entry and two segment slices per journaled entry once broke it: 33 bytes each.
     */
    @Test
    void theCallersThreadAllocatesNothingPerByteEntry() throws Exception {
        var mx = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        long me = Thread.currentThread().threadId();
        Options noCheckpoints = async().withKeyWidth(16).withValueWidth(16)
                .withCheckpointTriggers(Long.MAX_VALUE, Long.MAX_VALUE, Duration.ofDays(1)); // as in the test above
        try (BucketDB db = BucketDB.open(tmp.resolve("b"), noCheckpoints); BulkLoad load = db.bulkLoad(10_000)) {
            byte[] key = new byte[16];
            byte[] value = new byte[16];
            byte[][] keys = new byte[1_000][16];
            byte[][] values = new byte[1_000][16];
            long next = 0;
            for (int round = 0; round < 30; round++) { // warm-up, so the JIT has compiled the paths
                for (int i = 0; i < 10_000; i++) {
                    putKey(key, next++);
                    load.put(key, value);
                }
                for (byte[] k : keys) {
                    putKey(k, next++);
                }
                load.putAll(keys, values, 0, keys.length);
            }
            int n = 400_000;
            long before = mx.getThreadAllocatedBytes(me);
            for (int i = 0; i < n; i++) {
                putKey(key, next++); // new keys: the table grows meanwhile
                load.put(key, value);
            }
            for (int round = 0; round < 100; round++) {
                for (byte[] k : keys) {
                    putKey(k, next++);
                }
                load.putAll(keys, values, 0, keys.length);
            }
            load.flush();
            long allocated = mx.getThreadAllocatedBytes(me) - before;
            assertEquals(next, db.size());
            int entries = n + 100_000;
            assertTrue(allocated < entries, "the loader's thread allocated " + allocated + " bytes for " + entries
                    + " byte entries: more than nothing per entry");
        }
    }

    /** Writes {@code k} into the first 8 bytes of {@code key}, little-endian, without allocating. */
    private static void putKey(byte[] key, long k) {
        for (int i = 0; i < Long.BYTES; i++) {
            key[i] = (byte) (k >>> (8 * i));
        }
    }
}
