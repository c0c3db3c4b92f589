package io.bucketdb.inspect;

/**
 * Numbers that need a walk over every live chain: what {@code bucketdb stat} prints beyond the header.
 *
 * @param entries             used slots in live chains (equals the header's count in a sound file)
 * @param chainHistogram      element {@code k} counts live chains of {@code k + 1} buckets; the last
 *                            element counts that many or more
 * @param evacuatedOldBuckets old buckets already evacuated while growing, else 0
 * @param oldBuckets          buckets of the old array while growing, else 0
 * @param overflowBuckets     overflow buckets reachable from live chains
 */
public record Census(long entries, long[] chainHistogram, long evacuatedOldBuckets, long oldBuckets, long overflowBuckets) {
}
