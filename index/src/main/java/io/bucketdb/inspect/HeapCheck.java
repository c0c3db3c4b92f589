package io.bucketdb.inspect;

import io.bucketdb.storage.BlockNumberLayout;
import io.bucketdb.storage.Header;
import io.bucketdb.storage.HeaderLayout;
import io.bucketdb.storage.HeapClasses;
import io.bucketdb.storage.HeapLayout;
import io.bucketdb.storage.VarSlotLayout;

import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;

/**
 * The verifier's value-heap checks, for tables with variable-length keys or values: each slot's
 * length and inline body, each heap reference (inside the file, of the class its length selects in the file's
 * {@link HeapClasses} scheme, where a block of that class can start in its page, referred to once, not also free),
 * each small class's free list, and after the table walk the carved, free and in-use counts of every class and the
 * large-block totals. A block of class {@code c} starts a whole number of blocks from its page's start and ends
 * within the page: with the page-fit classes of format version 6 a block is no longer aligned to its own size.
 */
final class HeapCheck {
    private final Header h;
    private final FileView view;
    private final ProblemList problems;
    private final SpaceCheck spaceCheck;
    private final long headerAt;
    /** Heap block → file offset of the slot that refers to it. */
    private final Map<Long, Long> heapRefs = new HashMap<>();
    /** Small-block heap page → its class, from references and free lists. */
    private final Map<Long, Integer> heapPages = new HashMap<>();
    private final Set<Long> heapFree = new HashSet<>();
    private final HeapClasses classes;
    private final long[] heapInUse;
    private long largeBlocks;
    private long largeBytes;

    HeapCheck(Header h, FileView view, ProblemList problems, SpaceCheck spaceCheck, long headerAt) {
        this.h = h;
        this.view = view;
        this.problems = problems;
        this.spaceCheck = spaceCheck;
        this.headerAt = headerAt;
        this.classes = h.heapClasses();
        this.heapInUse = new long[classes.count()];
    }

    long fieldLength(long off) {
        return view.getInt(off + VarSlotLayout.LENGTH_OFFSET) & 0xFFFFFFFFL;
    }

    /**
     * Checks the variable-length {@code what} slot at {@code off} of {@code label} and records its heap
     * block; returns the file offset of its bytes, or -1 if they cannot be read.
     */
    long checkField(long off, int inline, long max, String what, String label) {
        long len = fieldLength(off);
        long body = off + VarSlotLayout.BODY_OFFSET;
        if (len > max) {
            problems.report(off, "a " + what + " length of at most " + max + " bytes in " + label, String.valueOf(len));
            return -1;
        }
        if (len <= inline) {
            if (!view.isZero(body + len, inline - len)) {
                problems.report(body + len, "zeros after the " + len + " inline " + what + " bytes in " + label, "leftover bytes");
            }
            return body;
        }
        if (!view.isZero(body + 8, inline - 8)) {
            problems.report(body + 8, "zeros after the heap reference of the " + what + " in " + label, "leftover bytes");
        }
        return checkRef(body, view.getLong(body), len, what, label);
    }

    /**
     * Checks the value slot of format version 8 at {@code off} of {@code label} ({@link BlockNumberLayout}: the number
     * of a block holding the index's {@code outlineValueWidth} bytes) and records its block; returns the block's file
     * offset, or -1 if it cannot be read.
     */
    long checkNumberedValue(long off, BlockNumberLayout numbers, String label) {
        int number = view.getInt(off + BlockNumberLayout.NUMBER_OFFSET);
        if (number == 0) {
            problems.report(off, "a heap block number in the used value slot of " + label, "0");
            return -1;
        }
        return checkRef(off, numbers.offset(number), h.outlineValueWidth, "value", label);
    }

    /** Checks and records the heap block at {@code ref} that the slot field at {@code body} names, holding {@code len} bytes. */
    private long checkRef(long body, long ref, long len, String what, String label) {
        int c = classes.classFor(len);
        long bytes = classes.blockBytesFor(len);
        boolean aligned = c >= 0 ? classes.isBlockStart(ref, c) : spaceCheck.isExtent(ref, bytes);
        if (ref < HeaderLayout.DATA_START || !view.contains(ref, len) || !aligned) {
            problems.report(body, "a reference to a heap block of " + bytes + " bytes for a " + len + "-byte " + what + " within ["
                    + HeaderLayout.DATA_START + ", " + h.fileEnd + ")" + (c >= 0 ? ", a whole number of blocks from its page's start," : "")
                    + " in " + label, "reference " + ref);
            return -1;
        }
        Long other = heapRefs.putIfAbsent(ref, body);
        if (other != null) {
            problems.report(body, "a heap block referred to by one slot only (" + what + " in " + label + ")",
                    "block " + ref + ", also referred to from offset " + other);
            return ref;
        }
        if (heapFree.contains(ref)) {
            problems.report(body, "a heap block in use or free, not both (" + what + " in " + label + ")", "block " + ref + " is on the free list of class " + c);
        }
        if (c >= 0) {
            heapInUse[c]++;
            notePage(ref, c, body);
        } else {
            largeBlocks++;
            largeBytes += bytes;
            spaceCheck.addExtent(ref, bytes, "heap block of " + len + " bytes");
        }
        return ref;
    }

