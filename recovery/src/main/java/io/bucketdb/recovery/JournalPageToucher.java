package io.bucketdb.recovery;

import io.bucketdb.spi.AppendWindow;
import io.bucketdb.storage.NativeFileOps;
import io.bucketdb.storage.Uninterruptibly;

import java.util.concurrent.locks.LockSupport;

/**
 * Faults the journal's next pages into the current segment's window ahead of the appends, on a thread of its own
 * ({@value #THREAD_NAME}), so the writer's copy of a frame finds its page mapped (issue 16: every ~100 lone puts a
 * fresh 4 KiB page cost the writer a page fault of ~5 µs, the p99 of a lone put; docs/BENCHMARKS.md, "lone" and
 * "jtouch").
 *
 * <p>The writer ({@link JournalSegments#write}) calls {@link #request} each time its appends cross {@link #STEP}: three
 * volatile writes and an unpark, no allocation, no lock. This thread then reads one byte of each page up to
 * {@link #AHEAD} past the write position ({@link AppendWindow#touch}) and parks until the next request; it never spins.
 *
 * <p>Crash safety is untouched by construction: the touch only reads, so no byte of the journal (nor of anything else)
 * changes, and nothing orders against it. Its fields may be read torn (a new window with an older position): the touch
 * then reads a different stretch of a live window, or of a closed one, which ends it quietly (the window's contract);
 * either way nothing is written. A close of a window under the touch is not held up by it.
 */
final class JournalPageToucher implements Runnable {
    static final String THREAD_NAME = "bucketdb-journal-touch";
    /** How far the appends move between two requests. */
    static final long STEP = 64 << 10;
    /** How far past the write position a request has the pages faulted in. */
    static final long AHEAD = 256 << 10;

    private final Thread thread;
    /** The window of the latest request; written by the writer, read here. */
    private volatile AppendWindow window;
    /** The write position of the latest request. */
    private volatile long from;
    /** Where the touch of the latest request stops. */
    private volatile long to;
    private volatile boolean stopped;

    /** The window touched last and how far, this thread's own. */
    private AppendWindow touchedWindow;
    private long touchedTo;

    /** Starts the thread (parked until the first request). */
    JournalPageToucher() {
        thread = Thread.ofPlatform().name(THREAD_NAME).daemon().unstarted(this);
        thread.start();
    }

    /**
     * Has the pages of {@code window} from {@code position} to {@link #AHEAD} past it faulted in; the writer's, once per
     * {@link #STEP} of appends. Allocation-free and lock-free.
     */
    void request(AppendWindow window, long position) {
        this.window = window;
        this.from = position;
        this.to = position + AHEAD;
        LockSupport.unpark(thread);
    }

    @Override
    public void run() {
        // Never preempts the writer that woke it: it runs on a core no ordinary thread wants.
        NativeFileOps.idleCurrentThread();
        while (!stopped) {
            AppendWindow w = window;
            long f = from;
            long t = to;
            if (w == null || (w == touchedWindow && touchedTo >= t)) {
                LockSupport.park(this);
                continue;
            }
            // A remapped window (a growth, a roll) is a new mapping: its pages are faulted in again from the position.
            long begin = w == touchedWindow ? Math.max(f, touchedTo) : f;
            w.touch(begin, t);
            touchedWindow = w;
            touchedTo = t;
        }
        touchedWindow = null;
        window = null;
    }

    /** Ends the thread and waits for it (at most one touch of {@link #AHEAD}); the journal's close. */
    void stop() {
        stopped = true;
        LockSupport.unpark(thread);
        Uninterruptibly.join(thread);
    }

    /** {@return whether the thread is still running} (tests) */
    boolean running() {
        return thread.isAlive();
    }
}
