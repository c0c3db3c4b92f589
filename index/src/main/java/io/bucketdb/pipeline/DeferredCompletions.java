package io.bucketdb.pipeline;

import java.util.Arrays;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The futures a thread completed while it held the {@link WriterRole}, completed only after it
 * released it. Completing a {@link CompletableFuture} runs its non-async dependent actions on the
 * completing thread; run under the role, an action that writes would wait for a role its own
 * thread holds (a deadlock), and a slow one would stall every other writer. Outside the role, an
 * action's write is an ordinary write: it publishes and, the role being free, leads its own group.
 *
 * <p>One queue per thread, reentrant, used as a stack of ranges: a {@link #run} loop owns the entries
 * queued above the {@link #floor} it found and completes them in order; before it completes one (and
 * so runs that future's actions) it raises the floor to the queue's end, so a loop that an action's
 * write starts on this thread owns only what that write's groups queued, completes it, and cuts the
 * queue back. So an action's own write is completed before the action goes on, whatever is still
 * queued below it (issue 16 audit: when the innermost loop took every entry, a group of many futures
 * whose actions wrote nested one loop per future, and past the nesting limit an action's blocking
 * write waited for a loop below it on its own thread, for ever). Allocation-free once the arrays
 * have grown to the most entries queued at once. The blocking {@code long} calls do not come here:
 * their {@link Waiter} runs no caller code and is completed under the role.
 */
final class DeferredCompletions {
    /**
     * Nested completion loops allowed on one thread: only a chain of actions each writing from the
     * completion of the one before nests, and past this depth the loop hands its entries to a thread
     * of their own ({@link #handOff}) instead of growing the stack.
     */
    static final int MAX_NESTING = 32;
    private static final ThreadLocal<DeferredCompletions> MINE = ThreadLocal.withInitial(DeferredCompletions::new);

    private CompletableFuture<?>[] futures = new CompletableFuture<?>[64];
    private Object[] results = new Object[64];
    private Throwable[] failures = new Throwable[64];
    private AtomicLong[] pending = new AtomicLong[64];
    /** Entries below it belong to the loops further down this thread's stack. */
    private int floor;
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
    void add(CompletableFuture<?> f, Object result, Throwable failure, AtomicLong counter) {
        if (tail == futures.length) {
            grow();
        }
        futures[tail] = f;
        results[tail] = result;
        failures[tail] = failure;
        pending[tail] = counter;
        tail++;
    }

    /**
     * Completes, in order, every entry queued above the floor, including those queued meanwhile by
     * actions whose writes start no loop of their own; then cuts the queue back to where it began.
     */
    void run() {
        int from = floor;
        if (from == tail) {
            return;
        }
        if (depth >= MAX_NESTING) {
            handOff(from);
            return;
        }
        depth++;
        try {
            for (int i = from; i < tail; i++) {
                CompletableFuture<?> f = futures[i];
                Object r = results[i];
                Throwable t = failures[i];
                AtomicLong counter = pending[i];
                futures[i] = null;
                results[i] = null;
                failures[i] = null;
                pending[i] = null;
                floor = tail;
                try {
                    complete(f, r, t, counter);
                } finally {
                    floor = from;
                }
            }
            tail = from;
        } finally {
            depth--;
        }
    }

    @SuppressWarnings("unchecked")
    private static void complete(CompletableFuture<?> f, Object r, Throwable t, AtomicLong counter) {
        try {
            if (t != null) {
                f.completeExceptionally(t);
            } else {
                ((CompletableFuture<Object>) f).complete(r);
            }
        } finally {
            counter.decrementAndGet();
        }
    }

    /**
     * A loop {@link #MAX_NESTING} deep: completes its entries on a new thread, so this thread's stack
     * grows no further and an action here that waits for its own write is not waiting for itself. Rare
     * (a chain of that many writing actions, each in the completion of the one before), so a thread per
     * occurrence; it allocates.
     */
    private void handOff(int from) {
        int n = tail - from;
        CompletableFuture<?>[] f = new CompletableFuture<?>[n];
        Object[] r = new Object[n];
        Throwable[] t = new Throwable[n];
        AtomicLong[] c = new AtomicLong[n];
        System.arraycopy(futures, from, f, 0, n);
        System.arraycopy(results, from, r, 0, n);
        System.arraycopy(failures, from, t, 0, n);
        System.arraycopy(pending, from, c, 0, n);
        Arrays.fill(futures, from, tail, null);
        Arrays.fill(results, from, tail, null);
        Arrays.fill(failures, from, tail, null);
        Arrays.fill(pending, from, tail, null);
        tail = from;
        Thread.ofPlatform().daemon().name("bucketdb-completions").start(() -> {
            // Through that thread's own queue, so its actions count as completing (completingHere).
            DeferredCompletions q = mine();
            for (int i = 0; i < n; i++) {
                q.add(f[i], r[i], t[i], c[i]);
            }
            q.run();
        });
    }

    /** Doubles the arrays, every entry at its index (the loops down the stack hold indexes into them). */
    private void grow() {
        int n = futures.length * 2;
        futures = Arrays.copyOf(futures, n);
        results = Arrays.copyOf(results, n);
        failures = Arrays.copyOf(failures, n);
        pending = Arrays.copyOf(pending, n);
    }
}
