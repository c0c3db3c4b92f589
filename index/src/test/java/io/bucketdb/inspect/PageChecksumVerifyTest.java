package io.bucketdb.inspect;

import io.bucketdb.BucketDB;
import io.bucketdb.storage.testkit.Seeds;
import io.bucketdb.recovery.DoubleWriteLayout;
import io.bucketdb.storage.BucketLayout;
import io.bucketdb.storage.ExtentClasses;
import io.bucketdb.storage.FileDurableIO;
import io.bucketdb.storage.Header;
import io.bucketdb.storage.FreeExtentLayout;
import io.bucketdb.storage.PageChecksums;
import io.bucketdb.storage.PageChecksumsLayout;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.*;

/**
 * Damage at rest (issues 3 and 5): checkpoints record a CRC32C per table page, so one flipped byte
 * anywhere in the table file's data pages, including free space that no structure reads, is reported
 * as exactly its page; damage in the page checksum file is reported naming that file; and a lost or
 * damaged checksum file is rebuilt on open.
 */
class PageChecksumVerifyTest {
    private static final int KEYS = 20_000;

    @TempDir
    static Path shared;
    @TempDir
    Path tmp;

    private static Path built;

    @BeforeAll
    static void buildIndex() throws IOException {
        built = Indexes.build(shared.resolve("built"), KEYS);
    }

    private static List<Problem> verify(Path dir) throws IOException {
        try (IndexInspector in = IndexInspector.open(dir)) {
            return in.verify();
        }
    }

    private static boolean isPageProblem(Problem p, Path dir) {
        return p.file().equals(Indexes.table(dir)) && p.expected().startsWith("page ");
    }

    @Test
    void shouldVerifyCleanWithTheChecksumFileOfTheActiveGeneration() throws IOException {
        Header h;
        try (IndexInspector in = IndexInspector.open(built)) {
            h = in.header();
        }
        PageChecksums sums = PageChecksums.load(FileDurableIO.INSTANCE, built, h.generation);
        assertEquals(PageChecksumsLayout.pageCount(h.fileEnd), sums.pages(), "one checksum per page below the allocation end");
        assertTrue(sums.pages() > 100, "a table of many pages: " + sums.pages());
        assertEquals(List.of(), verify(built));
    }

    @Test
    void shouldReportOneFlippedByteInAnyDataPageAsExactlyThatPage() throws Exception {
        long seed = Seeds.seed();
        Seeds.run(seed, () -> {
            Path dir = Indexes.copy(built, tmp.resolve("flipped"));
            SplittableRandom rnd = new SplittableRandom(seed);
            Header h;
            try (IndexInspector in = IndexInspector.open(dir)) {
                h = in.header();
            }
            long first = PageChecksumsLayout.FIRST_PAGE;
            long end = h.fileEnd >>> ExtentClasses.PAGE_SHIFT;
            List<Long> pages = new ArrayList<>(List.of(first, end - 1));
            for (int i = 0; i < 24; i++) {
                pages.add(first + rnd.nextLong(end - first));
            }
            FreeSpace free = freeSpace(dir, h);
            assertFalse(free.pages().isEmpty(), "the grown index has free extents (old bucket arrays)");
            for (int i = 0; i < 4; i++) {
                pages.add(free.pages().get(rnd.nextInt(free.pages().size())));
            }
            for (long page : pages) {
                boolean inFreeSpace = free.pages().contains(page);
                long pageOff = page << ExtentClasses.PAGE_SHIFT;
                // A free extent starts with its free-list link, which the structural check reads; the rest nothing reads.
                int from = free.starts().contains(page) ? FreeExtentLayout.SIZE : 0;
                long at = pageOff + from + rnd.nextInt(ExtentClasses.PAGE_SIZE - from);
                byte[] orig = Indexes.read(dir, at, 1);
                Indexes.writeByte(dir, at, orig[0] ^ (1 << rnd.nextInt(8)));
                List<Problem> problems = verify(dir);
                String where = "byte " + at + " of page " + page + (inFreeSpace ? " (free space)" : "") + ": " + problems;
                List<Problem> pageProblems = problems.stream().filter(p -> isPageProblem(p, dir)).toList();
                assertEquals(1, pageProblems.size(), where);
                assertEquals(pageOff, pageProblems.getFirst().offset(), where);
                assertTrue(pageProblems.getFirst().found().contains("CRC32C 0x"), where);
                if (inFreeSpace) {
                    assertEquals(1, problems.size(), "free space: only the page checksum can see it; " + where);
                }
                Indexes.write(dir, at, orig);
            }
            assertEquals(List.of(), verify(dir), "restored");
        });
    }

