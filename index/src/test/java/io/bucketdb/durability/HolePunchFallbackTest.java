package io.bucketdb.durability;

import io.bucketdb.BucketDB;
import io.bucketdb.Durability;
import io.bucketdb.Options;
import io.bucketdb.inspect.IndexInspector;
import io.bucketdb.spi.DurableFile;
import io.bucketdb.storage.FileDurableIO;
import io.bucketdb.storage.ForwardingDurableFile;
import io.bucketdb.storage.ForwardingDurableIO;
import io.bucketdb.storage.IndexFileNames;
import io.bucketdb.storage.NativeFileOps;
import io.bucketdb.storage.TableFile;
import io.bucketdb.storage.testkit.Seeds;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.lang.foreign.ValueLayout;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.atomic.AtomicInteger;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * Issue 19's hole punching beyond what {@link HolePunchTest} covers:
 * <ul>
 *   <li>where the platform has no hole punching ({@link DurableFile#canPunchHoles} false) the index keeps the
 *       behaviour from before: free space stays allocated, every entry is found, {@code verify} is clean;</li>
 *   <li>where the file system refuses a punch it was asked for ({@code punchHole} returns false), the checkpoint
 *       writes zeros over those pages instead (their checksums already say zeros): the free pages read as zeros,
 *       {@code verify} (page checksums included) is clean, and every entry is found;</li>
 *   <li>a checkpoint that writes into punched space with room on the disk succeeds: the blocks come back, and the
 *       values written there read back after a reopen from the file alone (a clean close replays nothing).</li>
 * </ul>
 */
class HolePunchFallbackTest {
    /** Enough 8-byte keys that the copying doublings below one piece leave whole free pages (see HolePunchTest). */
    private static final int KEYS = 80_000;

    @TempDir
    Path tmp;

    @Test
    void withoutHolePunchingFreeSpaceStaysAllocatedAndTheIndexIsWhole() throws Exception {
        NoPunchIO io = new NoPunchIO(false);
        Path dir = tmp.resolve("no-punch");
        load(dir, io);
        long[] free = freePages(dir);
        assertTrue(free[0] >= 64 << 10, "free whole pages after growths: " + free[0]);
        if (NativeFileOps.isAvailable()) {
            Path table = dir.resolve(IndexFileNames.TABLE);
            long size = Files.size(table);
            long allocated = NativeFileOps.allocatedBytes(table);
            assertTrue(allocated > size - free[0], "without hole punching " + free[0] + " free bytes of a " + size
                    + "-byte table file were given back: it takes " + allocated);
        }
        checkWhole(dir, io);
    }

    @Test
    void aRefusedPunchWritesZerosOverTheFreePagesAndTheIndexVerifies() throws Exception {
        NoPunchIO io = new NoPunchIO(true);
        Path dir = tmp.resolve("refused");
        load(dir, io);
        assertTrue(io.punchCalls.get() > 0, "the checkpoint never asked for a punch");
        long[] free = freePages(dir);
        assertTrue(free[0] >= 64 << 10, "free whole pages after growths: " + free[0]);
        assertEquals(0, free[1], "non-zero longs in free pages whose punch was refused");
        checkWhole(dir, io);
    }

    @Test
    void aCheckpointWritingIntoPunchedSpaceTakesBlocksBackAndKeepsTheValues() throws Exception {
        assumeTrue(NativeFileOps.isAvailable(), "hole punching needs native access (fallocate)");
        long seed = Seeds.seed();
        Seeds.run(seed, () -> {
            Path dir = tmp.resolve("reuse");
            Path table = dir.resolve(IndexFileNames.TABLE);
            Options opts = Options.defaults().withDurability(Durability.ASYNC).withHashSeed(seed)
                    .withVariableKeys(12).withVariableValues(16)
                    .withCheckpointTriggers(1L << 40, 1L << 40, Duration.ofDays(1));
            SplittableRandom rnd = new SplittableRandom(seed);
            Map<Integer, byte[]> expected = new HashMap<>();
            try (BucketDB db = BucketDB.open(dir, opts)) {
                for (int k = 0; k < 8; k++) {
                    put(db, expected, k, value(rnd));
                }
                db.checkpoint();
                long full = NativeFileOps.allocatedBytes(table);
                for (int k = 0; k < 4; k++) {
                    db.delete(key(k));
                    expected.remove(k);
                }
                db.checkpoint(); // gives the four freed 8-page extents back
                long punched = NativeFileOps.allocatedBytes(table);
                // At least six whole pages of each freed 8-page extent (its first holds the block's start).
                assertTrue(punched <= full - 4 * 6 * 4096L, "blocks after four freed values: " + punched + " of " + full);
                check(db, expected, "after the punch");
                // Two new values reuse punched extents: the checkpoint's writes in place allocate them again.
                put(db, expected, 100, value(rnd));
                put(db, expected, 101, value(rnd));
                db.checkpoint();
                long refilled = NativeFileOps.allocatedBytes(table);
                System.out.printf("HolePunchFallbackTest: table blocks %d, after the punch %d, after writing into it %d%n",
                        full, punched, refilled);
                assertTrue(refilled >= punched + 2 * 6 * 4096L, "blocks after two values were written into punched space: "
                        + refilled + ", punched " + punched);
                check(db, expected, "after the checkpoint into punched space");
            }
            try (BucketDB db = BucketDB.open(dir, opts)) {
                assertEquals(0, db.recovery().recordsReplayed(), "a clean close replays nothing: " + db.recovery());
                check(db, expected, "reopened");
            }
            try (IndexInspector inspector = IndexInspector.open(dir)) {
                assertEquals(List.of(), inspector.verify(), "verify after writes into punched space");
            }
        });
    }

    /** Loads {@link #KEYS} keys, checkpoints (the punching one) and closes. */
    private static void load(Path dir, NoPunchIO io) throws IOException {
        try (BucketDB db = BucketDB.open(dir, Options.defaults().withDurability(Durability.ASYNC).withDurableIO(io))) {
            for (long k = 0; k < KEYS; k++) {
                db.putLong(longKey(k), k);
            }
            db.checkpoint();
        }
    }

    /** Entries, a reopen through the same I/O and {@code verify} (structure and page checksums). */
    private static void checkWhole(Path dir, NoPunchIO io) throws IOException {
        try (IndexInspector inspector = IndexInspector.open(dir)) {
            assertEquals(List.of(), inspector.verify(), "verify");
        }
        try (BucketDB db = BucketDB.open(dir, Options.defaults().withDurability(Durability.ASYNC).withDurableIO(io))) {
            assertEquals(KEYS, db.size());
            for (long k = 0; k < KEYS; k++) {
                assertEquals(k, db.getLong(longKey(k), -1), "key " + k);
            }
            for (long k = KEYS; k < KEYS + 5_000; k++) { // and it takes writes, with a checkpoint, again
                db.putLong(longKey(k), k);
            }
            db.checkpoint();
        }
        try (IndexInspector inspector = IndexInspector.open(dir)) {
            assertEquals(List.of(), inspector.verify(), "verify after more writes");
        }
    }

    /** {bytes of whole free pages, non-zero longs in them} of a closed index's table file. */
    private static long[] freePages(Path dir) throws IOException {
        long[] free = {0, 0};
        try (TableFile tf = TableFile.open(FileDurableIO.INSTANCE, dir.resolve(IndexFileNames.TABLE), false, 30)) {
            tf.allocator().freeWholePages((start, end) -> {
                free[0] += end - start;
                for (long off = start; off < end; off += 8) {
                    if (tf.mapping().segment(off).get(ValueLayout.JAVA_LONG, tf.mapping().local(off)) != 0) {
                        free[1]++;
                    }
                }
            });
        }
        return free;
    }

    /**
     * Real files that cannot punch holes: with {@code claims} they say they can and refuse each punch (a file
     * system without {@code FALLOC_FL_PUNCH_HOLE}), without it they say at once that they cannot (no native access).
     */
    private static final class NoPunchIO extends ForwardingDurableIO {
        final boolean claims;
        final AtomicInteger punchCalls = new AtomicInteger();

        NoPunchIO(boolean claims) {
            super(FileDurableIO.INSTANCE);
            this.claims = claims;
        }

        @Override
        public DurableFile open(Path file, Mode mode) throws IOException {
            return new ForwardingDurableFile(delegate.open(file, mode)) {
                @Override
                public boolean punchHole(long position, long length) {
                    punchCalls.incrementAndGet();
                    return false;
                }

                @Override
                public boolean canPunchHoles() {
                    return claims;
                }
            };
        }
    }

    private static void put(BucketDB db, Map<Integer, byte[]> expected, int k, byte[] v) {
        db.put(key(k), v);
        expected.put(k, v);
    }

    private static void check(BucketDB db, Map<Integer, byte[]> expected, String where) {
        assertEquals(expected.size(), db.size(), where);
        for (Map.Entry<Integer, byte[]> e : expected.entrySet()) {
            assertArrayEquals(e.getValue(), db.get(key(e.getKey())), where + ": key " + e.getKey());
        }
    }

    /** A value of 7 pages and a bit: a raw heap extent of 8 pages, 7 of them given back when it is freed. */
    private static byte[] value(SplittableRandom rnd) {
        byte[] v = new byte[7 * 4096 + 100];
        for (int i = 0; i < v.length; i++) {
            v[i] = (byte) rnd.nextInt();
        }
        return v;
    }

    private static byte[] key(int k) {
        return ("key-" + k).getBytes(StandardCharsets.US_ASCII);
    }

    private static long longKey(long k) {
        return k * 0x9E3779B97F4A7C15L + 1;
    }
}
