package io.bucketdb.storage;

import java.util.Arrays;

/**
 * Which 4 KiB pages of the private mapping differ from the file: a bitset indexed by page number.
 * Every write to the mapping marks its pages first ({@link #mark} is called <em>before</em> the
 * bytes change), so a checkpoint writes exactly these pages back and the running checkpoint's
 * {@link PageSnapshot} can save a page's old content on first touch. Used by the writer thread only.
 */
public final class DirtyPages {
    private long[] bits = new long[16];
    private long count;
    /** The running checkpoint's snapshot, consulted when a page turns dirty; null when none runs. */
    private PageSnapshot snapshot;

    /** No page dirty. */
    public DirtyPages() {
    }

    /**
     * Marks the pages covering {@code [off, off + len)}.
     *
     * @param off the first file offset about to change
     * @param len the number of bytes about to change, at least 1
     */
    public void mark(long off, long len) {
        long first = off >>> ExtentClasses.PAGE_SHIFT;
        long last = (off + len - 1) >>> ExtentClasses.PAGE_SHIFT;
        for (long p = first; p <= last; p++) {
            markPage(p);
        }
    }

    private void markPage(long page) {
        int word = (int) (page >>> 6);
        if (word >= bits.length) {
            bits = Arrays.copyOf(bits, Math.max(word + 1, bits.length * 2));
        }
        long bit = 1L << page;
        if ((bits[word] & bit) == 0) {
            bits[word] |= bit;
            count++;
            if (snapshot != null) {
                snapshot.beforeWrite(page);
            }
        }
    }

    /**
     * Whether {@code page} changed since the last checkpoint.
     *
     * @param page a page number (offset / 4096)
     * @return whether it changed since the last checkpoint
     */
    public boolean isDirty(long page) {
        int word = (int) (page >>> 6);
        return word < bits.length && (bits[word] & (1L << page)) != 0;
    }

    /** {@return the number of dirty pages} */
    public long count() {
        return count;
    }

    /** {@return the dirty page numbers in ascending order, in a fresh array} */
    public long[] pages() {
        long[] out = new long[(int) count];
        int n = 0;
        for (int w = 0; w < bits.length; w++) {
            long word = bits[w];
            while (word != 0) {
                out[n++] = ((long) w << 6) + Long.numberOfTrailingZeros(word);
                word &= word - 1;
            }
        }
        return out;
    }

    /**
     * Hands the dirty set to a checkpoint: returns the dirty pages in {@code [firstPage, endPage)},
     * clears the whole set, and makes {@code snapshot} (built over the returned pages by
     * {@code snapshotFactory}) see every page that turns dirty from now on, until {@link #endSnapshot}.
     *
     * @param firstPage the first page number the checkpoint writes back
     * @param endPage the page number after the last one it writes back
     * @param snapshotFactory builds the snapshot over the dirty pages in the range
     * @return the snapshot the factory built
     * @throws IllegalStateException if a snapshot is already running
     */
    public PageSnapshot beginSnapshot(long firstPage, long endPage, java.util.function.Function<long[], PageSnapshot> snapshotFactory) {
        if (snapshot != null) {
            throw new IllegalStateException("a checkpoint snapshot is already running");
        }
        long[] all = pages();
        int n = 0;
        for (long p : all) {
            if (p >= firstPage && p < endPage) {
                all[n++] = p;
            }
        }
        clear();
        snapshot = snapshotFactory.apply(Arrays.copyOf(all, n));
        return snapshot;
    }

    /** The checkpoint no longer needs page copies. */
    public void endSnapshot() {
        snapshot = null;
    }

    /** Marks every page clean (after a checkpoint wrote them back). */
    public void clear() {
        Arrays.fill(bits, 0);
        count = 0;
    }
}
