package io.bucketdb.recovery;

import io.bucketdb.storage.ExtentClasses;
import io.bucketdb.storage.PageChecksumsLayout;
import io.bucketdb.storage.TableFile;

import java.io.IOException;
import java.nio.ByteBuffer;

/**
 * The free space a checkpoint gives back to the file system (issue 19): whole free pages are punched out of the
 * table file once the checkpoint's batch is forced, and their checksums say {@link PageChecksumsLayout#NEVER_WRITTEN}.
 * One per {@link Checkpointer}; it remembers what it punched so later checkpoints skip it.
 */
final class HolePuncher {
    /**
     * Pages this checkpointer has punched and no checkpoint has written since (issue 19): they take no blocks, so
     * later checkpoints skip them. Cleared for a page when a checkpoint writes it. Empty after open, so the first
     * checkpoint of each open gives back all free space (punching a hole again costs a system call, nothing more).
     */
    private final java.util.BitSet punched = new java.util.BitSet();
    /** Set when the file system refused a punch: later checkpoints keep free space allocated, as before issue 19. */
    private volatile boolean punchRefused;

    /**
     * Checkpoint thread, for each page a checkpoint writes: the page takes blocks again, so it is no longer a hole.
     *
     * @param page the page number written
     */
    void written(long page) {
        if (page <= Integer.MAX_VALUE) {
            punched.clear((int) page);
        }
    }

    /**
     * Writer thread, in {@link Checkpointer#begin}: the free space the checkpoint being begun gives back, as runs of
     * pages ({start page, end page} pairs): whole pages of free extents (see
     * {@link io.bucketdb.storage.ExtentAllocator#freeWholePages}) that the header being installed covers as free and
     * that are not holes already. Each page is marked trusted for the writer first (it is free, nothing reads it as
     * data, and its recorded checksum is about to become {@link PageChecksumsLayout#NEVER_WRITTEN}).
     */
    long[] holesToPunch(TableFile table) {
        if (punchRefused || !table.canPunchHoles()) {
            return new long[0];
        }
        long[][] runs = {new long[16]};
        int[] n = {0};
        table.allocator().freeWholePages((start, end) -> {
            for (long p = start >>> ExtentClasses.PAGE_SHIFT; p < end >>> ExtentClasses.PAGE_SHIFT; ) {
                if (p > Integer.MAX_VALUE || punched.get((int) p)) {
                    p++;
                    continue;
                }
                long first = p;
                while (p < end >>> ExtentClasses.PAGE_SHIFT && p <= Integer.MAX_VALUE && !punched.get((int) p)) {
                    table.pages().trust(p);
                    p++;
                }
                if (n[0] + 2 > runs[0].length) {
                    runs[0] = java.util.Arrays.copyOf(runs[0], runs[0].length * 2);
                }
                runs[0][n[0]++] = first;
                runs[0][n[0]++] = p;
            }
        });
        return java.util.Arrays.copyOf(runs[0], n[0]);
    }

    /**
     * Gives the pages of {@code runs} back to the file system; where it refuses, writes zeros over them instead
     * (their checksums already say zeros) and stops punching for the later checkpoints.
     */
    void punch(TableFile table, long[] runs, ByteBuffer zeros) throws IOException {
        for (int i = 0; i < runs.length; i += 2) {
            long off = runs[i] << ExtentClasses.PAGE_SHIFT;
            long len = (runs[i + 1] - runs[i]) << ExtentClasses.PAGE_SHIFT;
            if (!punchRefused && table.punchHole(off, len)) {
                punched.set((int) runs[i], (int) runs[i + 1]);
                continue;
            }
            punchRefused = true;
            for (long at = off; at < off + len; ) {
                int chunk = (int) Math.min(zeros.capacity(), off + len - at);
                ByteBuffer z = zeros.clear().limit(chunk);
                for (int k = 0; k < chunk; k += 8) {
                    z.putLong(k, 0L);
                }
                table.writeRaw(at, z);
                at += chunk;
            }
        }
    }
}
