package io.bucketdb.table;

import io.bucketdb.storage.NativeFileOps;

import java.util.concurrent.locks.LockSupport;

/**
 * Takes the first write faults of a build's new bucket array off the building thread (issue 16, the bulk-load goal;
 * docs/BENCHMARKS.md, "A build of a new index"). A {@link BucketOrderLoad} walks the array from its start to its end,
 * and its first write to each 4 KiB page faults a page of never-written file space through the table's private mapping
 * (read into the page cache as zeros and copied): at 10M 8x8 entries 73,728 pages, a quarter to a half of the puts'
 * CPU. This thread ({@value #THREAD_NAME}, in {@code SCHED_IDLE}: it runs only on a core nothing else wants, so it
 * never preempts the builder) makes the pages private ({@link BucketPageTouch}: no byte changes, nothing durable) up
 * to {@value #AHEAD_BYTES} bytes of buckets past where the builder is: from the start of the array while the builder
 * orders the records, and ahead of its puts afterwards.
 *
 * <p>The lead bounds the pages made private ahead of the builder's dirty-page count (whose limit bounds a build's
 * private memory: docs/BENCHMARKS.md, "Private memory and the dirty limit"). Without native access (no
 * {@code SCHED_IDLE}) the thread touches nothing, as {@link SplitPageToucher} does. A touch after the table's mapping
 * closed ends the thread.
 */
final class BuildPageToucher implements Runnable {
    static final String THREAD_NAME = "bucketdb-build-touch";
    /** Bytes of buckets past the builder's position made private at most. */
    static final long AHEAD_BYTES = 32L << 20;
    /** Bytes of buckets touched between two looks at the builder's position and the stop flag. */
    static final long SLICE_BYTES = 1L << 20;

    private final ArraySnapshot g;
    private final long buckets;
    private final long ahead;
    private final long slice;
    private final Thread thread;
    private volatile boolean stopping;
    /** The bucket the builder puts into now (written by the builder, read by this thread). */
    private volatile long builderAt;
    /** Buckets {@code [0, doneTo)} were touched or passed. This thread's (or a test's). */
    private long doneTo;
    /** Pages touched so far (tests). */
    private volatile long touchedPages;

    /** A toucher of {@code g}'s current array, which no growth may change while it runs; {@link #start} starts it. */
    BuildPageToucher(ArraySnapshot g) {
        this.g = g;
        this.buckets = 1L << g.b;
        this.ahead = Math.max(1, AHEAD_BYTES / g.bucketSize);
        this.slice = Math.max(1, SLICE_BYTES / g.bucketSize);
        this.thread = Thread.ofPlatform().name(THREAD_NAME).daemon().unstarted(this);
    }

    void start() {
        thread.start();
    }

    /** Builder: it now puts into {@code bucket}; the pages up to {@value #AHEAD_BYTES} bytes past it may be touched. */
    void builderAt(long bucket) {
        builderAt = bucket;
        LockSupport.unpark(thread);
    }

    /** Ends the thread without waiting for it (it may not run for a while in {@code SCHED_IDLE}; nothing needs it to). */
    void stop() {
        stopping = true;
        LockSupport.unpark(thread);
    }

    boolean alive() {
        return thread.isAlive();
    }

    long touchedPages() {
        return touchedPages;
    }

    /** The first bucket not yet touched or passed (tests). */
    long doneTo() {
        return doneTo;
    }

    @Override
    public void run() {
        if (!NativeFileOps.idleCurrentThread()) {
            return; // in the normal class this thread would take the core the builder needs on a busy machine
        }
        while (!stopping && doneTo < buckets) {
            if (!touchAhead()) {
                return; // the mapping closed: the build is over
            }
            if (doneTo < buckets) {
                LockSupport.park(this);
            }
        }
    }

    /**
     * Touches the pages from where the last round ended, or from the builder's position if it is past that, up to
     * {@value #AHEAD_BYTES} bytes past the builder's position, in slices, looking at the position and the stop flag
     * between slices. This thread only (and tests, with the thread not started).
     *
     * @return false if the mapping was closed under it
     */
    boolean touchAhead() {
        while (!stopping) {
            long at = builderAt;
            long from = Math.max(doneTo, at); // pages behind the builder it faulted itself
            long to = Math.min(buckets, Math.min(at + ahead, from + slice));
            if (from >= to) {
                return true;
            }
            long touched = BucketPageTouch.touch(g, from, to);
            touchedPages += touched >= 0 ? touched : -1 - touched;
            if (touched < 0) {
                return false;
            }
            doneTo = to;
        }
        return true;
    }
}
