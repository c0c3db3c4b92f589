package io.bucketdb.engine;

import io.bucketdb.recovery.Checkpointer;
import io.bucketdb.spi.DurableIO;
import io.bucketdb.storage.PageChecksums;
import io.bucketdb.storage.PageChecksumsLayout;

import java.io.IOException;
import java.nio.file.Path;

/**
 * Where the writer's checkpoints stand, read from the files without a lock: the generation of the newest valid
 * table header, and the generations the two page checksum files claim. A checkpoint of generation {@code g}
 * rewrites checksum file {@code g % 2} (and forces it) before any page of the table file changes in place, and
 * installs its header last (see {@code Checkpointer} and {@link PageChecksumsLayout}). So between two equal marks
 * no checkpoint wrote the table file in place, and no journal segment was recycled (that waits for a header): what
 * a view copied and replayed between them is one moment of the writer. A mark whose checksum files claim a newer
 * generation than its header shows a checkpoint that began and has not installed its header: it runs, or a crash
 * cut it.
 *
 * @param headerGeneration the generation of the newest valid header slot, -1 if none is valid
 * @param checksumGeneration0 the generation checksum file 0 claims, -1 if it is missing or unreadable
 * @param checksumGeneration1 the generation checksum file 1 claims, -1 if it is missing or unreadable
 */
record CheckpointMark(long headerGeneration, long checksumGeneration0, long checksumGeneration1) {

    /** {@return whether a checkpoint began after the installed header and has not installed its own} */
    boolean checkpointUnfinished() {
        return Math.max(checksumGeneration0, checksumGeneration1) > headerGeneration;
    }

    /**
     * Reads the mark of the index in {@code dir}.
     *
     * @param io the durable I/O to read through
     * @param dir the index directory
     * @param tablePath its table file
     * @return the mark
     * @throws IOException if the table file cannot be read
     */
    static CheckpointMark read(DurableIO io, Path dir, Path tablePath) throws IOException {
        long best = Checkpointer.bestHeader(io, tablePath)[0];
        return new CheckpointMark(best, PageChecksums.claimedGeneration(io, PageChecksums.path(dir, 0)),
                PageChecksums.claimedGeneration(io, PageChecksums.path(dir, 1)));
    }
}
