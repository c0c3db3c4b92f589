package io.bucketdb;

import io.bucketdb.inspect.IndexInspector;
import io.bucketdb.storage.BlockNumberLayout;
import io.bucketdb.storage.HeaderLayout;
import io.bucketdb.storage.HeapClasses;
import io.bucketdb.storage.VarSlotLayout;
import io.bucketdb.storage.testkit.Seeds;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.*;

/**
 * Long fixed values out of line (issue 19): a new index with fixed values wider than the threshold
 * ({@link VarSlotLayout#outlinesByDefault}) keeps them in the value heap, each slot holding a 4-byte block number, while
 * the API stays fixed-width; replaced and deleted values give their heap blocks back; 8-byte values are untouched.
 */
class OutOfLineValuesTest {
    private static final int BLOCK = 104; // the heap class of a 100-byte value (page-fit classes, format version 6; 128 before)

    @TempDir
    Path tmp;

    private static byte[] key(long k) {
        return ByteBuffer.allocate(16).putLong(k * 0x9E3779B97F4A7C15L).putLong(~k).array();
    }

    private static byte[] value(long k, int round, int width) {
        byte[] v = new byte[width];
        for (int i = 0; i < width; i++) {
            v[i] = (byte) (k * 31 + i + 7 * round);
        }
        return v;
    }

    private static Options wide() {
        return Options.defaults().withKeyWidth(16).withValueWidth(100).withChunking(16, 16).withHashSeed(0x5EEDL)
                .withDurability(Durability.ASYNC);
    }

    @Test
    void wideFixedValuesGoOutOfLineByDefaultBehindTheSameFixedWidthApi() throws Exception {
        Path dir = tmp.resolve("wide");
        assertTrue(wide().toString().contains("100-byte values out of line"), wide()::toString);
        try (BucketDB db = BucketDB.open(dir, wide())) {
            assertEquals(100, db.valueWidth());
            assertFalse(db.variableValues());
            Stats s = db.stats();
            assertTrue(s.valuesOutOfLine(), s::toString);
            assertEquals(100, s.valueWidth());
            assertFalse(s.variableValues());
            assertEquals(16 + 8 * 16 + 8 * BlockNumberLayout.SIZE, s.bucketBytes(), "keys and 4-byte block number slots (format version 8)");
            assertThrows(IllegalArgumentException.class, () -> db.put(key(1), new byte[99]));
            assertThrows(IllegalArgumentException.class, () -> db.put(key(1), new byte[101]));
            assertEquals(0, db.size(), "a rejected put writes nothing");
            for (long k = 0; k < 500; k++) {
                assertTrue(db.put(key(k), value(k, 0, 100)));
            }
            assertFalse(db.put(key(3), value(3, 1, 100)), "a replace");
            assertTrue(db.delete(key(4)));
            assertArrayEquals(value(3, 1, 100), db.get(key(3)));
            assertNull(db.get(key(4)));
            byte[] dst = new byte[100];
            assertEquals(100, db.get(key(5), dst));
            assertArrayEquals(value(5, 0, 100), dst);
            MemorySegment seg = MemorySegment.ofArray(new byte[100]);
            assertEquals(100, db.get(key(6), seg));
            Byte last = db.get(key(6), v -> v.get(java.lang.foreign.ValueLayout.JAVA_BYTE, 99));
            assertEquals(Byte.valueOf((byte) (6 * 31 + 99)), last, "a reader sees the value in the heap");
            int n = 0;
            for (Map.Entry<byte[], byte[]> e : db) {
                assertEquals(100, e.getValue().length);
                n++;
            }
            assertEquals(499, n);
        }
        try (BucketDB db = BucketDB.open(dir, Options.defaults().withDurability(Durability.ASYNC))) {
            assertEquals(100, db.valueWidth(), "an open without widths takes the stored ones");
            assertEquals(499, db.size());
            for (long k = 0; k < 500; k++) {
                assertArrayEquals(k == 4 ? null : value(k, k == 3 ? 1 : 0, 100), db.get(key(k)), "key " + k);
            }
        }
        try (IndexInspector in = IndexInspector.open(dir)) {
            assertEquals(HeaderLayout.FORMAT_VERSION, in.header().formatVersion());
            assertTrue(in.header().outlineValues());
            assertEquals(100, in.header().outlineValueWidth);
            assertArrayEquals(value(7, 0, 100), in.get(key(7)));
            assertEquals(List.of(), in.verify());
        }
        try (BucketDB view = BucketDB.open(dir, Options.defaults().withReadOnly(true))) {
            assertArrayEquals(value(8, 0, 100), view.get(key(8)), "a read-only view reads the heap");
            assertEquals(100, view.valueWidth());
        }
        // Beside a live writer, a view replays the journal after the checkpoint into its own memory: heap blocks too.
        try (BucketDB db = BucketDB.open(dir, wide())) {
            db.put(key(8), value(8, 2, 100));
            db.delete(key(9));
            db.put(key(1000), value(1000, 0, 100));
            try (BucketDB view = BucketDB.open(dir, Options.defaults().withReadOnly(true))) {
                assertArrayEquals(value(8, 2, 100), view.get(key(8)), "a replayed overwrite");
                assertNull(view.get(key(9)), "a replayed delete");
                assertArrayEquals(value(1000, 0, 100), view.get(key(1000)), "a replayed insert");
                assertEquals(499, view.size());
            }
        }
    }

