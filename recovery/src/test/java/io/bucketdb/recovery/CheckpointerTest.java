package io.bucketdb.recovery;

import io.bucketdb.spi.CorruptIndexException;
import io.bucketdb.storage.ExtentClasses;
import io.bucketdb.storage.FileDurableIO;
import io.bucketdb.storage.Header;
import io.bucketdb.storage.HeaderLayout;
import io.bucketdb.storage.TableFile;
import io.bucketdb.storage.TableGeometry;
import io.bucketdb.storage.testkit.Seeds;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.TreeSet;
import java.util.zip.CRC32C;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * What {@link Checkpointer} promises (docs/DESIGN.md, "Checkpoints" and "Open: finish, replay, and end the recovery"), on a table file with no hash table over it:
 * the checkpointer only moves pages. A checkpoint writes the dirty pages past the installed allocation end once, in
 * place (forced), the others to the double-write file (forced), then in place (forced), then installs the next header
 * in the other slot (forced); a checkpoint cut at any write or
 * force is finished or discarded by the next open, so the file then holds the old image or the new one, never a
 * mix; a complete batch that makes no sense is a {@link CorruptIndexException}.
 *
 * <p>Cuts come from {@link TestFileIO}'s injected failures: the cut operation and everything after it do not
 * happen, everything before it is on disk.
 */
class CheckpointerTest {
    private static final int MAX_CHUNK_SHIFT = 20;
    private static final long FIRST_LSN = 3;
    private static final long SECOND_LSN = 9;
    private static final String TABLE = "table.bdb";

    @TempDir
    Path root;

    /** A table file (8-byte keys and values) and its checkpointer in {@code dir}, after the creating checkpoint. */
    private static final class Fixture implements AutoCloseable {
        final Path dir;
        final Path tablePath;
        final TestFileIO io = new TestFileIO();
        final TableFile table;
        final Checkpointer checkpointer;

        Fixture(Path dir) throws IOException {
            this.dir = dir;
            Files.createDirectories(dir);
            tablePath = dir.resolve(TABLE);
            table = TableFile.create(io, tablePath, 8, 8, TableGeometry.MIN_ALIGN_SHIFT, 1L, MAX_CHUNK_SHIFT);
            checkpointer = new Checkpointer(io, dir, 0);
            // A header that validates needs a bucket directory inside the file; the checkpointer never reads it.
            table.header().bucketDir = allocatePages(4);
            checkpointer.checkpoint(table, 0, true);
        }

        long allocatePages(int pages) throws IOException {
            return table.allocator().allocate(ExtentClasses.rawClassFor((long) pages * ExtentClasses.PAGE_SIZE));
        }

        private boolean closed;

        @Override
        public void close() throws IOException {
            if (closed) {
                return;
            }
            closed = true;
            try {
                table.close();
            } finally {
                checkpointer.close();
            }
        }
    }

    /**
     * The first checkpoint after creation: random longs in a fresh 4-page extent, checkpointed at {@link #FIRST_LSN}.
     * Returns the pages it changed.
     */
    private static TreeSet<Long> firstChanges(Fixture f, Random random) throws IOException {
        long extent = f.allocatePages(4);
        TreeSet<Long> pages = scribble(f, random, extent, 4 * ExtentClasses.PAGE_SIZE);
        f.checkpointer.checkpoint(f.table, FIRST_LSN, false);
        return pages;
    }

    /** The changes the second checkpoint writes: more longs in the old extents and in a new 3-page one. */
    private static TreeSet<Long> secondChanges(Fixture f, Random random) throws IOException {
        long start = HeaderLayout.DATA_START;
        long extent = f.allocatePages(3);
        TreeSet<Long> pages = scribble(f, random, start, extent - start);
        pages.addAll(scribble(f, random, extent, 3 * ExtentClasses.PAGE_SIZE));
        return pages;
    }

    /** Writes random longs at random 8-byte slots of {@code [from, from + length)}; returns the pages touched. */
    private static TreeSet<Long> scribble(Fixture f, Random random, long from, long length) {
        TreeSet<Long> pages = new TreeSet<>();
        for (int i = 0, n = 1 + random.nextInt(12); i < n; i++) {
            long off = from + 8 * (long) random.nextInt((int) (length / 8));
            f.table.putLong(off, random.nextLong() | 1); // never zero: every write changes the page
            pages.add(off >>> ExtentClasses.PAGE_SHIFT);
        }
        return pages;
    }

