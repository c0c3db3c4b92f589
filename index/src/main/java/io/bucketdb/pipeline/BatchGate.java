package io.bucketdb.pipeline;

import io.bucketdb.WriteBatch;
import io.bucketdb.table.HashTable;
import io.bucketdb.table.StripedSeqLock;

/**
 * A table-wide seqlock that makes a {@link WriteBatch} atomic for readers. The table's own
 * per-stripe stamps make each key's read atomic; this stamp makes a group of keys change at once.
 *
 * <p>The protocol is the table's seqlock, {@link StripedSeqLock}, with one stripe: the writer makes the stamp odd
 * (opaque store, then a store-store fence), applies the batch, then makes it even with a release store. A reader
 * takes the stamp with acquire (odd: the batch is in progress, wait), reads, issues an acquire fence, and accepts
 * only if the stamp is unchanged. Only multi-operation batches touch the stamp, so single writes never make readers
 * retry.
 *
 * <p>The stamp is the table's ({@link HashTable#batchStamp}), so {@link HashTable#getLongBetweenBatches} validates it
 * in the same round as its bucket's stripe (issue 19: a gate around the table's read made a get two seqlock rounds).
 * The other reads keep the gate around the table's read, with {@link #readBegin} and {@link #readValidate}.
 */
public final class BatchGate {
    private final StripedSeqLock lock;

    /**
     * A gate over {@code table}'s batch stamp.
     *
     * @param table the table whose batches this gate makes atomic for readers
     */
    public BatchGate(HashTable table) {
        this.lock = table.batchStamp();
    }

    /** Reader: an even stamp to validate against; waits while a batch is being applied. */
    public long readBegin() {
        for (int spins = 0; ; spins++) {
            long s = lock.stamp(0);
            if ((s & 1) == 0) {
                return s;
            }
            if (spins < 128) {
                Thread.onSpinWait();
            } else {
                Thread.yield();
            }
        }
    }

    /** Reader: whether no batch was applied since {@link #readBegin} returned {@code stamp}. */
    public boolean readValidate(long stamp) {
        return lock.validate(0, stamp);
    }

    /** Role holder: a batch starts changing the table. */
    void writeBegin() {
        lock.beginWrite(0);
    }

    /** Role holder: the batch is complete (or undone). */
    void writeEnd() {
        lock.endWrite(0);
    }
}
