package io.bucketdb.table;

import io.bucketdb.storage.Layouts;
import io.bucketdb.storage.testkit.Seeds;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.lang.foreign.MemorySegment;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.*;

/**
 * {@link HashTable#touchLong}, the bulk applier's read-ahead, changes nothing: a table whose puts are interleaved with
 * touches of present, absent and future keys, through doublings (copying and in-place splits), ends with the same
 * bytes, the same dirty pages and the same growth state as one fed the same puts alone.
 */
class TouchLongTest {
    @TempDir
    Path tmp;

    @Test
    void touchesChangeNoByteAndNoDirtyPage() throws Exception {
        long seed = Seeds.seed();
        Seeds.run(seed, () -> {
            Files.createDirectories(tmp.resolve("plain"));
            Files.createDirectories(tmp.resolve("touched"));
            try (TableFixture plain = new TableFixture(tmp.resolve("plain"), seed);
                 TableFixture touched = new TableFixture(tmp.resolve("touched"), seed)) {
                SplittableRandom keys = new SplittableRandom(seed);
                SplittableRandom probes = new SplittableRandom(~seed);
                long[] recent = new long[64];
                int touchedWhileGrowing = 0;
                for (int i = 0; i < 150_000; i++) {
                    long k = keys.nextLong();
                    recent[i & 63] = k;
                    long dirtyBefore = touched.file.dirty().count();
                    long[] progressBefore = touched.table.growthProgress();
                    // A present key, an absent one, and the key about to be put.
                    touched.table.touchLong(recent[probes.nextInt(64)]);
                    touched.table.touchLong(probes.nextLong());
                    touched.table.touchLong(k);
                    assertEquals(dirtyBefore, touched.file.dirty().count(), "dirty pages after touches, put " + i);
                    assertArrayEquals(progressBefore, touched.table.growthProgress(), "growth progress after touches, put " + i);
                    if (touched.growing()) {
                        touchedWhileGrowing++;
                    }
                    assertEquals(plain.table.putLong(k, i), touched.table.putLong(k, i), "new key or not, put " + i);
                }
                assertTrue(touched.doublings >= 8, "expected many doublings, saw " + touched.events);
                assertTrue(touchedWhileGrowing > 1000, "touched during growth only " + touchedWhileGrowing + " times");
                assertEquals(plain.events, touched.events);
                assertEquals(plain.file.header().fileEnd, touched.file.header().fileEnd);
                assertArrayEquals(plain.file.dirty().pages(), touched.file.dirty().pages());
                long end = plain.file.header().fileEnd;
                for (long off = 0; off < end; off += 8) {
                    MemorySegment a = plain.file.mapping().segment(off);
                    MemorySegment b = touched.file.mapping().segment(off);
                    long la = a.get(Layouts.LONG, plain.file.mapping().local(off));
                    long lb = b.get(Layouts.LONG, touched.file.mapping().local(off));
                    if (la != lb) {
                        fail("the tables differ at file offset " + off + ": " + la + " without touches, " + lb + " with");
                    }
                }
            }
        });
    }
}
