package io.bucketdb;

import com.lmax.disruptor.BusySpinWaitStrategy;
import com.lmax.disruptor.YieldingWaitStrategy;
import io.bucketdb.pipeline.ParkingWaitStrategy;

/**
 * How the index's writer thread waits for the next write (the write pipeline's Disruptor wait
 * strategy), chosen with {@link Options#withWaitStrategy}. The choice trades CPU while idle for the
 * latency of the hand-off from a caller to the writer; it changes no result and no durability.
 * Callers blocked in {@code put} wait for their acknowledgement the same way under every strategy:
 * up to 64 callers per spare core spin (yielding) for up to 50 µs, the others and those still waiting then park.
 */
public enum WaitStrategy {
    /**
     * The default: the idle writer spins (yielding) for up to 20 µs, then blocks on a condition that a
     * publishing caller signals, so an index idle for longer uses no CPU. A caller that writes again
     * right after its acknowledgement finds the writer still spinning; a hand-off to a blocked writer
     * costs a wake-up (tens of microseconds on a virtual machine), which group commit spreads over a
     * batch when many callers write at once.
     */
    PARK,
    /**
     * The idle writer spins briefly, then calls {@link Thread#yield()} in a loop: a faster hand-off
     * than {@link #PARK}, but the writer thread never sleeps. It gives the core away to any thread
     * that wants it, yet shows as a fully busy core whenever nothing else runs, and on a machine with
     * two cores it competes with the callers. Use it only with a core to spare.
     */
    YIELD,
    /**
     * The idle writer spins without pause: the fastest hand-off, and <b>one core burnt at 100% for as
     * long as the index is open</b>, idle or not, even when other threads need that core. Only for
     * a dedicated machine with spare cores (never on the two-core machines DESIGN.md targets).
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
