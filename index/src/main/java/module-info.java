/**
 * The hash table, the public API {@code io.bucketdb.BucketDB}, the write pipeline and readers.
 *
 * <p>The API is {@code io.bucketdb}, exported to everyone. The table ({@code io.bucketdb.table}) and the write
 * pipeline ({@code io.bucketdb.pipeline}) stay hidden; the file inspector and the hash, which the
 * {@code bucketdb} tool needs, are exported to it alone. {@code ModuleExportsTest} lists what each module exports,
 * so a new export is a deliberate change.
 */
module io.bucketdb.index {
    requires transitive io.bucketdb.storage;
    requires transitive io.bucketdb.recovery; // JournalOptions appears in Options
    requires com.lmax.disruptor;
    requires jdk.jfr; // JFR events: growth, evacuation, recovery on open
    exports io.bucketdb;
    exports io.bucketdb.hash to io.bucketdb.tools;
    exports io.bucketdb.inspect to io.bucketdb.tools;
}
