package io.bucketdb.table;

/**
 * Told of each step of a growth as the table takes it, by the holder of the writer role, so the journal can
 * record growth markers that replay checks against what it does itself (docs/DESIGN.md, "Open: finish, replay, and end the recovery").
 */
public interface GrowthListener {
    GrowthListener NONE = new GrowthListener() {
    };

    /** A growth began: the new array has {@code 2^newB} buckets; {@code sameSize} if B did not change. */
    default void growBegin(int newB, boolean sameSize) {
    }

    /**
     * Old bucket {@code oldBucket} was evacuated by a write's step, or is about to be by an idle step (one that no
     * write caused, told before it changes the table so the journal holds it first).
     */
    default void evacuated(long oldBucket) {
    }

    /** The growth ended: every old bucket is evacuated and the old array is freed. */
    default void growEnd() {
    }
}
