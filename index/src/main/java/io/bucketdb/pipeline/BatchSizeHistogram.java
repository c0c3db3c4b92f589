package io.bucketdb.pipeline;

import java.util.concurrent.atomic.AtomicLongArray;

/**
 * Counts of journal batch sizes (group-commit sizes) in power-of-two buckets: bucket {@code i}
 * counts batches of {@code [2^i, 2^(i+1))} events. Written by the journal thread only (release
 * stores); read by any thread (acquire), so a snapshot is a consistent count per bucket but not
 * across buckets.
 */
public final class BatchSizeHistogram {
    /** Buckets for sizes up to 2^31 - 1. */
    public static final int BUCKETS = 31;

    private final AtomicLongArray counts = new AtomicLongArray(BUCKETS);

    /** Journal thread only. */
    void record(long batchSize) {
        int i = 63 - Long.numberOfLeadingZeros(Math.max(1, batchSize));
        i = Math.min(i, BUCKETS - 1);
        counts.setRelease(i, counts.getPlain(i) + 1);
    }

    /** Counts per bucket; index {@code i} holds batches of {@code [2^i, 2^(i+1))} events. */
    public long[] snapshot() {
        long[] out = new long[BUCKETS];
        for (int i = 0; i < BUCKETS; i++) {
            out[i] = counts.getAcquire(i);
        }
        return out;
    }

    /** The number of batches recorded. */
    public long batches() {
        long n = 0;
        for (long c : snapshot()) {
            n += c;
        }
        return n;
    }

    /** Non-empty buckets as {@code "1: n, 2-3: n, 4-7: n"}. */
    @Override
    public String toString() {
        long[] s = snapshot();
        StringBuilder b = new StringBuilder();
        for (int i = 0; i < BUCKETS; i++) {
            if (s[i] == 0) {
                continue;
            }
            if (!b.isEmpty()) {
                b.append(", ");
            }
            long lo = 1L << i;
            long hi = (1L << (i + 1)) - 1;
            b.append(lo == hi ? Long.toString(lo) : lo + "-" + hi).append(": ").append(s[i]);
        }
        return b.isEmpty() ? "(none)" : b.toString();
    }
}
