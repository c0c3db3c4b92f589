package io.bucketdb.pipeline;

import com.lmax.disruptor.AlertException;
import com.lmax.disruptor.Sequence;
import com.lmax.disruptor.SequenceBarrier;
import com.lmax.disruptor.WaitStrategy;

import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.LockSupport;
import java.util.concurrent.locks.ReentrantLock;

/**
 * A wait strategy that uses no CPU while idle, for machines with two cores.
 *
 * <p>Waiting for publishers (the ring cursor) blocks on a condition, as Disruptor's
 * {@code LiteBlockingWaitStrategy} does: the waiter sets {@code signalNeeded} (volatile) and
 * re-reads the cursor under the lock; a publisher's cursor store happens before its
 * {@code getAndSet} of the flag, so one of the two sees the other and no wake-up is lost.
 *
 * <p>Waiting for an upstream stage (the apply stage waiting for the journal's force) cannot be
 * signalled, because a {@code BatchEventProcessor} advances its sequence without notifying. So
 * it spins briefly, then yields, then parks for {@code maxParkNanos}. Disruptor's
 * {@code BlockingWaitStrategy} busy-spins in this phase, which would burn a core for the length of
 * every force.
 */
public final class ParkingWaitStrategy implements WaitStrategy {
    private static final int SPINS = 100;
    private static final int YIELDS = 20;

    private final ReentrantLock lock = new ReentrantLock();
    private final Condition published = lock.newCondition();
    private final AtomicBoolean signalNeeded = new AtomicBoolean();
    private final long maxParkNanos;

    /** Parks at most 50 µs at a time while waiting for an upstream stage. */
    public ParkingWaitStrategy() {
        this(TimeUnit.MICROSECONDS.toNanos(50));
    }

    public ParkingWaitStrategy(long maxParkNanos) {
        if (maxParkNanos <= 0) {
            throw new IllegalArgumentException("maxParkNanos must be positive: " + maxParkNanos);
        }
        this.maxParkNanos = maxParkNanos;
    }

    @Override
    public long waitFor(long sequence, Sequence cursor, Sequence dependentSequence, SequenceBarrier barrier)
            throws AlertException, InterruptedException {
        if (cursor.get() < sequence) {
            lock.lock();
            try {
                do {
                    signalNeeded.set(true);
                    if (cursor.get() >= sequence) {
                        break;
                    }
                    barrier.checkAlert();
                    published.await();
                } while (cursor.get() < sequence);
            } finally {
                lock.unlock();
            }
        }
        long available;
        int round = 0;
        while ((available = dependentSequence.get()) < sequence) {
            barrier.checkAlert();
            if (round < SPINS) {
                Thread.onSpinWait();
            } else if (round < SPINS + YIELDS) {
                Thread.yield();
            } else {
                LockSupport.parkNanos(maxParkNanos);
                if (Thread.interrupted()) {
                    throw new InterruptedException();
                }
            }
            round++;
        }
        return available;
    }

    @Override
    public void signalAllWhenBlocking() {
        if (signalNeeded.getAndSet(false)) {
            lock.lock();
            try {
                published.signalAll();
            } finally {
                lock.unlock();
            }
        }
    }

    @Override
    public String toString() {
        return "ParkingWaitStrategy{maxParkNanos=" + maxParkNanos + "}";
    }
}
