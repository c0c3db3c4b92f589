package io.bucketdb.pipeline;

import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Predicate;

/**
 * The budget of busy-waiting for callers blocked in a write: at most {@link #MAX_SPINNERS} callers
 * (64 per core beyond the writer's; none on one core) spin at a time, each for at most
 * {@link #SPIN_NANOS}, before they park. (The figures below were measured when the writer was one
 * thread; since issue 16 "the writer" is whoever holds the writer role, a leading caller.)
 *
 * <p>Why spin at all: an acknowledgement in {@code ASYNC} takes the writer a few microseconds, while
 * waking a parked thread costs tens of microseconds on a virtual machine whose idle cores sleep
 * (measured: one caller's blocking puts ran at 12k/s, p50 84 µs, with park-only waiting on an idle
 * 2-core machine). How many may spin: a spinner yields (below), so it takes little from the writer,
 * while each caller that parks instead costs the writer a wake-up and itself tens of microseconds.
 * Measured on the 2-core machine, 1M blocking ASYNC puts split over 4 and 64 threads, two rounds
 * each: with one spinner (one per spare core, the first rule) 112-131k puts/s from 4 threads and
 * 110-112k/s from 64; with 4 spinners 228-328k/s and 134-144k/s; with 64, 224-298k/s and
 * 256-346k/s; one thread's puts and 64 threads' SYNC puts did not change. The cap stays so that
 * thousands of blocked callers do not all spin. Spinning callers hold no lock; a caller that gives
 * up (deadline passed) releases its place for the next one.
 *
 * <p>Why {@link Thread#yield()} rather than {@link Thread#onSpinWait()}: on a machine with more
 * runnable threads than cores, a busy spin burns the time slice the writer needs to finish the very
 * write awaited. Measured on the 2-core machine at a load average of 8, one caller's blocking puts:
 * busy spinning 8-41k/s (p50 up to 76 µs), parking only 51-79k/s (p50 8-10 µs), yielding 40-69k/s
 * (p50 5.5 µs). On an idle machine a yield returns at once and acts as a spin.
 *
 * <p>Allocation-free, so the blocking {@code long} calls stay allocation-free.
 */
final class CallerSpin {
    /** Long enough to cover an {@code ASYNC} acknowledgement with margin, short enough to waste little when a force is awaited. */
    static final long SPIN_NANOS = 50_000;
    /** Callers that may spin at once: 64 per core beyond the writer's (none on one core, where a spinner only delays the writer). */
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
                Thread.yield();
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
