package io.bucketdb;

import io.bucketdb.inspect.IndexInspector;
import io.bucketdb.storage.Header;
import io.bucketdb.storage.HeaderLayout;
import io.bucketdb.storage.testkit.Seeds;
import io.bucketdb.storage.IndexFileNames;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.zip.CRC32C;

import static org.junit.jupiter.api.Assertions.*;

/**
 * The variable-length API at its edges: limits (too long is rejected, naming the limit, and nothing
 * is written), the creation options kept in the header, the zero-copy reads on fixed-width indexes
 * too, and version-1 table files (before the value heap) still opening.
 */
class VariableLengthApiTest {
    @TempDir
    Path tmp;

    private static byte[] bytes(int n, int salt) {
        byte[] b = new byte[n];
        for (int i = 0; i < n; i++) {
            b[i] = (byte) (i * 31 + salt);
        }
        return b;
    }

    @Test
    void tooLongKeysAndValuesAreRejectedNamingTheLimitAndNothingIsWritten() throws Exception {
        Path dir = tmp.resolve("limits");
        Options opts = Options.defaults().withVariableKeys().withVariableValues().withMaxLengths(1024, 4096);
        try (BucketDB db = BucketDB.open(dir, opts)) {
            db.put(bytes(10, 1), bytes(100, 2));
            long journalBefore = journalBytes(dir);
            IllegalArgumentException k = assertThrows(IllegalArgumentException.class, () -> db.put(bytes(1025, 3), bytes(5, 4)));
            assertTrue(k.getMessage().contains("limit of 1024 bytes"), k.getMessage());
            IllegalArgumentException v = assertThrows(IllegalArgumentException.class, () -> db.put(bytes(10, 1), bytes(4097, 4)));
            assertTrue(v.getMessage().contains("limit of 4096 bytes"), v.getMessage());
            assertThrows(IllegalArgumentException.class, () -> db.putAsync(bytes(10, 5), bytes(4097, 4)));
            assertThrows(IllegalArgumentException.class, () -> db.delete(bytes(1025, 3)));
            // One bad operation rejects the whole batch before anything is published.
            WriteBatch batch = new WriteBatch().put(bytes(11, 6), bytes(3, 7)).put(bytes(12, 8), bytes(5000, 9));
            IllegalArgumentException b = assertThrows(IllegalArgumentException.class, () -> db.write(batch));
            assertTrue(b.getMessage().contains("limit of 4096 bytes"), b.getMessage());
            assertNull(db.get(bytes(11, 6)), "no part of the rejected batch was applied");
            assertArrayEquals(bytes(100, 2), db.get(bytes(10, 1)), "the old value is untouched");
            assertEquals(1, db.size());
            assertEquals(journalBefore, journalBytes(dir), "nothing reached the journal");
            // Exactly at the limits is fine, and the index is still writable.
            db.put(bytes(1024, 10), bytes(4096, 11));
            assertArrayEquals(bytes(4096, 11), db.get(bytes(1024, 10)));
        }
        // Fixed widths above the limits contradict them: refused at creation and at open.
        assertThrows(IllegalArgumentException.class, () -> BucketDB.open(tmp.resolve("wide"),
                Options.defaults().withKeyWidth(16).withValueWidth(8).withMaxLengths(8, 8)));
        try (BucketDB db = BucketDB.open(tmp.resolve("wide2"), Options.defaults().withKeyWidth(16).withValueWidth(8))) {
            db.put(bytes(16, 1), bytes(8, 1));
        }
        IllegalArgumentException wide = assertThrows(IllegalArgumentException.class,
                () -> BucketDB.open(tmp.resolve("wide2"), Options.defaults().withMaxLengths(8, 8)));
        assertTrue(wide.getMessage().contains("more than the limits of 8 and 8"), wide.getMessage());
        assertThrows(IllegalArgumentException.class, () -> Options.defaults().withMaxLengths(64 * 1024 + 1, 1024));
        assertThrows(IllegalArgumentException.class, () -> Options.defaults().withMaxLengths(1024, (256 << 20) + 1));
        assertEquals(64 * 1024, Options.defaults().maxKeyLength(), "default key limit");
        assertEquals(256 << 20, Options.defaults().maxValueLength(), "default value limit");
        try (BucketDB db = BucketDB.open(tmp.resolve("default-limits"), Options.defaults().withVariableKeys().withVariableValues())) {
            IllegalArgumentException k = assertThrows(IllegalArgumentException.class, () -> db.put(new byte[64 * 1024 + 1], new byte[1]));
            assertTrue(k.getMessage().contains("limit of 65536 bytes"), k.getMessage());
            db.put(bytes(64 * 1024, 1), bytes(3, 1));
            assertArrayEquals(bytes(3, 1), db.get(bytes(64 * 1024, 1)), "a key of exactly 64 KiB lives in the heap");
        }
    }

