/** The hash table, the public API {@code io.bucketdb.BucketDB}, the write pipeline and readers. */
module io.bucketdb.index {
    requires transitive io.bucketdb.storage;
    requires io.bucketdb.recovery;
    requires com.lmax.disruptor;
    requires jdk.jfr; // JFR events: growth, evacuation, recovery on open
    exports io.bucketdb;
    exports io.bucketdb.hash;
    exports io.bucketdb.inspect;
}
