package io.bucketdb.table;

import io.bucketdb.storage.ChunkedMapping;
import io.bucketdb.storage.FileDurableIO;
import io.bucketdb.storage.HeaderLayout;
import io.bucketdb.storage.Layouts;
import io.bucketdb.storage.NativeFileOps;
import io.bucketdb.storage.TableFile;
import io.bucketdb.storage.testkit.Seeds;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.Arrays;
import java.util.Random;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;

import static org.junit.jupiter.api.Assertions.*;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * The next doubling's space read into the page cache ahead of the writer ({@link HashTable#readAheadStep}, issue 16)
 * never changes the table: a table loaded while another thread prepares and reads ahead as fast as it can, racing the
 * puts, the doublings' in-place splits and the overflow buckets they allocate in that space, ends byte for byte as the
 * same load without it (apply is deterministic, so any byte the read-ahead changed would show), with every entry
 * readable.
 */
class ReadAheadRaceTest {
    @TempDir
    Path dir;

    @Test
    void readingAheadRacingPutsAndSplitsChangesNoByteOfTheTable() throws Exception {
        assumeTrue(NativeFileOps.isAvailable(), "the read-ahead needs Linux and --enable-native-access");
        long seed = Seeds.seed();
        Seeds.run(seed, () -> {
            Random random = new Random(seed);
            int n = 150_000 + random.nextInt(100_000);
            long keySeed = random.nextLong();
            long hashSeed = random.nextLong();
            // 64 KiB alignment and chunks: arrays are whole pieces (split in place) from 2^10 buckets, and a read-ahead
            // slice is cut at many chunk ends.
            try (TableFile plainFile = TableFile.create(FileDurableIO.INSTANCE, dir.resolve("plain.bdb"), 8, 8, 16, hashSeed, 16);
                 TableFile racedFile = TableFile.create(FileDurableIO.INSTANCE, dir.resolve("raced.bdb"), 8, 8, 16, hashSeed, 16)) {
                HashTable plain = HashTable.create(plainFile, GrowthListener.NONE);
                HashTable raced = HashTable.create(racedFile, GrowthListener.NONE);
                load(plain, keySeed, n);
                AtomicBoolean stop = new AtomicBoolean();
                AtomicLong slices = new AtomicLong();
                AtomicReference<Throwable> failure = new AtomicReference<>();
                Thread readerAhead = new Thread(() -> {
                    try {
                        while (!stop.get()) {
                            if (raced.nextArrayWanted()) {
                                raced.prepareNextArray();
                            } else if (raced.readAheadStep()) {
                                slices.incrementAndGet();
                            } else {
                                Thread.onSpinWait();
                            }
                        }
                    } catch (Throwable t) {
                        failure.set(t);
                    }
                }, "reader-ahead");
                readerAhead.start();
                try {
                    load(raced, keySeed, n);
                } finally {
                    stop.set(true);
                    readerAhead.join();
                }
                assertNull(failure.get(), () -> "the reading-ahead thread failed: " + failure.get());
                assertTrue(slices.get() > 0, "the read-ahead ran");
                assertEquals(plainFile.header().fileEnd, racedFile.header().fileEnd, "allocation end");
                assertEquals(plain.size(), raced.size());
                assertSameBytes(plainFile.mapping(), racedFile.mapping(), HeaderLayout.DATA_START, plainFile.header().fileEnd);
                Random keys = new Random(keySeed);
                for (int i = 0; i < n; i++) {
                    long k = keys.nextLong();
                    assertEquals(~k, raced.getLong(k, 0), "key " + i);
                }
            }
        });
    }

    @Test
    void aReadAheadThatCannotRunEndsWithoutAFailure() throws Exception {
        TableFile file = TableFile.create(FileDurableIO.INSTANCE, dir.resolve("t.bdb"), 8, 8, 16, 7, 16);
        HashTable table = HashTable.create(file, GrowthListener.NONE);
        long k = 0;
        for (; k < 20_000; k++) {
            table.putLong(k, ~k);
        }
        for (; !table.nextArrayWanted(); k++) {
            table.putLong(k, ~k);
        }
        table.prepareNextArray();
        assertTrue(table.readAheadWanted(), "the space mapped ahead is to be read ahead");
        file.close(); // the mapping is gone: a slice finds nothing to read ahead
        assertFalse(table.readAheadStep());
        assertFalse(table.readAheadWanted(), "the read-ahead ended");
    }

    private static void load(HashTable table, long keySeed, int n) throws Exception {
        Random keys = new Random(keySeed);
        for (int i = 0; i < n; i++) {
            long k = keys.nextLong();
            table.putLong(k, ~k);
        }
    }

    private static void assertSameBytes(ChunkedMapping a, ChunkedMapping b, long start, long end) {
        for (long off = start; off < end; ) {
            int chunk = a.chunkIndex(off);
            long len = Math.min(end, a.chunkStart(chunk) + a.chunkSize(chunk)) - off;
            byte[] x = a.segment(off).asSlice(a.local(off), len).toArray(Layouts.BYTE);
            byte[] y = b.segment(off).asSlice(b.local(off), len).toArray(Layouts.BYTE);
            int at = Arrays.mismatch(x, y);
            assertEquals(-1, at, "the tables differ at file offset " + (off + at));
            off += len;
        }
    }
}
