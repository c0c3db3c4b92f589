package io.bucketdb.pipeline;

import com.lmax.disruptor.RingBuffer;
import com.lmax.disruptor.Sequence;

import java.lang.invoke.VarHandle;

/**
 * Decides who drains the ring: a thread that finds published work and the {@link WriterRole} free
 * takes the role and commits group after group ({@link GroupCommit}) until the ring is empty, then
 * releases the role and looks again (a publisher that saw the role taken relies on that look). Any
 * thread may call {@link #lead}: a publisher right after its publish, a caller still waiting for its
 * own write (follower promotion, {@link Waiter}), the background thread. Moved out of
 * {@link WritePipeline} to keep it under the size limit when waiting callers began to lead.
 *
 * <p>The hand-off: after its first group, a leader that finds another caller's blocking write in the
 * next group does not drain on for it. It releases the role and wakes that caller, which leads the
 * next group itself (or finds its write already committed by whoever took the role first). The
 * leader's own call returns at once instead of serving everyone until the ring is empty, and the
 * role's work is spread over the writers' threads, which matters when busy readers share the cores:
 * a leader descheduled between groups no longer holds up every caller behind it, and a woken caller
 * runs with the scheduling credit it earned while parked. The waiter to wake was read under the role,
 * the wake comes after the release; a waiter whose write another holder completed meanwhile only
 * gets a spare unpark. Nothing is stranded: the woken caller leads or its write was committed by a
 * holder that took the role after this release and looks at the ring again when it lets go.
 */
final class GroupLeader {
    private final RingBuffer<WriteEvent> ring;
    /** The last ring sequence committed and released for reuse; the ring's gating sequence. */
    private final Sequence consumed;
    private final WriterRole role;
    private final GroupCommit groups;
    private BackgroundDuty background;

    GroupLeader(RingBuffer<WriteEvent> ring, Sequence consumed, WriterRole role, GroupCommit groups) {
        this.ring = ring;
        this.consumed = consumed;
        this.role = role;
        this.groups = groups;
    }

    /** Set once, before any publish: the leader wakes it when its group began a growth. */
    void background(BackgroundDuty b) {
        this.background = b;
    }

    /**
     * Drains while there is published work and the role is free, completing futures only later (the
     * caller runs {@link DeferredCompletions}, role released). Returns when the ring was empty at a
     * look after a release, or another thread holds the role (which then drains what is published).
     */
    void lead() {
        // Orders this thread's publish before its read of the role (the Dekker pair with WriterRole.release).
        VarHandle.fullFence();
        while (hasPublishedWork() && role.tryTake()) {
            Waiter next;
            // A FileChannel closes itself if its caller is interrupted during I/O: a leader leads with its
            // interrupt status cleared and gets it back after. An interrupt that lands during the I/O costs
            // the file a reopen, never the index (FileDurableFile); the leader keeps that one too.
            boolean interrupted = Thread.interrupted();
            try {
                next = drain();
            } finally {
                role.release();
                if (interrupted) {
                    Thread.currentThread().interrupt();
                }
            }
            background.wakeForGrowthIfWaiting();
            if (next != null) {
                next.wakeToLead();
                return;
            }
        }
    }

    /** Whether a waiting caller could lead now: work is published and the role is free (a hint; {@link #lead} decides). */
    boolean mayLead() {
        return role.isFree() && hasPublishedWork();
    }

    boolean hasPublishedWork() {
        return ring.isAvailable(consumed.get() + 1);
    }

    /** How far a leader looks into the next group for a waiting caller to hand the role to (a group is mostly smaller). */
    private static final int HAND_OFF_SCAN = 64;

    /**
     * Role holder: commits published groups, releasing each group's slots for reuse, until the ring is
     * empty (null) or the next group holds another thread's blocking write: then that caller's
     * waiter, to be woken to lead the next group itself once the role is released (the hand-off).
     */
    private Waiter drain() {
        for (boolean first = true; ; first = false) {
            long next = consumed.get() + 1;
            if (!ring.isAvailable(next)) {
                return null;
            }
            if (!first) {
                Waiter w = waitingCallerFrom(next);
                if (w != null) {
                    return w;
                }
            }
            // The group: every entry published without a gap after next (what the sequencer's
            // getHighestPublishedSequence computes), bounded by the claim cursor.
            long cursor = ring.getCursor();
            long last = next;
            // A bulk entry ends its group: a group holds at most one (BulkFlush.GROUP puts) besides single writes.
            while (last < cursor && ring.get(last).type != WriteEvent.Type.BULK && ring.isAvailable(last + 1)) {
                last++;
            }
            groups.commit(next, last);
            consumed.set(last);
        }
    }

    /**
     * Role holder: the waiter of the first blocking write of another thread among the entries published
     * without a gap from {@code next} (at most {@link #HAND_OFF_SCAN}), or null if none.
     */
    private Waiter waitingCallerFrom(long next) {
        long end = Math.min(ring.getCursor(), next + HAND_OFF_SCAN - 1);
        for (long s = next; s <= end && ring.isAvailable(s); s++) {
            Waiter w = ring.get(s).waiter;
            if (w != null && !w.ownedByCurrentThread()) {
                return w;
            }
        }
        return null;
    }
}