    /** The table file's data bytes, {@code [DATA_START, fileEnd)}, as on disk. */
    private static byte[] image(Path tablePath, long fileEnd) throws IOException {
        return Arrays.copyOfRange(Files.readAllBytes(tablePath), (int) HeaderLayout.DATA_START, (int) fileEnd);
    }

    private static Header slot(Path tablePath, int slot) throws IOException {
        byte[] file = Files.readAllBytes(tablePath);
        ByteBuffer b = ByteBuffer.wrap(file, (int) HeaderLayout.slotOffset(slot), HeaderLayout.SLOT_SIZE).slice()
                .order(ByteOrder.LITTLE_ENDIAN);
        return Header.decode(tablePath, HeaderLayout.slotOffset(slot), b, file.length);
    }

    /** One checkpoint's writes and forces, as {@link TestFileIO} saw them. */
    private record Run(List<TestFileIO.Write> ops, long writes, long forces) {
        static Run since(TestFileIO io, int from) {
            List<TestFileIO.Write> ops = List.copyOf(io.durableOps.subList(from, io.durableOps.size()));
            long forces = ops.stream().filter(o -> o.length() < 0).count();
            return new Run(ops, ops.size() - forces, forces);
        }

        int indexOf(java.util.function.Predicate<TestFileIO.Write> p) {
            return indexAfter(-1, p);
        }

        /** The first operation after index {@code after} that matches, or -1. */
        int indexAfter(int after, java.util.function.Predicate<TestFileIO.Write> p) {
            for (int i = after + 1; i < ops.size(); i++) {
                if (p.test(ops.get(i))) {
                    return i;
                }
            }
            return -1;
        }

        int lastIndexOf(java.util.function.Predicate<TestFileIO.Write> p) {
            for (int i = ops.size() - 1; i >= 0; i--) {
                if (p.test(ops.get(i))) {
                    return i;
                }
            }
            return -1;
        }
    }

    private static boolean isDoubleWrite(TestFileIO.Write op) {
        return op.file().getFileName().toString().equals(DoubleWriteLayout.FILE_NAME);
    }

    private static boolean isTable(TestFileIO.Write op) {
        return op.file().getFileName().toString().equals(TABLE);
    }