    private static long journalBytes(Path dir) throws IOException {
        try (var files = Files.list(dir)) {
            long sum = 0;
            for (Path p : files.filter(p -> p.getFileName().toString().startsWith("journal-")).toList()) {
                try (FileChannel ch = FileChannel.open(p, StandardOpenOption.READ)) {
                    ByteBuffer all = ByteBuffer.allocate((int) ch.size());
                    ch.read(all, 0);
                    CRC32C crc = new CRC32C();
                    crc.update(all.flip());
                    sum += crc.getValue();
                }
            }
            return sum;
        }
    }

    /**
     * A value of the full default limit: 256 MiB, the largest raw extent class, in a journal record
     * four times a segment (it gets a segment of its own). 1 GiB of I/O, so only in torture runs.
     */
    @Test
    void aValueOfTheDefaultLimitRoundTripsThroughJournalHeapAndReopen() throws Exception {
        org.junit.jupiter.api.Assumptions.assumeTrue(Seeds.torture(), "256 MiB of I/O: runs with -Dbucketdb.torture=true");
        Path dir = tmp.resolve("huge");
        int len = 256 << 20;
        MemorySegment expected = MemorySegment.ofArray(bytes(len, 5));
        Options opts = Options.defaults().withVariableKeys().withVariableValues().withDurability(Durability.ASYNC);
        try (BucketDB db = BucketDB.open(dir, opts)) {
            db.put(bytes(3, 1), (byte[]) expected.heapBase().orElseThrow());
            assertThrows(IllegalArgumentException.class, () -> db.put(bytes(3, 2), new byte[len + 1]));
        }
        try (BucketDB db = BucketDB.open(dir, opts)) {
            assertEquals(-1L, (long) db.get(bytes(3, 1), v -> MemorySegment.mismatch(v, 0, v.byteSize(), expected, 0, len)),
                    "the value read back through the zero-copy view");
            db.put(bytes(3, 1), bytes(5, 5));
        }
        try (IndexInspector in = IndexInspector.open(dir)) {
            assertEquals(List.of(), in.verify());
            assertEquals(0, in.header().heapLargeBlocks, "the 256 MiB block was freed by the overwrite");
        }
    }

