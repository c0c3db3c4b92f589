package io.bucketdb.bench.durability;

import io.bucketdb.storage.IndexFileNames;

import java.nio.file.Path;

/** Which of an index's files a write went to, told apart by name as BucketDB names them. */
enum FileKind {
    /** {@code journal-*.log} (and a spare while it is renamed back into use). */
    JOURNAL,
    /** {@code table.bdb}, and {@code table.bdb.new} while a new index is created. */
    TABLE,
    /** {@code doublewrite.bdb}: every checkpoint writes its pages here first. */
    DOUBLEWRITE,
    /** Anything else (nothing today); counted so that no byte goes unreported. */
    OTHER;

    static FileKind of(Path file) {
        String name = file.getFileName().toString();
        if (IndexFileNames.isJournal(name)) {
            return JOURNAL;
        }
        if (name.startsWith(IndexFileNames.TABLE)) {
            return TABLE;
        }
        if (name.equals(IndexFileNames.DOUBLE_WRITE)) {
            return DOUBLEWRITE;
        }
        return OTHER;
    }
}