    @Test
    void dirtyPagesGoThroughTheDoubleWriteFileThenInPlaceThenTheHeader() throws Exception {
        Seeds.run(random -> {
            try (Fixture f = new Fixture(root.resolve("order"))) {
                firstChanges(f, random);
                TreeSet<Long> dirty = secondChanges(f, random);
                // Pages past the installed header's allocation end (the new 3-page extent) are written once, in place,
                // and forced before the batch's head: the installed image has nothing there.
                long installedEnd = f.table.installedFileEnd();
                TreeSet<Long> fresh = new TreeSet<>(dirty.tailSet(installedEnd >>> ExtentClasses.PAGE_SHIFT));
                TreeSet<Long> doubled = new TreeSet<>(dirty.headSet(installedEnd >>> ExtentClasses.PAGE_SHIFT));
                assertFalse(fresh.isEmpty(), "the new extent lies past the installed allocation end");
                assertFalse(doubled.isEmpty(), "the old extents lie below it");
                int from = f.io.durableOps.size();
                int slot = 1 - f.table.activeSlot();
                Checkpointer.Result result = f.checkpointer.checkpoint(f.table, SECOND_LSN, false);
                Run run = Run.since(f.io, from);

                assertEquals(dirty.size(), result.pages(), "pages written: those changed since the last checkpoint");
                int head = run.indexOf(o -> isDoubleWrite(o) && o.length() >= 0 && o.position() == 0);
                int headForce = run.indexOf(o -> isDoubleWrite(o) && o.length() < 0);
                int lastFresh = run.lastIndexOf(o -> isTable(o) && o.length() >= 0 && o.position() >= installedEnd);
                int freshForce = run.indexAfter(lastFresh, o -> isTable(o) && o.length() < 0);
                assertTrue(lastFresh >= 0 && freshForce < head && run.indexOf(o -> isDoubleWrite(o)) > freshForce,
                        "the pages past the installed end written and forced before the batch: " + run.ops());
                int firstInPlace = run.indexOf(o -> isTable(o) && o.length() >= 0 && o.position() >= HeaderLayout.DATA_START
                        && o.position() < installedEnd);
                int lastInPlace = run.lastIndexOf(o -> isTable(o) && o.length() >= 0
                        && o.position() >= HeaderLayout.DATA_START);
                int headerWrite = run.indexOf(o -> isTable(o) && o.length() >= 0
                        && o.position() == HeaderLayout.slotOffset(slot));
                assertTrue(head > 0 && run.lastIndexOf(o -> isDoubleWrite(o) && o.length() > 0 && o.position() > 0) < head,
                        "the batch's body before its head: " + run.ops());
                assertTrue(head < headForce && headForce < firstInPlace, "the batch forced before any page goes in place: "
                        + run.ops());
                int forceAfterPages = run.indexAfter(lastInPlace, o -> isTable(o) && o.length() < 0);
                assertTrue(lastInPlace < forceAfterPages && forceAfterPages < headerWrite,
                        "pages forced in place before the header: " + run.ops());
                assertEquals(run.ops().size() - 2, headerWrite, "the header is the last write: " + run.ops());
                assertTrue(isTable(run.ops().getLast()) && run.ops().getLast().length() < 0, "the header forced last");
                TreeSet<Long> inPlace = new TreeSet<>();
                for (TestFileIO.Write o : run.ops()) {
                    if (isTable(o) && o.length() > 0 && o.position() >= HeaderLayout.DATA_START) {
                        for (long p = o.position(); p < o.position() + o.length(); p += ExtentClasses.PAGE_SIZE) {
                            inPlace.add(p >>> ExtentClasses.PAGE_SHIFT);
                        }
                    }
                }
                assertEquals(dirty, inPlace, "pages written in place");

                // The batch on disk: the page list, then the header image, then the page images, which are the
                // pages now in place; only those below the installed allocation end.
                byte[] dw = Files.readAllBytes(f.dir.resolve(DoubleWriteLayout.FILE_NAME));
                ByteBuffer batch = ByteBuffer.wrap(dw).order(ByteOrder.LITTLE_ENDIAN);
                assertEquals(doubled.size(), batch.getInt(DoubleWriteLayout.PAGE_COUNT_OFFSET));
                assertEquals(SECOND_LSN, batch.getLong(DoubleWriteLayout.CHECKPOINT_LSN_OFFSET));
                assertEquals(slot, batch.getInt(DoubleWriteLayout.HEADER_SLOT_OFFSET));
                byte[] table = Files.readAllBytes(f.tablePath);
                long pagesAt = DoubleWriteLayout.BODY + DoubleWriteLayout.pageListBytes(doubled.size()) + DoubleWriteLayout.PAGE;
                int i = 0;
                for (long page : doubled) {
                    assertEquals(page, batch.getLong(DoubleWriteLayout.BODY + 8 * i));
                    int at = (int) (pagesAt + (long) i * DoubleWriteLayout.PAGE);
                    int inTable = (int) (page << ExtentClasses.PAGE_SHIFT);
                    assertArrayEquals(Arrays.copyOfRange(table, inTable, inTable + ExtentClasses.PAGE_SIZE),
                            Arrays.copyOfRange(dw, at, at + DoubleWriteLayout.PAGE), "page " + page);
                    i++;
                }
            }
        });
    }

