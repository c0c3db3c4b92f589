package io.bucketdb.storage;

import java.util.Arrays;

/**
 * Which 4 KiB pages of the private mapping differ from the file: a bitset indexed by page number.
 * Every write to the mapping marks its pages first ({@link #mark} is called <em>before</em> the
 * bytes change), so a checkpoint writes exactly these pages back and the running checkpoint's
 * {@link PageSnapshot} can save a page's old content on first touch. Used by the writer thread only.
 */
public final class DirtyPages {
    private final PageSet dirty = new PageSet();
    private final PageSet privatePages = new PageSet();
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

    /**
     * Makes room for the pages of {@code [0, end)} in the dirty and private sets now, off the path of the writes that
     * will mark them ({@link PageSet#reserve} says why).
     *
     * @param end a file offset; the pages below it can then be marked without the sets growing
     */
    public void reserve(long end) {
        long endPage = (end + ExtentClasses.PAGE_SIZE - 1) >>> ExtentClasses.PAGE_SHIFT;
        dirty.reserve(endPage);
        privatePages.reserve(endPage);
    }

    private void markPage(long page) {
        if (dirty.add(page)) {
            if (snapshot != null) {
                snapshot.beforeWrite(page);
            }
            // After beforeWrite: a release of this page by the running checkpoint has finished, so the copy the write makes stays.
            privatePages.add(page);
        }
    }

    /**
     * The pages of the private (copy-on-write) mapping that hold a copy of this process's own: changed
     * since the mapping was made and not released since; a superset of the dirty pages, because a page
     * a checkpoint wrote back is clean but stays private until it is released. Their count is the
     * table's private memory.
     *
     * <p>Why count them: releasing a written-back page ({@code madvise(MADV_DONTNEED)}) bounds memory,
     * but the next write to it faults twice (the file's page is mapped in, then copied). On a table
     * larger than the dirty limit, random puts then pay those faults on almost every put. So
     * checkpoints release pages only while the private pages exceed a limit ({@code Checkpointer}).
     *
     * @return the private pages (writer thread only)
     */
    public PageSet privatePages() {
        return privatePages;
    }

    /**
     * Whether {@code page} changed since the last checkpoint.
     *
     * @param page a page number (offset / 4096)
     * @return whether it changed since the last checkpoint
     */
    public boolean isDirty(long page) {
        return dirty.contains(page);
    }

    /** {@return the number of dirty pages} */
    public long count() {
        return dirty.count();
    }

    /** {@return the dirty page numbers in ascending order, in a fresh array} */
    public long[] pages() {
        return dirty.pages();
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

    /**
     * The checkpoint no longer needs page copies. Pages it released that have not turned dirty since
     * are private no more; one that turned dirty again after its release has a new private copy.
     */
    public void endSnapshot() {
        PageSnapshot s = snapshot;
        snapshot = null;
        if (s != null) {
            for (int i = 0; i < s.size(); i++) {
                if (s.isReleased(i) && !isDirty(s.page(i))) {
                    privatePages.remove(s.page(i));
                }
            }
        }
    }

    /** Marks every page clean (after a checkpoint wrote them back). */
    public void clear() {
        dirty.clear();
    }
}