    @Test
    void shouldNameTheExpectedAndFoundChecksumsOfADamagedPage() throws IOException {
        Path dir = Indexes.copy(built, tmp.resolve("named"));
        long generation;
        try (IndexInspector in = IndexInspector.open(dir)) {
            generation = in.header().generation;
        }
        long page = PageChecksumsLayout.FIRST_PAGE + 3;
        long off = page << ExtentClasses.PAGE_SHIFT;
        int recorded = PageChecksums.load(FileDurableIO.INSTANCE, dir, generation).get(page);
        assertNotEquals(PageChecksumsLayout.NEVER_WRITTEN, recorded);
        byte[] bytes = Indexes.read(dir, off, ExtentClasses.PAGE_SIZE);
        bytes[100] ^= 0x20;
        Indexes.write(dir, off, bytes);
        Problem p = verify(dir).stream().filter(q -> isPageProblem(q, dir)).findFirst().orElseThrow();
        String sumsFile = PageChecksumsLayout.fileName(generation);
        assertEquals(new Problem(Indexes.table(dir), off,
                "page " + page + " with CRC32C " + String.format("0x%08x", recorded) + " (as " + sumsFile
                        + " records for checkpoint generation " + generation + ", at offset " + PageChecksumsLayout.entryOffset(page) + ")",
                "CRC32C " + String.format("0x%08x", PageChecksums.crc(ByteBuffer.wrap(bytes)))), p);
    }

    @Test
    void shouldReportAPageNoCheckpointWroteThatIsNoLongerZero() throws IOException {
        Path dir = Indexes.copy(built, tmp.resolve("never"));
        long generation;
        try (IndexInspector in = IndexInspector.open(dir)) {
            generation = in.header().generation;
        }
        // Mark a page of free space "never written" and make it zero: verify accepts it ...
        FreeSpace free = freeSpace(dir, headerOf(dir));
        long page = free.pages().stream().filter(p -> !free.starts().contains(p)).findFirst()
                .orElseThrow(() -> new AssertionError("no free extent of more than one page"));
        long off = page << ExtentClasses.PAGE_SHIFT;
        Indexes.write(dir, off, new byte[ExtentClasses.PAGE_SIZE]);
        Indexes.resealPages(dir);
        PageChecksums sums = PageChecksums.load(FileDurableIO.INSTANCE, dir, generation);
        sums.set(page, PageChecksumsLayout.NEVER_WRITTEN);
        sums.writeFor(generation, headerOf(dir).fileEnd, FileDurableIO.INSTANCE, dir);
        List<Problem> clean = verify(dir);
        assertTrue(clean.stream().noneMatch(p -> isPageProblem(p, dir)), clean::toString);
        // ... and one byte that is not zero there is damage.
        Indexes.writeByte(dir, off + 2000, 0x40);
        List<Problem> problems = verify(dir).stream().filter(p -> isPageProblem(p, dir)).toList();
        assertEquals(1, problems.size(), problems::toString);
        assertEquals(off, problems.getFirst().offset());
        assertTrue(problems.getFirst().expected().startsWith("page " + page + " all zeros"), problems::toString);
    }

    @Test
    void shouldReportDamageInTheChecksumFileNamingIt() throws Exception {
        long seed = Seeds.seed();
        Seeds.run(seed, () -> {
            Path dir = Indexes.copy(built, tmp.resolve("sums"));
            Path sums = Indexes.checksums(dir);
            long size = Files.size(sums);
            SplittableRandom rnd = new SplittableRandom(seed);
            for (int round = 0; round < 12; round++) {
                // Half the flips in the header, half in the body.
                long at = round % 2 == 0 ? rnd.nextLong(PageChecksumsLayout.SIZE) : PageChecksumsLayout.BODY + rnd.nextLong(size - PageChecksumsLayout.BODY);
                byte[] orig = readAt(sums, at, 1);
                writeAt(sums, at, new byte[]{(byte) (orig[0] ^ (1 << rnd.nextInt(8)))});
                List<Problem> problems = verify(dir);
                assertEquals(1, problems.size(), "flip at " + at + ": " + problems);
                Problem p = problems.getFirst();
                assertEquals(sums, p.file(), p::toString);
                long expected = at < 8 ? PageChecksumsLayout.MAGIC_OFFSET
                        : at < PageChecksumsLayout.SIZE ? PageChecksumsLayout.CHECKSUM_OFFSET : PageChecksumsLayout.BODY_CHECKSUM_OFFSET;
                assertEquals(expected, p.offset(), p::toString);
                writeAt(sums, at, orig);
            }
            assertEquals(List.of(), verify(dir));
        });
    }

