package io.bucketdb.inspect;

import io.bucketdb.BucketDB;
import io.bucketdb.Cursor;
import io.bucketdb.Options;
import io.bucketdb.storage.testkit.Seeds;
import io.bucketdb.spi.CorruptIndexException;
import io.bucketdb.storage.ExtentClasses;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.Set;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.*;

/**
 * Issue 15, defect 10: a table page damaged at rest (a flipped byte, a zeroed page) is never served as data.
 * Every read that touches it (get, a cursor, the writer's put) raises a {@link CorruptIndexException} naming the
 * page's offset; reads that do not touch it still return exactly what was written; no read ever returns a missing or
 * an invented entry. For indexes opened for writing and read-only, and through the inspector the tools read with.
 */
class DamagedPageReadTest {
    private static final int KEYS = 20_000;
    private static final long ABSENT = KEYS + 1_000_000L;

    @TempDir
    static Path shared;
    @TempDir
    Path tmp;

    private static Path built;
    private static int bucketSize;

    @BeforeAll
    static void buildIndex() throws IOException {
        built = Indexes.build(shared.resolve("built"), KEYS);
        try (IndexInspector in = IndexInspector.open(built)) {
            bucketSize = in.layout().size();
        }
    }

    /** A damaged copy of the built index: the page holding a random key's bucket, flipped or zeroed. */
    private record Damage(Path dir, long page, Set<Long> mustFail, long key) {
    }

    private Damage damage(long seed, String kind) throws IOException {
        SplittableRandom rnd = new SplittableRandom(seed);
        Path dir = Indexes.copy(built, tmp.resolve("damaged"));
        long key = rnd.nextLong(KEYS);
        long page;
        Set<Long> mustFail = new HashSet<>();
        try (IndexInspector in = IndexInspector.open(dir)) {
            page = in.locate(Indexes.longBytes(key)).foundBucketOffset() & -ExtentClasses.PAGE_SIZE;
            // Every key whose own bucket lies (partly) on the page must be refused.
            for (long k = 0; k < KEYS; k++) {
                long b = in.locate(Indexes.longBytes(k)).foundBucketOffset();
                if (b < page + ExtentClasses.PAGE_SIZE && b + bucketSize > page) {
                    mustFail.add(k);
                }
            }
        }
        if (kind.equals("flip")) {
            long at = page + rnd.nextInt(ExtentClasses.PAGE_SIZE);
            int old = Indexes.read(dir, at, 1)[0];
            Indexes.writeByte(dir, at, old ^ (1 + rnd.nextInt(255)));
        } else {
            Indexes.write(dir, page, new byte[ExtentClasses.PAGE_SIZE]);
        }
        return new Damage(dir, page, mustFail, key);
    }

    /** Asserts {@code e} is the damage report of {@code page}, wrapped as the map-style methods wrap damage. */
    private static void assertPageDamage(RuntimeException e, long page) {
        CorruptIndexException c = assertInstanceOf(CorruptIndexException.class, e.getCause(), () -> "not a damage report: " + e);
        assertEquals(page, c.offset(), () -> "the damaged page's offset: " + c.getMessage());
        assertTrue(c.getMessage().contains("CRC32C"), c::getMessage);
    }

    @ParameterizedTest(name = "{0} page, {1}")
    @CsvSource({"flip, writable", "zero, writable", "flip, read-only", "zero, read-only"})
    void shouldRefuseEveryReadOfADamagedPageAndServeTheRest(String kind, String mode) throws Exception {
        long seed = Seeds.seed();
        Seeds.run(seed, () -> {
            Damage d = damage(seed, kind);
            Options options = Indexes.options().withReadOnly(mode.equals("read-only"));
            try (BucketDB db = BucketDB.open(d.dir(), options)) {
                int refused = 0;
                for (long k = 0; k < KEYS; k++) {
                    try {
                        assertEquals(Indexes.value(k), db.getLong(k, -1), "key " + k + " (damaged page at " + d.page() + ")");
                        assertFalse(d.mustFail().contains(k), "key " + k + " lives on the damaged page at " + d.page() + " and was served");
                    } catch (UncheckedIOException e) {
                        assertPageDamage(e, d.page());
                        refused++;
                    }
                }
                assertTrue(refused >= d.mustFail().size() && refused > 0, refused + " refused of " + d.mustFail().size());
                for (long k = ABSENT; k < ABSENT + 2_000; k++) {
                    try {
                        assertEquals(-1, db.getLong(k, -1), "absent key " + k + " was invented");
                    } catch (UncheckedIOException e) {
                        assertPageDamage(e, d.page());
                    }
                }
                // A cursor walks every bucket, so it meets the page; what it returned before is exactly what was written.
                Cursor c = db.cursor();
                UncheckedIOException walked = assertThrows(UncheckedIOException.class, () -> {
                    while (c.next()) {
                        long k = c.keyLong();
                        assertTrue(k >= 0 && k < KEYS, "invented key " + k);
                        assertEquals(Indexes.value(k), c.valueLong(), "key " + k);
                    }
                });
                assertPageDamage(walked, d.page());
                if (!options.readOnly()) {
                    // The writer reads the bucket before it changes it: no write builds on the damaged page.
                    UncheckedIOException put = assertThrows(UncheckedIOException.class, () -> db.putLong(d.key(), 1));
                    assertPageDamage(put, d.page());
                }
            }
        });
    }

    @Test
    void shouldRefuseADamagedPageInTheInspectorThatToolsReadThrough() throws Exception {
        long seed = Seeds.seed();
        Seeds.run(seed, () -> {
            Damage d = damage(seed, "flip");
            try (IndexInspector in = IndexInspector.open(d.dir())) {
                CorruptIndexException e = assertThrows(CorruptIndexException.class, () -> in.forEach((key, value) -> {
                    long k = java.nio.ByteBuffer.wrap(key).order(java.nio.ByteOrder.LITTLE_ENDIAN).getLong();
                    assertTrue(k >= 0 && k < KEYS, "invented key " + k);
                    assertEquals(Indexes.value(k), java.nio.ByteBuffer.wrap(value).order(java.nio.ByteOrder.LITTLE_ENDIAN).getLong());
                }));
                assertEquals(d.page(), e.offset(), () -> "the damaged page's offset: " + e.getMessage()); // as the walk declares it
                assertPageDamage(assertThrows(UncheckedIOException.class, () -> in.getLong(d.key(), -1)), d.page());
                // verify reads past it and reports the page, as before.
                assertTrue(in.verify().stream().anyMatch(p -> p.offset() == d.page() && p.expected().startsWith("page ")),
                        () -> "verify names page " + d.page());
            }
        });
    }

    @Test
    void shouldRefuseToOpenOverADamagedPieceDirectory() throws Exception {
        Path dir = Indexes.copy(built, tmp.resolve("dir-damaged"));
        long dirPage;
        try (IndexInspector in = IndexInspector.open(dir)) {
            dirPage = in.header().bucketDir & -ExtentClasses.PAGE_SIZE;
        }
        // A byte after the piece offsets: the directory still parses, only its checksum tells.
        long at = dirPage + ExtentClasses.PAGE_SIZE - 1;
        Indexes.writeByte(dir, at, Indexes.read(dir, at, 1)[0] ^ 0x40);
        for (boolean readOnly : new boolean[]{false, true}) {
            CorruptIndexException e = assertThrows(CorruptIndexException.class,
                    () -> BucketDB.open(dir, Indexes.options().withReadOnly(readOnly)).close(), "read-only " + readOnly);
            assertEquals(dirPage, e.offset(), e::getMessage);
        }
    }
}
