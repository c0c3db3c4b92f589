package io.bucketdb.recovery;

import jdk.jfr.Category;
import jdk.jfr.DataAmount;
import jdk.jfr.Description;
import jdk.jfr.Event;
import jdk.jfr.Label;
import jdk.jfr.Name;
import jdk.jfr.StackTrace;

/**
 * JFR event: the I/O of one checkpoint ({@link Checkpointer.Checkpoint#run}), from the first force to
 * the new header slot, as its duration.
 */
@Name("io.bucketdb.Checkpoint")
@Label("Checkpoint")
@Category("BucketDB")
@Description("Dirty table pages written through the double-write file, in place, then the other header slot")
@StackTrace(false)
final class CheckpointEvent extends Event {
    @Label("Pages")
    @Description("Table pages written back")
    long pages;

    @Label("Bytes Written")
    @Description("Bytes written to the double-write, page-checksum and table files")
    @DataAmount
    long bytes;

    @Label("Background")
    @Description("Whether it ran on the checkpoint thread beside the writer (false: inline, the writer waited)")
    boolean background;

    @Label("Generation")
    @Description("Header generation this checkpoint installs")
    long generation;

    @Label("Checkpoint LSN")
    @Description("Journal LSN the checkpoint image covers")
    long checkpointLsn;
}
