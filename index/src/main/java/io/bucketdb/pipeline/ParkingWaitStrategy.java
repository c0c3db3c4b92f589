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
 * <p>Since issue 16 only the pipeline's background thread waits with it, for a nudge from an
 * asynchronous publisher (callers of blocking writes lead their own groups and never wake it).
 *
 * <p>Waiting for publishers (the ring cursor) first spins for up to {@code spinNanos} (20 µs by
 * default), then blocks. The spin is for a caller that writes, waits for its acknowledgement and
 * writes again: its next write arrives a microsecond or two after the writer finished the last one,
 * while waking a blocked writer costs tens of microseconds on a virtual machine whose idle cores
 * sleep. An index idle for longer than the spin uses no CPU. The spin yields the core at each turn
 * rather than spinning busily, for the reason {@code CallerSpin} gives.
 *
 * <p>The block is on a condition, as Disruptor's
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
    private final long spinNanos;
    private final long maxParkNanos;

    /** Spins up to 20 µs before blocking; parks at most 50 µs at a time while waiting for an upstream stage. */
    public ParkingWaitStrategy() {
        this(TimeUnit.MICROSECONDS.toNanos(20), TimeUnit.MICROSECONDS.toNanos(50));
    }

    /**
     * @param spinNanos    how long to spin for a publish before blocking; 0 blocks at once
     * @param maxParkNanos the longest single park while waiting for an upstream stage
     */
    public ParkingWaitStrategy(long spinNanos, long maxParkNanos) {
        if (spinNanos < 0) {
            throw new IllegalArgumentException("spinNanos must not be negative: " + spinNanos);
        }
        if (maxParkNanos <= 0) {
            throw new IllegalArgumentException("maxParkNanos must be positive: " + maxParkNanos);
        }
        this.spinNanos = spinNanos;
        this.maxParkNanos = maxParkNanos;
    }

    @Override
    public long waitFor(long sequence, Sequence cursor, Sequence dependentSequence, SequenceBarrier barrier)
            throws AlertException, InterruptedException {
        if (cursor.get() < sequence && spinNanos > 0) {
            long deadline = System.nanoTime() + spinNanos;
            while (cursor.get() < sequence && System.nanoTime() - deadline < 0) {
                barrier.checkAlert();
                Thread.yield();
            }
        }
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
        return "ParkingWaitStrategy{spinNanos=" + spinNanos + ", maxParkNanos=" + maxParkNanos + "}";
    }
}
