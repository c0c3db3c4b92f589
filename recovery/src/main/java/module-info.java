/**
 * The journal, checkpoints and replay on open.
 *
 * <p>Its one package, {@code io.bucketdb.recovery}, is exported by name to the BucketDB modules that build on it:
 * nothing of it is part of the public API ({@code Options} holds the journal's settings itself).
 */
module io.bucketdb.recovery {
    requires transitive io.bucketdb.storage;
    requires jdk.jfr; // JFR events: journal forces, checkpoints
    exports io.bucketdb.recovery to io.bucketdb.index, io.bucketdb.tools;
}
