package io.bucketdb.table;

import io.bucketdb.storage.Layouts;
import io.bucketdb.storage.testkit.Seeds;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.*;

/**
 * {@link HashTable#putLong}'s own path ({@code TableWrites.putLong}, issue 16) makes what the generic put makes: a table
 * fed 8-byte puts as longs and one fed the same puts as little-endian byte arrays, with overwrites and deletes between
 * them and through doublings (in-place splits, overflow chains), answer every put alike and end with the same bytes,
 * the same dirty pages and the same growth events. Replay and the live writer both take the long path, so a difference
 * here would be a difference between an index and a put-by-put rebuild of it through the byte API.
 */
class PutLongTest {
    @TempDir
    Path tmp;

    @Test
    void theLongPathMakesTheSameTableAsTheBytePath() throws Exception {
        long seed = Seeds.seed();
        Seeds.run(seed, () -> {
            Files.createDirectories(tmp.resolve("bytes"));
            Files.createDirectories(tmp.resolve("longs"));
            try (TableFixture bytes = new TableFixture(tmp.resolve("bytes"), seed);
                 TableFixture longs = new TableFixture(tmp.resolve("longs"), seed)) {
                SplittableRandom r = new SplittableRandom(seed);
                long[] recent = new long[256];
                int overwrites = 0;
                int putsWhileGrowing = 0;
                for (int i = 0; i < 150_000; i++) {
                    int op = r.nextInt(10);
                    long k = op < 2 ? recent[r.nextInt(recent.length)] : r.nextLong();
                    if (op == 9) {
                        assertEquals(bytes.table.delete(le(k)), longs.table.deleteLong(k), "key present or not, delete " + i);
                        continue;
                    }
                    recent[i & 255] = k;
                    long v = r.nextLong();
                    if (longs.growing()) {
                        putsWhileGrowing++;
                    }
                    boolean added = longs.table.putLong(k, v);
                    assertEquals(bytes.table.put(le(k), le(v)), added, "new key or not, put " + i);
                    if (!added) {
                        overwrites++;
                    }
                    assertEquals(bytes.table.size(), longs.table.size(), "count after op " + i);
                }
                assertTrue(longs.doublings >= 8, "expected many doublings, saw " + longs.events);
                assertTrue(overwrites > 10_000, "only " + overwrites + " overwrites");
                assertTrue(putsWhileGrowing > 1000, "only " + putsWhileGrowing + " puts during growth");
                assertEquals(bytes.events, longs.events);
                assertEquals(bytes.file.header().fileEnd, longs.file.header().fileEnd);
                assertEquals(bytes.file.header().noverflow, longs.file.header().noverflow);
                assertArrayEquals(bytes.file.dirty().pages(), longs.file.dirty().pages());
                long end = bytes.file.header().fileEnd;
                for (long off = 0; off < end; off += 8) {
                    long a = bytes.file.mapping().segment(off).get(Layouts.LONG, bytes.file.mapping().local(off));
                    long b = longs.file.mapping().segment(off).get(Layouts.LONG, longs.file.mapping().local(off));
                    if (a != b) {
                        fail("the tables differ at file offset " + off + ": " + a + " through the byte path, " + b
                                + " through the long path");
                    }
                }
            }
        });
    }

    private static byte[] le(long x) {
        return ByteBuffer.allocate(Long.BYTES).order(ByteOrder.LITTLE_ENDIAN).putLong(x).array();
    }
}
