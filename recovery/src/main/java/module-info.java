/** The journal, checkpoints and replay on open. */
module io.bucketdb.recovery {
    requires transitive io.bucketdb.storage;
    exports io.bucketdb.recovery;
}
