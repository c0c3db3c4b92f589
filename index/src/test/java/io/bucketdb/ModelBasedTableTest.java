package io.bucketdb;

import io.bucketdb.storage.testkit.Seeds;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.*;

/**
 * Differential test against {@link HashMap}: a long random mix of put, overwrite, get, delete,
 * full iteration and close/reopen, over key ranges that grow and shrink so the table doubles
 * several times and packs its chains with same-size growth. Tiny chunks (64 KiB) make buckets and
 * overflow pages land next to chunk boundaries all the time.
 */
class ModelBasedTableTest {
    @TempDir
    Path tmp;

    @Test
    void longTableMatchesHashMapAcrossGrowthAndReopen() throws Exception {
        long seed = Seeds.seed();
        int ops = Seeds.torture() ? 20_000_000 : 1_200_000;
        Seeds.run(seed, () -> runLong(seed, ops));
    }

    @Test
    void wideKeysMatchHashMapAcrossGrowthAndReopen() throws Exception {
        long seed = Seeds.seed();
        int ops = Seeds.torture() ? 5_000_000 : 300_000;
        Seeds.run(seed, () -> runBytes(seed, ops, 16, 24));
    }

    /** 100-byte values kept out of line in the value heap (issue 19), the default for that width. */
    @Test
    void outOfLineValuesMatchHashMapAcrossGrowthAndReopen() throws Exception {
        long seed = Seeds.seed();
        int ops = Seeds.torture() ? 3_000_000 : 150_000;
        Seeds.run(seed, () -> runBytes(seed, ops, 16, 100));
    }

    /** The widths right at the default threshold: 92-byte values stay in the slots, 93-byte ones go to the heap. */
    @Test
    void valuesAtTheOutOfLineThresholdMatchHashMap() throws Exception {
        long seed = Seeds.seed();
        Seeds.run(seed, () -> {
            runBytes(seed, 60_000, 16, 92);
            runBytes(seed, 60_000, 16, 93);
        });
    }

    @Test
    void oddWidthsMatchHashMap() throws Exception {
        long seed = Seeds.seed();
        Seeds.run(seed, () -> runBytes(seed, 100_000, 3, 5));
    }

    private void runLong(long seed, int ops) throws Exception {
        SplittableRandom rnd = new SplittableRandom(seed);
        Path dir = tmp.resolve("long");
        Options opts = Options.defaults().withChunking(16, 16).withHashSeed(rnd.nextLong()).withDurability(Durability.ASYNC);
        Map<Long, Long> model = new HashMap<>();
        BucketDB db = BucketDB.open(dir, opts);
        int range = 1000;
        int maxB = 0;
        int sameSizeSeen = 0;
        long[] churnKeys = null;
        try {
            for (int op = 0; op < ops; op++) {
                if (op % 100_000 == 0) {
                    // New phase: the live key range jumps, so the table grows, or churns at a small size. The
                    // phase from op 200,000 always spans 32k-256k keys, so every seed grows the table past B=10
                    // (a seed whose phases all stayed under 4k keys once reached only B=9).
                    range = op == 200_000 ? 1 << (15 + rnd.nextInt(4)) : 1 << (4 + rnd.nextInt(15));
                }
                // The first 150k operations churn at a steady count near the load factor while the table is
                // small: a fresh key replaces a live one, which leaves overflow buckets behind (Go frees them
                // only by growing) until a same-size growth packs them. Later phases grow the table.
                if (op < 150_000) {
                    if (churnKeys == null) {
                        churnKeys = new long[400];
                        for (int i = 0; i < churnKeys.length; i++) {
                            churnKeys[i] = rnd.nextLong();
                            db.putLong(churnKeys[i], i);
                            model.put(churnKeys[i], (long) i);
                        }
                    }
                    int i = rnd.nextInt(churnKeys.length);
                    assertEquals(model.remove(churnKeys[i]) != null, db.deleteLong(churnKeys[i]), "churn delete");
                    churnKeys[i] = rnd.nextLong();
                    long v = rnd.nextLong();
                    assertEquals(model.put(churnKeys[i], v) == null, db.putLong(churnKeys[i], v), "churn put");
                    Growth g = db.growth();
                    if (g.growing() && g.sameSizeGrowth()) {
                        sameSizeSeen++;
                    }
                    continue;
                }
                long key = rnd.nextInt(range) * 0x9E3779B97F4A7C15L;
                int dice = rnd.nextInt(100);
                if (dice < 45) {
                    long value = rnd.nextLong();
                    boolean fresh = db.putLong(key, value);
                    assertEquals(!model.containsKey(key), fresh, "put of " + key + " new?");
                    model.put(key, value);
                } else if (dice < 70) {
                    boolean had = db.deleteLong(key);
                    assertEquals(model.remove(key) != null, had, "delete of " + key);
                } else {
                    Long expected = model.get(key);
                    long got = db.getLong(key, Long.MIN_VALUE);
                    assertEquals(expected == null ? Long.MIN_VALUE : expected, got, "get of " + key + " at op " + op);
                    assertEquals(expected != null, db.containsLong(key));
                }
                if (op % 1000 == 0) {
                    assertEquals(model.size(), db.size(), "size at op " + op);
                }
                if (op % 150_000 == 149_999) {
                    assertIterationMatches(db, model);
                    maxB = Math.max(maxB, db.stats().b());
                    db.close();
                    db = BucketDB.open(dir, opts);
                    assertEquals(model.size(), db.size(), "size after reopen");
                }
            }
            assertIterationMatches(db, model);
            for (Map.Entry<Long, Long> e : model.entrySet()) {
                assertEquals(e.getValue(), db.getLong(e.getKey(), Long.MIN_VALUE), "final get of " + e.getKey());
            }
            assertTrue(maxB >= 10, "the workload should have grown the table past B=10, reached " + maxB);
            assertTrue(sameSizeSeen > 0, "the churn phases should have caught a same-size growth in progress");
        } finally {
            db.close();
        }
    }

