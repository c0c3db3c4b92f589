package io.bucketdb.pipeline;

import com.lmax.disruptor.WaitStrategy;

import java.util.Objects;
import java.util.function.Supplier;

/**
 * How a {@link WritePipeline} is built.
 *
 * @param ringSize        ring entries, a power of two: how many operations may wait at once
 * @param waitStrategy    makes a fresh wait strategy for the ring (one per pipeline)
 * @param sync            passed to {@link JournalStage#endOfBatch}: force once per batch before acknowledging
 * @param publishTimeoutNanos when the ring is full, how long a caller waits for a slot before
 *                        {@link java.util.concurrent.RejectedExecutionException}; negative waits forever
 * @param idleEvacuation  whether the background thread finishes a growth while writes pause ({@link IdleEvacuation})
 */
public record PipelineConfig(int ringSize, Supplier<WaitStrategy> waitStrategy, boolean sync, long publishTimeoutNanos,
                             boolean idleEvacuation) {
    public PipelineConfig {
        if (ringSize < 1 || Integer.bitCount(ringSize) != 1) {
            throw new IllegalArgumentException("ringSize must be a power of two: " + ringSize);
        }
        Objects.requireNonNull(waitStrategy, "waitStrategy");
    }

    /**
     * 1024 entries, {@link ParkingWaitStrategy}, {@code SYNC}, block while the ring is full, no idle evacuation (an
     * index turns it on from its options; off, the pipeline's tests see only the steps their writes take).
     */
    public static PipelineConfig defaults() {
        return new PipelineConfig(1024, ParkingWaitStrategy::new, true, -1, false);
    }

    public PipelineConfig withRingSize(int n) {
        return new PipelineConfig(n, waitStrategy, sync, publishTimeoutNanos, idleEvacuation);
    }

    public PipelineConfig withWaitStrategy(Supplier<WaitStrategy> s) {
        return new PipelineConfig(ringSize, s, sync, publishTimeoutNanos, idleEvacuation);
    }

    public PipelineConfig withSync(boolean s) {
        return new PipelineConfig(ringSize, waitStrategy, s, publishTimeoutNanos, idleEvacuation);
    }

    public PipelineConfig withPublishTimeoutNanos(long nanos) {
        return new PipelineConfig(ringSize, waitStrategy, sync, nanos, idleEvacuation);
    }

    /** {@return a copy that finishes growths while writes pause, or not} @param on whether it does */
    public PipelineConfig withIdleEvacuation(boolean on) {
        return new PipelineConfig(ringSize, waitStrategy, sync, publishTimeoutNanos, on);
    }
}
