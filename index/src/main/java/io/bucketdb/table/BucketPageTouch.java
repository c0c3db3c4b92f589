package io.bucketdb.table;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.VarHandle;

/**
 * Makes the pages of a run of buckets private ahead of the writer, on a helper thread, so the writer's first write to
 * each page does not take the fault: a page of never-written file space under the table's private mapping is read
 * (zeros) into the page cache and copied on its first write, a few microseconds a page ({@link SplitPageToucher} for a
 * split's upper half, {@link BuildPageToucher} for a build's new array).
 *
 * <p>The touch is an atomic add of 0 to the first int of a bucket in each page: a write as far as the kernel is
 * concerned, so the page is copied now, and no change to any byte, also when the writer writes the same bucket
 * meanwhile (the add is atomic, so the writer's bytes stay). Nothing durable changes and no page is marked dirty: a
 * checkpoint writes only pages the writer marked. Reads go through the table's mapping, whose arena is shared: an
 * access after the index closed it throws, which ends the touch.
 */
final class BucketPageTouch {
    private static final VarHandle INT = ValueLayout.JAVA_INT.varHandle();

    private BucketPageTouch() {
    }

    /**
     * Makes private the pages of buckets {@code [from, to)} of {@code g}'s current array (see the class comment).
     *
     * @return the pages touched, or {@code -1 - touched} if the mapping was closed under the touch (the index is
     *         closing) or cannot be accessed so
     */
    static long touch(ArraySnapshot g, long from, long to) {
        long lastPage = -1;
        MemorySegment lastSeg = null;
        long touched = 0;
        try {
            for (long u = from; u < to; u++) {
                int p = (int) (u >>> g.pieceShift);
                MemorySegment seg = g.pieceSeg[p];
                long off = g.pieceLocal[p] + (u & g.pieceMask) * g.bucketSize;
                long page = off >>> 12;
                if (seg == lastSeg && page == lastPage) {
                    continue; // each page holds the start of some bucket: touching bucket starts touches every page
                }
                int unchanged = (int) INT.getAndAdd(seg, off, 0); // exact type: no adaptation on the call
                lastSeg = seg;
                lastPage = page;
                touched++;
            }
            return touched;
        } catch (IllegalStateException | IllegalArgumentException | UnsupportedOperationException e) {
            return -1 - touched; // the mapping was closed (the index is closing) or the access is not possible
        }
    }
}
