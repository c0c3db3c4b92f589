package io.bucketdb.recovery;

/**
 * What a {@link JournalReader#replay} found.
 *
 * @param recordsRead    records handed to the consumer (those with an LSN above the replay start)
 * @param lastLsn        LSN of the last valid record kept in the journal; the replay start if there is none
 * @param tornBytes      bytes of a partly written tail (a crash during an unforced write) that were ignored:
 *                       from the first invalid frame to the end of the last frame of the segment's current life
 *                       whose header survived (or to the file end when less than a frame header remains).
 *                       A torn frame whose own header was lost, with no later header of this life, counts 0:
 *                       its bytes cannot be told apart from a recycled segment's earlier life, so the count
 *                       is a lower bound. 0 for a clean end
 * @param recordsDropped intact records cut off by {@link DamagePolicy#TRUNCATE}; 0 unless the journal was damaged
 * @param segmentsSeen   segment files whose records were read
 * @param lostFromLsn    with {@link DamagePolicy#TRUNCATE}, where the journal ended at a roll record naming a segment that
 *                       is missing: the first LSN that segment held. Every write from there on is lost and how many there
 *                       were is unknown (they are not in {@code recordsDropped}, which counts only records found). 0 if
 *                       no segment was missing
 */
public record ReplayReport(long recordsRead, long lastLsn, long tornBytes, long recordsDropped, int segmentsSeen,
                           long lostFromLsn) {

    /**
     * A report of a replay that found every segment it was led to.
     *
     * @param recordsRead    as the record's component
     * @param lastLsn        as the record's component
     * @param tornBytes      as the record's component
     * @param recordsDropped as the record's component
     * @param segmentsSeen   as the record's component
     */
    public ReplayReport(long recordsRead, long lastLsn, long tornBytes, long recordsDropped, int segmentsSeen) {
        this(recordsRead, lastLsn, tornBytes, recordsDropped, segmentsSeen, 0);
    }
}
