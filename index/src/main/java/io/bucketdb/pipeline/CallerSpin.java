package io.bucketdb.pipeline;

import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Predicate;

/**
 * The budget of busy-waiting for callers blocked in a write: at most {@link #MAX_SPINNERS} callers
 * (64 per core beyond one; none on one core) spin at a time, each for at most {@link #SPIN_NANOS},
 * before they park. "The writer" is whoever holds the writer role: a leading caller.
 *
 * <p>Why spin at all: a running leader commits an {@code ASYNC} group of a few writes in a few
 * microseconds, while waking a parked thread costs tens of microseconds on a virtual machine whose
 * idle cores sleep. A waiting caller also looks, while it spins, whether it may lead the next group
 * itself ({@link Waiter}). Why only 5 µs: that covers a running leader's {@code ASYNC} group; a
 * longer wait means the leader is forcing (SYNC) or is off its core, and then the spinner's core is
 * better given to the leader.
 *
 * <p>Why {@link Thread#onSpinWait()} and not {@link Thread#yield()} (which this class used before
 * issue 16's read-load work): on Linux's EEVDF scheduler (6.6 and later; this machine runs 6.18)
 * every {@code sched_yield} pushes the yielding thread's virtual deadline a full time slice into
 * the future, so a writer that yielded in a spin loop is picked after every thread that did not
 * yield: busy readers. With 4 blocking writers beside 2 threads calling get in a loop on 2 cores,
 * each writer thread waited in the run queue 2.4-2.7 s of 3 s (schedstat) and ran 0.1-0.3 s while
 * each reader ran 0.5 s; with a 5 µs busy spin, then park, the writers waited 1.5-1.6 s and ran
 * 0.2-0.35 s each (a parked thread keeps its lag and is woken with it). Measured figures: docs/BENCHMARKS.md, the section on writes
 * under read load. A short busy spin costs a reader at most 5 µs per wait and pushes nothing.
 *
 * <p>Allocation-free, so the blocking {@code long} calls stay allocation-free.
 */
final class CallerSpin {
    /** Long enough for a running leader's {@code ASYNC} group, short enough not to hold a core a descheduled or forcing leader needs. */
    static final long SPIN_NANOS = 5_000;
    /** Callers that may spin at once: 64 per core beyond one (none on one core, where a spinner only delays the leader). */
    static final int MAX_SPINNERS = 64 * Math.max(0, Runtime.getRuntime().availableProcessors() - 1);
    private static final AtomicInteger SPINNERS = new AtomicInteger();

    private CallerSpin() {
    }

    /**
     * Spins until {@code done} holds for {@code target} or {@link #SPIN_NANOS} have passed, if a place
     * among the spinners is free; returns at once otherwise. The caller parks afterwards if still not
     * done. Pass a non-capturing {@code done} (a method reference such as {@code Waiter::isDone}),
     * which the JVM keeps as one constant, so a call allocates nothing.
     */
    static <T> void spinUntil(T target, Predicate<? super T> done) {
        if (done.test(target) || !enter()) {
            return;
        }
        try {
            long deadline = System.nanoTime() + SPIN_NANOS;
            while (!done.test(target) && System.nanoTime() - deadline < 0) {
                Thread.onSpinWait();
            }
        } finally {
            SPINNERS.decrementAndGet();
        }
    }

    private static boolean enter() {
        for (int n = SPINNERS.get(); n < MAX_SPINNERS; n = SPINNERS.get()) {
            if (SPINNERS.compareAndSet(n, n + 1)) {
                return true;
            }
        }
        return false;
    }

    /** Callers spinning right now; for tests. */
    static int spinning() {
        return SPINNERS.get();
    }
}
