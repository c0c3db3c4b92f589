package io.bucketdb.storage;

import io.bucketdb.spi.CorruptIndexException;

import java.io.IOException;

/**
 * Allocates and frees value-heap blocks inside the table file (see {@link HeapLayout}; the file's size classes are
 * its {@link HeapClasses}, fixed at creation). Small classes keep O(1) free lists linked through the free blocks, with head, free
 * count and carved count in the header; large blocks are raw extents of the {@link ExtentAllocator}.
 * Freed blocks are zeroed (a small block keeps only its free-list link), so no deleted or
 * overwritten data stays in the file.
 *
 * <p>Deterministic like the extent allocator: the same header and file give the same offsets, so
 * journal replay reproduces the live writer's bytes. The heap lives in the table file, so every
 * byte changed here is marked dirty and checkpointed like buckets. Writer thread only.
 */
public final class ValueHeap {
    private final TableFile table;
    private final Header h;
    private final ExtentAllocator alloc;
    private final HeapClasses classes;

    ValueHeap(TableFile table) {
        this.table = table;
        this.h = table.header();
        this.alloc = table.allocator();
        this.classes = h.heapClasses();
    }

    /** {@return the file's size classes} */
    public HeapClasses classes() {
        return classes;
    }

    /**
     * {@return bytes a block holding {@code length} bytes occupies in this file: its small class's block size, or its
     * raw extent's size}
     *
     * @param length the bytes to hold, 1 to 256 MiB
     */
    public long blockBytes(long length) {
        return classes.blockBytesFor(length);
    }

    /**
     * A block for {@code length} bytes (1..256 MiB); the caller writes them (through
     * {@link TableFile#copyIn}) and then publishes the reference. The block's bytes beyond what
     * the caller writes are unspecified.
     *
     * @param length the bytes the block must hold, 1 to 256 MiB
     * @return the block's file offset, the heap reference to store in the slot
     * @throws CorruptIndexException if the class's free list links outside the file or off the class's block starts
     * @throws IOException if the file cannot grow or be mapped
     */
    public long allocate(long length) throws IOException {
        int c = classes.classFor(length);
        if (c < 0) {
            int rc = ExtentClasses.rawClassFor(length);
            long off = alloc.allocate(rc);
            h.heapLargeBlocks++;
            h.heapLargeBytes += alloc.extentBytes(rc);
            return off;
        }
        if (h.heapFreeHeads[c] == 0) {
            carve(c);
        }
        long block = h.heapFreeHeads[c];
        long next = table.getLong(block + HeapLayout.NEXT_OFFSET);
        // A link off its class's block grid would hand out bytes that overlap live blocks: refuse it here rather than
        // let verify find the damage after values were written over each other.
        if (next != 0 && (next + classes.blockBytes(c) > h.fileEnd || !classes.isBlockStart(next, c))) {
            throw new CorruptIndexException(table.path(), block + HeapLayout.NEXT_OFFSET,
                    "the next free heap block of class " + c + " (" + classes.blockBytes(c)
                            + "-byte blocks) at a block start within the file, found " + next);
        }
        h.heapFreeHeads[c] = next;
        h.heapFreeCounts[c]--;
        table.putLong(block + HeapLayout.NEXT_OFFSET, 0);
        return block;
    }

    /**
     * Zeroes the {@code length} bytes of the block at {@code ref} and returns it to its free list.
     *
     * @param ref the block's file offset, as {@link #allocate} returned it
     * @param length the length it was allocated for (the slot's length), which determines its class
     */
    public void free(long ref, long length) {
        table.zero(ref, length);
        int c = classes.classFor(length);
        if (c < 0) {
            int rc = ExtentClasses.rawClassFor(length);
            alloc.free(ref, rc);
            h.heapLargeBlocks--;
            h.heapLargeBytes -= alloc.extentBytes(rc);
            return;
        }
        table.putLong(ref + HeapLayout.NEXT_OFFSET, h.heapFreeHeads[c]);
        h.heapFreeHeads[c] = ref;
        h.heapFreeCounts[c]++;
    }

    /**
     * Carves a fresh page into blocks of class {@code c}, linked so the lowest address is handed out first. Blocks
     * start at whole multiples of their size from the page's start; what is left at the page's end (less than a block)
     * stays zero and unused.
     */
    private void carve(int c) throws IOException {
        long page = alloc.allocate(ExtentClasses.rawClassFor(HeapLayout.CARVE_PAGE));
        table.zero(page, HeapLayout.CARVE_PAGE);
        int size = classes.blockBytes(c);
        int n = classes.blocksPerPage(c);
        long head = h.heapFreeHeads[c];
        for (int i = n - 1; i >= 0; i--) {
            long block = page + (long) i * size;
            table.putLong(block + HeapLayout.NEXT_OFFSET, head);
            head = block;
        }
        h.heapFreeHeads[c] = head;
        h.heapFreeCounts[c] += n;
        h.heapBlocks[c] += n;
    }
}
