package io.bucketdb.inspect;

import io.bucketdb.storage.BucketLayout;

/**
 * One slot of a bucket as the file holds it.
 *
 * @param index   the slot's position in its bucket (0..7)
 * @param tophash the slot's tophash byte (a slot state below {@link BucketLayout#MIN_TOPHASH})
 * @param key     the key bytes of a used slot, else null
 * @param value   the value bytes of a used slot, else null
 * @param keyAt   where a variable-length key lives (null for fixed-width keys and unused slots)
 * @param valueAt where a variable-length value lives (null for fixed-width values and unused slots)
 */
public record Slot(int index, int tophash, byte[] key, byte[] value, Placement keyAt, Placement valueAt) {

    /** Whether the slot holds an entry. */
    public boolean used() {
        return tophash >= BucketLayout.MIN_TOPHASH;
    }

    /** The tophash byte named: a slot state (emptyRest, evacuatedX, …) or its hex value. */
    public String state() {
        return BucketLayout.stateName(tophash);
    }
}
