package io.bucketdb.pipeline;

import java.util.Arrays;
import java.util.concurrent.locks.LockSupport;

/**
 * The owners of the {@link Waiter}s a role holder completed, unparked only after it released the role.
 *
 * <p>Why after: an unpark is a system call when its thread is parked (a few microseconds each), and the woken thread
 * may take the core of the thread that woke it. Done under the role, a {@code SYNC} group's completions (one per
 * waiting caller after each force) kept the role held for all those calls, and a holder preempted by the caller it
 * had just woken kept it held for a time slice of the scheduler while every other writer waited. The outcome is
 * already visible when the unpark comes ({@link Waiter#complete} stores it with release before the waiter is queued
 * here), so a caller that spins sees it at once and an unpark only ends a park; a late unpark of a thread that has
 * moved on to its next call leaves a permit its next park consumes, which {@link Waiter#await} tolerates.
 *
 * <p>One list per thread (the holder's), reused: allocation-free once it has grown to the largest group.
 */
final class PendingWakes {
    private static final ThreadLocal<PendingWakes> MINE = ThreadLocal.withInitial(PendingWakes::new);

    private Thread[] owners = new Thread[16];
    private int size;

    private PendingWakes() {
    }

    /** The calling thread's list. */
    static PendingWakes mine() {
        return MINE.get();
    }

    /** Role holder: unpark {@code owner} once the role is released. */
    void add(Thread owner) {
        if (size == owners.length) {
            owners = Arrays.copyOf(owners, size * 2);
        }
        owners[size++] = owner;
    }

    /** After the release: unparks every queued owner, oldest first, and empties the list. */
    void wakeAll() {
        for (int i = 0; i < size; i++) {
            LockSupport.unpark(owners[i]);
            owners[i] = null;
        }
        size = 0;
    }

    /** Owners queued and not yet woken; for tests. */
    int size() {
        return size;
    }
}
