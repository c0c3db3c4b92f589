package io.bucketdb.storage;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.Arrays;

/**
 * The pages a checkpoint writes, as they were when it began, taken lazily (docs/DESIGN.md, "Checkpoints"):
 * the checkpoint thread copies each page out of the private mapping when it gets to it, and the
 * writer thread, about to change a page the checkpoint has not copied yet, copies it first. So a
 * checkpoint holds the writer for one page copy at most, not for the whole write-back.
 *
 * <p>Each page has a state, changed only by compare-and-set or release stores:
 * <pre>
 *   PENDING --checkpoint CAS--> BUSY --copied--> TAKEN --checkpoint CAS--> RELEASING --> RELEASED
 *      |                                           |
 *      +--writer CAS--> BUSY --copied--> COPIED    +--writer CAS--> WRITTEN
 * </pre>
 * {@code BUSY} and {@code RELEASING} are held for one page copy or one {@code madvise}; the other
 * side spins on them. The writer reaches {@link #beforeWrite} from {@link DirtyPages#mark} when a
 * page turns dirty, which happens before its bytes change; every page of the snapshot was clean
 * when it began (the dirty set was handed over and cleared), so the writer's first change to such
 * a page always passes through here.
 *
 * <p>Memory ordering: the side that copies reads the page before its release store of the next
 * state; the other side reads the state with acquire before it writes (writer) or reads the copy
 * (checkpoint). So the writer never changes a page while the checkpoint copies it, and the copy
 * the writer saves is complete when the checkpoint reads it.
 *
 * <p>Releasing a written-back page ({@code madvise(MADV_DONTNEED)}) is safe only while its private
 * copy equals the file: {@code TAKEN} means the writer has not touched it since it was copied, and
 * the writer's CAS to {@code WRITTEN} or the checkpoint's to {@code RELEASING} decides who goes first.
 */
public final class PageSnapshot implements AutoCloseable {
    private static final int PENDING = 0;
    private static final int BUSY = 1;
    private static final int TAKEN = 2;
    private static final int COPIED = 3;
    private static final int WRITTEN = 4;
    private static final int RELEASING = 5;
    private static final int RELEASED = 6;
    private static final VarHandle STATE = MethodHandles.arrayElementVarHandle(int[].class);
    /** Pages per block of saved copies; blocks are taken (or allocated) only when the writer needs them. */
    private static final int BLOCK_PAGES = SnapshotCopyBlocks.BLOCK_PAGES;
    private static final long PAGE = ExtentClasses.PAGE_SIZE;

    private final ChunkedMapping mapping;
    private final long[] pages;
    private final int[] states;
    /** Writer thread only, published to the checkpoint by the release store of COPIED. */
    private final int[] copySlot;
    private final MemorySegment[] blocks;
    /** Which of {@link #blocks} came from {@link #pool} and go back to it at {@link #close}. Writer thread only. */
    private final boolean[] pooled;
    /** Blocks made ahead of time, or null; a block the pool cannot lend is allocated in {@link #arena}. */
    private final SnapshotCopyBlocks pool;
    /** Made on the first block the pool could not lend: a shared arena's close costs a handshake. Writer thread only. */
    private Arena arena;
    private volatile int copies;
    /** Blocks the writer had to allocate itself (the pool had none free). */
    private volatile int blocksAllocated;

    /**
     * A snapshot of {@code pages} of {@code mapping}; nothing is copied until the writer is about to change a page.
     *
     * @param mapping the table's mapping
     * @param pages   the page numbers to snapshot, ascending and distinct
     */
    public PageSnapshot(ChunkedMapping mapping, long[] pages) {
        this(mapping, pages, null);
    }

    /**
     * A snapshot of {@code pages} of {@code mapping} whose writer copies go into blocks lent by {@code pool}
     * (allocated by the writer only when none is free), given back when the snapshot closes.
     *
     * @param mapping the table's mapping
     * @param pages   the page numbers to snapshot, ascending and distinct
     * @param pool    the blocks kept across checkpoints, or null to allocate every block
     */
    public PageSnapshot(ChunkedMapping mapping, long[] pages, SnapshotCopyBlocks pool) {
        this.pool = pool;
        this.mapping = mapping;
        this.pages = pages;
        this.states = new int[pages.length];
        this.copySlot = new int[pages.length];
        this.blocks = new MemorySegment[(pages.length + BLOCK_PAGES - 1) / BLOCK_PAGES];
        this.pooled = new boolean[blocks.length];
    }

    /** {@return the number of pages in the snapshot} */
    public int size() {
        return pages.length;
    }

    /**
     * The page number of the {@code i}-th page.
     *
     * @param i an index below {@link #size()}
     * @return the page number of the {@code i}-th page, ascending
     */
    public long page(int i) {
        return pages[i];
    }

    /** {@return the number of pages the writer had to copy before changing them} */
    public int writerCopies() {
        return copies;
    }

    /** {@return the blocks of copies the writer had to allocate itself because the pool had none free} */
    public int blocksAllocated() {
        return blocksAllocated;
    }

