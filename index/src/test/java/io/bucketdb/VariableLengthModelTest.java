package io.bucketdb;

import io.bucketdb.inspect.IndexInspector;
import io.bucketdb.storage.sim.CrashMode;
import io.bucketdb.storage.sim.CrashSimulator;
import io.bucketdb.storage.testkit.Seeds;
import org.apache.commons.io.FileUtils;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.*;

/**
 * Differential test of variable-length keys and values against {@link HashMap}: lengths on both
 * sides of the inline boundary (0, 1, inline - 1, inline, inline + 1, 4 KiB, 1 MiB and random ones),
 * overwrites that move a value between the slot and the heap, deletes, growth over several
 * doublings, and reopen both after a clean close and from a crash image (the process "died": the
 * journal is replayed). Every read path is used: byte[] get, into a ByteBuffer, into a
 * MemorySegment (also too small), the zero-copy function, and iteration. Tiny chunks (64 KiB)
 * put heap blocks across chunk boundaries.
 */
class VariableLengthModelTest {
    private static final int KEY_INLINE = 12;
    private static final int VALUE_INLINE = 16;

    @TempDir
    Path tmp;

    @Test
    void variableKeysAndValuesMatchHashMapAcrossInlineHeapBoundaryGrowthAndReopen() throws Exception {
        long seed = Seeds.seed();
        int ops = Seeds.torture() ? 1_000_000 : 40_000;
        Seeds.run(seed, () -> run(seed, ops, true, true));
    }

    @Test
    void variableValuesWithFixedKeysMatchHashMap() throws Exception {
        long seed = Seeds.seed();
        Seeds.run(seed, () -> run(seed, 15_000, false, true));
    }

    @Test
    void variableKeysWithFixedValuesMatchHashMap() throws Exception {
        long seed = Seeds.seed();
        Seeds.run(seed, () -> run(seed, 15_000, true, false));
    }

    private static int[] menu(int inline) {
        return new int[]{0, 1, inline - 1, inline, inline + 1, 4096};
    }

    /** Lengths: the boundary menu most of the time, else random up to 3000; 1 MiB now and then. */
    private static int length(SplittableRandom rnd, int inline, boolean allowHuge) {
        int dice = rnd.nextInt(1000);
        if (allowHuge && dice < 2) {
            return 1 << 20;
        }
        if (dice < 600) {
            int[] m = menu(inline);
            return m[rnd.nextInt(m.length)];
        }
        return rnd.nextInt(3000);
    }

    /** The key of id {@code id}: its length is a function of the id, so the same id is always the same key. */
    private static byte[] key(int id, boolean var) {
        if (!var) {
            return ModelBasedTableTest.keyBytes(id, 8);
        }
        SplittableRandom r = new SplittableRandom(id * 0x9E3779B97F4A7C15L);
        int len = r.nextInt(10) < 7 ? menu(KEY_INLINE)[r.nextInt(5)] : r.nextInt(10) == 0 ? 4096 : r.nextInt(300);
        byte[] k = new byte[len];
        r.nextBytes(k);
        if (len >= 4) { // distinct ids must give distinct keys
            k[0] = (byte) id;
            k[1] = (byte) (id >>> 8);
            k[2] = (byte) (id >>> 16);
            k[3] = (byte) (id >>> 24);
        }
        return k;
    }

