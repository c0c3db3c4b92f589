package io.bucketdb;

import java.util.Arrays;

/**
 * How many writes one holder of the writer role committed together (group commit), as a histogram of
 * power-of-two buckets: a snapshot from {@link BucketDB#batchSizes()}. A write is one call's ring
 * entry: a put, a delete, or a whole {@link WriteBatch}. Each batch of writes is journaled with one
 * write and, in {@link Durability#SYNC}, one force, so the mean batch size is the number of writes
 * that share a force. Batches that carried only the index's own tasks (timer ticks, checkpoints)
 * are not counted.
 *
 * <p>Immutable: the counts are copied in and out. Sizes within a bucket are not kept, so
 * {@link #percentile} answers with the bucket's upper bound.
 *
 * @param counts  element {@code i} counts batches of {@code 2^i} to {@code 2^(i+1) - 1} writes
 *                ({@value #BUCKETS} elements)
 * @param batches batches counted: the sum of {@code counts}
 * @param writes  writes in those batches
 */
public record BatchSizes(long[] counts, long batches, long writes) {
    /** Buckets, enough for any ring size (at most 2^30 entries). */
    public static final int BUCKETS = 31;

    /** No batches. */
    public static final BatchSizes NONE = new BatchSizes(new long[BUCKETS], 0, 0);

    /**
     * Copies {@code counts} and checks the numbers agree.
     *
     * @throws IllegalArgumentException if {@code counts} does not have {@link #BUCKETS} elements, holds a negative
     *                                  count, or does not sum to {@code batches}, or {@code writes < batches}
     */
    public BatchSizes {
        if (counts.length != BUCKETS) {
            throw new IllegalArgumentException("counts must have " + BUCKETS + " elements, got " + counts.length);
        }
        counts = counts.clone();
        long sum = 0;
        for (long c : counts) {
            if (c < 0) {
                throw new IllegalArgumentException("negative count in " + Arrays.toString(counts));
            }
            sum += c;
        }
        if (sum != batches || writes < batches) {
            throw new IllegalArgumentException("inconsistent: counts sum to " + sum + ", batches " + batches + ", writes " + writes);
        }
    }

    /**
     * The bucket a batch of {@code size} writes (at least 1) is counted in.
     *
     * @param size writes in a batch
     * @return its bucket
     */
    public static int bucketOf(long size) {
        return Math.min(63 - Long.numberOfLeadingZeros(Math.max(1, size)), BUCKETS - 1);
    }

    /**
     * The largest size bucket {@code i} counts: {@code 2^(i+1) - 1}.
     *
     * @param bucket a bucket, 0 to {@code BUCKETS - 1}
     * @return the largest batch size it counts
     */
    public static long upperBound(int bucket) {
        return (1L << (bucket + 1)) - 1;
    }

    /** {@return a copy of the counts per bucket} */
    @Override
    public long[] counts() {
        return counts.clone();
    }

    /**
     * Batches of {@code 2^bucket} to {@code 2^(bucket+1) - 1} writes.
     *
     * @param bucket a bucket, 0 to {@code BUCKETS - 1}
     * @return the batches it counts
     */
    public long count(int bucket) {
        return counts[bucket];
    }

    /** {@return writes per batch on average (0 with no batches)} */
    public double mean() {
        return batches == 0 ? 0 : (double) writes / batches;
    }

    /**
     * An upper bound of the {@code q}-quantile of batch sizes: at least a fraction {@code q} of the
     * batches had at most this many writes (the bucket's largest size; 0 with no batches).
     * {@code percentile(0.5)} is the median's bound, {@code percentile(1)} the largest batch's.
     *
     * @param q in (0, 1]
     * @return the largest size of the bucket where the quantile falls
     * @throws IllegalArgumentException if {@code q} is not in (0, 1]
     */
    public long percentile(double q) {
        if (!(q > 0 && q <= 1)) {
            throw new IllegalArgumentException("quantile must be in (0, 1], got " + q);
        }
        if (batches == 0) {
            return 0;
        }
        long rank = (long) Math.ceil(q * batches);
        long seen = 0;
        for (int i = 0; i < BUCKETS; i++) {
            seen += counts[i];
            if (seen >= rank) {
                return upperBound(i);
            }
        }
        throw new AssertionError("counts sum to batches");
    }

    /**
     * The batches since {@code earlier}, a snapshot of the same index taken before this one.
     *
     * @param earlier an earlier snapshot of the same index
     * @return the difference
     */
    public BatchSizes since(BatchSizes earlier) {
        long[] d = new long[BUCKETS];
        for (int i = 0; i < BUCKETS; i++) {
            d[i] = counts[i] - earlier.counts[i];
        }
        return new BatchSizes(d, batches - earlier.batches, writes - earlier.writes);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof BatchSizes b && b.batches == batches && b.writes == writes && Arrays.equals(b.counts, counts);
    }

    @Override
    public int hashCode() {
        return Long.hashCode(batches) * 31 + Long.hashCode(writes) * 17 + Arrays.hashCode(counts);
    }

    /** {@code "3 batches, 10 writes, mean 3.3; 1: 1, 2-3: 1, 4-7: 1"}. */
    @Override
    public String toString() {
        StringBuilder b = new StringBuilder();
        b.append(batches).append(" batches, ").append(writes).append(" writes, mean ").append(String.format("%.1f", mean()));
        String sep = "; ";
        for (int i = 0; i < BUCKETS; i++) {
            if (counts[i] == 0) {
                continue;
            }
            long lo = 1L << i;
            long hi = upperBound(i);
            b.append(sep).append(lo == hi ? Long.toString(lo) : lo + "-" + hi).append(": ").append(counts[i]);
            sep = ", ";
        }
        return b.toString();
    }
}
