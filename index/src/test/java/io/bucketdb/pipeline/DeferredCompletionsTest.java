package io.bucketdb.pipeline;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/**
 * The calling thread's queue of futures to complete after the writer role is released ({@link DeferredCompletions}):
 * a loop started by an action's write completes that write's entries before the action goes on, whatever is still
 * queued below it, and a chain nested past {@link DeferredCompletions#MAX_NESTING} goes on on another thread instead of
 * waiting for itself. Here the "writes" are what the pipeline does on a thread that leads: queue entries ({@code add}),
 * then {@code run}.
 */
class DeferredCompletionsTest {
    /** A hang guard; the assertions are about outcomes, not time. */
    private static final long GUARD_SECONDS = 30;

    @Test
    void anActionsOwnWriteCompletesBeforeTheEntriesQueuedBelowItAndEachEntryOnce() {
        DeferredCompletions q = DeferredCompletions.mine();
        AtomicLong pending = new AtomicLong();
        List<String> order = new ArrayList<>();
        CompletableFuture<String> a = new CompletableFuture<>();
        CompletableFuture<String> b = new CompletableFuture<>();
        CompletableFuture<String> c = new CompletableFuture<>();
        a.thenAccept(v -> {
            order.add(v);
            // The action's own write: its thread led a group and completes it.
            CompletableFuture<String> own = new CompletableFuture<>();
            own.thenAccept(order::add);
            add(q, own, "own", pending);
            q.run();
            assertTrue(own.isDone(), "the action's own write was left to a loop below it");
            assertFalse(b.isDone(), "an entry below the action's write was completed inside the action");
        });
        b.thenAccept(order::add);
        c.thenAccept(order::add);
        add(q, a, "a", pending);
        add(q, b, "b", pending);
        add(q, c, "c", pending);
        q.run();
        assertEquals(List.of("a", "own", "b", "c"), order);
        assertEquals(0, pending.get(), "a counter not decremented once per entry");
        assertFalse(DeferredCompletions.completingHere());
        q.run(); // nothing left: completes nothing twice
        assertEquals(4, order.size());
    }

    @Test
    void manyQueuedActionsThatWriteDoNotNestOneLoopPerEntry() throws Exception {
        DeferredCompletions q = DeferredCompletions.mine();
        AtomicLong pending = new AtomicLong();
        int entries = 10 * DeferredCompletions.MAX_NESTING;
        List<CompletableFuture<String>> futures = new ArrayList<>();
        List<CompletableFuture<Void>> actions = new ArrayList<>();
        int[] deepest = {0};
        boolean[] stuck = {false};
        for (int i = 0; i < entries; i++) {
            CompletableFuture<String> f = new CompletableFuture<>();
            actions.add(f.thenAccept(v -> {
                if (stuck[0]) {
                    throw new AssertionError("an earlier action's own write never completed");
                }
                CompletableFuture<String> own = new CompletableFuture<>();
                add(q, own, v + "'", pending);
                deepest[0] = Math.max(deepest[0], StackWalker.getInstance().walk(s -> (int) s.filter(
                        fr -> fr.getMethodName().equals("run") && fr.getClassName().equals(DeferredCompletions.class.getName())).count()));
                q.run();
                // The audit's hang: past the nesting limit this waited for a loop below it on this thread.
                try {
                    own.get(GUARD_SECONDS, TimeUnit.SECONDS);
                } catch (Exception e) {
                    stuck[0] = true;
                    throw new AssertionError("the action's own write never completed", e);
                }
            }));
            futures.add(f);
            add(q, f, "f" + i, pending);
        }
        q.run();
        futures.forEach(f -> assertTrue(f.isDone()));
        for (CompletableFuture<Void> a : actions) {
            a.get(GUARD_SECONDS, TimeUnit.SECONDS); // an action's failure is its dependent's
        }
        assertEquals(0, pending.get());
        assertEquals(1, deepest[0], "loops on the stack while an entry's action ran");
    }

    @Test
    void aChainDeeperThanTheNestingLimitGoesOnOnAnotherThreadInsteadOfWaitingForItself() throws Exception {
        DeferredCompletions q = DeferredCompletions.mine();
        AtomicLong pending = new AtomicLong();
        int links = DeferredCompletions.MAX_NESTING + 8;
        List<CompletableFuture<Thread>> chain = new ArrayList<>();
        for (int i = 0; i <= links; i++) {
            chain.add(new CompletableFuture<>());
        }
        CompletableFuture<Thread> last = new CompletableFuture<>();
        for (int i = 0; i < links; i++) {
            CompletableFuture<Thread> next = chain.get(i + 1);
            // Each link's action writes the next link, whose action is registered already: one loop deeper each time.
            chain.get(i).thenAccept(t -> {
                add(q, next, Thread.currentThread(), pending);
                q.run();
            });
        }
        chain.get(links).thenAccept(t -> {
            CompletableFuture<Thread> own = new CompletableFuture<>();
            add(q, own, Thread.currentThread(), pending);
            q.run();
            try {
                last.complete(own.get(GUARD_SECONDS, TimeUnit.SECONDS));
            } catch (Exception e) {
                last.completeExceptionally(new AssertionError("the chain's last write never completed", e));
            }
        });
        add(q, chain.get(0), Thread.currentThread(), pending);
        q.run();
        Thread end = last.get(GUARD_SECONDS, TimeUnit.SECONDS);
        assertNotEquals(Thread.currentThread(), end, "the chain's end ran on the test's thread, " + links + " loops deep");
        assertEquals("bucketdb-completions", end.getName());
        for (int i = 0; i <= links; i++) {
            assertTrue(chain.get(i).isDone(), "link " + i);
        }
        for (int i = 0; i < 1_000 && pending.get() != 0; i++) {
            Thread.sleep(10);
        }
        assertEquals(0, pending.get());
        assertFalse(DeferredCompletions.completingHere());
    }

    private static void add(DeferredCompletions q, CompletableFuture<?> f, Object value, AtomicLong pending) {
        pending.incrementAndGet();
        q.add(f, value, null, pending);
    }
}
