package io.bucketdb.table;

import io.bucketdb.storage.Layouts;
import io.bucketdb.storage.NativeFileOps;
import io.bucketdb.storage.testkit.Seeds;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.lang.foreign.MemorySegment;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.*;

/**
 * Populating the upper half ahead of an in-place split ({@code Evacuator.populateAhead}, {@code
 * ChunkedMapping.populateForWrite}) changes nothing but which pages are present: a table grown through many doublings
 * with it ends with the same bytes, the same dirty pages (so a checkpoint writes the same pages with the same bytes),
 * the same growth events and the same file end as one grown without it.
 */
class PopulateGrowthTest {
    @TempDir
    Path tmp;

    @Test
    void aTableGrownWithPopulateHasTheSameBytesAndDirtyPages() throws Exception {
        long seed = Seeds.seed();
        Seeds.run(seed, () -> {
            Files.createDirectories(tmp.resolve("plain"));
            Files.createDirectories(tmp.resolve("populated"));
            try (TableFixture plain = new TableFixture(tmp.resolve("plain"), seed);
                 TableFixture populated = new TableFixture(tmp.resolve("populated"), seed)) {
                plain.file.mapping().populating(false);
                populated.file.mapping().populating(true);
                SplittableRandom keys = new SplittableRandom(seed);
                for (int i = 0; i < 200_000; i++) {
                    long k = keys.nextLong();
                    if (i % 7 == 3) {
                        // Deletes as well, so splits meet emptied slots and freed overflow buckets.
                        assertEquals(plain.table.deleteLong(k ^ 1), populated.table.deleteLong(k ^ 1), "delete " + i);
                    }
                    assertEquals(plain.table.putLong(k, i), populated.table.putLong(k, i), "new key or not, put " + i);
                    if (i % 50_000 == 0) {
                        assertArrayEquals(plain.file.dirty().pages(), populated.file.dirty().pages(), "dirty pages at put " + i);
                    }
                }
                assertTrue(populated.doublings >= 8, "expected many doublings, saw " + populated.events);
                assertEquals(0, plain.file.mapping().populatedBytes(), "turned off, nothing is populated");
                if (NativeFileOps.isAvailable()) {
                    assertTrue(populated.file.mapping().populatedBytes() > 1 << 20,
                            "the splits populated only " + populated.file.mapping().populatedBytes() + " bytes");
                }
                assertEquals(plain.events, populated.events);
                assertEquals(plain.file.header().fileEnd, populated.file.header().fileEnd);
                assertArrayEquals(plain.file.dirty().pages(), populated.file.dirty().pages());
                long end = plain.file.header().fileEnd;
                for (long off = 0; off < end; off += 8) {
                    MemorySegment a = plain.file.mapping().segment(off);
                    MemorySegment b = populated.file.mapping().segment(off);
                    long la = a.get(Layouts.LONG, plain.file.mapping().local(off));
                    long lb = b.get(Layouts.LONG, populated.file.mapping().local(off));
                    if (la != lb) {
                        fail("the tables differ at file offset " + off + ": " + la + " without populate, " + lb + " with");
                    }
                }
            }
        });
    }
}
