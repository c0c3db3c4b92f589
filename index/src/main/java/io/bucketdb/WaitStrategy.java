package io.bucketdb;

import com.lmax.disruptor.BusySpinWaitStrategy;
import com.lmax.disruptor.YieldingWaitStrategy;
import io.bucketdb.pipeline.ParkingWaitStrategy;

/**
 * How the index's {@code bucketdb-background} thread waits for work (the write pipeline's Disruptor
 * wait strategy), chosen with {@link Options#withWaitStrategy}. There is no writer thread: the writer
 * is a role that a caller of a blocking write takes when it is free, draining its own write and every
 * write published behind it; the background thread takes the role only for work no caller will do
 * (asynchronous writes left with the role free, finishing a growth while writes pause; the timer thread
 * leads its own ticks). So the choice trades CPU while idle for the latency of handing asynchronous writes
 * to that thread; it changes no result and no durability.
 * Callers blocked in {@code put} behind another holder of the role wait for their acknowledgement the
 * same way under every strategy: up to 64 callers per core beyond the first busy-spin
 * ({@link Thread#onSpinWait()}, not yielding) for up to 5 µs, the others and those still waiting then park
 * ({@code io.bucketdb.pipeline.CallerSpin} has the reasons).
 */
public enum WaitStrategy {
    /**
     * The default: the idle background thread spins (yielding) for up to 20 µs, then blocks on a
     * condition that an asynchronous publisher signals, so an index idle for longer uses no CPU. An
     * asynchronous write right after the last finds the thread still spinning; a hand-off to a blocked
     * thread costs a wake-up (tens of microseconds on a virtual machine), which group commit spreads
     * over a batch when many callers write at once.
     */
    PARK,
    /**
     * The idle background thread spins briefly, then calls {@link Thread#yield()} in a loop: a faster
     * hand-off than {@link #PARK}, but the thread never sleeps. It gives the core away to any thread
     * that wants it, yet shows as a fully busy core whenever nothing else runs, and on a machine with
     * two cores it competes with the callers. Use it only with a core to spare.
     */
    YIELD,
    /**
     * The idle background thread spins without pause: the fastest hand-off, and <b>one core burnt at 100% for as
     * long as the index is open</b>, idle or not, even when other threads need that core. Only for
     * a dedicated machine with spare cores (never on the two-core machines docs/DESIGN.md targets).
     */
    BUSY_SPIN;

    /** A fresh Disruptor strategy for one pipeline (strategies with state must not be shared). */
    com.lmax.disruptor.WaitStrategy newDisruptorStrategy() {
        return switch (this) {
            case PARK -> new ParkingWaitStrategy();
            case YIELD -> new YieldingWaitStrategy();
            case BUSY_SPIN -> new BusySpinWaitStrategy();
        };
    }
}
