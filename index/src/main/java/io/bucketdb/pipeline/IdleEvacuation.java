package io.bucketdb.pipeline;

import io.bucketdb.table.HashTable;

import java.util.concurrent.TimeUnit;

/**
 * Finishes a growth while writes pause (issue 16): the {@link BackgroundDuty} thread takes the writer role,
 * evacuates {@link #STEP_BUCKETS} old buckets at the evacuation mark and gives the role up again, step after step,
 * until the growth ends. Without it a table whose writes stop soon after a doubling began stays in it, and every get
 * looks at the old bucket first (half the get rate in a 7M-entry test).
 *
 * <p>Only while writes pause: a step runs when no group of writes was committed for {@link #QUIET_NANOS} and
 * none since the previous step, so a load that keeps writing evacuates as Go does (two buckets per write) and
 * never waits behind the background thread; a caller that arrives during a step waits for that one step only,
 * since the thread looks at the ring before every step. Writer tasks (stats, the timer's force, growth polls) do
 * not count as writes.
 *
 * <p>Each step is journaled before it changes the table (see {@code Evacuator.idleStep}) and replay takes it from
 * its marker, so a crash anywhere in it recovers to the same table. After a step the pipeline's
 * {@link WritePipeline.BatchListener} runs as after a group of writes: a long idle evacuation dirties pages and
 * appends markers, and the checkpoint triggers must see them.
 *
 * <p>State: the fields are the background thread's (it alone calls {@link #writesPaused} and {@link #step}, the
 * latter with the role held, so other holders see {@code steps} after a role hand-over), except the test hook.
 */
final class IdleEvacuation {
    /**
     * Old buckets per step: each moves one chain (8 entries, more with overflow buckets), so a step is a few
     * microseconds of work, which is all a caller arriving during one waits for.
     */
    static final int STEP_BUCKETS = 32;
    /** How long no write may be committed before the first step: far above the gap between a loader's writes. */
    static final long QUIET_NANOS = TimeUnit.MILLISECONDS.toNanos(1);

    /** What {@link #step} did. */
    enum Outcome {
        /** Took a step: the caller may look at the ring and step again at once. */
        STEPPED,
        /** Writes were committed since the last look, or another holder has the role: wait {@link #QUIET_NANOS}. */
        WAIT,
        /** Nothing to do: no growth, the pipeline failed or closed, or disabled. */
        NOTHING
    }

    private final WritePipeline pipeline;
    private final WriterRole role;
    private final HashTable table;
    private final WritePipeline.BatchListener listener;
    private final BatchSizeHistogram writes;
    private final boolean enabled;
    /** Set by close(): from then on nothing is stepped. */
    private volatile boolean stopped;
    private long writesSeen = Long.MIN_VALUE;
    private long steps;
    /** Tests only: runs inside every step, the role held, before the table changes. */
    private volatile Runnable duringStep;

    IdleEvacuation(WritePipeline pipeline, WriterRole role, HashTable table, WritePipeline.BatchListener listener,
                   BatchSizeHistogram writes, boolean enabled) {
        this.pipeline = pipeline;
        this.role = role;
        this.table = table;
        this.listener = listener;
        this.writes = writes;
        this.enabled = enabled;
    }

    /**
     * Any thread: whether there is a growth for idle evacuation to finish: enabled, not closed, not failed, and the
     * table growing (volatile reads; a leader asks after every group while the table is not growing, so the cheap
     * tests come first).
     */
    boolean wanted() {
        return enabled && !stopped && table.growing() && !pipeline.isReadOnly();
    }

    /** close(): no step starts after this returns (one running finishes; close() then waits for the thread). */
    void stop() {
        stopped = true;
    }

    /**
     * Background thread: one step ({@link #step}) if writes paused, the role is free and nothing is published; gives
     * the role up again before it returns, so a caller waits for one step at most.
     *
     * @return what it did
     */
    Outcome stepIfIdle() {
        // While writes go on, the role is not even taken: a caller never finds it held by a look that steps nothing.
        if (!writesPaused() || !role.tryTake()) {
            return Outcome.WAIT;
        }
        try {
            if (pipeline.hasPublishedWork() || !wanted()) {
                return Outcome.NOTHING;
            }
            return step();
        } finally {
            role.release();
        }
    }

    /**
     * Background thread, before it takes the role: whether no group of writes was committed since its last look
     * (the first look after writes, or after a growth began, says no, so a step follows a full quiet wait).
     */
    private boolean writesPaused() {
        long w = writes.changeCount();
        if (w != writesSeen) {
            writesSeen = w;
            return false;
        }
        return true;
    }

    /**
     * Role holder (the background thread, after {@link #writesPaused}), the ring found empty and the pipeline neither
     * closed nor failed: one step, unless writes came since that look. A failure fails the pipeline (read-only, as a
     * failed apply does), which ends idle evacuation.
     */
    private Outcome step() {
        if (!wanted()) {
            return Outcome.NOTHING;
        }
        if (writes.changeCount() != writesSeen) {
            return Outcome.WAIT;
        }
        Runnable hook = duringStep;
        if (hook != null) {
            hook.run();
        }
        try {
            table.evacuateIdle(STEP_BUCKETS);
            steps++;
            listener.afterBatch();
        } catch (Throwable t) {
            pipeline.fail(t);
            return Outcome.NOTHING;
        }
        return Outcome.STEPPED;
    }

    /** {@return whether background duties are on at all ({@code Options.withIdleEvacuation})} */
    boolean enabled() {
        return enabled;
    }

    /** {@return the table this finishes growths of} */
    HashTable table() {
        return table;
    }

    /** Role holder (or after the background thread stopped): steps taken so far. */
    long steps() {
        return steps;
    }

    /** Tests only: {@code hook} runs inside every later step, the role held, before the table changes (null: none). */
    void duringStep(Runnable hook) {
        duringStep = hook;
    }
}
