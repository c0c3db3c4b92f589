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
