package io.bucketdb.recovery;

import jdk.jfr.Category;
import jdk.jfr.DataAmount;
import jdk.jfr.Description;
import jdk.jfr.Event;
import jdk.jfr.Label;
import jdk.jfr.Name;
import jdk.jfr.StackTrace;

/**
 * JFR event: one force of a journal segment by {@link JournalWriter#sync()} (the group commit's force),
 * its duration the force's. Written only when a recording enables it; the writer checks
 * {@link #shouldCommit()} before it fills the fields.
 */
@Name("io.bucketdb.JournalForce")
@Label("Journal Force")
@Category("BucketDB")
@Description("The journal writer forced a segment to stable storage: one force per group-committed batch")
@StackTrace(false)
final class JournalForceEvent extends Event {
    @Label("Bytes")
    @Description("Bytes of journal frames appended since the previous force")
    @DataAmount
    long bytes;

    @Label("Records")
    @Description("Journal records made durable by this force")
    long records;

    @Label("Durable LSN")
    @Description("LSN of the last record this force covers")
    long durableLsn;
}