    /**
     * {@link Checkpointer#protectNothing} (a build's index, not live): every dirty page, below the installed allocation
     * end too, is written once, in place, and forced before the header; the double-write batch holds no page.
     */
    @Test
    void aCheckpointThatProtectsNothingWritesEveryPageOnceInPlaceBeforeTheHeader() throws Exception {
        Seeds.run(random -> {
            try (Fixture f = new Fixture(root.resolve("once"))) {
                firstChanges(f, random);
                TreeSet<Long> dirty = secondChanges(f, random);
                assertFalse(dirty.headSet(f.table.installedFileEnd() >>> ExtentClasses.PAGE_SHIFT).isEmpty(),
                        "pages below the installed allocation end, which a protected checkpoint doubles");
                f.checkpointer.protectNothing();
                int from = f.io.durableOps.size();
                int slot = 1 - f.table.activeSlot();
                Checkpointer.Result result = f.checkpointer.checkpoint(f.table, SECOND_LSN, false);
                Run run = Run.since(f.io, from);

                assertEquals(dirty.size(), result.pages());
                List<Long> inPlace = new java.util.ArrayList<>();
                for (TestFileIO.Write o : run.ops()) {
                    if (isTable(o) && o.length() > 0 && o.position() >= HeaderLayout.DATA_START) {
                        for (long p = o.position(); p < o.position() + o.length(); p += ExtentClasses.PAGE_SIZE) {
                            inPlace.add(p >>> ExtentClasses.PAGE_SHIFT);
                        }
                    }
                }
                assertEquals(List.copyOf(dirty), inPlace, "each dirty page written in place once, in order");
                int lastInPlace = run.lastIndexOf(o -> isTable(o) && o.length() > 0 && o.position() >= HeaderLayout.DATA_START);
                int headerWrite = run.indexOf(o -> isTable(o) && o.length() >= 0 && o.position() == HeaderLayout.slotOffset(slot));
                int forceAfterPages = run.indexAfter(lastInPlace, o -> isTable(o) && o.length() < 0);
                assertTrue(lastInPlace < forceAfterPages && forceAfterPages < headerWrite, "pages forced before the header: " + run.ops());
                ByteBuffer batch = ByteBuffer.wrap(Files.readAllBytes(f.dir.resolve(DoubleWriteLayout.FILE_NAME)))
                        .order(ByteOrder.LITTLE_ENDIAN);
                assertEquals(0, batch.getInt(DoubleWriteLayout.PAGE_COUNT_OFFSET), "no page in the double-write batch");
                assertEquals(SECOND_LSN, slot(f.tablePath, slot).checkpointLsn);
            }
        });
    }

    /**
     * A checkpoint run on the writer ({@link Checkpointer#checkpoint}: the open's ending checkpoint, a close's) forces
     * the table file only where the protocol does (the pages past the installed end, the pages in place, the header),
     * however many pages it writes; a background one also forces after every 8 MiB, so that its writes do not queue
     * ahead of a journal force (issue 16). Both leave the same image.
     */
    @Test
    void onlyABackgroundCheckpointPacesItsWritesWithForces() throws Exception {
        Seeds.run(random -> {
            try (Fixture f = new Fixture(root.resolve("pacing"))) {
                // More than 8 MiB, the pacing interval. The fixture's header in force records a clean close, so every page
                // goes through the double-write file and in place (steps 2 and 5, both paced in the background).
                int pages = 2600;
                long extent = f.allocatePages(pages);
                for (int p = 0; p < pages; p++) {
                    f.table.putLong(extent + (long) p * ExtentClasses.PAGE_SIZE + 8L * random.nextInt(512), random.nextLong() | 1);
                }
                int from = f.io.durableOps.size();
                Checkpointer.Result onWriter = f.checkpointer.checkpoint(f.table, FIRST_LSN, false);
                Run run = Run.since(f.io, from);
                assertTrue(onWriter.pages() >= pages, "every scribbled page is written: " + onWriter.pages());
                assertEquals(3, run.ops().stream().filter(o -> isTable(o) && o.length() < 0).count(),
                        "on the writer: the table forced where the protocol forces it (the file's size and the pages past the"
                                + " installed end, the pages in place, the header), nothing between");

                for (int p = 0; p < pages; p++) {
                    f.table.putLong(extent + (long) p * ExtentClasses.PAGE_SIZE + 8L * random.nextInt(512), random.nextLong() | 1);
                }
                from = f.io.durableOps.size();
                Checkpointer.Checkpoint background = f.checkpointer.begin(f.table, SECOND_LSN, false);
                background.run();
                background.finish();
                run = Run.since(f.io, from);
                assertTrue(run.ops().stream().filter(o -> isTable(o) && o.length() < 0).count() > 3,
                        "in the background: pacing forces of the table file besides the protocol's: " + run.forces());
                assertTrue(run.ops().stream().filter(o -> isDoubleWrite(o) && o.length() < 0).count() > 1,
                        "in the background: pacing forces of the double-write file besides the batch's");
                assertArrayEquals(copyOfMapping(f), image(f.tablePath, f.table.header().fileEnd), "the file holds the table");
            }
        });
    }

