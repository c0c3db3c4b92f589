package io.bucketdb.table;

import io.bucketdb.BucketDB;
import io.bucketdb.Durability;
import io.bucketdb.Options;
import io.bucketdb.Stats;
import io.bucketdb.inspect.IndexInspector;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.io.IOException;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.*;

/** {@link Options#withExpectedEntries}: a new index starts at the B growth would reach, and loading that many keys never grows it. */
class ExpectedEntriesTest {
    @TempDir
    Path tmp;

    private static Options options() {
        return Options.defaults().withChunking(16, 16).withHashSeed(0xE4EC7EDL).withDurability(Durability.ASYNC);
    }

    @ParameterizedTest
    @CsvSource({"0, 0", "1, 0", "8, 0", "9, 1", "13, 1", "14, 2", "26, 2", "27, 3", "6656, 10", "6657, 11", "6815744, 20"})
    void shouldPickTheSmallestBWithinTheLoadFactor(long entries, int b) {
        assertEquals(b, HashTable.bFor(entries), "6.5 * 2^B must hold " + entries);
    }

    @Test
    void shouldMatchTheBThatGrowthReaches() throws IOException {
        long n = 20_000;
        try (BucketDB grown = BucketDB.open(tmp.resolve("grown"), options())) {
            for (long k = 0; k < n; k++) {
                grown.putLong(k, k);
            }
            assertEquals(HashTable.bFor(n), grown.stats().b());
        }
    }

    @Test
    void shouldCreateAtThatBAndLoadWithoutGrowing() throws IOException {
        long n = 6656; // exactly 6.5 per bucket at B = 10: the most that B holds
        Path dir = tmp.resolve("sized");
        try (BucketDB db = BucketDB.open(dir, options().withExpectedEntries(n))) {
            Stats empty = db.stats();
            assertEquals(10, empty.b());
            assertEquals(0, empty.count());
            for (long k = 0; k < n; k++) {
                db.putLong(k, k * 3);
            }
            Stats full = db.stats();
            assertEquals(10, full.b(), "no doubling while loading the expected count");
            assertFalse(full.growing(), "no growth of any kind in progress");
            assertTrue(full.overflowBuckets() < full.buckets(), "no same-size growth was due either");
        }
        try (BucketDB db = BucketDB.open(dir, options().withExpectedEntries(1_000_000))) {
            assertEquals(10, db.stats().b(), "an existing index keeps its B");
            for (long k = 0; k < n; k++) {
                assertEquals(k * 3, db.getLong(k, -1));
            }
            db.putLong(n, 1);
            assertEquals(11, db.stats().b(), "one more key than 6.5 per bucket doubles as usual");
        }
        try (IndexInspector in = IndexInspector.open(dir)) {
            assertEquals(java.util.List.of(), in.verify(), "the unwritten array reads as empty buckets");
        }
    }

    @Test
    void shouldSizeByteKeyedIndexesToo() throws IOException {
        Path dir = tmp.resolve("bytes");
        try (BucketDB db = BucketDB.open(dir, options().withKeyWidth(20).withValueWidth(3).withExpectedEntries(100_000))) {
            assertEquals(HashTable.bFor(100_000), db.stats().b());
            assertEquals(14, db.stats().b());
            for (int i = 0; i < 100_000; i++) {
                byte[] key = new byte[20];
                java.nio.ByteBuffer.wrap(key).putInt(i).putInt(~i);
                db.put(key, new byte[]{(byte) i, (byte) (i >> 8), (byte) (i >> 16)});
            }
            assertEquals(14, db.stats().b());
            assertFalse(db.stats().growing());
        }
    }

    @Test
    void shouldRejectANegativeCount() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Options.defaults().withExpectedEntries(-1));
        assertEquals("expected entries must be 0 or more, got -1", e.getMessage());
    }
}
