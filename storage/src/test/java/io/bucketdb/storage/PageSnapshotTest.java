package io.bucketdb.storage;

import io.bucketdb.spi.DurableFile;
import io.bucketdb.spi.DurableIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.util.SplittableRandom;
import java.util.concurrent.atomic.AtomicBoolean;

import static org.junit.jupiter.api.Assertions.*;

/**
 * The lazy checkpoint snapshot: whatever the writer changes after the snapshot began, the checkpoint copies each
 * page as it was at the start; pages the writer did not change afterwards are released, changed ones never are.
 */
class PageSnapshotTest {
    static final long PAGE = ExtentClasses.PAGE_SIZE;
    static final int PAGES = 64;

    @TempDir
    Path tmp;

    @Test
    void theCheckpointSeesEveryPageAsItWasWhenTheSnapshotBegan() throws Exception {
        long seed = Long.getLong("bucketdb.seed", System.nanoTime());
        try (DurableFile f = FileDurableIO.INSTANCE.open(tmp.resolve("t"), DurableIO.Mode.CREATE_NEW);
             ChunkedMapping m = new ChunkedMapping(f, FileChannel.MapMode.PRIVATE, 16, 16);
             Arena arena = Arena.ofConfined()) {
            m.ensureMapped(PAGES * PAGE);
            DirtyPages dirty = new DirtyPages();
            write(m, dirty, 0, PAGES * PAGE, 1); // version 1 everywhere, all dirty
            // Snapshot the even pages; the writer then rewrites pages in a seeded order, some twice.
            PageSnapshot snap = dirty.beginSnapshot(0, PAGES, all -> new PageSnapshot(m, evens(all)));
            assertEquals(PAGES / 2, snap.size());
            assertEquals(0, dirty.count(), "the dirty set went to the snapshot");
            SplittableRandom rnd = new SplittableRandom(seed);
            MemorySegment out = arena.allocate(PAGE);
            boolean[] changed = new boolean[PAGES];
            int copiedByCheckpoint = 0;
            for (int i = 0; i < snap.size(); i++) {
                for (int w = 0; w < 3; w++) {
                    int p = rnd.nextInt(PAGES);
                    write(m, dirty, p * PAGE, PAGE, 2 + w);
                    changed[p] = true;
                }
                snap.copyTo(i, out, 0);
                assertVersion(out, 1, "seed " + seed + ": page " + snap.page(i) + " as at the snapshot");
                copiedByCheckpoint++;
            }
            assertEquals(PAGES / 2, copiedByCheckpoint);
            long released = snap.releaseUnchanged(Long.MAX_VALUE);
            int unchanged = 0;
            for (int i = 0; i < snap.size(); i++) {
                if (!changed[(int) snap.page(i)]) {
                    unchanged++;
                    // The file holds zeros here (this test writes nothing back), so a released page reads zeros.
                    assertEquals(0L, m.segment(snap.page(i) * PAGE).get(Layouts.LONG, m.local(snap.page(i) * PAGE)), "seed " + seed + ": released");
                } else {
                    assertNotEquals(0L, m.segment(snap.page(i) * PAGE).get(Layouts.LONG, m.local(snap.page(i) * PAGE)), "seed " + seed + ": a changed page is kept");
                }
            }
            assertEquals(unchanged, released, "seed " + seed + ": exactly the unchanged pages are released");
            dirty.endSnapshot();
            snap.close();
        }
    }

    @Test
    void aWriterRacingTheCheckpointNeverLeaksANewerVersionIntoIt() throws Exception {
        long seed = Long.getLong("bucketdb.seed", System.nanoTime());
        int rounds = Boolean.getBoolean("bucketdb.torture") ? 2000 : 200;
        try (DurableFile f = FileDurableIO.INSTANCE.open(tmp.resolve("r"), DurableIO.Mode.CREATE_NEW);
             ChunkedMapping m = new ChunkedMapping(f, FileChannel.MapMode.PRIVATE, 16, 16);
             Arena arena = Arena.ofShared()) {
            m.ensureMapped(PAGES * PAGE);
            DirtyPages dirty = new DirtyPages();
            SplittableRandom rnd = new SplittableRandom(seed);
            MemorySegment out = arena.allocate(PAGE * PAGES);
            for (int round = 0; round < rounds; round++) {
                long version = 2L * round + 1;
                write(m, dirty, 0, PAGES * PAGE, version);
                PageSnapshot snap = dirty.beginSnapshot(0, PAGES, PageSnapshotTest.this.snapshotOf(m));
                AtomicBoolean stop = new AtomicBoolean();
                Thread checkpoint = new Thread(() -> {
                    for (int i = 0; i < snap.size(); i++) {
                        snap.copyTo(i, out, i * PAGE);
                    }
                    stop.set(true);
                });
                checkpoint.start();
                SplittableRandom r = rnd.split();
                while (!stop.get()) {
                    int p = r.nextInt(PAGES);
                    write(m, dirty, p * PAGE, PAGE, version + 1);
                }
                checkpoint.join();
                for (int i = 0; i < snap.size(); i++) {
                    assertVersion(out.asSlice(i * PAGE, PAGE), version, "seed " + seed + ", round " + round + ": page " + i);
                }
                dirty.endSnapshot();
                snap.close();
            }
        }
    }

