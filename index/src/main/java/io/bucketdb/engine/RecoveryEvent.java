package io.bucketdb.engine;

import io.bucketdb.Recovery;

import java.nio.file.Path;
import jdk.jfr.Category;
import jdk.jfr.DataAmount;
import jdk.jfr.Description;
import jdk.jfr.Event;
import jdk.jfr.Label;
import jdk.jfr.Name;
import jdk.jfr.StackTrace;

/**
 * JFR event: opening an existing index for writing, from finishing an interrupted checkpoint through
 * replaying the journal; its fields are those of {@link Recovery}.
 */
@Name("io.bucketdb.Recovery")
@Label("Recovery on Open")
@Category("BucketDB")
@Description("Opening an index: an interrupted checkpoint finished, the journal after the checkpoint replayed")
@StackTrace(false)
final class RecoveryEvent extends Event {
    @Label("Directory")
    String directory;

    @Label("Records Replayed")
    @Description("Journal operations applied after the checkpoint")
    long recordsReplayed;

    @Label("Torn Bytes")
    @Description("Bytes of a torn journal tail dropped")
    @DataAmount
    long tornBytes;

    @Label("Checkpoint Finished")
    @Description("Whether a checkpoint a crash interrupted was finished from the double-write file")
    boolean checkpointFinished;

    @Label("Checkpoint LSN")
    @Description("LSN of the checkpoint the table file held")
    long checkpointLsn;

    @Label("Last LSN")
    @Description("LSN of the last record replayed")
    long lastLsn;

    /** Ends the event and commits it with what {@code recovery} reports, if a recording wants it. */
    void report(Path dir, Recovery recovery) {
        end();
        if (shouldCommit()) {
            directory = dir.toString();
            recordsReplayed = recovery.recordsReplayed();
            tornBytes = recovery.tornBytes();
            checkpointFinished = recovery.checkpointFinished();
            checkpointLsn = recovery.checkpointLsn();
            lastLsn = recovery.lastLsn();
            commit();
        }
    }
}
