package io.bucketdb.pipeline;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/** The callers' spin budget: bounded in time, capped in spinners, released after use. A spin that never ends fails by the timeout. */
@Timeout(120)
class CallerSpinTest {

    @Test
    void returnsOnceTheConditionHolds() throws Exception {
        AtomicBoolean done = new AtomicBoolean();
        Thread setter = Thread.ofPlatform().start(() -> done.set(true));
        CallerSpin.spinUntil(done, AtomicBoolean::get);
        setter.join();
        // Either it saw the flag, or its spin ran out first; both leave the place free again.
        assertEquals(0, CallerSpin.spinning());
    }

    @Test
    void aConditionThatNeverHoldsEndsTheSpinAndFreesThePlace() {
        AtomicInteger tests = new AtomicInteger();
        CallerSpin.spinUntil(tests, t -> {
            t.incrementAndGet();
            return false;
        });
        assumeTrue(CallerSpin.MAX_SPINNERS > 0, "one core: callers never spin");
        assertTrue(tests.get() > 1, "the spin did not spin: " + tests.get() + " tests");
        assertEquals(0, CallerSpin.spinning());
    }

    /** A holder that keeps committing: the waiter does not park at the stall budget, only at the longer cap. */
    @Test
    void progressKeepsASpinnerSpinningPastTheStallBudget() {
        assumeTrue(CallerSpin.MAX_SPINNERS > 0, "one core: callers never spin");
        AtomicInteger looks = new AtomicInteger();
        long start = System.nanoTime();
        // Progress moves at every look, the condition never holds: only the cap ends the spin.
        CallerSpin.spinWhileProgress(looks, t -> false, AtomicInteger::incrementAndGet);
        long spun = System.nanoTime() - start;
        assertTrue(spun >= CallerSpin.PROGRESS_SPIN_NANOS, "parked after " + spun + " ns although the holder progressed");
        assertEquals(0, CallerSpin.spinning());
    }

    /** A stalled holder (no progress): the spin ends on its own and frees its place, though the condition never holds. */
    @Test
    void aStalledHolderEndsTheSpin() {
        AtomicInteger tests = new AtomicInteger();
        CallerSpin.spinWhileProgress(tests, t -> {
            t.incrementAndGet();
            return false;
        }, t -> 7L);
        assumeTrue(CallerSpin.MAX_SPINNERS > 0, "one core: callers never spin");
        assertTrue(tests.get() > 1, "the spin did not spin: " + tests.get() + " tests");
        assertEquals(0, CallerSpin.spinning());
    }

    /** A condition that already holds: no spin, no place taken. */
    @Test
    void aDoneConditionReturnsAtOnceWithoutAPlace() {
        AtomicInteger progressLooks = new AtomicInteger();
        CallerSpin.spinWhileProgress(progressLooks, t -> true, AtomicInteger::incrementAndGet);
        assertEquals(0, progressLooks.get(), "looked at progress although done");
        assertEquals(0, CallerSpin.spinning());
    }

    /** With every place taken, a caller checks once and returns, to park; the holders keep theirs. */
    @Test
    void aCallerFindingEveryPlaceTakenDoesNotSpin() throws Exception {
        assumeTrue(CallerSpin.MAX_SPINNERS > 0, "one core: callers never spin");
        CountDownLatch inside = new CountDownLatch(CallerSpin.MAX_SPINNERS);
        CountDownLatch release = new CountDownLatch(1);
        List<Thread> holders = new ArrayList<>();
        for (int i = 0; i < CallerSpin.MAX_SPINNERS; i++) {
            AtomicInteger calls = new AtomicInteger();
            holders.add(Thread.ofPlatform().start(() -> CallerSpin.spinUntil(calls, c -> {
                // The first test is before the place is taken; from the second on this thread holds one.
                if (c.incrementAndGet() == 2) {
                    inside.countDown();
                    try {
                        release.await();
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                    return true;
                }
                return false;
            })));
        }
        inside.await(); // holders that never get a place fail by the class's timeout
        assertEquals(CallerSpin.MAX_SPINNERS, CallerSpin.spinning());
        AtomicInteger mine = new AtomicInteger();
        CallerSpin.spinUntil(mine, c -> {
            c.incrementAndGet();
            return false;
        });
        assertEquals(1, mine.get(), "a caller without a place must not spin");
        release.countDown();
        for (Thread t : holders) {
            t.join();
        }
        assertEquals(0, CallerSpin.spinning());
    }
}
