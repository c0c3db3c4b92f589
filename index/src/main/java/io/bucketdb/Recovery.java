package io.bucketdb;

/**
 * What opening the index had to do to bring it back to its last acknowledged state.
 *
 * @param checkpointFinished whether a checkpoint interrupted by a crash was finished from the double-write file
 * @param doubleWritePages   pages written back from the double-write file
 * @param recordsReplayed    journal operations applied after the checkpoint
 * @param markersChecked     growth markers checked against what replay did
 * @param idleSteps          of those markers, the evacuation steps the background thread took while writes paused
 *                           (no write caused them; replay took the same steps)
 * @param tornBytes          bytes of a torn journal tail dropped
 * @param recordsDropped     journal records dropped by truncating at damage (only with {@link Options#withTruncateOnDamage})
 * @param batchDropped       whether an unfinished atomic batch at the end of the journal was dropped
 * @param checkpointLsn      the LSN of the checkpoint the table file held
 * @param lastLsn            the LSN of the last record replayed (the checkpoint LSN if none)
 * @param checksumsRebuilt   whether the page checksum file of the checkpoint was missing or damaged and was rebuilt
 *                           from the table file's pages as they are: the table file is taken as it stands, so damage
 *                           it took before this open can no longer be found. Not counted by {@link #needed()}: a
 *                           lost checksum file says nothing about how the index was closed
 * @param leftoverBytesRemoved the bytes of the staging directory beside the index ({@code .NAME.bucketdb-new}) that a
 *                           build, import or compaction killed before its commit left, and this writable open removed
 *                           (0 if there was none, a build holds it, or it could not be removed: then a WARNING is
 *                           logged and {@code bucketdb stat} shows it). Not counted by {@link #needed()}: the index
 *                           itself needed nothing of it
 * @param lostFromLsn        with {@link Options#withTruncateOnDamage}, where the journal ended at a roll record naming
 *                           a journal segment that is missing: the first LSN that segment held. Every acknowledged write
 *                           from there on is lost, and how many there were is unknown (they are not in
 *                           {@code recordsDropped}, which counts only records found). 0 if no segment was missing
 */
public record Recovery(boolean checkpointFinished, long doubleWritePages, long recordsReplayed, long markersChecked,
                       long idleSteps,
                       long tornBytes, long recordsDropped, boolean batchDropped, long checkpointLsn, long lastLsn,
                       boolean checksumsRebuilt, long leftoverBytesRemoved, long lostFromLsn) {

    /**
     * A recovery that found every journal segment it was led to.
     *
     * @param checkpointFinished   as the record's component
     * @param doubleWritePages     as the record's component
     * @param recordsReplayed      as the record's component
     * @param markersChecked       as the record's component
     * @param idleSteps            as the record's component
     * @param tornBytes            as the record's component
     * @param recordsDropped       as the record's component
     * @param batchDropped         as the record's component
     * @param checkpointLsn        as the record's component
     * @param lastLsn              as the record's component
     * @param checksumsRebuilt     as the record's component
     * @param leftoverBytesRemoved as the record's component
     */
    public Recovery(boolean checkpointFinished, long doubleWritePages, long recordsReplayed, long markersChecked,
                    long idleSteps, long tornBytes, long recordsDropped, boolean batchDropped, long checkpointLsn, long lastLsn,
                    boolean checksumsRebuilt, long leftoverBytesRemoved) {
        this(checkpointFinished, doubleWritePages, recordsReplayed, markersChecked, idleSteps, tornBytes, recordsDropped,
                batchDropped, checkpointLsn, lastLsn, checksumsRebuilt, leftoverBytesRemoved, 0);
    }

    /**
     * A recovery that removed no leftover staging directory and found every journal segment it was led to.
     *
     * @param checkpointFinished as the record's component
     * @param doubleWritePages   as the record's component
     * @param recordsReplayed    as the record's component
     * @param markersChecked     as the record's component
     * @param idleSteps          as the record's component
     * @param tornBytes          as the record's component
     * @param recordsDropped     as the record's component
     * @param batchDropped       as the record's component
     * @param checkpointLsn      as the record's component
     * @param lastLsn            as the record's component
     * @param checksumsRebuilt   as the record's component
     */
    public Recovery(boolean checkpointFinished, long doubleWritePages, long recordsReplayed, long markersChecked,
                    long idleSteps, long tornBytes, long recordsDropped, boolean batchDropped, long checkpointLsn, long lastLsn,
                    boolean checksumsRebuilt) {
        this(checkpointFinished, doubleWritePages, recordsReplayed, markersChecked, idleSteps, tornBytes, recordsDropped,
                batchDropped, checkpointLsn, lastLsn, checksumsRebuilt, 0, 0);
    }

    /**
     * {@return this recovery, with {@code bytes} of a crashed build's staging directory removed}
     *
     * @param bytes the bytes removed
     */
    public Recovery withLeftoverBytesRemoved(long bytes) {
        return new Recovery(checkpointFinished, doubleWritePages, recordsReplayed, markersChecked, idleSteps, tornBytes,
                recordsDropped, batchDropped, checkpointLsn, lastLsn, checksumsRebuilt, bytes, lostFromLsn);
    }

    /**
     * {@return whether the open had to repair anything: a cut checkpoint finished, journal records replayed, a torn tail,
     * damaged records, a missing segment's writes or an unfinished batch dropped. An index whose writer died right after a checkpoint was not closed
     * cleanly but needs none of it: false ({@link Stats#cleanClose()} tells how the index was closed)}
     */
    public boolean needed() {
        return checkpointFinished || recordsReplayed > 0 || tornBytes > 0 || recordsDropped > 0 || lostFromLsn > 0
                || batchDropped;
    }
}
