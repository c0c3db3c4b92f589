package io.bucketdb.pipeline;

import com.lmax.disruptor.AlertException;
import com.lmax.disruptor.Sequence;
import com.lmax.disruptor.SequenceBarrier;
import com.lmax.disruptor.TimeoutException;
import com.lmax.disruptor.WaitStrategy;
import io.bucketdb.storage.Uninterruptibly;

import java.lang.invoke.VarHandle;
import java.util.concurrent.locks.LockSupport;

/**
 * The pipeline's background thread ({@value #THREAD_NAME}): takes the {@link WriterRole} only for
 * work no caller will do: asynchronous writes left in the ring with the role free, and finishing a
 * growth while writes pause ({@link IdleEvacuation}). Blocking callers and writer tasks lead their own
 * groups, and a leader drains everything published behind it, so this thread sleeps while callers
 * write and costs them no hand-off.
 *
 * <p>It also maps ahead the space of the next doubling once the table nears it ({@link GrowthPreparation}), without
 * the role; a leader wakes it for that as for a growth to finish.
 *
 * <p>Idle, it waits on the pipeline's configured Disruptor {@link WaitStrategy} for a nudge, a
 * private sequence that only an asynchronous publisher bumps, and only when it found the role free
 * and this thread idle: blocking publishes never wake it. The nudge protocol is a Dekker pair with
 * full fences: this thread reads the nudge target, sets {@code idle}, fences and looks for work it
 * could take; a publisher publishes, fences and reads the role and {@code idle}. Either this thread
 * sees the publish, or the publisher sees it idle and bumps the sequence past the target it waits for.
 *
 * <p>While a growth is in progress it does not wait for a nudge but parks for
 * {@link IdleEvacuation#QUIET_NANOS} at a time (a nudge unparks it), then steps the growth if no write
 * came meanwhile: a few wake-ups a millisecond at most, and none once the growth ended. A growth begins
 * in a leader's apply; the leader then wakes this thread if it waits for a nudge
 * ({@link #wakeForGrowthIfWaiting}), the same Dekker pair on {@code untimedWait} and the table's snapshot.
 */
final class BackgroundDuty implements Runnable {
    static final String THREAD_NAME = "bucketdb-background";
    /** How long the thread yields for a publish before it parks while a growth is in progress. */
    private static final long SPIN_NANOS = 20_000;

    private final WritePipeline pipeline;
    private final IdleEvacuation idleEvacuation;
    private final GrowthPreparation growthPreparation;
    private final WaitStrategy idleStrategy;
    private final SequenceBarrier barrier;
    private final Sequence nudges = new Sequence(-1);
    private final Thread thread;
    private volatile boolean idle;
    /** Whether this thread waits (or is about to) on the wait strategy with no growth to finish. */
    private volatile boolean untimedWait;
    private volatile boolean stopping;

    BackgroundDuty(WritePipeline pipeline, IdleEvacuation idleEvacuation, WaitStrategy idleStrategy, SequenceBarrier barrier) {
        this.pipeline = pipeline;
        this.idleEvacuation = idleEvacuation;
        this.growthPreparation = new GrowthPreparation(idleEvacuation.table(), idleEvacuation.enabled());
        this.idleStrategy = idleStrategy;
        this.barrier = barrier;
        this.thread = Thread.ofPlatform().name(THREAD_NAME).daemon().unstarted(this);
    }

    void start() {
        growthPreparation.start();
        thread.start();
    }

    Thread thread() {
        return thread;
    }

    /** Whether this thread waits, or is about to, for a nudge with no growth to finish; for tests. */
    boolean waitsUntimed() {
        return idle && untimedWait;
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
            boolean growth = idleEvacuation.wanted();
            untimedWait = !growth;
            idle = true;
            VarHandle.fullFence();
            if (stopping) {
                return;
            }
            if (pipeline.workForBackground()) {
                // drain it at the top
            } else if (growthPreparation.wanted()) {
                growthPreparation.run(); // without the role: it maps free space past the allocation end
            } else if (!growth) {
                // Re-read after the fence: a growth begun meanwhile was either seen here or its leader sees untimedWait.
                if (!idleEvacuation.wanted() && !growthPreparation.wanted()) {
                    try {
                        idleStrategy.waitFor(target, nudges, nudges, barrier);
                    } catch (AlertException | InterruptedException | TimeoutException e) {
                        // Not used to stop this thread (stop() nudges); look for work and wait again.
                    }
                }
            } else if (idleEvacuation.stepIfIdle() == IdleEvacuation.Outcome.WAIT) {
                waitForQuiet();
            }
            untimedWait = false;
            idle = false;
        }
    }

    /**
     * Writes came since the last look, or a holder has the role: parks for {@link IdleEvacuation#QUIET_NANOS}, after
     * yielding for up to {@link #SPIN_NANOS} for an asynchronous publish, which a park would answer only after the
     * publisher's unpark (as {@link ParkingWaitStrategy} spins before it blocks). A publish that found the role taken
     * by a step is seen by these looks (the role's release fences); a later one unparks this thread.
     */
    private void waitForQuiet() {
        long deadline = System.nanoTime() + SPIN_NANOS;
        while (!pipeline.workForBackground() && !stopping) {
            if (System.nanoTime() - deadline >= 0) {
                LockSupport.parkNanos(this, IdleEvacuation.QUIET_NANOS);
                return;
            }
            Thread.yield();
        }
    }

    /**
     * Publisher of an asynchronous write that found the role free (after a full fence): wakes this thread. Idle, it waits
     * for the nudge. Busy, it may be parked as a caller: a dependent action it runs made a blocking write, published
     * behind this write's slot while the slot was claimed and not yet published, so that write's look found nothing it
     * could drain, and no leader will come (this thread is the one that drains asynchronous writes). The unpark makes it
     * look again; where it was not parked, its next park returns at once and every wait of this thread looks again.
     */
    void nudge() {
        if (idle) {
            nudges.incrementAndGet();
            if (untimedWait) {
                idleStrategy.signalAllWhenBlocking();
            } else {
                LockSupport.unpark(thread);
            }
        } else {
            LockSupport.unpark(thread);
        }
    }

    /**
     * A leader that released the role (after its full fence): if this thread waits for a nudge and a growth is in
     * progress (one the leader's group began), wakes it to finish the growth when writes pause; or if the table nears
     * its next doubling, to map that doubling's space ahead ({@link GrowthPreparation}). Costs a leader a
     * volatile read, and the table's snapshot read only while this thread waits untimed.
     */
    void wakeForGrowthIfWaiting() {
        if (untimedWait && (idleEvacuation.wanted() || growthPreparation.wanted())) {
            untimedWait = false;
            nudges.incrementAndGet();
            idleStrategy.signalAllWhenBlocking();
        }
    }

    /** Ends the thread once the ring is drained (the caller made sure of that) and waits for it. */
    void stop() {
        stopping = true;
        nudges.incrementAndGet();
        idleStrategy.signalAllWhenBlocking();
        LockSupport.unpark(thread);
        Uninterruptibly.join(thread);
        growthPreparation.stop();
    }
}
