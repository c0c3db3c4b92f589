/** The journal, checkpoints and replay on open. */
module io.bucketdb.recovery {
    requires transitive io.bucketdb.storage;
    requires jdk.jfr; // JFR events: journal forces, checkpoints
    exports io.bucketdb.recovery;
}
