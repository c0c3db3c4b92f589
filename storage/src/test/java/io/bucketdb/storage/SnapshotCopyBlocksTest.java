package io.bucketdb.storage;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.lang.foreign.MemorySegment;
import java.util.HashSet;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.*;

/**
 * The blocks kept for the writer's page copies: made on their own thread up to what the writer asked for and never
 * beyond the bound, each lent to one taker at a time, all freed (and the thread gone) at close.
 */
class SnapshotCopyBlocksTest {
    private static final String FILLER = "bucketdb-copy-blocks";

    @Test
    @Timeout(120)
    void theFillerMakesWhatTheWriterAsksForUpToTheBound() throws Exception {
        try (SnapshotCopyBlocks pool = new SnapshotCopyBlocks(5)) {
            assertEquals(0, pool.ownedBlocks(), "nothing is made before it is asked for");
            assertFalse(fillerAlive(), "no thread before the first request");
            pool.want(3);
            awaitFree(pool, 3);
            pool.want(2); // less than before: nothing changes
            pool.want(100); // capped at the bound
            awaitFree(pool, 5);
            assertEquals(5, pool.ownedBlocks());
            assertEquals(0, pool.fill(100), "never more than the bound");
            MemorySegment b = pool.take();
            assertEquals(SnapshotCopyBlocks.BLOCK_BYTES, b.byteSize());
            assertEquals(0, b.address() % ExtentClasses.PAGE_SIZE, "page-aligned");
        }
        assertFalse(fillerAlive(), "close stops the filling thread");
    }

    @Test
    void aBlockIsLentToOneTakerAtATimeAndComesBack() {
        try (SnapshotCopyBlocks pool = new SnapshotCopyBlocks(3)) {
            assertEquals(3, pool.fill(3));
            Set<Long> lent = new HashSet<>();
            MemorySegment[] taken = new MemorySegment[3];
            for (int i = 0; i < 3; i++) {
                taken[i] = pool.take();
                assertTrue(lent.add(taken[i].address()), "each block lent once");
            }
            assertNull(pool.take(), "none free: the caller makes its own");
            taken[1].set(Layouts.LONG, 0, 42L);
            pool.give(taken[1]);
            MemorySegment again = pool.take();
            assertEquals(taken[1].address(), again.address(), "the block given back is lent again");
            assertEquals(42L, again.get(Layouts.LONG, 0), "with its old bytes, which a snapshot never reads unwritten");
            pool.give(again);
            pool.give(taken[0]);
            pool.give(taken[2]);
            assertEquals(3, pool.freeBlocks());
            assertThrows(IllegalStateException.class, () -> pool.give(taken[0]), "more given back than made");
        }
    }

    @Test
    void aClosedPoolLendsNothingAndMakesNothing() {
        SnapshotCopyBlocks pool = new SnapshotCopyBlocks(2);
        pool.fill(2);
        MemorySegment lent = pool.take();
        pool.close();
        assertNull(pool.take());
        assertEquals(0, pool.fill(2));
        pool.give(lent); // a snapshot closing after the pool: ignored
        assertEquals(0, pool.freeBlocks());
        assertThrows(IllegalStateException.class, () -> lent.get(Layouts.LONG, 0), "its memory is freed");
        pool.want(2);
        assertFalse(fillerAlive(), "no thread after close");
        pool.close(); // twice is harmless
    }

    private static void awaitFree(SnapshotCopyBlocks pool, int blocks) throws InterruptedException {
        // Waits for the filling thread's result, not for a time: the test's own timeout bounds it.
        while (pool.freeBlocks() < blocks) {
            Thread.sleep(1);
        }
        assertEquals(blocks, pool.freeBlocks());
    }

    private static boolean fillerAlive() {
        return Thread.getAllStackTraces().keySet().stream().anyMatch(t -> t.getName().equals(FILLER) && t.isAlive());
    }
}
