package io.bucketdb.table;

import io.bucketdb.BucketDB;
import io.bucketdb.Durability;
import io.bucketdb.Options;
import io.bucketdb.storage.testkit.Seeds;
import io.bucketdb.spi.CorruptIndexException;
import io.bucketdb.storage.FileDurableIO;
import io.bucketdb.storage.HeaderLayout;
import io.bucketdb.storage.IndexFileNames;
import io.bucketdb.storage.TableFile;
import io.bucketdb.storage.sim.CrashMode;
import io.bucketdb.storage.sim.CrashSimulator;
import org.apache.commons.io.FileUtils;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.*;

/**
 * Damage at rest to a header slot (issue 15, defect 8). A flipped bit in the older slot, in its generation
 * field too (which used to make it claim to be newer, and open refused), is ignored while the newest slot is
 * valid: open, read-only or for writing, of a cleanly closed or a crashed index, returns every entry; the next
 * checkpoint rewrites that slot. A flipped bit in the newest slot is still repaired from the double-write
 * file's header image on an open for writing; a read-only open, which cannot repair, refuses it when the
 * damaged slot claims the newer generation. The timeout is a hang guard.
 */
@Timeout(300)
class HeaderSlotDamageTest {
    static final int BEFORE = 3000;
    static final int AFTER = 500;

    @TempDir
    Path tmp;

    private static Options options() {
        return Options.defaults().withChunking(16, 16).withHashSeed(17).withDurability(Durability.ASYNC)
                .withJournalSegmentSize(256 << 10)
                .withCheckpointTriggers(1L << 30, 1L << 30, Duration.ofHours(1));
    }

    /** Closed cleanly after three checkpoints: both slots hold valid headers. */
    private Path closed() throws IOException {
        Path dir = tmp.resolve("closed");
        try (BucketDB db = BucketDB.open(dir, options())) {
            for (int i = 0; i < BEFORE + AFTER; i++) {
                db.putLong(i, i * 3L);
                if (i % 1000 == 999) {
                    db.checkpoint();
                }
            }
        }
        return dir;
    }

    /** A crash image: checkpoints, then {@value #AFTER} SYNC puts only in the journal. */
    private Path crashed() throws IOException {
        Path live = tmp.resolve("live");
        CrashSimulator sim = new CrashSimulator();
        BucketDB db = BucketDB.open(live, options().withDurableIO(sim).withDurability(Durability.SYNC));
        for (int i = 0; i < BEFORE + AFTER; i++) {
            db.putLong(i, i * 3L);
            if (i % 1000 == 999 && i < BEFORE) {
                db.checkpoint();
            }
        }
        Path image = tmp.resolve("crashed");
        sim.writeCrashImage(live, image, CrashMode.KEEP_ALL);
        try {
            db.close();
        } catch (Exception | AssertionError expected) {
            // abandoned as a killed process leaves it; close only releases what it holds
        }
        return image;
    }

    @Test
    void aFlippedBitInTheOlderSlotOfAClosedIndexIsIgnored() throws Exception {
        olderSlotDamageIsIgnored(closed());
    }

    @Test
    void aFlippedBitInTheOlderSlotOfACrashedIndexIsIgnored() throws Exception {
        olderSlotDamageIsIgnored(crashed());
    }

    @Test
    void aFlippedBitInTheNewestSlotIsRepairedFromTheDoubleWriteFile() throws Exception {
        newestSlotDamageIsRepaired(closed());
        newestSlotDamageIsRepaired(crashed());
    }

    private void olderSlotDamageIsIgnored(Path base) throws Exception {
        Path table = base.resolve(IndexFileNames.TABLE);
        int active = activeSlot(table);
        long readOnlySize = readOnlySize(base);
        long older = HeaderLayout.slotOffset(1 - active);
        long seed = Seeds.seed();
        SplittableRandom random = new SplittableRandom(seed);
        Seeds.run(seed, () -> {
            // Every bit of the generation field: a read-only open each, an open for writing for every eighth
            // bit (the high ones make the slot claim a newer generation, the ones set in it an older one).
            for (int bit = 0; bit < 64; bit++) {
                long at = older + HeaderLayout.GENERATION_OFFSET + bit / 8;
                String where = base.getFileName() + ": bit " + bit + " of the older slot's generation";
                damaged(base, at, bit % 8, where, readOnlySize, bit % 8 == random.nextInt(8));
            }
            // One bit in every 8-byte field of the older slot, and a few beyond the fields (the CRC covers them).
            for (long field = 0; field < HeaderLayout.SIZE + 64; field += 8) {
                long at = older + field + random.nextInt(8);
                int bit = random.nextInt(8);
                damaged(base, at, bit, base.getFileName() + ": bit " + bit + " at slot offset " + (at - older)
                        + " of the older slot", readOnlySize, random.nextInt(16) == 0);
            }
        });
    }

