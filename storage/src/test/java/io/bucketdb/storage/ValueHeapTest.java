package io.bucketdb.storage;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.bucketdb.spi.CorruptIndexException;

import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.*;

/** The value heap's classes, its free lists, zeroing on free, and determinism (replay allocates the same offsets). */
class ValueHeapTest {
    @TempDir
    Path tmp;

    private TableFile file(String name) throws IOException {
        return TableFile.create(FileDurableIO.INSTANCE, tmp.resolve(name), VarSlotLayout.slotWidth(12), VarSlotLayout.slotWidth(12),
                HeaderLayout.VAR_KEYS | HeaderLayout.VAR_VALUES, 16, 42, 16);
    }

    @Test
    void aNewFileHasThePageFitClassesUpToTheLargestValue() throws IOException {
        try (TableFile tf = file("c.bdb")) {
            assertSame(HeapClasses.PAGE_FIT, tf.heap().classes());
            assertEquals(104, tf.heap().blockBytes(100), "a 100-byte value takes a 104-byte block");
            assertEquals(4096, tf.heap().blockBytes(HeapLayout.MAX_SMALL_BLOCK + 1), "a raw extent of one page");
            assertEquals(256L << 20, tf.heap().blockBytes(256L << 20), "the largest value fills the largest raw class exactly");
        }
        assertEquals(ExtentClasses.PIECE_CLASSES + 16, ExtentClasses.rawClassFor(256L << 20));
        assertThrows(IllegalArgumentException.class, () -> ExtentClasses.rawClassFor((256L << 20) + 1));
    }

    @Test
    void freedBlocksAreZeroedAndReusedFirst() throws IOException {
        try (TableFile tf = file("a.bdb")) {
            ValueHeap heap = tf.heap();
            Header h = tf.header();
            long a = heap.allocate(20);
            long b = heap.allocate(20);
            assertEquals(a + 24, b, "blocks of a class are handed out in address order from a carved page");
            assertEquals(170, h.heapBlocks[2], "one page of 24-byte blocks");
            assertEquals(168, h.heapFreeCounts[2]);
            tf.copyIn(a, MemorySegment.ofArray(new byte[]{1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20}), 0, 20);
            heap.free(a, 20);
            assertEquals(169, h.heapFreeCounts[2]);
            for (long i = HeapLayout.SIZE; i < 24; i++) {
                assertEquals(0, tf.mapping().segment(a + i).get(Layouts.BYTE, tf.mapping().local(a + i)), "byte " + i + " zeroed");
            }
            assertEquals(a, heap.allocate(17), "the freed block is reused first");
            long big = heap.allocate(5000);
            assertEquals(0, big % ExtentClasses.PAGE_SIZE, "a large block is a page-aligned extent");
            assertEquals(1, h.heapLargeBlocks);
            assertEquals(8192, h.heapLargeBytes);
            heap.free(big, 5000);
            assertEquals(0, h.heapLargeBlocks);
            assertEquals(0, h.heapLargeBytes);
            assertEquals(big, heap.allocate(4097), "the extent went back to its class's free list");
        }
    }

    /**
     * Issue 19: an extent that would straddle the alignment unit skips to the next unit. In a table with a value heap
     * the skipped pages go to the one-page free list and the heap carves its next pages from them, lowest first,
     * instead of staying allocated as {@code wastedBytes}; a table without a heap keeps counting them as wasted.
     */
    @Test
    void theGapBeforeAnAlignedExtentFeedsTheHeapsNextPages() throws IOException {
        for (boolean heap : new boolean[]{true, false}) {
            try (TableFile tf = heap ? file("g.bdb") : TableFile.create(FileDurableIO.INSTANCE, tmp.resolve("f.bdb"), 8, 8, 0, 16, 42, 16)) {
                Header h = tf.header();
                ExtentAllocator alloc = tf.allocator();
                long unit = 1L << h.alignShift;
                int piece = ExtentClasses.pieceClass(h.pieceShift);
                long pieceBytes = alloc.extentBytes(piece);
                // Fill the first unit up to less than a piece from its end, one page at a time.
                int onePage = ExtentClasses.rawClassFor(ExtentClasses.PAGE_SIZE);
                while ((h.fileEnd & (unit - 1)) + pieceBytes <= unit) {
                    alloc.allocate(onePage);
                }
                long gapStart = h.fileEnd;
                long boundary = (gapStart + unit - 1) & -unit;
                long gapPages = (boundary - gapStart) / ExtentClasses.PAGE_SIZE;
                assertTrue(gapPages > 0);
                assertEquals(boundary, alloc.allocate(piece), "the piece starts the next unit");
                if (!heap) {
                    assertEquals(boundary - gapStart, h.wastedBytes, "no heap: the gap is wasted");
                    assertEquals(0, h.freeCounts[onePage]);
                    continue;
                }
                assertEquals(0, h.wastedBytes);
                assertEquals(gapPages, h.freeCounts[onePage], "every page of the gap is free");
                ValueHeap vh = tf.heap();
                for (long i = 0; i < gapPages; i++) {
                    long first = vh.allocate(2000);
                    vh.allocate(2000); // two 2048-byte blocks fill the page
                    assertEquals(gapStart + i * ExtentClasses.PAGE_SIZE, first, "the heap's page " + i + " comes from the gap, lowest first");
                }
                assertEquals(boundary + pieceBytes, vh.allocate(2000), "then from the end of the file");
                assertEquals(boundary + pieceBytes + ExtentClasses.PAGE_SIZE, h.fileEnd);
            }
        }
    }

