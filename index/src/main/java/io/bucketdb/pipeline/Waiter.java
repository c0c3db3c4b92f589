package io.bucketdb.pipeline;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.concurrent.locks.LockSupport;

/**
 * A reusable, per-thread completion for the blocking write calls, so that {@code putLong} and
 * {@code deleteLong} allocate nothing per call (a {@code CompletableFuture} per write would).
 *
 * <p>Protocol: the caller thread {@link #arm}s its own waiter, publishes an event pointing at it
 * and {@link #await}s. The role holder stores the outcome in plain fields, then sets
 * {@code done} with a release store and unparks the caller; the caller reads {@code done} with
 * acquire loads, so once it sees it set it sees the outcome (and, as with futures, every table
 * change the writer made before it). A waiter serves one call at a time, which a thread blocked
 * in that call guarantees.
 */
final class Waiter {
    private static final ThreadLocal<Waiter> MINE = ThreadLocal.withInitial(Waiter::new);
    private static final VarHandle DONE;

    static {
        try {
            DONE = MethodHandles.lookup().findVarHandle(Waiter.class, "done", boolean.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    private final Thread owner = Thread.currentThread();
    @SuppressWarnings("unused") // through DONE
    private boolean done;
    private boolean result;
    private Throwable failure;

    /** The calling thread's waiter, reset for a new call. */
    static Waiter arm() {
        Waiter w = MINE.get();
        w.failure = null;
        w.result = false;
        DONE.setRelease(w, false);
        return w;
    }

    private boolean isDone() {
        return (boolean) DONE.getAcquire(this);
    }

    /** Role holder: the call succeeded with {@code r}. */
    void complete(boolean r) {
        result = r;
        DONE.setRelease(this, true);
        LockSupport.unpark(owner);
    }

    /** Role holder: the call failed with {@code t}. */
    void fail(Throwable t) {
        failure = t;
        DONE.setRelease(this, true);
        LockSupport.unpark(owner);
    }

    /**
     * Caller thread: waits for the outcome, spinning up to {@link CallerSpin#SPIN_NANOS} if a place
     * among the spinners is free, then parking; uninterruptible, as the write is in the ring.
     */
    boolean await() throws Throwable {
        CallerSpin.spinUntil(this, Waiter::isDone);
        while (!isDone()) {
            LockSupport.park(this);
        }
        if (failure != null) {
            throw failure;
        }
        return result;
    }
}
