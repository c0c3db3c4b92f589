package io.bucketdb.inspect;

import java.util.List;

/**
 * One bucket of an overflow chain.
 *
 * @param position 0 for the array bucket, 1.. for the overflow buckets after it
 * @param offset   the bucket's file offset
 * @param slots    its eight slots in order
 * @param next     the file offset of the next overflow bucket, 0 for none
 */
public record ChainBucket(int position, long offset, List<Slot> slots, long next) {
}
