package io.bucketdb.durability;

import io.bucketdb.BucketDB;
import io.bucketdb.Durability;
import io.bucketdb.Options;
import io.bucketdb.storage.testkit.Seeds;
import io.bucketdb.inspect.IndexInspector;
import io.bucketdb.storage.FileDurableIO;
import io.bucketdb.storage.IndexFileNames;
import io.bucketdb.storage.NativeFileOps;
import io.bucketdb.storage.TableFile;
import io.bucketdb.storage.sim.CrashSimulator;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.lang.foreign.ValueLayout;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * Issue 19: checkpoints give the whole pages of free extents back to the file system (punched holes). The
 * punched pages read as zeros through the table's private mapping, {@code verify} accepts them, a checkpoint
 * that writes into them again allocates (and on a full disk fails without losing an acknowledged write), and
 * a power loss at any operation of a punching checkpoint leaves an index that opens with every write.
 */
class HolePunchTest {
    private Path tmp;

    @BeforeEach
    void scratch() throws IOException {
        tmp = Fixtures.scratch("bucketdb-hole-punch");
    }

    @AfterEach
    void deleteScratch() throws IOException {
        Fixtures.delete(tmp);
    }

    @Test
    void freeSpaceIsGivenBackReadsAsZerosThroughTheMappingAndVerifies() throws Exception {
        assumeTrue(NativeFileOps.isAvailable(), "hole punching needs native access (fallocate)");
        Path dir = tmp.resolve("idx");
        // B grows to 14. Since format version 7 the doublings of whole pieces (from B = 10 on) split in place and free
        // no array; the arrays of the copying doublings below one piece (B <= 9, about 150 KiB) are free.
        int n = 80_000;
        try (BucketDB db = BucketDB.open(dir, Options.defaults().withDurability(Durability.ASYNC))) {
            for (long k = 0; k < n; k++) {
                db.putLong(key(k), k);
            }
        }
        Path table = dir.resolve(IndexFileNames.TABLE);
        long size = Files.size(table);
        long allocated = NativeFileOps.allocatedBytes(table);
        long[] free = {0, 0};
        try (TableFile tf = TableFile.open(FileDurableIO.INSTANCE, table, false, 30)) {
            tf.allocator().freeWholePages((start, end) -> {
                free[0] += end - start;
                for (long off = start; off < end; off += 8) {
                    if (tf.mapping().segment(off).get(ValueLayout.JAVA_LONG, tf.mapping().local(off)) != 0) {
                        free[1]++;
                    }
                }
            });
        }
        assertTrue(free[0] >= 64 << 10, "free whole pages after growths: " + free[0]);
        assertEquals(0, free[1], "non-zero longs in the free pages of a cleanly closed index");
        assertTrue(allocated >= 0 && allocated <= size - free[0],
                "table file of " + size + " bytes with " + free[0] + " free bytes given back takes " + allocated + " bytes");
        try (IndexInspector inspector = IndexInspector.open(dir)) {
            assertEquals(List.of(), inspector.verify(), "verify of an index with punched free space");
        }
        try (BucketDB db = BucketDB.open(dir, Options.defaults().withDurability(Durability.ASYNC))) {
            assertEquals(n, db.size());
            for (long k = 0; k < n; k++) {
                assertEquals(k, db.getLong(key(k), -1), "key " + k);
            }
        }
    }

