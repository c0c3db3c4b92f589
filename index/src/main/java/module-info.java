/**
 * The hash table, the public API {@code io.bucketdb.BucketDB}, the write pipeline and readers.
 *
 * <p>The API is {@code io.bucketdb}, exported to everyone, with storage's {@code io.bucketdb.spi} (what users plug
 * in), which the API names. The table ({@code io.bucketdb.table}), the write pipeline ({@code io.bucketdb.pipeline})
 * and the hash stay hidden; the file inspector and the engine ({@code StagedIndex}), which the {@code bucketdb} tool
 * needs, are exported to it alone.
 * Storage and recovery export their internals to this module by name, so a user reads neither.
 * {@code ModuleExportsTest} lists what each module exports, so a new export is a deliberate change.
 */
module io.bucketdb.index {
    requires transitive io.bucketdb.storage; // its io.bucketdb.spi (DurableIO, CorruptIndexException) is in the API
    requires io.bucketdb.recovery;
    requires com.lmax.disruptor;
    requires jdk.jfr; // JFR events: growth, evacuation, recovery on open
    exports io.bucketdb;
    exports io.bucketdb.engine to io.bucketdb.tools; // StagedIndex: compact, import and backup build beside DIR
    exports io.bucketdb.inspect to io.bucketdb.tools;
}