    private static void assertIterationMatches(BucketDB db, Map<Long, Long> model) {
        Map<Long, Long> seen = new HashMap<>();
        Cursor c = db.cursor();
        while (c.next()) {
            Long prev = seen.put(c.keyLong(), c.valueLong());
            assertNull(prev, "key " + c.keyLong() + " returned twice by iteration");
        }
        assertEquals(model, seen, "iteration returns exactly the model's entries");
    }

    private void runBytes(long seed, int ops, int kw, int vw) throws Exception {
        SplittableRandom rnd = new SplittableRandom(seed);
        Path dir = tmp.resolve("bytes" + kw + "x" + vw);
        Options opts = Options.defaults().withKeyWidth(kw).withValueWidth(vw).withChunking(16, 17).withHashSeed(rnd.nextLong())
                .withDurability(Durability.ASYNC);
        Map<ByteBuffer, byte[]> model = new HashMap<>();
        BucketDB db = BucketDB.open(dir, opts);
        int range = 5000;
        try {
            for (int op = 0; op < ops; op++) {
                if (op % 50_000 == 0) {
                    range = 1 << (3 + rnd.nextInt(14));
                }
                byte[] key = keyBytes(rnd.nextInt(range), kw);
                int dice = rnd.nextInt(100);
                if (dice < 45) {
                    byte[] value = new byte[vw];
                    for (int i = 0; i < vw; i++) {
                        value[i] = (byte) rnd.nextInt();
                    }
                    assertEquals(!model.containsKey(ByteBuffer.wrap(key)), db.put(key, value));
                    model.put(ByteBuffer.wrap(key), value);
                } else if (dice < 70) {
                    assertEquals(model.remove(ByteBuffer.wrap(key)) != null, db.delete(key));
                } else {
                    byte[] expected = model.get(ByteBuffer.wrap(key));
                    byte[] got = db.get(key);
                    if (expected == null) {
                        assertNull(got, "absent key found at op " + op);
                    } else {
                        assertArrayEquals(expected, got, "value at op " + op);
                    }
                }
                if (op % 60_000 == 59_999) {
                    db.close();
                    db = BucketDB.open(dir, opts);
                }
            }
            assertEquals(model.size(), db.size());
            Map<ByteBuffer, ByteBuffer> seen = new HashMap<>();
            for (Map.Entry<byte[], byte[]> e : db) {
                assertNull(seen.put(ByteBuffer.wrap(e.getKey()), ByteBuffer.wrap(e.getValue())), "key returned twice");
            }
            assertEquals(model.size(), seen.size());
            for (Map.Entry<ByteBuffer, byte[]> e : model.entrySet()) {
                assertEquals(ByteBuffer.wrap(e.getValue()), seen.get(e.getKey()));
            }
            assertEquals(io.bucketdb.storage.VarSlotLayout.outlinesByDefault(vw), db.stats().valuesOutOfLine(), "placement of " + vw + "-byte values");
        } finally {
            db.close();
        }
        try (io.bucketdb.inspect.IndexInspector in = io.bucketdb.inspect.IndexInspector.open(dir)) {
            assertEquals(java.util.List.of(), in.verify(), "verify after " + ops + " operations");
        }
    }

    static byte[] keyBytes(long n, int width) {
        byte[] k = new byte[width];
        long x = n * 0x9E3779B97F4A7C15L + 12345;
        for (int i = 0; i < width; i++) {
            k[i] = (byte) (x >>> (8 * (i % 8)) ^ (i / 8));
        }
        ByteBuffer.wrap(k).order(ByteOrder.LITTLE_ENDIAN);
        return k;
    }
}
