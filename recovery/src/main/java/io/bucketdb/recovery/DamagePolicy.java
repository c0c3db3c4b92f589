package io.bucketdb.recovery;

/** What {@link JournalReader#replay} does when the journal is damaged rather than torn by a crash. */
public enum DamagePolicy {
    /** Throw {@link io.bucketdb.spi.CorruptIndexException} naming the segment, offset and expectation. */
    FAIL,
    /**
     * Cut the journal at the damage: zero the rest of the damaged segment's records, delete every later
     * segment, and report how many intact records were dropped. For a user who prefers an index that
     * opens over one that keeps every acknowledged write.
     */
    TRUNCATE
}
