package io.bucketdb.pipeline;

import com.lmax.disruptor.InsufficientCapacityException;
import com.lmax.disruptor.RingBuffer;

import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.locks.LockSupport;

/**
 * Claims the next slot of a pipeline's ring for a producer, waiting while the ring is full up to the publish
 * timeout of {@link PipelineConfig#publishTimeoutNanos()} (forever if it is negative). Moved out of
 * {@link WritePipeline} unchanged, to keep that class under the size limit when the bulk path was added.
 */
final class RingClaim {
    private RingClaim() {
    }

    /** The claimed sequence; throws {@link RejectedExecutionException} if no slot frees up within {@code timeout} ns. */
    static long claim(RingBuffer<WriteEvent> ring, long timeout) {
        if (timeout < 0) {
            return ring.next();
        }
        long deadline = System.nanoTime() + timeout;
        while (true) {
            try {
                return ring.tryNext();
            } catch (InsufficientCapacityException e) {
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    throw new RejectedExecutionException("write pipeline full: no free slot among " + ring.getBufferSize()
                            + " ring entries within " + timeout / 1_000_000.0 + " ms; the journal or the writer is not keeping up");
                }
                LockSupport.parkNanos(Math.min(left, 50_000));
            }
        }
    }
}