    /**
     * A checkpoint on the writer (the open's ending checkpoint among them) starts the write-back of every page it writes
     * in place, past the installed end and below it, after writing it and before the table's next force, so that the
     * force finds the device at work instead of starting it (issue 16, part "recover4"); a background checkpoint gives
     * no such hint (its pacing forces start the device). Either way the file holds the table.
     */
    @Test
    void aCheckpointOnTheWriterStartsTheWritebackOfItsPagesBetweenWritingAndForcingThem() throws Exception {
        Seeds.run(random -> {
            try (Fixture f = new Fixture(root.resolve("writeback"))) {
                firstChanges(f, random);
                secondChanges(f, random);
                int from = f.io.durableOps.size();
                int hintsFrom = f.io.writebacks.size();
                f.checkpointer.checkpoint(f.table, SECOND_LSN, false);
                List<TestFileIO.Write> ops = f.io.durableOps;
                List<TestFileIO.Hint> hints = f.io.writebacks.subList(hintsFrom, f.io.writebacks.size());
                int checked = 0;
                for (int k = from; k < ops.size(); k++) {
                    TestFileIO.Write w = ops.get(k);
                    if (!isTable(w) || w.length() <= 0 || w.position() < HeaderLayout.DATA_START) {
                        continue; // not a page written in place (a force, another file, a header slot)
                    }
                    int force = k + 1;
                    while (force < ops.size() && !(isTable(ops.get(force)) && ops.get(force).length() < 0)) {
                        force++;
                    }
                    int at = k;
                    int before = force;
                    assertTrue(hints.stream().anyMatch(h -> isTable(h.range()) && h.afterOps() > at && h.afterOps() <= before
                                    && h.range().position() <= w.position()
                                    && h.range().position() + h.range().length() >= w.position() + w.length()),
                            "the write of " + w + " is hinted after it and before the table's next force: " + hints);
                    checked++;
                }
                assertTrue(checked > 0, "the checkpoint wrote pages in place");
                assertArrayEquals(copyOfMapping(f), image(f.tablePath, f.table.header().fileEnd), "the file holds the table");

                scribble(f, random, HeaderLayout.DATA_START, f.table.header().fileEnd - HeaderLayout.DATA_START);
                int backgroundFrom = f.io.writebacks.size();
                Checkpointer.Checkpoint background = f.checkpointer.begin(f.table, SECOND_LSN + 1, false);
                background.run();
                background.finish();
                assertEquals(backgroundFrom, f.io.writebacks.size(), "a background checkpoint gives no write-back hints");
                assertArrayEquals(copyOfMapping(f), image(f.tablePath, f.table.header().fileEnd), "the file holds the table");
            }
        });
    }

    /** The table's data bytes {@code [DATA_START, fileEnd)} as the mapping holds them. */
    private static byte[] copyOfMapping(Fixture f) {
        long end = f.table.header().fileEnd;
        byte[] out = new byte[(int) (end - HeaderLayout.DATA_START)];
        for (long off = HeaderLayout.DATA_START; off < end; off += 8) {
            long v = f.table.getLong(off);
            for (int k = 0; k < 8; k++) {
                out[(int) (off - HeaderLayout.DATA_START) + k] = (byte) (v >>> (8 * k));
            }
        }
        return out;
    }

    @Test
    void headersAlternateBetweenTheTwoSlotsAndTheOlderOneStaysIntact() throws Exception {
        Seeds.run(random -> {
            try (Fixture f = new Fixture(root.resolve("slots"))) {
                long extent = f.allocatePages(2);
                for (int i = 1; i <= 5; i++) {
                    int before = f.table.activeSlot();
                    long generation = f.table.header().generation;
                    scribble(f, random, extent, 2 * ExtentClasses.PAGE_SIZE);
                    Checkpointer.Result r = f.checkpointer.checkpoint(f.table, 10L * i, false);
                    assertEquals(1 - before, f.table.activeSlot(), "checkpoint " + i + " writes the other slot");
                    assertEquals(generation + 1, r.generation());
                    Header written = slot(f.tablePath, f.table.activeSlot());
                    Header kept = slot(f.tablePath, before);
                    assertEquals(generation + 1, written.generation);
                    assertEquals(10L * i, written.checkpointLsn);
                    assertEquals(generation, kept.generation, "the previous header is still valid in its slot");
                    assertEquals(generation + 1, Checkpointer.bestHeader(f.io, f.tablePath)[0]);
                    assertEquals(0, Checkpointer.bestHeader(f.io, f.tablePath)[1], "the file covers its allocation end");
                }
            }
        });
    }