    @Test
    void creationOptionsAreKeptInTheHeaderAndCheckedOnReopen() throws Exception {
        Path dir = tmp.resolve("opts");
        try (BucketDB db = BucketDB.open(dir, Options.defaults().withVariableKeys(16).withValueWidth(8))) {
            assertTrue(db.variableKeys());
            assertFalse(db.variableValues());
            assertEquals(20, db.keyWidth(), "a variable-length key slot is the inline width + 4");
            db.put(bytes(3, 1), bytes(8, 1));
            assertThrows(IllegalArgumentException.class, () -> db.put(bytes(3, 1), bytes(7, 1)), "values stay fixed-width");
            assertThrows(IllegalArgumentException.class, () -> db.putLong(1, 2), "the long API needs fixed 8-byte keys");
        }
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> BucketDB.open(dir, Options.defaults().withVariableKeys(12).withValueWidth(8)));
        assertTrue(e.getMessage().contains("variable-length keys (16 bytes inline)"), e.getMessage());
        try (BucketDB db = BucketDB.open(dir)) {
            assertTrue(db.variableKeys(), "opening without widths takes the header's");
            assertArrayEquals(bytes(8, 1), db.get(bytes(3, 1)));
        }
        assertThrows(IllegalArgumentException.class, () -> Options.defaults().withVariableValues(7), "the slot must hold a heap reference");
    }

    @Test
    void zeroCopyReadsWorkOnFixedWidthIndexes() throws Exception {
        try (BucketDB db = BucketDB.open(tmp.resolve("fixed"), Options.defaults().withKeyWidth(4).withValueWidth(6))) {
            db.put(bytes(4, 1), bytes(6, 2));
            MemorySegment dst = MemorySegment.ofArray(new byte[10]);
            assertEquals(6, db.get(bytes(4, 1), dst));
            assertArrayEquals(bytes(6, 2), dst.asSlice(0, 6).toArray(ValueLayout.JAVA_BYTE));
            MemorySegment small = MemorySegment.ofArray(new byte[5]);
            assertEquals(6, db.get(bytes(4, 1), small), "too small: the length, nothing written");
            assertArrayEquals(new byte[5], small.toArray(ValueLayout.JAVA_BYTE));
            assertEquals(-1, db.get(bytes(4, 9), dst));
            ByteBuffer bb = ByteBuffer.allocateDirect(6);
            assertEquals(6, db.get(bytes(4, 1), bb));
            assertEquals(6, bb.position());
            AtomicInteger calls = new AtomicInteger();
            Integer sum = db.get(bytes(4, 1), v -> {
                calls.incrementAndGet();
                int s = 0;
                for (long i = 0; i < v.byteSize(); i++) {
                    s += v.get(ValueLayout.JAVA_BYTE, i);
                }
                return s;
            });
            int expected = 0;
            for (byte x : bytes(6, 2)) {
                expected += x;
            }
            assertEquals(expected, sum);
            assertEquals(1, calls.get(), "no writer: the function runs once");
            assertNull(db.get(bytes(4, 9), v -> fail("not called for an absent key")));
            byte[] arr = new byte[6];
            assertEquals(6, db.get(bytes(4, 1), arr));
            assertArrayEquals(bytes(6, 2), arr);
            assertThrows(IllegalArgumentException.class, () -> db.get(bytes(4, 1), MemorySegment.ofArray(new byte[8]).asReadOnly()));
            // The view is read-only: a writing function fails, and the value is unchanged.
            RuntimeException ro = assertThrows(RuntimeException.class, () -> db.get(bytes(4, 1), v -> {
                v.set(ValueLayout.JAVA_BYTE, 0, (byte) 1);
                return null;
            }));
            assertTrue(ro.getMessage().contains("read-only"), ro.getMessage());
            assertArrayEquals(bytes(6, 2), db.get(bytes(4, 1)));
        }
    }

    @Test
    void overwritesMoveValuesBetweenSlotAndHeapAndFreeTheHeapBlocks() throws Exception {
        Path dir = tmp.resolve("move");
        try (BucketDB db = BucketDB.open(dir, Options.defaults().withVariableKeys(8).withVariableValues(8))) {
            byte[] k = bytes(20, 1);
            for (int len : new int[]{0, 9, 8, 5000, 7, 100_000, 1, 16, 17, 0}) {
                db.put(k, bytes(len, len));
                assertArrayEquals(bytes(len, len), db.get(k), "length " + len);
            }
            db.delete(k);
            assertNull(db.get(k));
            Stats s = db.stats();
            assertEquals(0, s.count());
        }
        try (IndexInspector in = IndexInspector.open(dir)) {
            assertEquals(List.of(), in.verify(), "every replaced block was freed (no leak), zeroed, and on its free list");
            Header h = in.header();
            assertEquals(0, h.heapLargeBlocks, "the large blocks went back to the extent allocator");
            for (int c = 0; c < h.heapBlocks.length; c++) {
                assertEquals(h.heapBlocks[c], h.heapFreeCounts[c], "class " + c + ": every carved block is free again");
            }
        }
    }

    @Test
    void valuesAcrossChunkBoundariesReadWholeThroughEveryPath() throws Exception {
        // 64 KiB chunks: a 300 KB heap block spans several, so the view is a copy and get copies chunk by chunk.
        try (BucketDB db = BucketDB.open(tmp.resolve("chunks"), Options.defaults().withVariableKeys().withVariableValues()
                .withChunking(16, 16))) {
            byte[] big = bytes(300_000, 3);
            db.put(bytes(5, 1), big);
            assertArrayEquals(big, db.get(bytes(5, 1)));
            assertArrayEquals(big, db.get(bytes(5, 1), v -> v.toArray(ValueLayout.JAVA_BYTE)));
            MemorySegment dst = MemorySegment.ofArray(new byte[300_000]);
            assertEquals(300_000, db.get(bytes(5, 1), dst));
            assertArrayEquals(big, dst.toArray(ValueLayout.JAVA_BYTE));
        }
    }

    @Test
    void variableLengthMapViewsTakeAnyLength() throws Exception {
        try (BucketDB db = BucketDB.open(tmp.resolve("map"), Options.defaults().withVariableKeys().withVariableValues())) {
            ConcurrentMap<String, String> m = db.asMap(Codec.UTF8, Codec.UTF8);
            m.put("", "empty key");
            m.put("a much longer key than the inline width of twenty bytes", "x".repeat(10_000));
            assertEquals("empty key", m.get(""));
            assertEquals("x".repeat(10_000), m.get("a much longer key than the inline width of twenty bytes"));
            assertEquals(Map.of("", "empty key", "a much longer key than the inline width of twenty bytes", "x".repeat(10_000)), Map.copyOf(m));
            assertTrue(m.remove("", "empty key"));
            assertEquals(1, m.size());
            String tooLong = "k".repeat(db.maxKeyLength() + 1);
            assertNull(m.get(tooLong), "a key longer than the limit is simply absent");
            assertFalse(m.containsKey(tooLong));
            assertThrows(IllegalArgumentException.class, () -> m.put(tooLong, "v"), "but storing it is refused");
        }
    }

    @Test
    void versionOneTableFilesStillOpenAndAreRewrittenAsVersionTwo() throws Exception {
        // Version 1 predates the keyed hash (HeaderLayout.KEYED_HASH), so start from an index written with the
        // public-secret rapidhash by the code before it (test resource, see its README): 1000 keys k * 0x9E3779B97F4A7C15L -> ~k.
        Path dir = Files.createDirectories(tmp.resolve("v1"));
        Path fixture = Path.of(VariableLengthApiTest.class.getResource("hash/legacy-rapidhash-v3/long").toURI());
        try (var files = Files.list(fixture)) {
            for (Path f : (Iterable<Path>) files::iterator) {
                Files.copy(f, dir.resolve(f.getFileName()));
            }
        }
        Path table = dir.resolve(IndexFileNames.TABLE);
        // Turn both header slots into what BucketDB 0.1 wrote: version 1, 32 free lists, checksum at 704.
        for (int slot = 0; slot < 2; slot++) {
            long at = HeaderLayout.slotOffset(slot);
            ByteBuffer buf = ByteBuffer.allocate(HeaderLayout.SLOT_SIZE).order(ByteOrder.LITTLE_ENDIAN);
            try (FileChannel ch = FileChannel.open(table, StandardOpenOption.READ, StandardOpenOption.WRITE)) {
                ch.read(buf, at);
                buf.flip();
                if (buf.getLong(HeaderLayout.MAGIC_OFFSET) != HeaderLayout.MAGIC) {
                    continue;
                }
                ByteBuffer v1 = ByteBuffer.allocate(HeaderLayout.SLOT_SIZE).order(ByteOrder.LITTLE_ENDIAN);
                v1.put(0, buf, 0, HeaderLayout.V1_CHECKSUM_OFFSET);
                v1.putInt(HeaderLayout.FORMAT_VERSION_OFFSET, 1);
                CRC32C crc = new CRC32C();
                crc.update(v1.duplicate().position(0).limit(HeaderLayout.V1_CHECKSUM_OFFSET));
                v1.putInt(HeaderLayout.V1_CHECKSUM_OFFSET, (int) crc.getValue());
                ch.write(v1, at);
            }
        }
        try (BucketDB db = BucketDB.open(dir)) {
            assertEquals(1000, db.size());
            assertEquals(~100L, db.getLong(100 * 0x9E3779B97F4A7C15L, -1));
            db.putLong(5000, 1);
        }
        ByteBuffer after = ByteBuffer.allocate(HeaderLayout.SLOT_SIZE).order(ByteOrder.LITTLE_ENDIAN);
        try (IndexInspector in = IndexInspector.open(dir)) {
            assertEquals(1001, in.header().count);
            try (FileChannel ch = FileChannel.open(table, StandardOpenOption.READ)) {
                ch.read(after, HeaderLayout.slotOffset(in.activeSlot()));
            }
        }
        assertEquals(HeaderLayout.UNKEYED_FORMAT_VERSION, after.getInt(HeaderLayout.FORMAT_VERSION_OFFSET), "the close wrote a version-2 header");
    }
}