    @Test
    void theDefaultFollowsTheHeapBlockSizesAndAnExplicitChoiceWins() throws Exception {
        // A new index has the page-fit heap classes (format version 6): out of line from 43 bytes (and 38..40), since a
        // 43-byte value takes a 48-byte block. The 4-byte slots of version 8 would favour narrower values by bytes
        // alone, but the default keeps the 12-byte model's boundary (VarSlotLayout.outlinesByDefault says why).
        for (int w : new int[]{0, 8, 9, 14, 15, 16, 17, 19, 20, 28, 37, 41, 42, 2049, 2572}) {
            assertFalse(VarSlotLayout.outlinesByDefault(w), "width " + w + " stays inline");
        }
        for (int w : new int[]{38, 40, 43, 52, 65, 92, 93, 100, 129, 172, 2048, 2573, 4096}) {
            assertTrue(VarSlotLayout.outlinesByDefault(w), "width " + w + " goes out of line");
        }
        // Right at the threshold: 42 bytes stay in the slot, 43 go to the heap; explicit choices override either way.
        check("w42", Options.defaults().withKeyWidth(16).withValueWidth(42), 42, false);
        check("w43", Options.defaults().withKeyWidth(16).withValueWidth(43), 43, true);
        check("out20", Options.defaults().withKeyWidth(16).withValueWidth(20).withValuesOutOfLine(true), 20, true);
        check("in100", Options.defaults().withKeyWidth(16).withValueWidth(100).withValuesOutOfLine(false), 100, false);
        check("out16", Options.defaults().withKeyWidth(16).withValuesOutOfLine(true).withValueWidth(16), 16, true);
        check("long", Options.defaults(), 8, false);
        check("long-set", Options.defaults().withValueWidth(8), 8, false);
        // The placement alone is not a width: it opens an existing index of any widths, which keeps its own.
        try (BucketDB db = BucketDB.open(tmp.resolve("w43"), Options.defaults().withValuesOutOfLine(false))) {
            assertTrue(db.stats().valuesOutOfLine());
            assertEquals(43, db.valueWidth());
        }
        assertThrows(IllegalArgumentException.class, () -> BucketDB.open(tmp.resolve("out8"),
                Options.defaults().withValuesOutOfLine(true)), "an 8-byte value is never kept out of line");
    }

