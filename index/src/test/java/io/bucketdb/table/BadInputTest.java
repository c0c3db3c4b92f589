package io.bucketdb.table;

import io.bucketdb.BucketDB;
import io.bucketdb.Cursor;
import io.bucketdb.Options;
import io.bucketdb.storage.testkit.Seeds;
import io.bucketdb.spi.CorruptIndexException;
import io.bucketdb.storage.FileDurableIO;
import io.bucketdb.storage.HeaderLayout;
import io.bucketdb.storage.IndexFileNames;
import io.bucketdb.storage.TableFile;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.*;

/**
 * Bad input gets a clear error and loses nothing: files that are not indexes, truncated or
 * bit-flipped headers, overflow references out of the file, chain cycles, wrong widths and a
 * second writer. The timeout is a hang guard, not a speed assertion.
 */
@Timeout(120)
class BadInputTest {
    @TempDir
    Path tmp;

    private Path build(String name, int keys) throws IOException {
        Path dir = tmp.resolve(name);
        try (BucketDB db = BucketDB.open(dir, Options.defaults().withChunking(16, 16).withDurability(io.bucketdb.Durability.ASYNC))) {
            for (long k = 0; k < keys; k++) {
                db.putLong(k * 7919, k);
            }
        }
        return dir;
    }

    @Test
    void aDirectoryPathThatIsAFileIsRefused() throws IOException {
        Path f = Files.writeString(tmp.resolve("plain"), "hello");
        IOException e = assertThrows(IOException.class, () -> BucketDB.open(f));
        assertTrue(e.getMessage().contains("not a directory"), e.getMessage());
    }

    @Test
    void aFileThatIsNotAnIndexIsCorrupt() throws IOException {
        Path dir = Files.createDirectories(tmp.resolve("junk"));
        byte[] junk = new byte[20_000];
        new SplittableRandom(1).nextBytes(junk);
        Files.write(dir.resolve(IndexFileNames.TABLE), junk);
        CorruptIndexException e = assertThrows(CorruptIndexException.class, () -> BucketDB.open(dir));
        assertEquals(dir.resolve(IndexFileNames.TABLE), e.file());
        assertTrue(e.getMessage().contains("not a BucketDB table file"), e.getMessage());
        assertEquals(20_000, Files.size(dir.resolve(IndexFileNames.TABLE)), "the file is left as it was");
    }

    @Test
    void aTruncatedFileIsCorrupt() throws IOException {
        Path dir = build("trunc", 100);
        try (FileChannel ch = FileChannel.open(dir.resolve(IndexFileNames.TABLE), StandardOpenOption.WRITE)) {
            ch.truncate(5000);
        }
        CorruptIndexException e = assertThrows(CorruptIndexException.class, () -> BucketDB.open(dir));
        assertTrue(e.getMessage().contains("at least 8192 bytes"), e.getMessage());
    }