    @Test
    void aCheckpointWritingIntoPunchedSpaceFailsOnAFullDiskAndLosesNothingOnceSpaceIsBack() throws Exception {
        assumeTrue(NativeFileOps.isAvailable(), "hole punching needs native access (fallocate)");
        long seed = Seeds.seed();
        Seeds.run(seed, () -> {
            Path dir = tmp.resolve("full");
            CrashSimulator sim = new CrashSimulator(seed);
            Options opts = largeValueOptions(sim, seed);
            SplittableRandom rnd = new SplittableRandom(seed);
            Map<Integer, byte[]> acknowledged = new HashMap<>();
            BucketDB db = BucketDB.open(dir, opts);
            try {
                for (int k = 0; k < 8; k++) {
                    put(db, acknowledged, k, value(rnd));
                }
                db.checkpoint(); // the largest batch: the double-write file keeps its size from here on
                for (int k = 0; k < 4; k++) {
                    db.delete(keyBytes(k));
                    acknowledged.remove(k);
                }
                db.checkpoint(); // the four freed value blocks are given back
                db.checkpoint(); // both page checksum files now as long as they get
                long sizes = sizes(dir);
                assertTrue(sim.spaceUsed() <= sizes - 4 * 7 * 4096L,
                        "space used " + sim.spaceUsed() + " of " + sizes + " bytes after four 8-page blocks were freed");
                // The disk is full now. Two new values reuse two punched blocks: the journal appends into its
                // allocated segment, the writer into private memory; the checkpoint's write in place must allocate.
                sim.limitSpace(sim.spaceUsed());
                put(db, acknowledged, 100, value(rnd));
                put(db, acknowledged, 101, value(rnd));
                BucketDB full = db;
                RuntimeException e = assertThrows(RuntimeException.class, full::checkpoint);
                String chain = causes(e);
                assertTrue(chain.contains("No space left on device") && chain.contains(IndexFileNames.TABLE),
                        "the checkpoint failed on the table file's full disk: " + chain);
            } finally {
                Fixtures.abandon(db);
            }
            sim.unlimitSpace();
            try (BucketDB reopened = BucketDB.open(dir, opts)) {
                check(reopened, acknowledged, "reopened with space back");
                reopened.checkpoint();
            }
            try (IndexInspector inspector = IndexInspector.open(dir)) {
                assertEquals(List.of(), inspector.verify(), "verify after the failed checkpoint and a reopen");
            }
        });
    }

    @Test
    void aPowerLossAtEveryOperationOfAPunchingCheckpointLeavesEveryWrite() throws Exception {
        long seed = Seeds.seed();
        Seeds.run(seed, () -> {
            int keys = 3_000; // B = 9: the freed arrays of B <= 8 span whole pages past their first
            Run counted = workload(seed, keys, -1);
            long before = counted.before();
            long after = counted.after();
            assertTrue(after - before > 5, "operations of the final checkpoint: " + (after - before));
            long states = 0;
            for (long op = before; op < after; op++) {
                CrashSimulator sim = workload(seed, keys, op).sim();
                assertTrue(sim.crashed(), "crash at operation " + (op + 1));
                for (int which = 0; which < 6; which++) {
                    Path image = tmp.resolve("image");
                    String how = Fixtures.image(sim, tmp.resolve("crash"), image, which, seed * 31 + op * 7 + which);
                    String where = "power loss at operation " + (op + 1) + " of " + after + " (" + how + ", seed " + seed + ")";
                    try (BucketDB recovered = BucketDB.open(image, Fixtures.imageOptions())) {
                        assertEquals(keys, recovered.size(), where);
                        for (long k = 0; k < keys; k++) {
                            assertEquals(k, recovered.getLong(key(k), -1), where + ": key " + k);
                        }
                        Fixtures.checksumsKept(recovered, where);
                    } catch (IOException | RuntimeException e) {
                        throw new AssertionError(where + ": recovery failed: " + e, e);
                    }
                    try (IndexInspector inspector = IndexInspector.open(image)) {
                        assertEquals(List.of(), inspector.verify(), where + ": verify after recovery");
                    }
                    Fixtures.delete(image);
                    states++;
                }
                Fixtures.delete(tmp.resolve("crash"));
            }
            System.out.printf("HolePunchTest: %d crash points in a punching checkpoint, %d images recovered (seed %d)%n",
                    after - before, states, seed);
        });
    }

    /** A workload's simulator and its operation counts before and after the final checkpoint. */
    private record Run(CrashSimulator sim, long before, long after) {
    }