    @Test
    void aCheckpointCutAtAnyWriteOrForceLeavesTheOldImageOrTheNewOne() throws Exception {
        cutAtEveryOperation(false);
    }

    @Test
    void aCheckpointCutAtAnyWriteOrForceThatLosesEveryUnforcedWriteLeavesTheOldImageOrTheNewOne() throws Exception {
        cutAtEveryOperation(true);
    }

    /**
     * Cuts the second checkpoint at each of its writes and forces in turn, each time in a fresh directory, and opens
     * what is left: the batch is finished exactly when its head survived (with {@code loseUnforced}, when it was
     * forced), and the table then holds the new image, else the old one.
     *
     * @param loseUnforced whether the crash also takes back every write not forced yet (else it keeps them all)
     */
    private void cutAtEveryOperation(boolean loseUnforced) throws Exception {
        long seed = Seeds.seed();
        Seeds.run(seed, () -> {
            // An uncut run gives both images and how many writes and forces the checkpoint makes.
            byte[] oldImage;
            byte[] newImage;
            Run uncut;
            try (Fixture f = new Fixture(root.resolve("uncut"))) {
                Random random = new Random(seed);
                firstChanges(f, random);
                oldImage = image(f.tablePath, f.table.header().fileEnd);
                secondChanges(f, random);
                int from = f.io.durableOps.size();
                f.checkpointer.checkpoint(f.table, SECOND_LSN, false);
                uncut = Run.since(f.io, from);
                newImage = image(f.tablePath, f.table.header().fileEnd);
            }
            assertFalse(Arrays.equals(oldImage, newImage));
            assertTrue(uncut.writes() >= 6 && uncut.forces() >= 4, "a checkpoint's operations: " + uncut.ops());
            for (int k = 0; k < uncut.writes() + uncut.forces(); k++) {
                boolean cutWrite = k < uncut.writes();
                int n = (int) (cutWrite ? k : k - uncut.writes());
                String cut = (cutWrite ? "write " : "force ") + n + (loseUnforced ? ", unforced writes lost" : "");
                try (Fixture f = new Fixture(root.resolve("cut-" + k))) {
                    Random random = new Random(seed);
                    firstChanges(f, random);
                    secondChanges(f, random);
                    int from = f.io.durableOps.size();
                    if (loseUnforced) {
                        f.io.keepUndo();
                    }
                    if (cutWrite) {
                        f.io.failWriteAfter(n);
                    } else {
                        f.io.failForceAfter(n);
                    }
                    assertThrows(IOException.class, () -> f.checkpointer.checkpoint(f.table, SECOND_LSN, false), cut);
                    Run done = Run.since(f.io, from);
                    boolean headWritten = done.indexOf(o -> isDoubleWrite(o) && o.length() >= 0 && o.position() == 0) >= 0;
                    boolean headForced = done.indexOf(o -> isDoubleWrite(o) && o.length() < 0) >= 0;
                    boolean headerWritten = done.indexOf(o -> isTable(o) && o.length() >= 0
                            && o.position() < HeaderLayout.DATA_START) >= 0;
                    boolean headSurvives = loseUnforced ? headForced : headWritten;
                    if (loseUnforced) {
                        f.io.loseUnforcedWrites(); // the last write, the header's, is never forced in a cut run
                    }
                    f.close();

                    Checkpointer.Pending pending = Checkpointer.finishPending(new TestFileIO(), f.dir, f.tablePath);
                    assertEquals(headSurvives && (loseUnforced || !headerWritten), pending.finished(),
                            "a complete batch newer than the header is finished, cut at " + cut);
                    try (TableFile reopened = TableFile.open(FileDurableIO.INSTANCE, f.tablePath, true, MAX_CHUNK_SHIFT)) {
                        Header h = reopened.header();
                        byte[] image = image(f.tablePath, h.fileEnd);
                        if (headSurvives) {
                            assertArrayEquals(newImage, image, "the new image, cut at " + cut);
                            assertEquals(SECOND_LSN, h.checkpointLsn, cut);
                            assertEquals(3, h.generation, cut);
                        } else {
                            assertArrayEquals(oldImage, image, "the old image, cut at " + cut);
                            assertEquals(FIRST_LSN, h.checkpointLsn, cut);
                            assertEquals(2, h.generation, cut);
                        }
                    }
                }
            }
        });
    }