    /**
     * Writer thread: {@code page} is about to change for the first time since the snapshot began.
     * Saves its snapshot content if the checkpoint still needs it, or waits for the checkpoint's
     * copy or release of it to finish.
     */
    void beforeWrite(long page) {
        int i = Arrays.binarySearch(pages, page);
        if (i < 0) {
            return;
        }
        while (true) {
            int s = (int) STATE.getAcquire(states, i);
            switch (s) {
                case PENDING -> {
                    if (STATE.compareAndSet(states, i, PENDING, BUSY)) {
                        int slot = copies++;
                        MemorySegment block = blocks[slot / BLOCK_PAGES];
                        if (block == null) {
                            block = newBlock(slot / BLOCK_PAGES);
                        }
                        copyPage(i, block, (slot % BLOCK_PAGES) * PAGE);
                        copySlot[i] = slot;
                        STATE.setRelease(states, i, COPIED);
                        return;
                    }
                }
                case TAKEN -> {
                    if (STATE.compareAndSet(states, i, TAKEN, WRITTEN)) {
                        return;
                    }
                }
                case BUSY, RELEASING -> Thread.onSpinWait();
                default -> {
                    return; // COPIED, WRITTEN, RELEASED: the checkpoint no longer reads the live page
                }
            }
        }
    }

    /**
     * Checkpoint thread: copies page {@code i}'s snapshot content into {@code dst} at {@code dstOffset}
     * (from the mapping, or from the writer's saved copy if the writer got there first).
     *
     * @param i an index below {@link #size()}
     * @param dst the segment to copy into, such as a double-write buffer
     * @param dstOffset the offset in {@code dst} of the page's first byte
     */
    public void copyTo(int i, MemorySegment dst, long dstOffset) {
        while (true) {
            int s = (int) STATE.getAcquire(states, i);
            if (s == PENDING) {
                if (STATE.compareAndSet(states, i, PENDING, BUSY)) {
                    copyPage(i, dst, dstOffset);
                    STATE.setRelease(states, i, TAKEN);
                    return;
                }
            } else if (s == COPIED) {
                int slot = copySlot[i];
                MemorySegment.copy(blocks[slot / BLOCK_PAGES], (slot % BLOCK_PAGES) * PAGE, dst, dstOffset, PAGE);
                return;
            } else if (s == BUSY) {
                Thread.onSpinWait();
            } else {
                throw new IllegalStateException("page " + pages[i] + " copied twice (state " + s + ")");
            }
        }
    }

    /**
     * Checkpoint thread, after the pages are durable in place: drops the private copies of at most
     * {@code maxPages} pages the writer has not changed since they were copied, lowest first.
     *
     * @param maxPages the most pages to release
     * @return the number of pages released
     * @throws IOException if {@code madvise} reports an error
     */
    public long releaseUnchanged(long maxPages) throws IOException {
        long released = 0;
        for (int i = 0; i < pages.length && released < maxPages; ) {
            // A run of consecutive pages in one chunk that are all still TAKEN goes out in one call.
            int run = 0;
            while (i + run < pages.length && run < BLOCK_PAGES && released + run < maxPages
                    && (run == 0 || (pages[i + run] == pages[i] + run && sameChunk(pages[i], pages[i + run])))
                    && STATE.compareAndSet(states, i + run, TAKEN, RELEASING)) {
                run++;
            }
            if (run == 0) {
                i++;
                continue;
            }
            long off = pages[i] * PAGE;
            PageRelease.release(mapping.segment(off).asSlice(mapping.local(off), run * PAGE));
            for (int k = 0; k < run; k++) {
                STATE.setRelease(states, i + k, RELEASED);
            }
            released += run;
            i += run;
        }
        return released;
    }

    /**
     * Whether the {@code i}-th page's private copy was released. Writer thread, after the checkpoint's
     * {@code run} returned.
     *
     * @param i an index below {@link #size()}
     * @return whether {@link #releaseUnchanged} released it
     */
    public boolean isReleased(int i) {
        return (int) STATE.getAcquire(states, i) == RELEASED;
    }

    /** Writer thread: the block for slots from {@code b * BLOCK_PAGES}, lent by the pool if it has one free. */
    private MemorySegment newBlock(int b) {
        MemorySegment block = pool == null ? null : pool.take();
        if (block != null) {
            pooled[b] = true;
        } else {
            if (arena == null) {
                arena = Arena.ofShared();
            }
            block = arena.allocate(BLOCK_PAGES * PAGE, PAGE);
            blocksAllocated++;
        }
        blocks[b] = block;
        return block;
    }

    private boolean sameChunk(long a, long b) {
        return mapping.chunkIndex(a * PAGE) == mapping.chunkIndex(b * PAGE);
    }

    private void copyPage(int i, MemorySegment dst, long dstOffset) {
        long off = pages[i] * PAGE;
        MemorySegment.copy(mapping.segment(off), mapping.local(off), dst, dstOffset, PAGE);
    }

    /**
     * Ends the saved copies: blocks lent by the pool go back to it (a later snapshot overwrites a slot before it reads
     * it), the others are freed. Writer thread, once the checkpoint has ended: nothing reads a copy after this.
     */
    @Override
    public void close() {
        for (int b = 0; b < blocks.length; b++) {
            if (pooled[b]) {
                pooled[b] = false;
                pool.give(blocks[b]);
            }
            blocks[b] = null;
        }
        if (arena != null) {
            arena.close();
            arena = null;
        }
    }
}