    /**
     * Loads {@code keys} keys with checkpoints off, then checkpoints once: that checkpoint gives back every free
     * page. {@code crashAt} -1 runs it whole, otherwise the simulator crashes after that operation (which must lie
     * in the checkpoint).
     */
    private Run workload(long seed, int keys, long crashAt) throws IOException {
        Path dir = tmp.resolve("crash");
        Fixtures.delete(dir);
        CrashSimulator sim = new CrashSimulator(seed);
        Options opts = CrashRecoveryTest.crashOptions(sim, seed)
                .withCheckpointTriggers(1L << 40, 1L << 40, Duration.ofDays(1))
                .withJournalSegmentSize(4 << 20).withJournalBufferSize(64 * 1024);
        BucketDB db = BucketDB.open(dir, opts);
        try {
            for (long k = 0; k < keys; k++) {
                db.putLong(key(k), k);
            }
            long before = sim.operationCount();
            if (crashAt >= 0) {
                sim.crashAfter(crashAt);
            }
            try {
                db.checkpoint();
                if (crashAt >= 0) {
                    fail("no crash at operation " + (crashAt + 1));
                }
            } catch (RuntimeException e) {
                if (crashAt < 0 || !sim.crashed()) {
                    throw e;
                }
            }
            long after = sim.operationCount();
            if (crashAt < 0) {
                assertTrue(sim.spaceUsed() < sizes(dir), "the checkpoint punched no hole: " + sim.spaceUsed()
                        + " bytes used of " + sizes(dir));
            }
            return new Run(sim, before, after);
        } finally {
            Fixtures.abandon(db);
            if (crashAt < 0) {
                Fixtures.delete(dir);
            }
        }
    }

    private static Options largeValueOptions(CrashSimulator sim, long seed) {
        return CrashRecoveryTest.crashOptions(sim, seed)
                .withVariableKeys(12)
                .withVariableValues(16)
                .withCheckpointTriggers(1L << 40, 1L << 40, Duration.ofDays(1))
                .withJournalSegmentSize(4 << 20).withJournalBufferSize(256 * 1024);
    }

    /** A value of 7 pages and a bit: a raw heap extent of 8 pages, 7 of them given back when it is freed. */
    private static byte[] value(SplittableRandom rnd) {
        byte[] v = new byte[7 * 4096 + 100];
        for (int i = 0; i < v.length; i++) {
            v[i] = (byte) rnd.nextInt();
        }
        return v;
    }

    private static void put(BucketDB db, Map<Integer, byte[]> acknowledged, int k, byte[] v) {
        db.put(keyBytes(k), v);
        acknowledged.put(k, v);
    }

    private static void check(BucketDB db, Map<Integer, byte[]> acknowledged, String where) {
        assertEquals(acknowledged.size(), db.size(), where);
        for (Map.Entry<Integer, byte[]> e : acknowledged.entrySet()) {
            assertArrayEquals(e.getValue(), db.get(keyBytes(e.getKey())), where + ": key " + e.getKey());
        }
    }

    private static byte[] keyBytes(int k) {
        return ("key-" + k).getBytes(java.nio.charset.StandardCharsets.US_ASCII);
    }

    private static long key(long k) {
        return k * 0x9E3779B97F4A7C15L + 1;
    }

    /** The sizes of the files the simulator counts: all but the lock file, which the index writes directly. */
    private static long sizes(Path dir) throws IOException {
        try (var files = Files.walk(dir)) {
            return files.filter(Files::isRegularFile).filter(f -> !f.getFileName().toString().equals("LOCK"))
                    .mapToLong(f -> f.toFile().length()).sum();
        }
    }

    private static String causes(Throwable e) {
        StringBuilder sb = new StringBuilder();
        for (Throwable t = e; t != null; t = t.getCause()) {
            sb.append(t).append(" <- ");
        }
        return sb.toString() + Arrays.toString(e.getSuppressed());
    }
}
