/**
 * The journal, checkpoints and replay on open.
 *
 * <p>Exported to everyone: {@code io.bucketdb.recovery}, because {@link io.bucketdb.recovery.JournalOptions}
 * is part of the public API ({@code Options.withJournal} takes it). It is the module's only package.
 */
module io.bucketdb.recovery {
    requires transitive io.bucketdb.storage;
    requires jdk.jfr; // JFR events: journal forces, checkpoints
    exports io.bucketdb.recovery;
}
