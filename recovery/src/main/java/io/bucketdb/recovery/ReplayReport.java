package io.bucketdb.recovery;

/**
 * What a {@link JournalReader#replay} found.
 *
 * @param recordsRead    records handed to the consumer (those with an LSN above the replay start)
 * @param lastLsn        LSN of the last valid record kept in the journal; the replay start if there is none
 * @param tornBytes      bytes of a partly written tail (a crash during an unforced write) that were ignored;
 *                       0 for a clean end
 * @param recordsDropped intact records cut off by {@link DamagePolicy#TRUNCATE}; 0 unless the journal was damaged
 * @param segmentsSeen   segment files whose records were read
 */
public record ReplayReport(long recordsRead, long lastLsn, long tornBytes, long recordsDropped, int segmentsSeen) {
}
