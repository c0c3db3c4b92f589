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
 *
 * <p>Follower promotion: a waiting caller is a leader in waiting. While it spins, and each time it
 * wakes, it looks whether the role is free with work published (its own write, or writes behind it)
 * and then leads that group itself ({@link GroupLeader#lead}) instead of waiting for a leader that may
 * be descheduled behind busy readers. A previous leader that released the role, or a publisher, no
 * longer has to be on a core for the next group to be committed: whichever writer runs, commits.
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
    /** The pipeline's leader of the current call: whom to ask to lead while waiting. */
    private GroupLeader leader;
    @SuppressWarnings("unused") // through DONE
    private boolean done;
    private boolean result;
    private Throwable failure;

    /** The calling thread's waiter, reset for a new call that {@code leader}'s pipeline will complete. */
    static Waiter arm(GroupLeader leader) {
        Waiter w = MINE.get();
        w.leader = leader;
        w.failure = null;
        w.result = false;
        DONE.setRelease(w, false);
        return w;
    }

    private boolean isDone() {
        return (boolean) DONE.getAcquire(this);
    }

    /** Whether to stop spinning: done, or this caller may lead the next group itself. */
    private boolean doneOrMayLead() {
        return isDone() || leader.mayLead();
    }

    /** Whether the calling thread is this waiter's owner. */
    boolean ownedByCurrentThread() {
        return owner == Thread.currentThread();
    }

    /**
     * A leader that released the role with this waiter's write at the head of the ring: wakes the
     * owner to lead it. Harmless if the write was completed meanwhile (the owner parks again or has
     * returned; an unpark only leaves a permit).
     */
    void wakeToLead() {
        LockSupport.unpark(owner);
    }

    /** Role holder: the call succeeded with {@code r}. */
    void complete(boolean r) {
        result = r;
        DONE.setRelease(this, true);
        wakeOwner();
    }

    /** Role holder: the call failed with {@code t}. */
    void fail(Throwable t) {
        failure = t;
        DONE.setRelease(this, true);
        wakeOwner();
    }

    /**
     * Unparks the owner, unless the role holder is the owner itself (a caller that leads its own write, the common
     * case of a lone writer): it is running and reads {@code done} before it would park, and an unpark of oneself
     * costs a lock and unlock of the thread's parker per put, and leaves a permit that makes its next park return
     * at once for nothing.
     */
    private void wakeOwner() {
        if (owner != Thread.currentThread()) {
            LockSupport.unpark(owner);
        }
    }

    /**
     * Caller thread: waits for the outcome, spinning up to {@link CallerSpin#SPIN_NANOS} if a place
     * among the spinners is free, then parking; uninterruptible, as the write is in the ring. Leads
     * whenever it finds the role free with work published (the futures it completes as leader are
     * left in {@link DeferredCompletions} for the caller to complete after reading its outcome).
     * Parking is safe: the last holder looks at the ring after its release, so a published write is
     * never left with the role free and nobody to drain it.
     */
    boolean await() throws Throwable {
        boolean interrupted = false;
        for (; ; ) {
            CallerSpin.spinUntil(this, Waiter::doneOrMayLead);
            if (isDone()) {
                break;
            }
            if (leader.mayLead()) {
                leader.lead();
                continue;
            }
            // A park returns at once while the interrupt status is set: keep it aside, or an interrupted caller
            // would spin on a core for its whole wait, the core the leader needs. It is set again below.
            interrupted |= Thread.interrupted();
            LockSupport.park(this);
            if (isDone()) {
                break;
            }
        }
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
        leader = null; // the thread-local waiter must not keep a closed pipeline reachable
        if (failure != null) {
            throw failure;
        }
        return result;
    }
}
