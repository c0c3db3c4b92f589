package io.bucketdb.storage;

import io.bucketdb.spi.CorruptIndexException;

import java.io.IOException;

/**
 * Hands out extents of the table file and overflow buckets, and takes them back.
 *
 * <p>Extents come from the free list of their class (an O(1) stack linked through the extents
 * themselves, {@link FreeExtentLayout}) or from the end of the allocated space. An extent no larger
 * than the alignment unit never straddles a multiple of it, so no bucket straddles a mapped chunk;
 * a gap left to honour that is counted in {@code wastedBytes} so {@code verify} can account for
 * every byte; in a table with a value heap the gap's pages go to the one-page free list instead, where the heap carves
 * its next pages (see {@link #allocate}). Overflow buckets come from the overflow free list or from the newest overflow page.
 *
 * <p>Everything here is deterministic (no time, no randomness, no file size): replaying the same
 * journal on the same image allocates the same offsets. The writer thread is the only caller.
 */
public final class ExtentAllocator {
    private final TableFile table;
    private final Header h;
    private final int bucketSize;
    /** Whether the table has a value heap (variable-length keys or values, or values out of line): see {@link #allocate}. */
    private final boolean heapFillsGaps;

    ExtentAllocator(TableFile table) {
        this.table = table;
        this.h = table.header();
        this.bucketSize = h.bucketSize();
        this.heapFillsGaps = h.varKeys() || h.varValues();
    }

    /**
     * {@return bytes of an extent of class {@code c} in this table}
     *
     * @param c the class, 0 to {@link ExtentClasses#COUNT} - 1
     */
    public long extentBytes(int c) {
        return ExtentClasses.bytes(c, bucketSize);
    }

    /**
     * Allocates an extent of class {@code c}. Its content is unspecified (the caller initializes
     * it), except that space taken from the end of the file reads as zero.
     *
     * @param c the class, 0 to {@link ExtentClasses#COUNT} - 1
     * @return the file offset of the extent
     * @throws CorruptIndexException if the free list's head is not a free extent of that class
     * @throws IOException if the file cannot grow or be mapped
     */
    public long allocate(int c) throws IOException {
        long head = h.freeHeads[c];
        if (head != 0) {
            long next = table.getLong(head + FreeExtentLayout.NEXT_OFFSET);
            int magic = table.getInt(head + FreeExtentLayout.MAGIC_OFFSET);
            int cls = table.getInt(head + FreeExtentLayout.EXTENT_CLASS_OFFSET);
            if (magic != FreeExtentLayout.MAGIC || cls != c || (next != 0 && (next < HeaderLayout.DATA_START || next >= h.fileEnd))) {
                throw new CorruptIndexException(table.path(), head,
                        "a free extent of class " + c + " (magic 0x" + Integer.toHexString(FreeExtentLayout.MAGIC)
                                + "), found magic 0x" + Integer.toHexString(magic) + " class " + cls + " next " + next);
            }
            h.freeHeads[c] = next;
            h.freeCounts[c]--;
            table.zero(head, FreeExtentLayout.SIZE);
            return head;
        }
        long size = extentBytes(c);
        long off = h.fileEnd;
        long unit = 1L << h.alignShift;
        if (size <= unit && (off & (unit - 1)) + size > unit) {
            long boundary = (off + unit - 1) & -unit;
            table.ensureMapped(off + size);
            if (heapFillsGaps) {
                // Issue 19: a piece that would straddle the alignment unit skips to the next one, and the gap (on average
                // half a piece: 4.7% of a 16x100 table at 1M entries) stayed allocated and unused for life. A table
                // with a value heap takes a fresh page for every 39 values of 100 bytes, so the gap's pages go to the
                // one-page free list, lowest first, and the heap carves its next pages there.
                int onePage = ExtentClasses.rawClassFor(ExtentClasses.PAGE_SIZE);
                for (long p = boundary - ExtentClasses.PAGE_SIZE; p >= off; p -= ExtentClasses.PAGE_SIZE) {
                    free(p, onePage);
                }
            } else {
                h.wastedBytes += boundary - off;
            }
            off = boundary;
        }
        table.ensureMapped(off + size);
        h.fileEnd = off + size;
        return off;
    }

    /**
     * Returns an extent of class {@code c} to its free list.
     *
     * @param off the extent's file offset, as {@link #allocate} returned it
     * @param c the class it was allocated as
     */
    public void free(long off, int c) {
        table.putLong(off + FreeExtentLayout.NEXT_OFFSET, h.freeHeads[c]);
        table.putInt(off + FreeExtentLayout.MAGIC_OFFSET, FreeExtentLayout.MAGIC);
        table.putInt(off + FreeExtentLayout.EXTENT_CLASS_OFFSET, c);
        h.freeHeads[c] = off;
        h.freeCounts[c]++;
    }