    /**
     * Leaves a complete batch of the second checkpoint in the double-write file and the table untouched by it: the
     * checkpoint is cut at its first write in place (counted in an uncut run with the same seed).
     */
    private static Fixture cutBeforeInPlace(Path dir, long seed) throws IOException {
        int writesBeforeInPlace;
        try (Fixture uncut = new Fixture(dir.resolveSibling(dir.getFileName() + "-uncut"))) {
            Random random = new Random(seed);
            firstChanges(uncut, random);
            secondChanges(uncut, random);
            int from = uncut.io.durableOps.size();
            uncut.checkpointer.checkpoint(uncut.table, SECOND_LSN, false);
            Run run = Run.since(uncut.io, from);
            int head = run.indexOf(o -> isDoubleWrite(o) && o.length() >= 0 && o.position() == 0);
            int firstInPlace = run.indexAfter(head, o -> isTable(o) && o.length() >= 0);
            writesBeforeInPlace = (int) run.ops().subList(0, firstInPlace).stream().filter(o -> o.length() >= 0).count();
        }
        Fixture f = new Fixture(dir);
        try {
            Random random = new Random(seed);
            firstChanges(f, random);
            secondChanges(f, random);
            int from = f.io.durableOps.size();
            f.io.failWriteAfter(writesBeforeInPlace);
            long installedEnd = f.table.installedFileEnd();
            assertThrows(IOException.class, () -> f.checkpointer.checkpoint(f.table, SECOND_LSN, false));
            Run run = Run.since(f.io, from);
            int head = run.indexOf(o -> isDoubleWrite(o) && o.length() >= 0 && o.position() == 0);
            assertTrue(head >= 0, "head written");
            assertEquals(-1, run.indexAfter(head, o -> isTable(o) && o.length() >= 0), "nothing in place after the head");
            assertEquals(-1, run.indexOf(o -> isTable(o) && o.length() >= 0 && o.position() < installedEnd),
                    "nothing written in place below the installed allocation end");
        } finally {
            f.close();
        }
        return f;
    }

    @Test
    void aCompleteBatchWithAPageNumberInsideTheHeaderIsCorrupt() throws Exception {
        long seed = Seeds.seed();
        Seeds.run(seed, () -> {
            Fixture f = cutBeforeInPlace(root.resolve("corrupt"), seed);
            Path dwPath = f.dir.resolve(DoubleWriteLayout.FILE_NAME);
            byte[] dw = Files.readAllBytes(dwPath);
            ByteBuffer b = ByteBuffer.wrap(dw).order(ByteOrder.LITTLE_ENDIAN);
            // Page 1 is the second header slot: a batch must never write it as data. Checksums made to match, so
            // only the meaning is wrong.
            b.putLong(DoubleWriteLayout.BODY, 1);
            CRC32C body = new CRC32C();
            body.update(dw, DoubleWriteLayout.BODY, (int) b.getLong(DoubleWriteLayout.BODY_LENGTH_OFFSET));
            b.putInt(DoubleWriteLayout.BODY_CHECKSUM_OFFSET, (int) body.getValue());
            b.putInt(DoubleWriteLayout.CHECKSUM_OFFSET, DoubleWriteFile.headerChecksum(b));
            Files.write(dwPath, dw);

            CorruptIndexException e = assertThrows(CorruptIndexException.class,
                    () -> Checkpointer.finishPending(new TestFileIO(), f.dir, f.tablePath));
            assertEquals(dwPath, e.file());
            assertEquals(DoubleWriteLayout.BODY, e.offset());
            assertTrue(e.getMessage().contains("a data page number (>= 2), found 1"), e.getMessage());
        });
    }