    @Test
    void aFileCutShortOfItsAllocationEndIsCorrupt() throws IOException {
        Path dir = build("cut", 20_000);
        Path file = dir.resolve(IndexFileNames.TABLE);
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.WRITE)) {
            // Well inside the allocated space: the file's size may run far past its allocation end (the background
            // thread maps the next doubling's space ahead, and a clean close punches it out but keeps the size).
            ch.truncate(Math.min(ch.size() / 2, 64 * 1024));
        }
        CorruptIndexException e = assertThrows(CorruptIndexException.class, () -> BucketDB.open(dir));
        assertTrue(e.getMessage().contains("allocation end"), e.getMessage());
    }

    @Test
    void aDamagedOlderHeaderSlotIsIgnoredAndADamagedNewestOneIsRepairedFromTheDoubleWrite() throws IOException {
        Path dir = build("slots", 1000);
        Path file = dir.resolve(IndexFileNames.TABLE);
        int active;
        try (TableFile tf = TableFile.open(FileDurableIO.INSTANCE, file, true, 30)) {
            active = tf.activeSlot();
        }
        flipByte(file, HeaderLayout.slotOffset(1 - active) + HeaderLayout.COUNT_OFFSET);
        try (BucketDB db = BucketDB.open(dir, Options.defaults().withReadOnly(true))) {
            assertEquals(1000, db.size(), "the newest header is intact, the older one does not matter");
        }
        flipByte(file, HeaderLayout.slotOffset(1 - active) + HeaderLayout.COUNT_OFFSET); // restore it
        flipByte(file, HeaderLayout.slotOffset(active) + HeaderLayout.COUNT_OFFSET);
        try (BucketDB db = BucketDB.open(dir)) {
            assertTrue(db.recovery().checkpointFinished(), "the double-write file still holds the newest header");
            assertEquals(1000, db.size());
            for (long k = 0; k < 1000; k++) {
                assertEquals(k, db.getLong(k * 7919, -1));
            }
        }
        try (TableFile tf = TableFile.open(FileDurableIO.INSTANCE, file, true, 30)) {
            active = tf.activeSlot();
        }
        flipByte(file, HeaderLayout.slotOffset(active) + HeaderLayout.COUNT_OFFSET);
        Files.delete(dir.resolve(io.bucketdb.recovery.DoubleWriteLayout.FILE_NAME));
        CorruptIndexException e = assertThrows(CorruptIndexException.class, () -> BucketDB.open(dir));
        assertEquals(HeaderLayout.slotOffset(active) + HeaderLayout.CHECKSUM_OFFSET, e.offset(), e.getMessage());
        assertTrue(e.getMessage().contains("CRC32C"), e.getMessage());
    }

    @Test
    void anOverflowReferenceOutsideTheFileIsCorruptNotACrash() throws IOException {
        Path dir = build("ovf", 30_000);
        Path file = dir.resolve(IndexFileNames.TABLE);
        long at = firstOverflowField(file);
        writeLong(file, at, Files.size(file) + 1_000_000);
        try (BucketDB db = BucketDB.open(dir)) {
            UncheckedIOException e = assertThrows(UncheckedIOException.class, () -> {
                for (long k = 0; k < 30_000; k++) {
                    db.getLong(k * 7919, -1);
                }
            });
            assertInstanceOf(CorruptIndexException.class, e.getCause());
            assertThrows(UncheckedIOException.class, () -> drain(db.cursor()));
        }
    }

    @Test
    void anOverflowChainCycleIsCorruptNotAHang() throws IOException {
        Path dir = build("cycle", 30_000);
        Path file = dir.resolve(IndexFileNames.TABLE);
        long at = firstOverflowField(file);
        long primary = at - (8 + 8 * 8 + 8 * 8);
        // A full primary bucket whose overflow reference points at itself: lookups that miss must follow it.
        writeLong(file, at, primary);
        try (BucketDB db = BucketDB.open(dir)) {
            UncheckedIOException e = assertThrows(UncheckedIOException.class, () -> {
                for (long k = 0; k < 300_000; k++) {
                    db.getLong(k * 7919 + 1, -1);
                }
            });
            assertInstanceOf(CorruptIndexException.class, e.getCause());
            UncheckedIOException w = assertThrows(UncheckedIOException.class, () -> {
                for (long k = 0; k < 300_000; k++) {
                    db.putLong(-k - 1, 1);
                }
            }, "a write that walks the cycle");
            assertInstanceOf(CorruptIndexException.class, w.getCause());
            assertTrue(w.getCause().getMessage().contains("cycle"), w.getCause().getMessage());
        }
    }

    @Test
    void wrongWidthsNameTheExpectedWidth() throws IOException {
        try (BucketDB db = BucketDB.open(tmp.resolve("w"), Options.defaults().withKeyWidth(16).withValueWidth(4))) {
            IllegalArgumentException k = assertThrows(IllegalArgumentException.class, () -> db.put(new byte[8], new byte[4]));
            assertTrue(k.getMessage().contains("key must be 16 bytes"), k.getMessage());
            IllegalArgumentException v = assertThrows(IllegalArgumentException.class, () -> db.put(new byte[16], new byte[8]));
            assertTrue(v.getMessage().contains("value must be 4 bytes"), v.getMessage());
            IllegalArgumentException l = assertThrows(IllegalArgumentException.class, () -> db.putLong(1, 2));
            assertTrue(l.getMessage().contains("8-byte keys and values"), l.getMessage());
            assertEquals(0, db.size(), "nothing was written");
        }
    }

    @Test
    void openingWithOtherExplicitWidthsNamesTheStoredOnes() throws IOException {
        Path dir = tmp.resolve("widths");
        try (BucketDB db = BucketDB.open(dir, Options.defaults().withKeyWidth(16))) {
            db.put(new byte[16], new byte[8]);
        }
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> BucketDB.open(dir, Options.defaults().withKeyWidth(8)));
        assertTrue(e.getMessage().contains("stores 16-byte keys"), e.getMessage());
        try (BucketDB db = BucketDB.open(dir)) {
            assertEquals(16, db.keyWidth(), "without explicit widths the stored ones are used");
            assertEquals(1, db.size());
        }
    }

    @Test
    void aSecondWriterIsRefusedWithTheLockNamed() throws IOException {
        Path dir = tmp.resolve("lock");
        try (BucketDB db = BucketDB.open(dir)) {
            db.putLong(1, 1);
            IOException e = assertThrows(IOException.class, () -> BucketDB.open(dir));
            assertTrue(e.getMessage().contains("LOCK") && e.getMessage().contains("pid " + ProcessHandle.current().pid()), e.getMessage());
            try (BucketDB ro = BucketDB.open(dir, Options.defaults().withReadOnly(true))) {
                assertThrows(IllegalStateException.class, () -> ro.putLong(2, 2));
            }
        }
        try (BucketDB again = BucketDB.open(dir)) {
            assertEquals(1, again.getLong(1, -1), "the lock is released at close");
        }
    }

    @Test
    void closedIndexRejectsCalls() throws IOException {
        BucketDB db = BucketDB.open(tmp.resolve("closed"));
        db.close();
        assertThrows(IllegalStateException.class, () -> db.putLong(1, 1));
        assertThrows(IllegalStateException.class, () -> db.getLong(1, 0));
        db.close();
    }

    @Test
    void randomDamageNeverHangsOrCrashes() throws Exception {
        long seed = Seeds.seed();
        Seeds.run(seed, () -> {
            Path dir = build("fuzz", 5000);
            Path file = dir.resolve(IndexFileNames.TABLE);
            byte[] pristine = Files.readAllBytes(file);
            SplittableRandom rnd = new SplittableRandom(seed);
            for (int round = 0; round < 60; round++) {
                byte[] damaged = pristine.clone();
                for (int f = 0; f < 1 + rnd.nextInt(20); f++) {
                    int at = rnd.nextInt(damaged.length);
                    damaged[at] = (byte) rnd.nextInt(256);
                }
                Files.write(file, damaged);
                try (BucketDB db = BucketDB.open(dir, Options.defaults().withReadOnly(true))) {
                    drain(db.cursor());
                    for (long k = 0; k < 5000; k++) {
                        db.getLong(k * 7919, -1);
                    }
                } catch (CorruptIndexException | UncheckedIOException expected) {
                    // Damage found: fine. Anything else (IndexOutOfBounds, OOM, a hang) fails the test.
                }
            }
        });
    }

    private static void drain(Cursor c) {
        while (c.next()) {
            c.keyLong();
        }
    }

    /** The file offset of the overflow field of a primary bucket that has an overflow bucket. */
    private static long firstOverflowField(Path file) throws IOException {
        try (TableFile tf = TableFile.open(FileDurableIO.INSTANCE, file, true, 30)) {
            HashTable t = HashTable.open(tf, GrowthListener.NONE);
            ArraySnapshot g = t.snapshot();
            for (long b = 0; b <= g.mask; b++) {
                long field = g.bucketOffset(b) + t.overflowOffset();
                if (tf.getLong(field) != 0) {
                    return field;
                }
            }
        }
        throw new AssertionError("no overflow chain in the test index");
    }

    private static void flipByte(Path file, long at) throws IOException {
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ, StandardOpenOption.WRITE)) {
            ByteBuffer b = ByteBuffer.allocate(1);
            ch.read(b, at);
            b.put(0, (byte) (b.get(0) ^ 0x10)).rewind();
            ch.write(b, at);
        }
    }

    private static long readLong(Path file, long at) throws IOException {
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
            ByteBuffer b = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN);
            ch.read(b, at);
            return b.getLong(0);
        }
    }

    private static void writeLong(Path file, long at, long value) throws IOException {
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.WRITE)) {
            ch.write(ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(0, value), at);
        }
    }
}