    /** Records that small-class {@code c} has a block in the page of {@code block}; a page holds one class only. */
    private void notePage(long block, int c, long at) {
        long page = block & -(long) HeapLayout.CARVE_PAGE;
        Integer prev = heapPages.putIfAbsent(page, c);
        if (prev != null && prev != c) {
            problems.report(at, "heap blocks of one class per page (page " + page + " holds class " + prev + ")", "a block of class " + c + " at " + block);
        }
    }

    /** Walks each small heap class's free list: bounded, acyclic, aligned blocks inside the file, as long as its count. */
    void checkHeapFreeLists() {
        for (int c = 0; c < classes.count(); c++) {
            int size = classes.blockBytes(c);
            long at = headerAt + HeaderLayout.HEAP_CLASSES_OFFSET + (long) HeaderLayout.HEAP_CLASS_SIZE * c;
            long b = h.heapFreeHeads[c];
            long n = 0;
            while (b != 0) {
                if (n >= h.heapBlocks[c] || !heapFree.add(b)) {
                    problems.report(at, "a heap free list of class " + c + " without cycles, at most " + h.heapBlocks[c] + " blocks long",
                            "a longer list (block " + b + ")");
                    spaceCheck.incomplete();
                    break;
                }
                if (b < HeaderLayout.DATA_START || !view.contains(b, size) || !classes.isBlockStart(b, c)) {
                    problems.report(at, "a free heap block of " + size + " bytes within the file, a whole number of blocks from its page's start",
                            "offset " + b);
                    spaceCheck.incomplete();
                    break;
                }
                if (!view.isZero(b + HeapLayout.SIZE, size - HeapLayout.SIZE)) {
                    problems.report(b + HeapLayout.SIZE, "a zeroed free heap block (class " + c + ")", "leftover bytes");
                }
                notePage(b, c, at);
                n++;
                at = b + HeapLayout.NEXT_OFFSET;
                b = view.getLong(at);
            }
            if (b == 0 && n != h.heapFreeCounts[c]) {
                problems.report(headerAt + HeaderLayout.HEAP_CLASSES_OFFSET + (long) HeaderLayout.HEAP_CLASS_SIZE * c + 8, "free heap block count " + n + " for class " + c
                        + " (the length of its free list)", String.valueOf(h.heapFreeCounts[c]));
            }
        }
    }

    /** After the walk: small pages hold exactly the carved blocks, in use + free = carved, large blocks add up. */
    void checkHeapCounts() {
        long[] pages = new long[classes.count()];
        for (Map.Entry<Long, Integer> e : heapPages.entrySet()) {
            pages[e.getValue()]++;
            spaceCheck.addExtent(e.getKey(), HeapLayout.CARVE_PAGE, "heap page of class " + e.getValue());
        }
        for (int c = 0; c < classes.count(); c++) {
            long at = headerAt + HeaderLayout.HEAP_CLASSES_OFFSET + (long) HeaderLayout.HEAP_CLASS_SIZE * c + 16;
            long perPage = classes.blocksPerPage(c);
            if (pages[c] * perPage != h.heapBlocks[c]) {
                problems.report(at, "heap blocks carved of class " + c + " = " + pages[c] + " pages x " + perPage + " (pages holding its blocks)",
                        String.valueOf(h.heapBlocks[c]));
            }
            if (heapInUse[c] + h.heapFreeCounts[c] != h.heapBlocks[c]) {
                problems.report(at, "heap blocks of class " + c + " either referred to (" + heapInUse[c] + ") or free (" + h.heapFreeCounts[c]
                        + "), " + h.heapBlocks[c] + " in all", (h.heapBlocks[c] - heapInUse[c] - h.heapFreeCounts[c]) + " leaked or double-counted");
            }
        }
        if (largeBlocks != h.heapLargeBlocks) {
            problems.report(headerAt + HeaderLayout.heapLargeBlocksOffset(classes), "heapLargeBlocks " + largeBlocks + " (large heap blocks referred to)",
                    String.valueOf(h.heapLargeBlocks));
        }
        if (largeBytes != h.heapLargeBytes) {
            problems.report(headerAt + HeaderLayout.heapLargeBytesOffset(classes), "heapLargeBytes " + largeBytes + " (bytes of large heap blocks referred to)",
                    String.valueOf(h.heapLargeBytes));
        }
    }

}