    @Test
    void aBatchWhoseBodyFailsItsChecksumIsIgnoredAndTheOldImageStays() throws Exception {
        long seed = Seeds.seed();
        Seeds.run(seed, () -> {
            Random random = new Random(seed);
            Fixture f = cutBeforeInPlace(root.resolve("torn"), seed);
            byte[] oldImage;
            try (TableFile t = TableFile.open(FileDurableIO.INSTANCE, f.tablePath, true, MAX_CHUNK_SHIFT)) {
                oldImage = image(f.tablePath, t.header().fileEnd);
            }
            Path dwPath = f.dir.resolve(DoubleWriteLayout.FILE_NAME);
            byte[] dw = Files.readAllBytes(dwPath);
            // Inside the batch's last page image (the file may be longer: an earlier, larger batch was not cut off).
            long end = DoubleWriteLayout.BODY
                    + ByteBuffer.wrap(dw).order(ByteOrder.LITTLE_ENDIAN).getLong(DoubleWriteLayout.BODY_LENGTH_OFFSET);
            dw[(int) end - 1 - random.nextInt(DoubleWriteLayout.PAGE)] ^= 1;
            Files.write(dwPath, dw);

            Checkpointer.Pending pending = Checkpointer.finishPending(new TestFileIO(), f.dir, f.tablePath);
            assertFalse(pending.finished());
            try (TableFile t = TableFile.open(FileDurableIO.INSTANCE, f.tablePath, true, MAX_CHUNK_SHIFT)) {
                assertEquals(2, t.header().generation);
                assertArrayEquals(oldImage, image(f.tablePath, t.header().fileEnd));
            }
        });
    }

    /**
     * Bytes past the installed header's allocation end, left by a life that did not close cleanly (space a growth
     * allocated, pages of a checkpoint never installed): after a failed force they may not even be on the disk, so a
     * writable open cuts them off and growth allocates that space afresh, reading zeros. A read-only open changes nothing.
     */
    @Test
    void aWritableOpenAfterAnUncleanEndCutsTheTailPastTheAllocationEnd() throws Exception {
        Fixture f = new Fixture(root.resolve("unclean"));
        f.allocatePages(4);
        f.checkpointer.checkpoint(f.table, FIRST_LSN, false);
        long end = f.table.header().fileEnd;
        f.close();
        long junk = scribbleTail(f.tablePath, end);
        byte[] before = Files.readAllBytes(f.tablePath);
        try (TableFile t = TableFile.open(FileDurableIO.INSTANCE, f.tablePath, true, MAX_CHUNK_SHIFT)) {
            assertEquals(end, t.header().fileEnd);
        }
        assertArrayEquals(before, Files.readAllBytes(f.tablePath), "a read-only open leaves the file as it is");
        assertEquals(0x5A, before[(int) junk]);
        try (TableFile t = TableFile.open(FileDurableIO.INSTANCE, f.tablePath, false, MAX_CHUNK_SHIFT)) {
            assertEquals(end, t.header().fileEnd);
        }
        assertArrayEquals(before, Files.readAllBytes(f.tablePath), "a writable open other than the writer's (a view's copy) cuts nothing");
        try (TableFile t = TableFile.openForWriter(FileDurableIO.INSTANCE, f.tablePath, MAX_CHUNK_SHIFT)) {
            assertEquals(end, t.header().fileEnd);
        }
        byte[] after = Files.readAllBytes(f.tablePath);
        for (long at = end; at < after.length; at++) {
            assertEquals(0, after[(int) at], "byte " + at + " past the allocation end " + end);
        }
    }

    /** A cleanly closed file keeps its tail (punched at the close): it opens without allocating, on a full disk too. */
    @Test
    void aWritableOpenAfterACleanCloseKeepsTheTail() throws Exception {
        Fixture f = new Fixture(root.resolve("clean"));
        long end = f.table.header().fileEnd;
        assertTrue(f.table.header().cleanClose);
        f.close();
        long junk = scribbleTail(f.tablePath, end);
        long size = Files.size(f.tablePath);
        try (TableFile t = TableFile.openForWriter(FileDurableIO.INSTANCE, f.tablePath, MAX_CHUNK_SHIFT)) {
            assertEquals(end, t.header().fileEnd);
        }
        assertEquals(size, Files.size(f.tablePath));
        assertEquals(0x5A, Files.readAllBytes(f.tablePath)[(int) junk], "the tail is kept");
    }

    /** Writes a non-zero byte two pages past {@code end}; returns its offset. */
    private static long scribbleTail(Path table, long end) throws IOException {
        long at = end + 2L * ExtentClasses.PAGE_SIZE;
        try (var ch = java.nio.channels.FileChannel.open(table, java.nio.file.StandardOpenOption.WRITE)) {
            ch.write(ByteBuffer.wrap(new byte[]{0x5A}), at);
        }
        return at;
    }
}
