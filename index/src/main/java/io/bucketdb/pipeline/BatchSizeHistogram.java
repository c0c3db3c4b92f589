package io.bucketdb.pipeline;

import io.bucketdb.BatchSizes;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.concurrent.atomic.AtomicLongArray;

/**
 * Counts journal batch sizes (group-commit sizes, in writes) in power-of-two buckets, as
 * {@link BatchSizes} describes them. Written by the writer role's holder only, once per group and without
 * allocating; read by any thread through {@link #snapshot()}.
 *
 * <p>Protocol: a seqlock, so a snapshot is consistent across buckets and totals. The writer makes
 * {@code stamp} odd (opaque store, then a store-store fence), updates the counts and the write
 * total with opaque stores, then makes {@code stamp} even with a release store. A reader takes the
 * stamp with acquire (odd: a record is in progress, retry), reads with opaque loads (no torn
 * longs), issues an acquire fence and accepts only if the stamp is unchanged.
 */
public final class BatchSizeHistogram {
    private static final VarHandle STAMP;
    private static final VarHandle WRITES;

    static {
        try {
            MethodHandles.Lookup l = MethodHandles.lookup();
            STAMP = l.findVarHandle(BatchSizeHistogram.class, "stamp", long.class);
            WRITES = l.findVarHandle(BatchSizeHistogram.class, "writes", long.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    private final AtomicLongArray counts = new AtomicLongArray(BatchSizes.BUCKETS);
    @SuppressWarnings("unused") // through STAMP
    private long stamp;
    @SuppressWarnings("unused") // through WRITES
    private long writes;

    /** Role holder only: a batch of {@code size} writes (at least 1) was committed. */
    void record(long size) {
        long s = (long) STAMP.getOpaque(this);
        STAMP.setOpaque(this, s + 1);
        VarHandle.storeStoreFence();
        int i = BatchSizes.bucketOf(size);
        counts.setOpaque(i, counts.getPlain(i) + 1);
        WRITES.setOpaque(this, (long) WRITES.getOpaque(this) + size);
        STAMP.setRelease(this, s + 2);
    }

    /** A consistent snapshot; retries while the writer is recording (a few stores), never blocks it. */
    public BatchSizes snapshot() {
        long[] c = new long[BatchSizes.BUCKETS];
        while (true) {
            long s = (long) STAMP.getAcquire(this);
            if ((s & 1) != 0) {
                Thread.onSpinWait();
                continue;
            }
            long batches = 0;
            for (int i = 0; i < c.length; i++) {
                c[i] = counts.getOpaque(i);
                batches += c[i];
            }
            long w = (long) WRITES.getOpaque(this);
            VarHandle.acquireFence();
            if ((long) STAMP.getOpaque(this) == s) {
                return new BatchSizes(c, batches, w);
            }
        }
    }

    /** A number that changes (acquire load) whenever a batch is recorded: how the background duty tells writes paused. */
    long changeCount() {
        return (long) STAMP.getAcquire(this);
    }

    /** The number of batches recorded. */
    public long batches() {
        return snapshot().batches();
    }

    @Override
    public String toString() {
        return snapshot().toString();
    }
}