    /**
     * Allocates a zeroed overflow bucket and counts it.
     *
     * @return the bucket's file offset
     * @throws CorruptIndexException if the overflow free list links outside the file
     * @throws IOException if a new overflow page cannot be allocated
     */
    public long allocateOverflowBucket() throws IOException {
        long b;
        if (h.ovfFreeHead != 0) {
            b = h.ovfFreeHead;
            long next = table.getLong(b + bucketSize - 8);
            if (next != 0 && (next < HeaderLayout.DATA_START || next >= h.fileEnd)) {
                throw new CorruptIndexException(table.path(), b + bucketSize - 8,
                        "the next free overflow bucket within the file, found " + next);
            }
            h.ovfFreeHead = next;
            h.ovfFreeCount--;
            table.putLong(b + bucketSize - 8, 0);
        } else {
            if (h.ovfBumpNext == h.ovfBumpEnd) {
                newOverflowPage();
            }
            b = h.ovfBumpNext;
            h.ovfBumpNext += bucketSize;
        }
        h.overflowBuckets++;
        return b;
    }

    /**
     * Zeroes an overflow bucket and puts it on the overflow free list.
     *
     * @param b the bucket's file offset, as {@link #allocateOverflowBucket} returned it
     */
    public void freeOverflowBucket(long b) {
        table.zero(b, bucketSize);
        table.putLong(b + bucketSize - 8, h.ovfFreeHead);
        h.ovfFreeHead = b;
        h.ovfFreeCount++;
        h.overflowBuckets--;
    }

    /** Receives ranges of the file, {@code [start, end)}. */
    @FunctionalInterface
    public interface RangeSink {
        /**
         * Takes one range.
         *
         * @param start the first file offset of the range
         * @param end the file offset just past it
         */
        void range(long start, long end);
    }

    /**
     * Hands {@code sink} the whole pages of free extents that hold nothing the table needs: every page of each extent
     * on a free list but its first, which holds the free-list link ({@link FreeExtentLayout}). These are what a
     * checkpoint may give back to the file system (punch a hole in) once its header covers them as free. Freed
     * overflow buckets and small heap blocks are not included: each carries its own free-list link, and they do not
     * fill whole pages of their own.
     *
     * <p>Walks each free list at most as far as its count in the header, and stops at a link that does not look like
     * a free extent of its class (wrong magic or class, not page-aligned, outside the file): a range is handed out only
     * when the list proves it free. Writer thread, at a batch end.
     *
     * @param sink receives each range, page-aligned and in no particular order
     */
    public void freeWholePages(RangeSink sink) {
        for (int c = 0; c < ExtentClasses.COUNT; c++) {
            long bytes = extentBytes(c);
            long off = h.freeHeads[c];
            for (long n = h.freeCounts[c]; n > 0 && off != 0; n--) {
                if ((off & (ExtentClasses.PAGE_SIZE - 1)) != 0 || off < HeaderLayout.DATA_START || off + bytes > h.fileEnd) {
                    break;
                }
                long next;
                try {
                    if (table.getInt(off + FreeExtentLayout.MAGIC_OFFSET) != FreeExtentLayout.MAGIC
                            || table.getInt(off + FreeExtentLayout.EXTENT_CLASS_OFFSET) != c) {
                        break;
                    }
                    next = table.getLong(off + FreeExtentLayout.NEXT_OFFSET);
                } catch (java.io.UncheckedIOException damaged) {
                    break; // a damaged page: verify reports it; nothing is punched on its word
                }
                if (bytes > ExtentClasses.PAGE_SIZE) {
                    sink.range(off + ExtentClasses.PAGE_SIZE, off + bytes);
                }
                off = next;
            }
        }
    }

    /**
     * Starts a new overflow page. Its buckets must read as zero (a bucket handed out from it is empty). An extent from
     * the end of the file already does ({@link #allocate}), so only one taken from a free list, which holds old bytes,
     * is zeroed here: zeroing a fresh one copied every page of it into private memory in the put that crossed into it
     * (36 copy-on-write faults of a piece-class extent, 125-350 µs, about 200 puts of a 10M load; issue 16, tail3),
     * where its buckets' first writes now fault one page at a time, and dirtied pages that no bucket may ever use.
     * Which of the two it is depends only on the header's free list, so replay does the same.
     */
    private void newOverflowPage() throws IOException {
        int c = ExtentClasses.pieceClass(h.pieceShift);
        boolean reused = h.freeHeads[c] != 0;
        long page = allocate(c);
        long bytes = extentBytes(c);
        int buckets = OverflowPageLayout.bucketsPerPage(bytes, bucketSize);
        if (reused) {
            table.zero(page, bytes);
        }
        table.putLong(page + OverflowPageLayout.NEXT_PAGE_OFFSET, h.ovfPageHead);
        table.putInt(page + OverflowPageLayout.MAGIC_OFFSET, OverflowPageLayout.MAGIC);
        table.putInt(page + OverflowPageLayout.BUCKET_COUNT_OFFSET, buckets);
        h.ovfPageHead = page;
        h.ovfPageCount++;
        h.ovfBumpNext = page + OverflowPageLayout.BUCKETS;
        h.ovfBumpEnd = h.ovfBumpNext + (long) buckets * bucketSize;
    }
}
