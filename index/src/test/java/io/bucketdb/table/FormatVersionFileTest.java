package io.bucketdb.table;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.bucketdb.BucketDB;
import io.bucketdb.Durability;
import io.bucketdb.Options;
import io.bucketdb.inspect.BucketView;
import io.bucketdb.inspect.IndexInspector;
import io.bucketdb.storage.BucketLayout;
import io.bucketdb.storage.Header;
import io.bucketdb.storage.HeaderLayout;
import io.bucketdb.storage.HeapClasses;
import io.bucketdb.storage.IndexFileNames;

import java.io.IOException;
import java.net.URISyntaxException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Format version 4 moved each bucket's overflow reference from its end to right after the tophash bytes (issue 19,
 * {@link BucketLayout}). Index directories of version 3 (test resources {@code format-v3/}, made by the code of
 * commit {@code d4f4aac}: see the README there) keep their layout for life: they open with every entry, take writes,
 * deletes and growth (also one closed mid-doubling), pass {@code verify}, and stay version 3. A new index is version
 * 4, and its chains are linked at byte 8 of a bucket.
 *
 * <p>Format version 5 keeps long fixed values out of line (issue 19). A version-4 index of 16-byte keys and 100-byte
 * values kept inline (test resources {@code format-v4/wide}, made by the code of commit {@code e8cbabf}: see the README
 * there) opens with every entry, also with options whose default for a new index of that width is out of line, and
 * stays version 4 with its values in the slots.
 *
 * <p>Format version 6 gives the value heap the page-fit size classes ({@link HeapClasses#PAGE_FIT}, issue 19). Index
 * directories made by the code of commit {@code a2854e5} (test resources {@code format-v5/}: a version-5 index of
 * variable-length keys and 100-byte values out of line, and a version-4 one of variable-length keys and values, both
 * with the power-of-two classes) open with every entry, take writes, deletes and growth, and keep their classes, their
 * header layout and their version across checkpoints, while a new index gets the page-fit classes.
 *
 * <p>Format version 7 splits buckets in place when a table of whole pieces doubles (issue 19). Index directories of
 * version 6 made by the code of commit {@code fa7fd48} (test resources {@code format-v6/}: one at B = 8, a whole
 * 256-bucket piece, and one closed in the middle of its doubling from there) keep the copying growth for life: their
 * doublings allocate a fresh array and evacuate into it (old buckets marked evacuated), and they stay version 6.
 */
class FormatVersionFileTest {
    private static final long MIX = 0x9E3779B97F4A7C15L;
    /** The {@code long} fixture: keys {@code k * MIX -> ~k} for k below this, those with {@code k % 7 == 0} deleted. */
    private static final int LONGS = 830;
    private static final int NAMES = 400;
    private static final int GROWING_KEYS = 224;
    /** The {@code wide} fixture: 16-byte keys to 100-byte values for k below this, those with {@code k % 7 == 0} deleted. */
    private static final int WIDE = 300;
    /** The {@code format-v5} fixtures: k below this, those with {@code k % 7 == 0} deleted. */
    private static final int V5 = 300;
    /** The {@code format-v6/long} fixture: keys {@code k * MIX -> ~k} for k below this, those with {@code k % 7 == 0} deleted. */
    private static final int V6 = 1600;
    /** The {@code format-v6/growing} fixture: keys {@code k * MIX -> ~k} for k below this, closed mid-doubling. */
    private static final int V6_GROWING = 1724;

    @TempDir
    Path dir;

    @Test
    void aFixedWidthVersion3IndexShouldOpenTakeWritesAndGrowWithItsLayout() throws Exception {
        copyFixture("long");
        checkFile(3);
        try (IndexInspector in = IndexInspector.open(dir)) {
            assertEquals(7, in.header().b);
            assertTrue(in.header().overflowBuckets > 0, "the fixture has overflow chains to walk");
        }
        try (BucketDB db = open()) {
            assertEquals(LONGS - (LONGS + 6) / 7, db.size());
            for (long k = 0; k < 4 * LONGS; k++) {
                assertEquals(k < LONGS && k % 7 != 0 ? ~k : -1, db.getLong(k * MIX, -1), "key number " + k);
            }
            for (long k = LONGS; k < 4 * LONGS; k++) { // B 7 -> 9: growth evacuates the old layout's chains
                db.putLong(k * MIX, ~k);
            }
            for (long k = 1; k < 4 * LONGS; k += 5) {
                db.deleteLong(k * MIX);
            }
            for (long k = 2; k < LONGS; k += 7) {
                db.putLong(k * MIX, k); // overwrites in place, or puts back what the deletes took
            }
        }
        try (BucketDB db = open()) {
            long expected = 0;
            for (long k = 0; k < 5 * LONGS; k++) {
                long want = k >= 4 * LONGS ? -1 : k < LONGS && k % 7 == 2 ? k : (k < LONGS && k % 7 == 0) || k % 5 == 1 ? -1 : ~k;
                expected += want == -1 ? 0 : 1;
                assertEquals(want, db.getLong(k * MIX, -1), "key number " + k + " after the reopen");
            }
            assertEquals(expected, db.size());
        }
        checkFile(3);
        try (IndexInspector in = IndexInspector.open(dir)) {
            assertTrue(in.header().b >= 9, "grew, B=" + in.header().b);
            assertEquals(-1, in.getLong(LONGS * 7 * MIX, -1));
            assertEquals(~3L, in.getLong(3 * MIX, -1));
            assertEquals(2L, in.getLong(2 * MIX, -1));
        }
    }

    @Test
    void aVariableLengthVersion3IndexShouldOpenTakeWritesAndGrowWithItsLayout() throws Exception {
        copyFixture("var");
        checkFile(3);
        Options o = Options.defaults().withVariableKeys().withVariableValues().withDurability(Durability.ASYNC);
        try (BucketDB db = BucketDB.open(dir, o)) {
            assertEquals(NAMES, db.size());
            for (int k = 0; k < NAMES; k++) {
                assertArrayEquals(value(k), db.get(name(k)), "key " + k);
            }
            for (int k = NAMES; k < 3 * NAMES; k++) {
                db.put(name(k), value(k));
            }
            for (int k = 0; k < 3 * NAMES; k += 3) {
                db.delete(name(k));
            }
        }
        try (BucketDB db = BucketDB.open(dir, o)) {
            assertEquals(3 * NAMES - NAMES, db.size());
            for (int k = 0; k < 3 * NAMES + 10; k++) {
                assertArrayEquals(k % 3 == 0 || k >= 3 * NAMES ? null : value(k), db.get(name(k)), "key " + k + " after the reopen");
            }
        }
        checkFile(3);
        try (IndexInspector in = IndexInspector.open(dir)) {
            assertArrayEquals(value(NAMES + 1), in.get(name(NAMES + 1)));
        }
    }

    @Test
    void aVersion3IndexClosedDuringADoublingShouldFinishItWithItsLayout() throws Exception {
        copyFixture("growing");
        try (IndexInspector in = IndexInspector.open(dir)) {
            assertTrue(in.header().growing(), "the fixture was closed mid-growth");
        }
        checkFile(3);
        try (BucketDB db = open()) {
            assertEquals(GROWING_KEYS, db.size());
            for (long k = 0; k < GROWING_KEYS + 50; k++) {
                assertEquals(k < GROWING_KEYS ? ~k : -1, db.getLong(k * MIX, -1), "key number " + k);
            }
            long k = GROWING_KEYS;
            while (db.stats().growing()) { // every write evacuates old buckets of the old layout
                db.putLong(k * MIX, ~k);
                k++;
            }
            for (long j = 0; j < k; j++) {
                assertEquals(~j, db.getLong(j * MIX, -1), "key number " + j + " after the growth");
            }
        }
        checkFile(3);
    }

    @Test
    void aNewIndexShouldHaveTheNewestVersionAndLinkItsChainsAfterTheTophashBytes() throws Exception {
        int n = 3000;
        try (BucketDB db = BucketDB.open(dir, Options.defaults().withChunking(16, 16).withHashSeed(0x5EED0F1EAL)
                .withDurability(Durability.ASYNC))) {
            for (long k = 0; k < n; k++) {
                db.putLong(k * MIX, ~k);
            }
        }
        checkFile(HeaderLayout.SPLIT_GROWTH_FORMAT_VERSION); // version 8 is only for values kept out of line
        long firstLink;
        long secondBucket;
        try (IndexInspector in = IndexInspector.open(dir)) {
            assertEquals(8, in.layout().overflowOffset());
            assertEquals(16, in.layout().keysOffset());
            BucketView chain = null;
            for (long b = 0; b < 1L << in.header().b && chain == null; b++) {
                BucketView v = in.bucket(b);
                chain = v.chain().size() > 1 ? v : null;
            }
            assertTrue(chain != null, "some bucket has an overflow chain");
            firstLink = chain.chain().get(0).offset() + BucketLayout.TOPHASH_OFFSET + BucketLayout.SLOTS;
            secondBucket = chain.chain().get(1).offset();
        }
        assertEquals(secondBucket, readLong(firstLink), "the overflow reference is at byte 8 of the bucket");
        try (BucketDB db = open()) {
            assertEquals(n, db.size());
            for (long k = 0; k < 2L * n; k++) {
                assertEquals(k < n ? ~k : -1, db.getLong(k * MIX, -1), "key number " + k + " after the reopen");
            }
        }
    }

    @Test
    void aVersion4IndexOfWideValuesInlineShouldOpenTakeWritesAndKeepItsLayout() throws Exception {
        copyFixture("format-v4", "wide");
        checkFile(4);
        Options o = Options.defaults().withKeyWidth(16).withValueWidth(100).withDurability(Durability.ASYNC);
        try (BucketDB db = BucketDB.open(dir, o)) {
            assertEquals(WIDE - (WIDE + 6) / 7, db.size());
            assertFalse(db.stats().valuesOutOfLine(), "the index keeps its values in the slots");
            for (long k = 0; k < WIDE + 50; k++) {
                assertArrayEquals(k < WIDE && k % 7 != 0 ? wideValue(k, 0) : null, db.get(wideKey(k)), "key number " + k);
            }
            for (long k = WIDE; k < 4 * WIDE; k++) { // grows
                db.put(wideKey(k), wideValue(k, 1));
            }
            for (long k = 1; k < 4 * WIDE; k += 5) {
                db.delete(wideKey(k));
            }
        }
        try (BucketDB db = BucketDB.open(dir, o)) {
            for (long k = 0; k < 4 * WIDE; k++) {
                byte[] want = k % 5 == 1 || (k < WIDE && k % 7 == 0) ? null : wideValue(k, k < WIDE ? 0 : 1);
                assertArrayEquals(want, db.get(wideKey(k)), "key number " + k + " after the reopen");
            }
        }
        checkFile(4);
        try (IndexInspector in = IndexInspector.open(dir)) {
            assertFalse(in.header().outlineValues());
            assertEquals(100, in.header().valueWidth);
            assertArrayEquals(wideValue(3, 0), in.get(wideKey(3)));
        }
    }

    @Test
    void aVersion5IndexOfValuesOutOfLineShouldKeepItsPowerOfTwoHeapClasses(@TempDir Path other) throws Exception {
        copyFixture("format-v5", "outline");
        checkFile(5);
        assertPowerOfTwoHeap();
        Options o = Options.defaults().withVariableKeys().withValueWidth(100).withDurability(Durability.ASYNC);
        try (BucketDB db = BucketDB.open(dir, o)) {
            assertEquals(V5 - (V5 + 6) / 7, db.size());
            assertTrue(db.stats().valuesOutOfLine());
            for (int k = 0; k < V5 + 50; k++) {
                assertArrayEquals(k < V5 && k % 7 != 0 ? wideValue(k, 0) : null, db.get(v5Key(k)), "key number " + k);
            }
            for (int k = V5; k < 3 * V5; k++) { // grows, and allocates in the old classes (reusing their free blocks first)
                db.put(v5Key(k), wideValue(k, 1));
            }
            for (int k = 1; k < 3 * V5; k += 5) {
                db.delete(v5Key(k));
            }
            for (int k = 2; k < V5; k += 7) {
                db.put(v5Key(k), wideValue(k, 2));
            }
        }
        checkFile(5);
        assertPowerOfTwoHeap();
        try (BucketDB db = BucketDB.open(dir, o)) {
            for (int k = 0; k < 3 * V5 + 50; k++) {
                byte[] want = k < V5 && k % 7 == 2 ? wideValue(k, 2) // put back after the deletes
                        : k >= 3 * V5 || k % 5 == 1 || (k < V5 && k % 7 == 0) ? null : wideValue(k, k < V5 ? 0 : 1);
                assertArrayEquals(want, db.get(v5Key(k)), "key number " + k + " after the checkpoint and reopen");
            }
        }
        // A new index of the same shape gets the page-fit classes: its 100-byte values take 104-byte blocks.
        Path fresh = other.resolve("fresh");
        try (BucketDB db = BucketDB.open(fresh, o)) {
            db.put(v5Key(3), wideValue(3, 0));
        }
        try (IndexInspector in = IndexInspector.open(fresh)) {
            assertEquals(HeaderLayout.FORMAT_VERSION, in.header().formatVersion());
            assertEquals(HeapClasses.PAGE_FIT, in.header().heapClasses());
            assertTrue(in.heapUsage().classes().stream().anyMatch(c -> c.blockBytes() == 104 && c.inUse() == 1), in.heapUsage().toString());
            assertEquals(java.util.List.of(), in.verify());
        }
    }

    @Test
    void aVersion6IndexShouldKeepDoublingByCopying() throws Exception {
        copyFixture("format-v6", "long");
        checkFile(6);
        Options o = Options.defaults().withDurability(Durability.ASYNC).withIdleEvacuation(false);
        long k = V6;
        try (BucketDB db = BucketDB.open(dir, o)) {
            assertEquals(V6 - (V6 + 6) / 7, db.size());
            for (long i = 0; i < V6 + 50; i++) {
                assertEquals(i < V6 && i % 7 != 0 ? ~i : -1, db.getLong(i * MIX, -1), "key number " + i);
            }
            while (!(db.growth().growing() && db.growth().b() == 9 && db.growth().evacuated() > 0)) {
                db.putLong(k * MIX, ~k);
                k++;
            }
        }
        checkFile(6);
        assertCopyingGrowth(9);
        try (BucketDB db = BucketDB.open(dir, o)) {
            for (; k < 4 * V6; k++) { // B 9 -> 10: doublings of whole pieces, by copying
                db.putLong(k * MIX, ~k);
            }
            for (long i = 1; i < 4 * V6; i += 5) {
                db.deleteLong(i * MIX);
            }
        }
        checkFile(6);
        try (BucketDB db = BucketDB.open(dir, o)) {
            for (long i = 0; i < 4 * V6 + 50; i++) {
                boolean present = i < 4 * V6 && i % 5 != 1 && (i >= V6 || i % 7 != 0);
                assertEquals(present ? ~i : -1, db.getLong(i * MIX, -1), "key number " + i + " after the reopen");
            }
        }
    }

    @Test
    void aVersion6IndexClosedMidDoublingShouldFinishItByCopying() throws Exception {
        copyFixture("format-v6", "growing");
        checkFile(6);
        assertCopyingGrowth(9);
        Options o = Options.defaults().withDurability(Durability.ASYNC).withIdleEvacuation(false);
        try (BucketDB db = BucketDB.open(dir, o)) {
            assertEquals(V6_GROWING, db.size());
            for (long i = 0; i < V6_GROWING + 50; i++) {
                assertEquals(i < V6_GROWING ? ~i : -1, db.getLong(i * MIX, -1), "key number " + i);
            }
            for (long i = V6_GROWING; i < 3 * V6_GROWING; i++) {
                db.putLong(i * MIX, ~i);
            }
            assertFalse(db.growth().growing() && db.growth().b() == 9, "the doubling the fixture was closed in finished");
        }
        checkFile(6);
        try (BucketDB db = BucketDB.open(dir, o)) {
            for (long i = 0; i < 3 * V6_GROWING + 50; i++) {
                assertEquals(i < 3 * V6_GROWING ? ~i : -1, db.getLong(i * MIX, -1), "key number " + i + " after the reopen");
            }
        }
    }

    /** A version-6 file in a doubling to {@code b} of whole pieces copies: its evacuated old buckets carry the marks. */
    private void assertCopyingGrowth(int b) throws IOException {
        try (IndexInspector in = IndexInspector.open(dir)) {
            Header h = in.header();
            assertTrue(h.growing() && h.b == b && h.oldB >= h.pieceShift && h.nevacuate > 0, "a doubling of whole pieces in progress");
            assertFalse(h.splittingInPlace(), "a version-6 file copies");
            assertEquals(BucketView.State.EVACUATED, in.oldBucket(0).state());
            assertNotEquals(in.bucket(0).offset(), in.oldBucket(0).offset(), "the new array is a fresh one");
        }
    }

    @Test
    void aVersion4IndexOfVariableLengthValuesShouldKeepItsPowerOfTwoHeapClasses() throws Exception {
        copyFixture("format-v5", "var");
        checkFile(4);
        assertPowerOfTwoHeap();
        Options o = Options.defaults().withVariableKeys().withVariableValues().withDurability(Durability.ASYNC);
        try (BucketDB db = BucketDB.open(dir, o)) {
            assertEquals(V5 - (V5 + 6) / 7, db.size());
            for (int k = 0; k < V5 + 50; k++) {
                assertArrayEquals(k < V5 && k % 7 != 0 ? text(k, 0) : null, db.get(user(k)), "key number " + k);
            }
            for (int k = 0; k < 3 * V5; k++) { // overwrites free old blocks and allocate blocks of other lengths
                db.put(user(k), text(k, 1));
            }
            for (int k = 1; k < 3 * V5; k += 5) {
                db.delete(user(k));
            }
        }
        checkFile(4);
        assertPowerOfTwoHeap();
        try (BucketDB db = BucketDB.open(dir, o)) {
            for (int k = 0; k < 3 * V5 + 50; k++) {
                assertArrayEquals(k >= 3 * V5 || k % 5 == 1 ? null : text(k, 1), db.get(user(k)), "key number " + k + " after the reopen");
            }
        }
    }

    /** The file keeps the 8 power-of-two classes of versions 2 to 5, and blocks of them are in use. */
    private void assertPowerOfTwoHeap() throws IOException {
        try (IndexInspector in = IndexInspector.open(dir)) {
            assertEquals(HeapClasses.POWERS_OF_TWO, in.header().heapClasses());
            assertEquals(java.util.List.of(16, 32, 64, 128, 256, 512, 1024, 2048),
                    in.heapUsage().classes().stream().map(c -> c.blockBytes()).toList());
            assertTrue(in.heapUsage().classes().stream().anyMatch(c -> c.blockBytes() == 128 && c.inUse() > 0), in.heapUsage().toString());
        }
    }

    /** The {@code format-v5} fixtures' keys and values, as their generator (format-v5/README.md) writes them. */
    static byte[] v5Key(int k) {
        int len = k % 29 == 5 ? 2100 + k % 300 : 12 + (k * 37) % 449;
        byte[] b = new byte[len];
        for (int i = 0; i < len; i++) {
            b[i] = (byte) (k * 7 + i * 13);
        }
        ByteBuffer.wrap(b).putInt(0, k).putInt(4, 0x6B657921);
        return b;
    }

    private static byte[] user(int k) {
        return ("user-" + k).getBytes(StandardCharsets.UTF_8);
    }

    private static byte[] text(int k, int round) {
        byte[] v = new byte[(k * 53 + round * 17) % 701];
        java.util.Arrays.fill(v, (byte) ('a' + (k + round) % 26));
        return v;
    }

    /** The {@code wide} fixture's keys and values, as its generator (format-v4/README.md) writes them. */
    private static byte[] wideKey(long k) {
        return ByteBuffer.allocate(16).putLong(k * MIX).putLong(~k).array();
    }

    private static byte[] wideValue(long k, int round) {
        byte[] v = new byte[100];
        for (int i = 0; i < 100; i++) {
            v[i] = (byte) (k * 31 + i + 13 * round);
        }
        return v;
    }

    private BucketDB open() throws IOException {
        return BucketDB.open(dir, Options.defaults().withDurability(Durability.ASYNC));
    }

    /** Both header slots carry {@code version}, the inspector lays buckets out by it, and {@code verify} passes. */
    private void checkFile(int version) throws IOException {
        try (FileChannel ch = FileChannel.open(dir.resolve(IndexFileNames.TABLE))) {
            for (int slot = 0; slot < 2; slot++) {
                ByteBuffer b = ByteBuffer.allocate(HeaderLayout.SIZE).order(ByteOrder.LITTLE_ENDIAN);
                ch.read(b, HeaderLayout.slotOffset(slot));
                if (b.getLong(HeaderLayout.MAGIC_OFFSET) == HeaderLayout.MAGIC) {
                    assertEquals(version, b.getInt(HeaderLayout.FORMAT_VERSION_OFFSET), "slot " + slot + " version");
                }
            }
        }
        try (IndexInspector in = IndexInspector.open(dir)) {
            assertEquals(version, in.header().formatVersion());
            assertEquals(version >= 4, in.layout().overflowFirst());
            assertEquals(version >= 4 ? 8 : in.header().bucketSize() - 8, in.layout().overflowOffset());
            assertEquals(java.util.List.of(), in.verify(), "verify of " + dir);
        }
    }

    private long readLong(long at) throws IOException {
        try (FileChannel ch = FileChannel.open(dir.resolve(IndexFileNames.TABLE))) {
            ByteBuffer b = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN);
            ch.read(b, at);
            return b.getLong(0);
        }
    }

    private void copyFixture(String name) throws IOException, URISyntaxException {
        copyFixture("format-v3", name);
    }

    private void copyFixture(String version, String name) throws IOException, URISyntaxException {
        Path src = Path.of(FormatVersionFileTest.class.getResource(version + "/" + name).toURI());
        try (Stream<Path> files = Files.list(src)) {
            for (Path f : (Iterable<Path>) files::iterator) {
                Files.copy(f, dir.resolve(f.getFileName()));
            }
        }
    }

    private static byte[] name(int k) {
        return ("user-" + k + "-" + "x".repeat(k % 40)).getBytes(StandardCharsets.UTF_8);
    }

    private static byte[] value(int k) {
        return ("value-" + k + "-" + "y".repeat(k % 50)).getBytes(StandardCharsets.UTF_8);
    }
}
