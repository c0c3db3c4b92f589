package io.bucketdb.table;

import io.bucketdb.storage.NativeFileOps;

import java.util.concurrent.locks.LockSupport;

/**
 * Takes the first write fault of an in-place split's upper half off the writer (issue 16, "the first touch of the next
 * bucket array before a doubling needs it"; docs/BENCHMARKS.md, "tail4"). A split writes upper bucket
 * {@code i + 2^oldB} for the first time, and every 28th split (a 4 KiB page of 144-byte buckets) faults a page of
 * never-written file space through the table's private mapping: the page is read (zeros) into the page cache and copied.
 * Those were most of a growing load's slow split puts, and about one split put in 14 during a doubling, where p99 sits.
 *
 * <p>This thread ({@value #THREAD_NAME}, in {@code SCHED_IDLE}: it runs only on a core nothing else wants, so waking it
 * never preempts the writer) makes each page of the upper buckets from {@value #MARGIN} to {@value #AHEAD} buckets past
 * the split mark private before the split gets there ({@link BucketPageTouch}: no byte changes, nothing durable). The
 * writer hands it a request every {@value #REQUEST_EVERY} splits (an unpark; nothing allocated).
 *
 * <p>At most {@value #AHEAD} buckets' pages (576 KiB of 8x8 buckets) are private ahead of the writer's marks, outside
 * the private-page count, until the splits write and count them. A touch after the index closed its mapping ends the
 * round. Without native access (no {@code SCHED_IDLE}) the thread touches nothing: in the normal class it preempted
 * the writer more than it saved.
 */
final class SplitPageToucher implements Runnable {
    static final String THREAD_NAME = "bucketdb-split-touch";
    /** Buckets past the split mark up to which pages are made private: 4,096 8x8 buckets are 576 KiB. */
    static final long AHEAD = 4096;
    /** Buckets just past the mark left to the writer, which may reach them before this thread does. */
    static final long MARGIN = 64;
    /** Splits between two requests (a power of two). */
    static final long REQUEST_EVERY = 256;

    private final HashTable t;
    private final Thread thread;
    private volatile boolean stopping;
    /** The growth whose upper buckets were touched up to {@link #doneTo} (this thread's, or a test's). */
    private ArraySnapshot doneFor;
    private long doneTo;
    /** Pages touched so far (tests). */
    private volatile long touchedPages;

    SplitPageToucher(HashTable t) {
        this.t = t;
        this.thread = Thread.ofPlatform().name(THREAD_NAME).daemon().unstarted(this);
    }

    void start() {
        thread.start();
    }

    /** Writer: asks for the pages ahead of the split mark. */
    void request() {
        LockSupport.unpark(thread);
    }

    /**
     * Ends the thread without waiting for it. In {@code SCHED_IDLE} it may not run for a second or more while other
     * threads keep both cores busy (an index closed beside four busy threads took 0.3-3.2 s behind the join, 40-50 ms
     * without them), and nothing needs it to have ended: a touch of the mapping after the index closes it throws and
     * ends the round ({@link #touch}), and it touches nothing else.
     */
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

    @Override
    public void run() {
        if (!NativeFileOps.idleCurrentThread()) {
            return; // in the normal class this thread would preempt the writer it is meant to spare
        }
        while (!stopping) {
            touchAhead();
            LockSupport.park(this);
        }
    }

    /**
     * Makes private the pages of the upper buckets from {@link #MARGIN} to {@link #AHEAD} past the split mark not made
     * so yet in this growth. Changes no byte. This thread only (and tests, with the thread not started).
     */
    void touchAhead() {
        ArraySnapshot g = t.snapshot;
        if (!g.growing || !g.inPlace) {
            return;
        }
        long mark = t.splitMark;
        long half = 1L << g.oldB;
        long from = Math.max(mark + MARGIN, g == doneFor ? doneTo : 0);
        long to = Math.min(half, mark + AHEAD);
        if (from >= to) {
            return;
        }
        if (touch(g, from, to)) {
            doneFor = g;
            doneTo = to;
        }
    }

    /**
     * Makes private the pages of upper buckets {@code [from, to)} (numbered as old buckets) of the growth {@code g}
     * ({@link BucketPageTouch}). Changes no byte, also of buckets the writer has split meanwhile (tests call it behind
     * the mark to show that).
     *
     * @return false if the mapping was closed under it (the index is closing)
     */
    boolean touch(ArraySnapshot g, long from, long to) {
        long half = 1L << g.oldB;
        long touched = BucketPageTouch.touch(g, from + half, to + half);
        touchedPages += touched >= 0 ? touched : -1 - touched;
        return touched >= 0;
    }
}
