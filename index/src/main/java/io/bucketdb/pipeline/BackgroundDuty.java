package io.bucketdb.pipeline;

import com.lmax.disruptor.AlertException;
import com.lmax.disruptor.Sequence;
import com.lmax.disruptor.SequenceBarrier;
import com.lmax.disruptor.TimeoutException;
import com.lmax.disruptor.WaitStrategy;

import java.lang.invoke.VarHandle;

/**
 * The pipeline's background thread ({@value #THREAD_NAME}): takes the {@link WriterRole} only for
 * work no caller will do, i.e. asynchronous writes left in the ring with the role free. Blocking
 * callers and writer tasks lead their own groups, and a leader drains everything published behind
 * it, so this thread sleeps while callers write and costs them no hand-off.
 *
 * <p>Idle, it waits on the pipeline's configured Disruptor {@link WaitStrategy} for a nudge, a
 * private sequence that only an asynchronous publisher bumps, and only when it found the role free
 * and this thread idle: blocking publishes never wake it. The nudge protocol is a Dekker pair with
 * full fences: this thread reads the nudge target, sets {@code idle}, fences and looks for work it
 * could take; a publisher publishes, fences and reads the role and {@code idle}. Either this thread
 * sees the publish, or the publisher sees it idle and bumps the sequence past the target it waits for.
 */
final class BackgroundDuty implements Runnable {
    static final String THREAD_NAME = "bucketdb-background";

    private final WritePipeline pipeline;
    private final WaitStrategy idleStrategy;
    private final SequenceBarrier barrier;
    private final Sequence nudges = new Sequence(-1);
    private final Thread thread;
    private volatile boolean idle;
    private volatile boolean stopping;

    BackgroundDuty(WritePipeline pipeline, WaitStrategy idleStrategy, SequenceBarrier barrier) {
        this.pipeline = pipeline;
        this.idleStrategy = idleStrategy;
        this.barrier = barrier;
        this.thread = Thread.ofPlatform().name(THREAD_NAME).daemon().unstarted(this);
    }

    void start() {
        thread.start();
    }

    Thread thread() {
        return thread;
    }

    /** Whether this thread waits for a nudge; for tests that need it out of the way. */
    boolean isIdle() {
        return idle;
    }

    @Override
    public void run() {
        while (true) {
            pipeline.leadIfFree();
            long target = nudges.get() + 1;
            idle = true;
            VarHandle.fullFence();
            if (stopping) {
                return;
            }
            if (!pipeline.workForBackground()) {
                try {
                    idleStrategy.waitFor(target, nudges, nudges, barrier);
                } catch (AlertException | InterruptedException | TimeoutException e) {
                    // Not used to stop this thread (stop() nudges); look for work and wait again.
                }
            }
            idle = false;
        }
    }

    /** Publisher of an asynchronous write that found the role free (after a full fence): wakes this thread if idle. */
    void nudgeIfIdle() {
        if (idle) {
            nudges.incrementAndGet();
            idleStrategy.signalAllWhenBlocking();
        }
    }

    /** Ends the thread once the ring is drained (the caller made sure of that) and waits for it. */
    void stop() {
        stopping = true;
        nudges.incrementAndGet();
        idleStrategy.signalAllWhenBlocking();
        boolean interrupted = false;
        while (thread.isAlive()) {
            try {
                thread.join();
            } catch (InterruptedException e) {
                interrupted = true;
            }
        }
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
    }
}
