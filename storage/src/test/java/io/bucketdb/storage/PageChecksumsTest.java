package io.bucketdb.storage;

import io.bucketdb.spi.CorruptIndexException;
import io.bucketdb.storage.sim.CrashMode;
import io.bucketdb.storage.sim.CrashSimulator;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.*;

/** The page checksum file: round trip, the two alternating files, and every kind of damage named by file and offset. */
class PageChecksumsTest {
    private static final long FIRST = PageChecksumsLayout.FIRST_PAGE;
    private static final long TEN_PAGES_END = HeaderLayout.DATA_START + 10L * ExtentClasses.PAGE_SIZE;

    @TempDir
    Path dir;

    private static PageChecksums sample() {
        PageChecksums sums = new PageChecksums();
        for (long p = FIRST; p < FIRST + 10; p += 2) {
            sums.set(p, (int) (p * 0x9E3779B9L));
        }
        return sums;
    }

    @Test
    void shouldRoundTripAndReadPagesNoCheckpointWroteAsNeverWritten() throws IOException {
        PageChecksums sums = sample();
        sums.writeFor(5, TEN_PAGES_END, FileDurableIO.INSTANCE, dir);
        assertTrue(Files.exists(dir.resolve("page-checksums-1.bdb")));
        PageChecksums back = PageChecksums.load(FileDurableIO.INSTANCE, dir, 5);
        assertEquals(10, back.pages(), "one entry per page below the allocation end");
        for (long p = FIRST; p < FIRST + 10; p++) {
            assertEquals(sums.get(p), back.get(p), "page " + p);
        }
        assertEquals(PageChecksumsLayout.NEVER_WRITTEN, back.get(FIRST + 1));
        assertEquals(PageChecksumsLayout.NEVER_WRITTEN, back.get(FIRST + 1000), "beyond the table");
    }

    @Test
    void shouldAlternateFilesSoTheOlderGenerationSurvivesTheNext() throws IOException {
        PageChecksums sums = sample();
        sums.writeFor(6, TEN_PAGES_END, FileDurableIO.INSTANCE, dir);
        sums.set(FIRST + 3, 1234);
        sums.writeFor(7, TEN_PAGES_END + ExtentClasses.PAGE_SIZE, FileDurableIO.INSTANCE, dir);
        assertEquals(10, PageChecksums.load(FileDurableIO.INSTANCE, dir, 6).pages());
        assertEquals(0, PageChecksums.load(FileDurableIO.INSTANCE, dir, 6).get(FIRST + 3));
        assertEquals(11, PageChecksums.load(FileDurableIO.INSTANCE, dir, 7).pages());
        assertEquals(1234, PageChecksums.load(FileDurableIO.INSTANCE, dir, 7).get(FIRST + 3));
        CorruptIndexException e = assertThrows(CorruptIndexException.class, () -> PageChecksums.load(FileDurableIO.INSTANCE, dir, 8));
        assertEquals(PageChecksums.path(dir, 8), e.file());
        assertEquals(PageChecksumsLayout.GENERATION_OFFSET, e.offset(), e.getMessage());
        assertTrue(e.getMessage().contains("generation 8") && e.getMessage().contains("found 6"), e.getMessage());
    }

    @Test
    void shouldRecordTheChecksumOfEachPageOfARun() {
        byte[] bytes = new byte[3 * ExtentClasses.PAGE_SIZE];
        new SplittableRandom(3).nextBytes(bytes);
        ByteBuffer run = ByteBuffer.wrap(bytes);
        PageChecksums sums = new PageChecksums();
        sums.record(FIRST + 4, run);
        assertEquals(0, run.position(), "the run is not consumed");
        for (int k = 0; k < 3; k++) {
            int expected = PageChecksums.crc(ByteBuffer.wrap(bytes, k * ExtentClasses.PAGE_SIZE, ExtentClasses.PAGE_SIZE));
            assertEquals(expected, sums.get(FIRST + 4 + k), "page " + k);
        }
        assertEquals(7, sums.pages());
        assertThrows(IllegalArgumentException.class, () -> sums.set(1, 5), "a header slot is no data page");
    }

    @Test
    void shouldNameAMissingFile() {
        CorruptIndexException e = assertThrows(CorruptIndexException.class, () -> PageChecksums.load(FileDurableIO.INSTANCE, dir, 3));
        assertEquals(dir.resolve("page-checksums-1.bdb"), e.file());
        assertEquals(0, e.offset());
        assertTrue(e.getMessage().contains("found no file"), e.getMessage());
    }

    @Test
    void shouldNameATruncatedBody() throws IOException {
        sample().writeFor(4, TEN_PAGES_END, FileDurableIO.INSTANCE, dir);
        Path file = PageChecksums.path(dir, 4);
        try (var ch = java.nio.channels.FileChannel.open(file, java.nio.file.StandardOpenOption.WRITE)) {
            ch.truncate(PageChecksumsLayout.entryOffset(FIRST + 9));
        }
        CorruptIndexException e = assertThrows(CorruptIndexException.class, () -> PageChecksums.load(FileDurableIO.INSTANCE, dir, 4));
        assertEquals(PageChecksumsLayout.PAGE_COUNT_OFFSET, e.offset(), e.getMessage());
    }

    /** Every single-bit flip anywhere in the file is caught, by the header CRC, the magic or the body CRC. */
    @Test
    void shouldCatchEveryFlippedBit() throws IOException {
        sample().writeFor(4, TEN_PAGES_END, FileDurableIO.INSTANCE, dir);
        Path file = PageChecksums.path(dir, 4);
        byte[] pristine = Files.readAllBytes(file);
        assertEquals(PageChecksumsLayout.BODY + 10 * PageChecksumsLayout.ENTRY, pristine.length);
        for (int at = 0; at < pristine.length; at++) {
            for (int bit = 0; bit < 8; bit++) {
                byte[] damaged = pristine.clone();
                damaged[at] ^= (byte) (1 << bit);
                Files.write(file, damaged);
                int where = at;
                CorruptIndexException e = assertThrows(CorruptIndexException.class,
                        () -> PageChecksums.load(FileDurableIO.INSTANCE, dir, 4), () -> "flip at " + where);
                assertEquals(file, e.file());
                long expectedOffset = at < PageChecksumsLayout.MAGIC_OFFSET + 8 ? PageChecksumsLayout.MAGIC_OFFSET
                        : at < PageChecksumsLayout.SIZE ? PageChecksumsLayout.CHECKSUM_OFFSET
                        : PageChecksumsLayout.BODY_CHECKSUM_OFFSET;
                assertEquals(expectedOffset, e.offset(), e.getMessage());
            }
        }
        Files.write(file, pristine);
        assertEquals(10, PageChecksums.load(FileDurableIO.INSTANCE, dir, 4).pages());
    }

    /** The file goes through the durable I/O interface and is durable when writeFor returns: a power loss keeps it. */
    @Test
    void shouldBeDurableWhenWriteForReturns() throws IOException {
        CrashSimulator sim = new CrashSimulator();
        Path index = dir.resolve("idx");
        sim.createDirectories(index);
        sim.syncDirectory(dir); // a new directory is durable only once its parent is synced
        sample().writeFor(9, TEN_PAGES_END, sim, index);
        assertTrue(sim.operationCount() > 0, "the simulator saw the writes");
        Path image = dir.resolve("image");
        sim.writeCrashImage(index, image, CrashMode.DROP_ALL);
        PageChecksums back = PageChecksums.load(FileDurableIO.INSTANCE, image, 9);
        assertEquals(sample().get(FIRST + 4), back.get(FIRST + 4));
    }
}
