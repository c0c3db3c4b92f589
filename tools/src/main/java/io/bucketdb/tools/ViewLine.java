package io.bucketdb.tools;

import io.bucketdb.BucketDB;
import io.bucketdb.Recovery;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.Optional;

/**
 * The line every reading command prints on stderr before its output: which moment of the index it shows
 * (the LSN of its read-only view: the checkpoint plus the journal records replayed after it) and whether a
 * writer holds the index, whose later writes the output then does not show. On stderr, so that the output
 * itself stays machine-readable.
 */
final class ViewLine {
    private ViewLine() {
    }

    /**
     * Prints the line for {@code view}, a read-only open of {@code dir}.
     *
     * @param err  where the line goes
     * @param dir  the index directory
     * @param view the read-only view the command reads
     * @throws IOException if the lock file cannot be read
     */
    static void print(PrintWriter err, Path dir, BucketDB view) throws IOException {
        err.println(describe(dir, view.lsn(), view.recovery(), BucketDB.writerLockHolder(dir)));
    }

    static String describe(Path dir, long lsn, Recovery replay, Optional<String> writer) {
        return "bucketdb: " + dir + " as of LSN " + lsn + " (checkpoint LSN " + replay.checkpointLsn() + " + "
                + Text.count(replay.recordsReplayed()) + " journal records replayed); "
                + writer.map(w -> "a writer holds it (" + w + "): writes after this moment are not shown")
                        .orElse("no writer holds it");
    }
}
