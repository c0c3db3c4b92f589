package io.bucketdb.pipeline;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The futures a thread completed while it held the {@link WriterRole}, completed only after it
 * released it. Completing a {@link CompletableFuture} runs its non-async dependent actions on the
 * completing thread; run under the role, an action that writes would wait for a role its own
 * thread holds (a deadlock), and a slow one would stall every other writer. Outside the role, an
 * action's write is an ordinary write: it publishes and, the role being free, leads its own group.
 *
 * <p>One queue per thread, reentrant: an action that writes and leads adds to the queue and runs it
 * while the outer {@link #run} is still iterating; each entry is taken (head advanced) before its
 * future is completed, so every entry is completed exactly once, by the innermost running loop.
 * Allocation-free once the arrays have grown to the largest group. The blocking {@code long} calls
 * do not come here: their {@link Waiter} runs no caller code and is completed under the role.
 */
final class DeferredCompletions {
    /** Nested completion loops allowed on one thread; see {@link #run}. */
    static final int MAX_NESTING = 32;
    private static final ThreadLocal<DeferredCompletions> MINE = ThreadLocal.withInitial(DeferredCompletions::new);

    private CompletableFuture<?>[] futures = new CompletableFuture<?>[64];
    private Object[] results = new Object[64];
    private Throwable[] failures = new Throwable[64];
    private AtomicLong[] pending = new AtomicLong[64];
    private int head;
    private int tail;
    /** How many {@link #run} loops are on this thread's stack: above 0, this thread runs dependent actions. */
    private int depth;

    private DeferredCompletions() {
    }

    /** The calling thread's queue. */
    static DeferredCompletions mine() {
        return MINE.get();
    }

    /** Whether the calling thread is completing futures, i.e. running their dependent actions. */
    static boolean completingHere() {
        return MINE.get().depth > 0;
    }

    /**
     * Role holder: completes {@code f} with {@code result} (or {@code failure} if not null) once the
     * role is released; {@code counter} was incremented for it and is decremented once it is done.
     */
    @SuppressWarnings("unchecked")
    void add(CompletableFuture<?> f, Object result, Throwable failure, AtomicLong counter) {
        if (tail == futures.length) {
            makeRoom();
        }
        futures[tail] = f;
        results[tail] = result;
        failures[tail] = failure;
        pending[tail] = counter;
        tail++;
    }

    /**
     * Completes every queued future in order, including those that dependent actions queue meanwhile.
     * Nested more than {@link #MAX_NESTING} deep (an action's write whose completion runs an action
     * that writes, and so on), it returns at once and leaves them to the loop below it, so a chain of
     * writes from dependent actions does not overflow the stack; only an action that deep which joins
     * its own asynchronous write would wait for a loop below it on its own thread.
     */
    @SuppressWarnings("unchecked")
    void run() {
        if (depth >= MAX_NESTING) {
            return;
        }
        depth++;
        try {
            while (head < tail) {
                int i = head++;
                CompletableFuture<Object> f = (CompletableFuture<Object>) futures[i];
                Object r = results[i];
                Throwable t = failures[i];
                AtomicLong counter = pending[i];
                futures[i] = null;
                results[i] = null;
                failures[i] = null;
                pending[i] = null;
                try {
                    if (t != null) {
                        f.completeExceptionally(t);
                    } else {
                        f.complete(r);
                    }
                } finally {
                    counter.decrementAndGet();
                }
            }
            head = 0;
            tail = 0;
        } finally {
            depth--;
        }
    }

    private void makeRoom() {
        int live = tail - head;
        int n = live * 2 > futures.length ? futures.length * 2 : futures.length;
        CompletableFuture<?>[] f = new CompletableFuture<?>[n];
        Object[] r = new Object[n];
        Throwable[] t = new Throwable[n];
        AtomicLong[] c = new AtomicLong[n];
        System.arraycopy(futures, head, f, 0, live);
        System.arraycopy(results, head, r, 0, live);
        System.arraycopy(failures, head, t, 0, live);
        System.arraycopy(pending, head, c, 0, live);
        futures = f;
        results = r;
        failures = t;
        pending = c;
        head = 0;
        tail = live;
    }
}