    /**
     * Flips {@code bit} at {@code at} of {@code base}'s table: a read-only open sees every entry of the
     * checkpoint; then, if {@code writable}, an open for writing of a copy sees every entry, and its next
     * checkpoint rewrites the damaged slot.
     */
    private void damaged(Path base, long at, int bit, String where, long readOnlySize, boolean writable) throws IOException {
        Path table = base.resolve(IndexFileNames.TABLE);
        flip(table, at, bit);
        try (BucketDB db = BucketDB.open(base, options().withReadOnly(true))) {
            assertEquals(readOnlySize, db.size(), where + ", read-only");
            for (int i = 0; i < readOnlySize; i++) {
                assertEquals(i * 3L, db.getLong(i, -1), where + ", read-only, key " + i);
            }
        } catch (CorruptIndexException e) {
            throw new AssertionError(where + ": read-only open refused: " + e.getMessage(), e);
        }
        Path copy = tmp.resolve("copy");
        if (writable) {
            FileUtils.deleteDirectory(copy.toFile());
            FileUtils.copyDirectory(base.toFile(), copy.toFile());
        }
        flip(table, at, bit); // the read-only open wrote nothing: restored
        if (!writable) {
            return;
        }
        try (BucketDB db = BucketDB.open(copy, options())) {
            assertEquals(BEFORE + AFTER, db.size(), where);
            for (int i = 0; i < BEFORE + AFTER; i++) {
                assertEquals(i * 3L, db.getLong(i, -1), where + ", key " + i);
            }
            db.putLong(-1, 1);
            db.checkpoint(); // writes the damaged slot
        } catch (CorruptIndexException e) {
            throw new AssertionError(where + ": open refused: " + e.getMessage(), e);
        }
        try (TableFile t = TableFile.open(FileDurableIO.INSTANCE, copy.resolve(IndexFileNames.TABLE), true, 30)) {
            assertTrue(t.header().generation > 0, where);
        }
        try (BucketDB db = BucketDB.open(copy, options().withReadOnly(true))) {
            assertEquals(BEFORE + AFTER + 1, db.size(), where + ", after the repairing checkpoint and close");
        }
    }

    private void newestSlotDamageIsRepaired(Path base) throws Exception {
        Path table = base.resolve(IndexFileNames.TABLE);
        int active = activeSlot(table);
        long generation;
        try (TableFile t = TableFile.open(FileDurableIO.INSTANCE, table, true, 30)) {
            generation = t.header().generation;
        }
        long seed = Seeds.seed();
        SplittableRandom random = new SplittableRandom(seed);
        for (int k = 0; k < 10; k++) {
            // A seeded sample of the 64 bits (each open for writing repairs a copy), always the lowest and the sign bit.
            int bit = k == 0 ? 0 : k == 1 ? 63 : random.nextInt(64);
            String where = "seed " + seed + ", " + base.getFileName() + ": bit " + bit + " of the newest slot's generation "
                    + generation;
            Path copy = tmp.resolve("copy");
            FileUtils.deleteDirectory(copy.toFile());
            FileUtils.copyDirectory(base.toFile(), copy.toFile());
            flip(copy.resolve(IndexFileNames.TABLE), HeaderLayout.slotOffset(active) + HeaderLayout.GENERATION_OFFSET + bit / 8,
                    bit % 8);
            // A read-only view repairs the slot in its copy of the table, from the double-write file, as an open for
            // writing does in the file, and writes nothing.
            byte[] damaged = Files.readAllBytes(copy.resolve(IndexFileNames.TABLE));
            try (BucketDB view = BucketDB.open(copy, options().withReadOnly(true))) {
                assertEquals(BEFORE + AFTER, view.size(), where + ": read-only view");
                for (int i = 0; i < BEFORE + AFTER; i++) {
                    assertEquals(i * 3L, view.getLong(i, -1), where + ", read-only view, key " + i);
                }
            }
            assertArrayEquals(damaged, Files.readAllBytes(copy.resolve(IndexFileNames.TABLE)), where + ": the view wrote nothing");
            try (BucketDB db = BucketDB.open(copy, options())) {
                assertTrue(db.recovery().checkpointFinished(), where + ": the double-write file holds the newest header");
                assertEquals(BEFORE + AFTER, db.size(), where);
                for (int i = 0; i < BEFORE + AFTER; i++) {
                    assertEquals(i * 3L, db.getLong(i, -1), where + ", key " + i);
                }
            } catch (CorruptIndexException e) {
                throw new AssertionError(where + ": open refused: " + e.getMessage(), e);
            }
        }
    }

    private static int activeSlot(Path table) throws IOException {
        try (TableFile t = TableFile.open(FileDurableIO.INSTANCE, table, true, 30)) {
            assertTrue(t.header().generation >= 3, "both slots were written: generation " + t.header().generation);
            return t.activeSlot();
        }
    }

    private static long readOnlySize(Path dir) throws IOException {
        try (BucketDB db = BucketDB.open(dir, options().withReadOnly(true))) {
            return db.size();
        }
    }

    private static void flip(Path file, long offset, int bit) throws IOException {
        try (RandomAccessFile f = new RandomAccessFile(file.toFile(), "rw")) {
            f.seek(offset);
            int b = f.read();
            f.seek(offset);
            f.write(b ^ (1 << bit));
        }
    }
}