    @Test
    void shouldReportAMissingOrStaleChecksumFile() throws IOException {
        Path dir = Indexes.copy(built, tmp.resolve("stale"));
        Path sums = Indexes.checksums(dir);
        long generation = headerOf(dir).generation;
        Path older = PageChecksums.path(dir, generation - 1);
        Files.copy(older, sums, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        List<Problem> problems = verify(dir);
        assertEquals(List.of(new Problem(sums, PageChecksumsLayout.GENERATION_OFFSET, "checkpoint generation " + generation
                + " (the table header's)", String.valueOf(generation - 1))), problems);
        Files.delete(sums);
        problems = verify(dir);
        assertEquals(List.of(new Problem(sums, 0, "the page checksums of checkpoint generation " + generation, "no file")), problems);
    }

    @Test
    void shouldRebuildALostChecksumFileOnOpenAndSayWhy() throws IOException {
        Path dir = Indexes.copy(built, tmp.resolve("lost"));
        Files.delete(Indexes.checksums(dir));
        try (BucketDB db = BucketDB.open(dir, Indexes.options())) {
            assertTrue(db.recovery().checksumsRebuilt(), "recovery reports the rebuild");
            assertFalse(db.recovery().needed(), "the index was closed cleanly: nothing else to recover");
            assertEquals(KEYS, db.size());
            for (long k = 0; k < KEYS; k++) {
                assertEquals(Indexes.value(k), db.getLong(k, -1), "key " + k);
            }
            db.putLong(KEYS, 1);
        }
        assertEquals(List.of(), verify(dir), "the close checkpoint wrote the checksums again");
        try (BucketDB db = BucketDB.open(dir, Indexes.options())) {
            assertFalse(db.recovery().checksumsRebuilt());
            assertEquals(KEYS + 1, db.size());
        }
    }

    @Test
    void shouldRebuildADamagedChecksumFileOnOpen() throws IOException {
        Path dir = Indexes.copy(built, tmp.resolve("damaged"));
        Path sums = Indexes.checksums(dir);
        long at = PageChecksumsLayout.entryOffset(PageChecksumsLayout.FIRST_PAGE + 7);
        writeAt(sums, at, new byte[]{(byte) (readAt(sums, at, 1)[0] ^ 1)});
        assertEquals(1, verify(dir).size());
        try (BucketDB db = BucketDB.open(dir, Indexes.options())) {
            assertTrue(db.recovery().checksumsRebuilt());
            assertEquals(KEYS, db.size());
        }
        assertEquals(List.of(), verify(dir));
    }

    /**
     * Checkpoints write only the pages dirtied since the last one; the rest of the checksums carry over
     * from generation to generation through both files. Small checkpoint limits make many partial
     * checkpoints; after every close the whole file verifies.
     */
    @Test
    void shouldCarryChecksumsOverPartialCheckpointsAndReopens() throws Exception {
        long seed = Seeds.seed();
        Seeds.run(seed, () -> {
            Path dir = tmp.resolve("partial");
            SplittableRandom rnd = new SplittableRandom(seed);
            var options = Indexes.options().withCheckpointTriggers(32 * 1024, 256 * 1024, Duration.ofHours(1));
            java.util.Map<Long, Long> model = new java.util.HashMap<>();
            long generations = 0;
            for (int open = 0; open < 4; open++) {
                try (BucketDB db = BucketDB.open(dir, options)) {
                    assertFalse(db.recovery().checksumsRebuilt(), "open " + open);
                    for (int op = 0; op < 1500; op++) {
                        long key = rnd.nextInt(4000);
                        if (rnd.nextInt(4) == 0) {
                            db.deleteLong(key);
                            model.remove(key);
                        } else {
                            long v = rnd.nextLong();
                            db.putLong(key, v);
                            model.put(key, v);
                        }
                    }
                    generations += db.checkpoints();
                }
                assertEquals(List.of(), verify(dir), "after close " + open);
            }
            assertTrue(generations > 10, "many partial checkpoints: " + generations);
            try (BucketDB db = BucketDB.open(dir, options)) {
                assertEquals(model.size(), db.size());
                model.forEach((k, v) -> assertEquals(v, db.getLong(k, v ^ 1), "key " + k));
            }
        });
    }

    /**
     * A checkpoint writes pages in place (and they stop matching the active generation's checksums) only
     * after the head of its double-write batch is durable: an inspector that sees a newer head says the
     * file changed, so {@code bucketdb verify} checks again instead of reporting a live checkpoint as damage.
     */
    @Test
    void shouldSayTheFileChangedWhileANewerBatchIsWrittenInPlace() throws IOException {
        Path dir = Indexes.copy(built, tmp.resolve("inplace"));
        Path dw = dir.resolve(DoubleWriteLayout.FILE_NAME);
        Files.copy(built.resolve(DoubleWriteLayout.FILE_NAME), dw);
        long generation = headerOf(dir).generation;
        ByteBuffer head = ByteBuffer.wrap(readAt(dw, 0, DoubleWriteLayout.SIZE)).order(ByteOrder.LITTLE_ENDIAN);
        assertEquals(generation, head.getLong(DoubleWriteLayout.GENERATION_OFFSET), "the last batch is the installed checkpoint's");
        try (IndexInspector in = IndexInspector.open(dir)) {
            assertFalse(in.changedOnDisk());
            head.putLong(DoubleWriteLayout.GENERATION_OFFSET, generation + 1);
            java.util.zip.CRC32C crc = new java.util.zip.CRC32C();
            crc.update(head.duplicate().position(0).limit(DoubleWriteLayout.CHECKSUM_OFFSET));
            head.putInt(DoubleWriteLayout.CHECKSUM_OFFSET, (int) crc.getValue());
            writeAt(dw, 0, head.array());
            assertTrue(in.changedOnDisk(), "a newer batch is being written in place");
            head.putInt(DoubleWriteLayout.CHECKSUM_OFFSET, (int) crc.getValue() ^ 1);
            writeAt(dw, 0, head.array());
            assertFalse(in.changedOnDisk(), "a torn head announces nothing");
        }
    }

    // ------------------------------------------------------------------ helpers

    private static Header headerOf(Path dir) throws IOException {
        try (IndexInspector in = IndexInspector.open(dir)) {
            return in.header();
        }
    }

    /** The pages of the free extents on the header's free lists, and the first page of each extent. */
    private record FreeSpace(List<Long> pages, Set<Long> starts) {
    }

    private static FreeSpace freeSpace(Path dir, Header h) throws IOException {
        int bs = BucketLayout.of(h.keyWidth, h.valueWidth).size();
        List<Long> pages = new ArrayList<>();
        Set<Long> starts = new HashSet<>();
        for (int c = 0; c < ExtentClasses.COUNT; c++) {
            long bytes = ExtentClasses.bytes(c, bs);
            long e = h.freeHeads[c];
            for (long n = 0; e != 0 && n < h.freeCounts[c]; n++) {
                starts.add(e >>> ExtentClasses.PAGE_SHIFT);
                for (long off = e; off < e + bytes; off += ExtentClasses.PAGE_SIZE) {
                    pages.add(off >>> ExtentClasses.PAGE_SHIFT);
                }
                e = ByteBuffer.wrap(Indexes.read(dir, e + FreeExtentLayout.NEXT_OFFSET, 8)).order(ByteOrder.LITTLE_ENDIAN).getLong();
            }
        }
        return new FreeSpace(pages, starts);
    }

    private static byte[] readAt(Path file, long at, int len) throws IOException {
        ByteBuffer buf = ByteBuffer.allocate(len);
        try (var ch = java.nio.channels.FileChannel.open(file, java.nio.file.StandardOpenOption.READ)) {
            ch.read(buf, at);
        }
        return buf.array();
    }

    private static void writeAt(Path file, long at, byte[] bytes) throws IOException {
        try (var ch = java.nio.channels.FileChannel.open(file, java.nio.file.StandardOpenOption.WRITE)) {
            ch.write(ByteBuffer.wrap(bytes), at);
        }
    }
}