    /**
     * Pooled blocks keep the copies of the snapshot before (issue 16, {@code tailcopy}): each round's checkpoint must still see
     * exactly that round's snapshot, never a copy the pool's block held from an earlier round (a stale page) or a slot of
     * another page (a foreign one). Each round writes a new version everywhere, so either would show an older version.
     */
    @Test
    void aPooledBlockNeverHandsTheCheckpointAStaleOrForeignPage() throws Exception {
        long seed = Long.getLong("bucketdb.seed", System.nanoTime());
        int rounds = Boolean.getBoolean("bucketdb.torture") ? 2000 : 200;
        try (DurableFile f = FileDurableIO.INSTANCE.open(tmp.resolve("p"), DurableIO.Mode.CREATE_NEW);
             ChunkedMapping m = new ChunkedMapping(f, FileChannel.MapMode.PRIVATE, 16, 16);
             SnapshotCopyBlocks pool = new SnapshotCopyBlocks(1);
             Arena arena = Arena.ofShared()) {
            m.ensureMapped(PAGES * PAGE);
            assertEquals(1, pool.fill(1));
            DirtyPages dirty = new DirtyPages();
            SplittableRandom rnd = new SplittableRandom(seed);
            MemorySegment out = arena.allocate(PAGE * PAGES);
            int writerCopies = 0;
            for (int round = 0; round < rounds; round++) {
                long version = 2L * round + 1;
                write(m, dirty, 0, PAGES * PAGE, version);
                PageSnapshot snap = dirty.beginSnapshot(0, PAGES, pages -> new PageSnapshot(m, pages, pool));
                AtomicBoolean stop = new AtomicBoolean();
                SplittableRandom order = rnd.split();
                Thread checkpoint = new Thread(() -> {
                    // A seeded order, so the writer's copies land in different slots from round to round.
                    int start = order.nextInt(PAGES);
                    for (int k = 0; k < snap.size(); k++) {
                        int i = (start + k) % PAGES;
                        snap.copyTo(i, out, i * PAGE);
                    }
                    stop.set(true);
                });
                checkpoint.start();
                SplittableRandom r = rnd.split();
                while (!stop.get()) {
                    write(m, dirty, r.nextInt(PAGES) * PAGE, PAGE, version + 1);
                }
                checkpoint.join();
                for (int i = 0; i < snap.size(); i++) {
                    assertVersion(out.asSlice(i * PAGE, PAGE), version, "seed " + seed + ", round " + round + ": page " + i);
                }
                assertEquals(0, snap.blocksAllocated(), "seed " + seed + ", round " + round + ": the pool's block was used");
                writerCopies += snap.writerCopies();
                if (snap.writerCopies() > 0) {
                    assertEquals(0, pool.freeBlocks(), "seed " + seed + ", round " + round + ": the block is lent out");
                }
                dirty.endSnapshot();
                snap.close();
                assertEquals(1, pool.freeBlocks(), "seed " + seed + ", round " + round + ": the block came back");
            }
            assertTrue(writerCopies > 0, "seed " + seed + ": the writer copied pages into the pooled block");
        }
    }

    @Test
    void aSnapshotMakesItsOwnBlocksOnceThePoolIsEmpty() throws Exception {
        try (DurableFile f = FileDurableIO.INSTANCE.open(tmp.resolve("e"), DurableIO.Mode.CREATE_NEW);
             ChunkedMapping m = new ChunkedMapping(f, FileChannel.MapMode.PRIVATE, 20, 20);
             SnapshotCopyBlocks pool = new SnapshotCopyBlocks(1);
             Arena arena = Arena.ofConfined()) {
            int pages = 3 * SnapshotCopyBlocks.BLOCK_PAGES;
            m.ensureMapped(pages * PAGE);
            pool.fill(1);
            DirtyPages dirty = new DirtyPages();
            write(m, dirty, 0, pages * PAGE, 7);
            PageSnapshot snap = dirty.beginSnapshot(0, pages, all -> new PageSnapshot(m, all, pool));
            write(m, dirty, 0, pages * PAGE, 8); // the writer copies every page: three blocks, one from the pool
            assertEquals(pages, snap.writerCopies());
            assertEquals(2, snap.blocksAllocated());
            assertEquals(0, pool.freeBlocks());
            MemorySegment out = arena.allocate(PAGE);
            for (int i = 0; i < snap.size(); i++) {
                snap.copyTo(i, out, 0);
                assertVersion(out, 7, "page " + i);
            }
            dirty.endSnapshot();
            snap.close();
            assertEquals(1, pool.freeBlocks(), "only the pool's block goes back to it");
            assertEquals(1, pool.ownedBlocks());
        }
    }

    private java.util.function.Function<long[], PageSnapshot> snapshotOf(ChunkedMapping m) {
        return pages -> new PageSnapshot(m, pages);
    }

    private static long[] evens(long[] all) {
        return java.util.Arrays.stream(all).filter(p -> p % 2 == 0).toArray();
    }

    /** Writes {@code version} into every long of [off, off + len), marking the pages first as the table does. */
    private static void write(ChunkedMapping m, DirtyPages dirty, long off, long len, long version) {
        dirty.mark(off, len);
        for (long o = off; o < off + len; o += 8) {
            m.segment(o).set(Layouts.LONG, m.local(o), version);
        }
    }

    private static void assertVersion(MemorySegment page, long version, String what) {
        for (long o = 0; o < PAGE; o += 8) {
            assertEquals(version, page.get(Layouts.LONG, o), what + " at byte " + o);
        }
    }
}