    private void run(long seed, int ops, boolean varKeys, boolean varValues) throws Exception {
        SplittableRandom rnd = new SplittableRandom(seed);
        Path dir = tmp.resolve("v" + rnd.nextInt(1_000_000));
        Options base = Options.defaults().withChunking(16, 16).withHashSeed(rnd.nextLong()).withDurability(Durability.ASYNC);
        base = varKeys ? base.withVariableKeys(KEY_INLINE) : base.withKeyWidth(8);
        base = varValues ? base.withVariableValues(VALUE_INLINE) : base.withValueWidth(8);
        CrashSimulator sim = new CrashSimulator();
        Options opts = base.withDurableIO(sim);
        Map<ByteBuffer, byte[]> model = new HashMap<>();
        BucketDB db = BucketDB.open(dir, opts);
        int range = 64;
        int reopens = 0;
        int crashes = 0;
        int maxB = 0;
        try {
            for (int op = 0; op < ops; op++) {
                if (op % 5_000 == 0) {
                    // The second phase always grows the table (to B >= 8); the others jump around.
                    range = op == 5_000 ? 1 << 12 : 1 << (4 + rnd.nextInt(10));
                }
                int id = rnd.nextInt(range);
                byte[] k = key(id, varKeys);
                // Short keys collide across ids (length 0 and 1 have few values): the model sees the same.
                ByteBuffer mk = ByteBuffer.wrap(k);
                int dice = rnd.nextInt(100);
                if (dice < 45) {
                    byte[] v = new byte[varValues ? length(rnd, VALUE_INLINE, true) : 8];
                    rnd.nextBytes(v);
                    assertEquals(!model.containsKey(mk), db.put(k, v), "put new? op " + op);
                    model.put(mk, v);
                } else if (dice < 65) {
                    assertEquals(model.remove(mk) != null, db.delete(k), "delete op " + op);
                } else {
                    checkGet(db, k, model.get(mk), rnd.nextInt(4), "op " + op);
                }
                if (op % 500 == 0) {
                    assertEquals(model.size(), db.size(), "size at op " + op);
                    maxB = Math.max(maxB, db.stats().b());
                }
                if (op % 7_000 == 6_999) {
                    assertIterationMatches(db, model);
                    if (reopens++ % 2 == 0) {
                        db.close();
                        db = BucketDB.open(dir, opts);
                    } else {
                        // The process dies: every write it issued is kept, nothing is closed. Recovery replays the journal.
                        Path image = tmp.resolve("img" + crashes++);
                        sim.writeCrashImage(dir, image, CrashMode.KEEP_ALL);
                        abandon(db);
                        FileUtils.deleteDirectory(dir.toFile());
                        sim = new CrashSimulator();
                        opts = base.withDurableIO(sim);
                        dir = image;
                        db = BucketDB.open(dir, opts);
                        assertTrue(db.recovery().recordsReplayed() > 0 || model.isEmpty(), "the crash image was recovered: " + db.recovery());
                    }
                    assertEquals(model.size(), db.size(), "size after reopen");
                }
            }
            assertIterationMatches(db, model);
            for (Map.Entry<ByteBuffer, byte[]> e : model.entrySet()) {
                assertArrayEquals(e.getValue(), db.get(e.getKey().array()), "final get");
            }
            assertTrue(maxB >= 6, "the workload should grow the table past B=6, reached " + maxB);
        } finally {
            db.close();
        }
        try (IndexInspector inspector = IndexInspector.open(dir)) {
            assertEquals(List.of(), inspector.verify(), "structure, heap and page checksums after close");
        }
    }

    /** Checks one key through one of the read paths. */
    static void checkGet(BucketDB db, byte[] k, byte[] expected, int path, String where) {
        switch (path) {
            case 0 -> {
                byte[] got = db.get(k);
                if (expected == null) {
                    assertNull(got, where + ": absent key found");
                } else {
                    assertArrayEquals(expected, got, where + ": get");
                }
            }
            case 1 -> {
                ByteBuffer dst = ByteBuffer.allocate(expected == null ? 8 : expected.length + 3);
                dst.position(2);
                int n = db.get(k, dst);
                assertEquals(expected == null ? -1 : expected.length, n, where + ": length into ByteBuffer");
                if (expected != null) {
                    assertEquals(2 + expected.length, dst.position(), where + ": position advanced past the value");
                    assertEquals(ByteBuffer.wrap(expected), dst.flip().position(2), where + ": ByteBuffer contents");
                }
            }
            case 2 -> {
                // A segment one byte too small: the length comes back and nothing is written.
                long cap = expected == null || expected.length == 0 ? 4 : expected.length - 1;
                MemorySegment dst = MemorySegment.ofArray(new byte[(int) cap]);
                dst.fill((byte) 0x5A);
                long n = db.get(k, dst);
                assertEquals(expected == null ? -1 : expected.length, n, where + ": length into a small segment");
                if (expected != null && expected.length > 0) {
                    for (long i = 0; i < cap; i++) {
                        assertEquals((byte) 0x5A, dst.get(ValueLayout.JAVA_BYTE, i), where + ": nothing written when too small");
                    }
                    MemorySegment big = MemorySegment.ofArray(new byte[expected.length]);
                    assertEquals(expected.length, db.get(k, big));
                    assertArrayEquals(expected, big.toArray(ValueLayout.JAVA_BYTE), where + ": segment contents");
                }
            }
            default -> {
                byte[] got = db.get(k, v -> {
                    assertTrue(v.isReadOnly(), "the view is read-only");
                    return v.toArray(ValueLayout.JAVA_BYTE);
                });
                if (expected == null) {
                    assertNull(got, where + ": absent key seen by the function");
                } else {
                    assertArrayEquals(expected, got, where + ": function view");
                }
            }
        }
    }

    private static void assertIterationMatches(BucketDB db, Map<ByteBuffer, byte[]> model) {
        Map<ByteBuffer, ByteBuffer> seen = new HashMap<>();
        for (Map.Entry<byte[], byte[]> e : db) {
            assertNull(seen.put(ByteBuffer.wrap(e.getKey()), ByteBuffer.wrap(e.getValue())), "key returned twice by iteration");
        }
        assertEquals(model.size(), seen.size(), "iteration count");
        for (Map.Entry<ByteBuffer, byte[]> e : model.entrySet()) {
            assertEquals(ByteBuffer.wrap(e.getValue()), seen.get(e.getKey()), "iterated value");
        }
    }

    private static void abandon(BucketDB db) {
        try {
            db.close();
        } catch (Exception ignored) {
            // the crash image is already taken; closing only releases threads and the lock
        }
    }
}
