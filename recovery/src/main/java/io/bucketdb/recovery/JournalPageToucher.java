package io.bucketdb.recovery;

import io.bucketdb.spi.AppendWindow;
import io.bucketdb.spi.DurableFile;
import io.bucketdb.storage.NativeFileOps;

import java.util.concurrent.locks.LockSupport;

/**
 * Faults the journal's next pages into the current segment's window ahead of the appends, on a thread of its own
 * ({@value #THREAD_NAME}), so the writer's copy of a frame finds its page mapped writable (issue 16: every ~100 lone
 * puts a fresh 4 KiB page cost the writer a page fault of ~5 µs, the p99 of a lone put; docs/BENCHMARKS.md, "lone",
 * "jtouch" and "wtouch").
 *
 * <p>The writer ({@link JournalSegments#write}) calls {@link #request} each time its appends cross {@link #STEP}: three
 * volatile writes and an unpark, no allocation, no lock. This thread then faults each page up to {@link #AHEAD}
 * past the write position in for writing (an atomic add of 0 to one int of it) ({@link AppendWindow#touch}) and parks until the next request; it never spins.
 *
 * <p>Behind the write position it also starts the write-back of the pages the appends have filled, each
 * {@link #WRITEBACK_STEP} ({@link DurableFile#startWriteback}, {@code sync_file_range(SYNC_FILE_RANGE_WRITE)}; issue 16,
 * docs/BENCHMARKS.md "tail5"): {@code ASYNC}'s periodic force, and a roll's force of the full segment on the writer,
 * then find a few hundred KiB left to write instead of up to 100 ms of appends (10 MiB, 30-56 ms of {@code msync} on
 * this VM, held under the forces' lock that a roll waits for), and the page cleaning and I/O submission that the
 * force's thread did at normal priority is done here, in the idle class, where it never takes the writer's core. Only
 * whole pages below the position of a request are written back: the writer never writes them again.
 *
 * <p>Crash safety is untouched by construction: the touch changes no byte of the journal (nor of anything else), also
 * of a frame the writer copies meanwhile (the add is atomic), and nothing orders against it; it only makes pages dirty
 * sooner, with the bytes they hold, which the system may write back at any time anyway. The write-back is a hint that makes nothing durable and orders nothing (the
 * system may write any dirty page back at any time without it, so a crash leaves the same states); the forces alone
 * say what is durable, and a failed write-back is reported by the next force (the page's error stays recorded for
 * it: {@code SYNC_FILE_RANGE_WRITE} without a wait consumes no error), which fails the journal as before. Its fields may be read torn (a new window with an older
 * position): the touch then faults in a different stretch of a live window, or of a closed one, which ends it quietly
 * (the window's contract); either way no byte changes. A close of a window under the touch is not held up by it.
 */
final class JournalPageToucher implements Runnable {
    static final String THREAD_NAME = "bucketdb-journal-touch";
    /** How far the appends move between two requests. */
    static final long STEP = 64 << 10;
    /** How far past the write position a request has the pages faulted in. */
    static final long AHEAD = 256 << 10;
    /** How many filled bytes behind the position gather before their write-back is started. */
    static final long WRITEBACK_STEP = 512 << 10;
    /** The page size whole pages are counted in (the smallest of the platforms the journal maps on). */
    private static final long PAGE = 4096;

    private final Thread thread;
    /** The window of the latest request; written by the writer, read here. */
    private volatile AppendWindow window;
    /** The write position of the latest request. */
    private volatile long from;
    /** Where the touch of the latest request stops. */
    private volatile long to;
    private volatile boolean stopped;
    /** The file of the latest request's window; written by the writer before {@link #window}. */
    private volatile DurableFile file;

    /** The window touched last and how far, this thread's own. */
    private AppendWindow touchedWindow;
    private long touchedTo;
    /** The file written back last and how far its write-back was started, this thread's own. */
    private DurableFile writtenBackFile;
    private long writtenBackTo;

    /** Starts the thread (parked until the first request). */
    JournalPageToucher() {
        thread = Thread.ofPlatform().name(THREAD_NAME).daemon().unstarted(this);
        thread.start();
    }

    /**
     * Has the pages of {@code window} from {@code position} to {@link #AHEAD} past it faulted in; the writer's, once per
     * {@link #STEP} of appends, with the window's file, whose filled pages below {@code position} may be written back.
     * Allocation-free and lock-free.
     */
    void request(AppendWindow window, DurableFile file, long position) {
        this.file = file;
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
            writeBack(file, f);
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
        writtenBackFile = null;
        file = null;
    }

    /**
     * Starts the write-back of {@code file}'s whole pages below {@code position} not started yet, once they are
     * {@link #WRITEBACK_STEP} or more. The fields may be read torn (a new file with an older position): then a range
     * of the new file is hinted that holds no dirty page yet, or one is skipped, which its force writes; a hint either
     * way. A file closed meanwhile (a roll hands the full one to the preparer to close) ignores the hint.
     */
    private void writeBack(DurableFile df, long position) {
        if (df == null) {
            return;
        }
        if (df != writtenBackFile) {
            writtenBackFile = df;
            writtenBackTo = 0;
        }
        long filled = position & -PAGE;
        if (filled - writtenBackTo >= WRITEBACK_STEP) {
            df.startWriteback(writtenBackTo, filled - writtenBackTo);
            writtenBackTo = filled;
        }
    }

    /**
     * Ends the thread without waiting for it; the journal's close. In {@code SCHED_IDLE} it may not run for a second or
     * more while other threads keep both cores busy (an index closed beside four busy threads took 0.3-3.2 s behind the
     * join, 40-50 ms without them), and nothing needs it to have ended: a touch of a window closed under it ends quietly,
     * and a hint to a closed file is ignored (the class comment).
     */
    void stop() {
        stopped = true;
        LockSupport.unpark(thread);
    }

    /** {@return whether the thread is still running} (tests) */
    boolean running() {
        return thread.isAlive();
    }
}
