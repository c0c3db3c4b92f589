package io.bucketdb.storage;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.concurrent.locks.LockSupport;

/**
 * Blocks of memory for the pages the writer saves while a checkpoint runs ({@link PageSnapshot#beforeWrite}), made
 * and faulted in ahead of time on a thread of their own and kept across checkpoints (issue 16, branch {@code tailcopy}).
 * A snapshot that made its own block on the writer (allocate and zero 1 MiB: a fresh mapping, 256 page faults) held
 * that put for about a millisecond, 60-100 times in the checkpoint of a 10M-put load; taking one from here is a pop
 * under an uncontended lock.
 *
 * <p>Bounded: at most {@code maxBlocks} blocks exist, lent out or free, until {@link #close} frees them all. A block
 * is lent to one snapshot at a time ({@link #take}) and comes back when that snapshot closes ({@link #give}); its old
 * bytes are never read (a snapshot reads only the slots its writer filled). The writer asks for more with
 * {@link #want}: a volatile write and, when the target grows, an {@code unpark}; no allocation, no system call
 * otherwise. The filling thread allocates and zeroes each block (which faults its pages in) and parks when the free
 * blocks reach the target.
 */
public final class SnapshotCopyBlocks implements AutoCloseable {
    /** Pages per block, the unit a snapshot takes. */
    static final int BLOCK_PAGES = 256;
    /** Bytes per block (1 MiB). */
    public static final long BLOCK_BYTES = BLOCK_PAGES * ExtentClasses.PAGE_SIZE;

    private final int maxBlocks;
    /** The free blocks, a stack; guarded by {@code this}. */
    private final MemorySegment[] free;
    private int freeCount;
    /** Blocks that exist (free, lent out, or being made); guarded by {@code this}. */
    private int owned;
    private boolean closed;
    /** Guards the arena: an allocation never races its close. The writer never takes it. */
    private final Object arenaLock = new Object();
    private final Arena arena = Arena.ofShared();
    /** Free blocks the filler makes, at the most; raised by the writer, read by the filler. */
    private volatile int target;
    private volatile Thread filler;

    /**
     * A pool of at most {@code maxBlocks} blocks; none is made until {@link #want} asks.
     *
     * @param maxBlocks the most blocks that may exist at once
     */
    public SnapshotCopyBlocks(int maxBlocks) {
        if (maxBlocks < 1) {
            throw new IllegalArgumentException("maxBlocks " + maxBlocks);
        }
        this.maxBlocks = maxBlocks;
        this.free = new MemorySegment[maxBlocks];
    }

    /** {@return the most blocks that may exist at once} */
    public int maxBlocks() {
        return maxBlocks;
    }

    /** {@return the blocks free now} */
    public synchronized int freeBlocks() {
        return freeCount;
    }

    /** {@return the blocks that exist now, free or lent out} */
    public synchronized int ownedBlocks() {
        return owned;
    }

    /**
     * Writer: asks for {@code blocks} free blocks (capped at {@link #maxBlocks}), made on the filling thread. Does
     * nothing unless that is more than asked before; the first call starts the thread.
     *
     * @param blocks the free blocks wanted
     */
    public void want(int blocks) {
        int t = Math.min(blocks, maxBlocks);
        if (t <= target) {
            return;
        }
        target = t;
        Thread f = filler;
        if (f == null) {
            synchronized (this) {
                if (closed) {
                    return;
                }
                f = Thread.ofPlatform().name("bucketdb-copy-blocks").daemon().unstarted(this::fillLoop);
                filler = f;
            }
            f.start();
        } else {
            LockSupport.unpark(f);
        }
    }

    /**
     * Any thread: makes blocks until {@code blocks} are free or {@link #maxBlocks} exist. The filling thread's work,
     * callable directly (tests, or a thread that has time to spare).
     *
     * @param blocks the free blocks wanted
     * @return the blocks made
     */
    public int fill(int blocks) {
        int made = 0;
        while (true) {
            synchronized (this) {
                if (closed || freeCount >= blocks || owned >= maxBlocks) {
                    return made;
                }
                owned++;
            }
            MemorySegment block;
            synchronized (arenaLock) {
                if (!arena.scope().isAlive()) {
                    return made;
                }
                block = arena.allocate(BLOCK_BYTES, ExtentClasses.PAGE_SIZE); // zeroed: every page faulted in here
            }
            synchronized (this) {
                if (closed) {
                    return made; // the arena's close frees it
                }
                free[freeCount++] = block;
            }
            made++;
            if (Thread.currentThread() == filler) {
                // Gives the core back after each block (~0.7 ms of page faults) to a thread that wants it: on a core
                // shared with the writer the filler otherwise ran for whole scheduler ticks, holding a put for 4 ms
                // each time, 8-25 times in a 10M-put load (issue 16, docs/BENCHMARKS.md "tail5").
                Thread.yield();
            }
        }
    }

    private void fillLoop() {
        while (true) {
            synchronized (this) {
                if (closed) {
                    return;
                }
            }
            try {
                fill(target);
            } catch (RuntimeException | OutOfMemoryError e) {
                return; // out of native memory, or closed under it: the writer makes its own blocks as before
            }
            LockSupport.park(this);
        }
    }

    /**
     * Writer: a free block, or null if none is free (the caller then makes its own). Its bytes are whatever the
     * last snapshot that used it left there.
     *
     * @return a block of {@link #BLOCK_BYTES}, page-aligned, or null
     */
    synchronized MemorySegment take() {
        if (freeCount == 0) {
            return null;
        }
        MemorySegment b = free[--freeCount];
        free[freeCount] = null;
        return b;
    }

    /**
     * Writer: gives back a block {@link #take} lent out, once nothing reads it any more.
     *
     * @param block the block
     */
    synchronized void give(MemorySegment block) {
        if (closed) {
            return;
        }
        if (freeCount == free.length) {
            throw new IllegalStateException("more blocks given back than were made");
        }
        free[freeCount++] = block;
    }

    /** Frees every block and stops the filling thread; blocks still lent out are freed too (a closed pool's snapshots must have closed). */
    @Override
    public void close() {
        Thread f;
        synchronized (this) {
            if (closed) {
                return;
            }
            closed = true;
            java.util.Arrays.fill(free, null);
            freeCount = 0;
            f = filler;
        }
        if (f != null) {
            LockSupport.unpark(f);
            Uninterruptibly.join(f);
        }
        synchronized (arenaLock) {
            arena.close();
        }
    }
}