    private void check(String name, Options o, int width, boolean outOfLine) throws Exception {
        Path dir = tmp.resolve(name);
        try (BucketDB db = BucketDB.open(dir, o.withDurability(Durability.ASYNC))) {
            assertEquals(outOfLine, db.stats().valuesOutOfLine(), name);
            assertEquals(width, db.valueWidth(), name);
            for (long k = 0; k < 100; k++) {
                db.put(width == 8 ? ByteBuffer.allocate(8).putLong(k).array() : key(k), value(k, 0, width));
            }
            assertArrayEquals(value(9, 0, width), db.get(width == 8 ? ByteBuffer.allocate(8).putLong(9).array() : key(9)), name);
        }
        try (IndexInspector in = IndexInspector.open(dir)) {
            assertEquals(outOfLine ? HeaderLayout.FORMAT_VERSION : HeaderLayout.SPLIT_GROWTH_FORMAT_VERSION, in.header().formatVersion(),
                    name + ": a new index of values out of line is version 8, every other one version 7");
            assertEquals(HeapClasses.PAGE_FIT, in.header().heapClasses(), name + ": every new index has the page-fit heap classes of version 6");
            assertEquals(outOfLine, in.header().outlineValues(), name);
            assertEquals(List.of(), in.verify(), name);
        }
        // Reopened with the opposite choice, the index keeps its own.
        try (BucketDB db = BucketDB.open(dir, o.withValuesOutOfLine(!outOfLine).withDurability(Durability.ASYNC))) {
            assertEquals(outOfLine, db.stats().valuesOutOfLine(), name + " reopened");
        } catch (IllegalArgumentException refused) {
            assertEquals(8, width, "only an out-of-line 8-byte value is refused: " + refused);
        }
    }

    @Test
    void replacesDeletesAndGrowthGiveEveryHeapBlockBack() throws Exception {
        long seed = Seeds.seed();
        Seeds.run(seed, () -> {
            SplittableRandom rnd = new SplittableRandom(seed);
            Path dir = tmp.resolve("leak");
            Map<Long, Integer> model = new HashMap<>();
            try (BucketDB db = BucketDB.open(dir, wide())) {
                for (int round = 0; round < 4; round++) {
                    for (int i = 0; i < 3000; i++) { // grows B from 0 to 9 in the first round
                        long k = rnd.nextInt(4000);
                        if (rnd.nextInt(4) == 0) {
                            assertEquals(model.remove(k) != null, db.delete(key(k)));
                        } else {
                            assertEquals(!model.containsKey(k), db.put(key(k), value(k, round, 100)));
                            model.put(k, round);
                        }
                    }
                    Stats s = db.stats();
                    assertEquals(model.size() * (long) BLOCK, s.heapBytesInUse(), "one block per entry, round " + round + ": " + s);
                }
                for (Map.Entry<Long, Integer> e : model.entrySet()) {
                    assertArrayEquals(value(e.getKey(), e.getValue(), 100), db.get(key(e.getKey())));
                }
            }
            try (IndexInspector in = IndexInspector.open(dir)) {
                assertEquals(List.of(), in.verify(), "heap blocks, free lists and references after a clean close");
            }
            try (BucketDB db = BucketDB.open(dir, wide())) {
                for (long k : model.keySet()) {
                    assertTrue(db.delete(key(k)));
                }
                assertEquals(0, db.stats().heapBytesInUse(), "every block freed");
                assertTrue(db.stats().heapBytesFree() > 0);
            }
            try (IndexInspector in = IndexInspector.open(dir)) {
                assertEquals(List.of(), in.verify());
                assertEquals(0, in.header().count);
            }
        });
    }

    @Test
    void bulkLoadAndBatchesStoreOutOfLine() throws Exception {
        Path dir = tmp.resolve("bulk");
        try (BucketDB db = BucketDB.open(dir, wide())) {
            try (BulkLoad load = db.bulkLoad(256)) {
                for (long k = 0; k < 2000; k++) {
                    load.put(key(k), value(k, 0, 100));
                }
            }
            WriteBatch b = new WriteBatch();
            b.put(key(1), value(1, 5, 100));
            b.delete(key(2));
            db.write(b);
            assertEquals(1999, db.size());
            assertEquals(1999L * BLOCK, db.stats().heapBytesInUse());
            assertArrayEquals(value(1, 5, 100), db.get(key(1)));
            assertArrayEquals(value(1999, 0, 100), db.get(key(1999)));
        }
        try (IndexInspector in = IndexInspector.open(dir)) {
            assertEquals(List.of(), in.verify());
        }
    }
}
