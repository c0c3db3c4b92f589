package io.bucketdb.engine;

import io.bucketdb.Recovery;

import jdk.jfr.Category;
import jdk.jfr.DataAmount;
import jdk.jfr.Description;
import jdk.jfr.Event;
import jdk.jfr.Label;
import jdk.jfr.Name;
import jdk.jfr.StackTrace;
import jdk.jfr.Timespan;

/**
 * JFR event: opening an existing index for writing, from finishing an interrupted checkpoint through
 * replaying the journal and ending the recovery; its fields are those of {@link Recovery}, and where the time
 * went: the open's phases in order (docs/DESIGN.md, "Open: finish, replay, and end the recovery"), which add up
 * to the event's duration but for the few checks between them. (Issue 16: a fresh JVM's open after 1M
 * journaled puts is mostly the replay, so it is the phase to look at first.) {@link RecoveryPhases} times the phases
 * and creates this event only while Flight Recorder is up.
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

    @Label("Finishing")
    @Description("Finishing a checkpoint a crash interrupted: reading the double-write file, and writing its pages if complete")
    @Timespan(Timespan.NANOSECONDS)
    long finishing;

    @Label("Table Opening")
    @Description("Opening and mapping the table file, loading the page checksums, opening the table")
    @Timespan(Timespan.NANOSECONDS)
    long tableOpening;

    @Label("Replaying")
    @Description("Reading the journal after the checkpoint and applying it to the table")
    @Timespan(Timespan.NANOSECONDS)
    long replaying;

    @Label("Ending Checkpoint")
    @Description("The checkpoint that ends a recovery (or, after a clean close, the one that marks the index open)")
    @Timespan(Timespan.NANOSECONDS)
    long endingCheckpoint;

    @Label("Journal Opening")
    @Description("Opening the journal for appending: a fresh segment after a recovery")
    @Timespan(Timespan.NANOSECONDS)
    long journalOpening;

    @Label("Pages Written")
    @Description("Table pages the ending checkpoint wrote (each to the double-write file, then in place)")
    long pagesWritten;
}
