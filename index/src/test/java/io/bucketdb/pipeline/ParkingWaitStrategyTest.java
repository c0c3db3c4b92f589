package io.bucketdb.pipeline;

import com.lmax.disruptor.RingBuffer;
import com.lmax.disruptor.Sequence;
import com.lmax.disruptor.SequenceBarrier;
import io.bucketdb.storage.testkit.Seeds;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.util.SplittableRandom;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The writer's wait: a bounded spin, then a block that a publish ends; no publish is missed in between.
 * A wait that never ends (an unbounded spin, a lost wake-up) fails by the class's timeout.
 */
@Timeout(120)
class ParkingWaitStrategyTest {

    private static final class Slot {
        long value;
    }

    /** Waits until {@code t} is blocked (WAITING or TIMED_WAITING); a spin that never ends fails by the test's timeout. */
    private static void awaitBlocked(Thread t) throws InterruptedException {
        while (t.getState() != Thread.State.WAITING && t.getState() != Thread.State.TIMED_WAITING) {
            assertTrue(t.isAlive(), "the waiting thread ended without being published to");
            Thread.sleep(1);
        }
    }

    @Test
    void anIdleWaiterStopsSpinningAndBlocksThenAPublishWakesIt() throws Exception {
        RingBuffer<Slot> ring = RingBuffer.createSingleProducer(Slot::new, 8, new ParkingWaitStrategy());
        SequenceBarrier barrier = ring.newBarrier();
        AtomicLong got = new AtomicLong(-1);
        Thread waiter = Thread.ofPlatform().start(() -> {
            try {
                got.set(barrier.waitFor(0));
            } catch (Exception e) {
                throw new RuntimeException(e);
            }
        });
        // The spin is bounded: the idle waiter ends up blocked on the condition, using no CPU.
        awaitBlocked(waiter);
        assertEquals(-1, got.get());
        ring.publish(ring.next());
        waiter.join(); // a publish that does not wake it fails by the test's timeout
        assertEquals(0, got.get());
    }

    /**
     * With no spin the waiter goes straight to the block: it checks for an alert once, under the lock, and no more
     * until a publish wakes it (a spinning waiter checks at every turn of its spin). The strategy is driven directly,
     * with a barrier that counts the checks.
     */
    @Test
    void withoutSpinTheWaiterBlocksAtOnce() throws Exception {
        ParkingWaitStrategy strategy = new ParkingWaitStrategy(0, 50_000);
        Sequence cursor = new Sequence(-1);
        AtomicInteger alertChecks = new AtomicInteger();
        SequenceBarrier counting = countingBarrier(alertChecks);
        AtomicLong got = new AtomicLong(-1);
        Thread waiter = Thread.ofPlatform().start(() -> {
            try {
                got.set(strategy.waitFor(0, cursor, cursor, counting));
            } catch (Exception e) {
                throw new RuntimeException(e);
            }
        });
        awaitBlocked(waiter);
        assertEquals(1, alertChecks.get(), "alert checks before blocking: a waiter without spin does not spin");
        cursor.set(0);
        strategy.signalAllWhenBlocking();
        waiter.join(); // a publish that does not wake it fails by the test's timeout
        assertEquals(0, got.get());
        assertEquals(1, alertChecks.get(), "woken, it finds the sequence published and returns without another turn");
    }

    /** A barrier that only counts {@link SequenceBarrier#checkAlert} calls; the strategy calls nothing else. */
    private static SequenceBarrier countingBarrier(AtomicInteger checks) {
        return new SequenceBarrier() {
            @Override
            public long waitFor(long sequence) {
                throw new UnsupportedOperationException();
            }

            @Override
            public long getCursor() {
                throw new UnsupportedOperationException();
            }

            @Override
            public boolean isAlerted() {
                return false;
            }

            @Override
            public void alert() {
                throw new UnsupportedOperationException();
            }

            @Override
            public void clearAlert() {
                throw new UnsupportedOperationException();
            }

            @Override
            public void checkAlert() {
                checks.incrementAndGet();
            }
        };
    }

    /** Publishes at random moments, during the waiter's spin, its block or neither; every one must be seen. */
    @Test
    void noPublishIsMissedWhateverPhaseTheWaiterIsIn() throws Exception {
        long seed = Seeds.seed();
        Seeds.run(seed, () -> {
            SplittableRandom rnd = new SplittableRandom(seed);
            RingBuffer<Slot> ring = RingBuffer.createSingleProducer(Slot::new, 1024, new ParkingWaitStrategy());
            SequenceBarrier barrier = ring.newBarrier();
            int n = 3_000;
            AtomicLong seen = new AtomicLong(-1);
            Thread waiter = Thread.ofPlatform().start(() -> {
                try {
                    for (long next = 0; next < n; ) {
                        long available = barrier.waitFor(next);
                        for (; next <= available; next++) {
                            assertEquals(next, ring.get(next).value);
                        }
                        seen.set(available);
                    }
                } catch (Exception e) {
                    throw new RuntimeException(e);
                }
            });
            for (int i = 0; i < n; i++) {
                // Pauses from none to beyond the 20 µs spin, so publishes land in every phase of the wait.
                switch (rnd.nextInt(4)) {
                    case 0 -> { }
                    case 1 -> Thread.onSpinWait();
                    case 2 -> LockSupport.parkNanos(rnd.nextLong(1_000, 40_000));
                    default -> LockSupport.parkNanos(rnd.nextLong(40_000, 200_000));
                }
                while (seen.get() < i - 1000) {
                    Thread.onSpinWait();
                }
                long s = ring.next();
                ring.get(s).value = s;
                ring.publish(s);
            }
            waiter.join(); // a missed publish leaves it waiting: the test's timeout fails it
            assertEquals(n - 1, seen.get());
        });
    }

    @Test
    void rejectsNegativeSpinAndNonPositivePark() {
        assertThrows(IllegalArgumentException.class, () -> new ParkingWaitStrategy(-1, 50_000));
        assertThrows(IllegalArgumentException.class, () -> new ParkingWaitStrategy(0, 0));
    }
}