    /** 39 blocks of 104 bytes fill 4056 bytes of a page; the 40th starts a new page instead of straddling the boundary. */
    @Test
    void blocksOfAPageFitClassNeverStraddleAPage() throws IOException {
        try (TableFile tf = file("p.bdb")) {
            ValueHeap heap = tf.heap();
            Header h = tf.header();
            int c = HeapClasses.PAGE_FIT.classFor(100);
            List<Long> blocks = new ArrayList<>();
            for (int i = 0; i < 40; i++) {
                blocks.add(heap.allocate(100));
            }
            long page = blocks.getFirst();
            assertEquals(0, page % ExtentClasses.PAGE_SIZE, "the first block starts its page");
            for (int i = 0; i < 39; i++) {
                assertEquals(page + 104L * i, blocks.get(i), "block " + i);
            }
            assertEquals(0, blocks.get(39) % ExtentClasses.PAGE_SIZE, "the 40th block starts a fresh page");
            assertNotEquals(page, blocks.get(39));
            assertEquals(78, h.heapBlocks[c], "two pages of 39 blocks");
            assertEquals(38, h.heapFreeCounts[c]);
            heap.free(blocks.get(38), 100); // the last block of the first page, which ends 40 bytes before the page's end
            assertEquals(blocks.get(38), heap.allocate(97), "a freed block is reused first, by any length of its class");
            assertEquals(38, h.heapFreeCounts[c]);
        }
    }

    @Test
    void theSameOperationsGiveTheSameOffsets() throws IOException {
        assertEquals(run("x.bdb"), run("y.bdb"));
    }

    private List<Long> run(String name) throws IOException {
        List<Long> out = new ArrayList<>();
        try (TableFile tf = file(name)) {
            ValueHeap heap = tf.heap();
            List<long[]> live = new ArrayList<>();
            java.util.SplittableRandom rnd = new java.util.SplittableRandom(7);
            for (int i = 0; i < 2000; i++) {
                if (!live.isEmpty() && rnd.nextInt(3) == 0) {
                    long[] e = live.remove(rnd.nextInt(live.size()));
                    heap.free(e[0], e[1]);
                } else {
                    long len = 9 + rnd.nextInt(rnd.nextBoolean() ? 200 : 20_000);
                    long off = heap.allocate(len);
                    live.add(new long[]{off, len});
                    out.add(off);
                }
            }
        }
        return out;
    }

    /**
     * A free-list link inside the file but off the class's block grid (here 8 bytes into a 104-byte block) would hand
     * out a block overlapping two others; allocate refuses it, names the link's offset, and leaves the list as it was.
     */
    @Test
    void aFreeListLinkOffTheBlockGridIsCorruptionNotABlock() throws IOException {
        try (TableFile tf = file("g.bdb")) {
            ValueHeap heap = tf.heap();
            Header h = tf.header();
            int c = HeapClasses.PAGE_FIT.classFor(100);
            long a = heap.allocate(100);
            long b = heap.allocate(100);
            heap.free(a, 100);
            heap.free(b, 100);
            for (long bad : new long[]{a + 8, a + 104 * 39, h.fileEnd}) {
                tf.putLong(b + HeapLayout.NEXT_OFFSET, bad);
                CorruptIndexException e = assertThrows(CorruptIndexException.class, () -> heap.allocate(100), "link " + bad);
                assertEquals(b + HeapLayout.NEXT_OFFSET, e.offset());
                assertEquals(tf.path(), e.file());
                assertTrue(e.getMessage().contains("found " + bad), e.getMessage());
                assertEquals(b, h.heapFreeHeads[c], "the list is left as it was");
            }
            tf.putLong(b + HeapLayout.NEXT_OFFSET, a);
            assertEquals(b, heap.allocate(100));
            assertEquals(a, heap.allocate(100), "a sound link is followed");
        }
    }
}
