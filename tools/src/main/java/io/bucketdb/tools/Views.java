package io.bucketdb.tools;

import io.bucketdb.BucketDB;
import io.bucketdb.Options;
import io.bucketdb.engine.StagedIndex;
import io.bucketdb.inspect.IndexInspector;
import io.bucketdb.spi.CorruptIndexException;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

/** Opens the read-only view every reading command reads through: no lock, nothing written to any file. */
final class Views {
    private Views() {
    }

    /**
     * A read-only open of {@code dir}.
     *
     * @throws IOException if {@code dir} holds no index or cannot be read
     */
    static BucketDB open(Path dir) throws IOException {
        return BucketDB.open(dir, Options.defaults().withReadOnly(true));
    }

    /**
     * Opens the checkpoint image of {@code dir} for the commands that read it directly (stat, dump, verify, export, backup).
     * A compaction killed between its two renames leaves no index at {@code dir} and the old one beside it: the inspector
     * says "no such directory", which sends the user looking for a lost index; this says what happened and what finishes
     * it, as the read-only open does for get and scan.
     *
     * @throws IOException if {@code dir} holds no index or cannot be read
     */
    static IndexInspector inspect(Path dir) throws IOException {
        if (StagedIndex.interrupted(dir)) {
            throw new CliException(Exit.IO, "no index in " + dir + ": a compaction was interrupted between its renames (the old index "
                    + "is in " + StagedIndex.retired(dir).getFileName() + "); 'bucketdb recover " + dir + "' or 'bucketdb compact " + dir
                    + "' finishes it");
        }
        return IndexInspector.open(dir);
    }

    /** What a command reads from the checkpoint image: an {@link IndexInspector} in, a result out. */
    @FunctionalInterface
    interface ImageRead<T> {
        T read(IndexInspector in) throws IOException;
    }

    /**
     * How long a command rereads images that a live writer keeps replacing before it believes their damage: the
     * read-only view's own patience. A fixed count of rereads was not enough: beside a writer that checkpoints
     * every few milliseconds, three back-to-back reads of a table of a few MB each overlapped a checkpoint, and
     * verify reported the pages being written in place as damage (exit 1).
     */
    static final Duration PATIENCE = Duration.ofSeconds(60);

    /**
     * Runs {@code read} on the checkpoint image of {@code dir}, again on a new image when it finds damage while a writer
     * installed a newer header meanwhile ({@link IndexInspector#changedOnDisk()}). The header and the journal are read at
     * two moments: a checkpoint or a close between them starts the journal after the new checkpoint, and the old
     * header's LSN then looks like records missing from the journal. {@code stat} beside a live writer said "the index is
     * damaged" for that (exit 3). An I/O error of the read ({@link UncheckedIOException}) is retried the same way: a page
     * written in place while it was read is one.
     *
     * @throws IOException the damage, if the image stayed the same or the images kept changing for {@link #PATIENCE}
     */
    static <T> T consistent(Path dir, ImageRead<T> read) throws IOException {
        Rereads rereads = new Rereads(dir);
        int damagedOpens = 0;
        while (true) {
            IndexInspector in;
            try {
                in = inspect(dir);
            } catch (CorruptIndexException e) {
                // The open itself read a torn moment (a piece directory being written in place): no inspector to ask
                // whether the image changed, so only while a writer holds the index, and a few times, as the view does.
                if (++damagedOpens > DAMAGED_OPENS || BucketDB.writerLockHolder(dir).isEmpty() || !rereads.another()) {
                    throw e;
                }
                continue;
            }
            try (in) {
                try {
                    return read.read(in);
                } catch (CorruptIndexException | UncheckedIOException e) {
                    // Damage, or a page that changed under the read in a way no newer checksum file explains yet
                    // (VerifiedPages: a writer checkpointing in place right then): beside a writer that installed a
                    // newer image meanwhile, both are its doing. stat failed with exit 4 beside a busy writer for this.
                    if (!in.changedOnDisk() || !rereads.another()) {
                        throw e;
                    }
                }
            }
        }
    }

    /** Opens of the image that found damage beside a live writer, at most, before it is believed. */
    private static final int DAMAGED_OPENS = 6;

    /**
     * The rereads of one command: each after a pause that doubles up to 50 ms (a checkpoint in progress is still in
     * progress right after it was seen), none once {@link #PATIENCE} has passed. Only a live writer keeps changing the
     * image: without one (a checkpoint a crash interrupted also looks like a change, its batch in the double-write
     * file), {@link #ATTEMPTS} reads in all, as before, so a dead writer's index is judged at once.
     */
    static final class Rereads {
        private final Path dir;
        private final long deadline = System.nanoTime() + PATIENCE.toNanos();
        private int count;

        Rereads(Path dir) {
            this.dir = dir;
        }

        /**
         * Waits before another read; false if the patience is spent.
         *
         * @throws IOException if the lock file cannot be read
         */
        boolean another() throws IOException {
            if (System.nanoTime() > deadline || count + 1 >= ATTEMPTS && BucketDB.writerLockHolder(dir).isEmpty()) {
                return false;
            }
            count++;
            LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(Math.min(50, 1L << Math.min(count, 6))));
            return true;
        }
    }

    /** Reads of an image, at most, when no writer holds the index. */
    static final int ATTEMPTS = 3;

    /**
     * For the commands that read the checkpoint image and show the view beside it ({@code stat}, {@code dump},
     * {@code verify}): a view that may fail to open (damage the image check reports in its own words).
     */
    static Attempt attempt(Path dir) {
        try {
            return new Attempt(dir, open(dir), null);
        } catch (IOException | RuntimeException e) {
            return new Attempt(dir, null, e);
        }
    }

    /**
     * A read-only open of {@code dir} that succeeded ({@code view}) or failed ({@code failure}).
     *
     * @param dir     the index directory
     * @param view    the view, or null
     * @param failure why it could not be opened, or null
     */
    record Attempt(Path dir, BucketDB view, Exception failure) implements AutoCloseable {
        /**
         * Prints the {@link ViewLine}, or the one line that says why there is no view. Commands call it once
         * their input is checked and the image is read, just before their output: bad input and damage that
         * stop the command then stay one line on stderr.
         *
         * @throws IOException if the lock file cannot be read
         */
        void say(PrintWriter err, String command) throws IOException {
            if (view != null) {
                ViewLine.print(err, dir, view);
            } else {
                err.println(command + ": the read-only view of " + dir + " cannot be opened (" + failure.getMessage()
                        + "): showing the checkpoint image only; run 'bucketdb verify " + dir + "'");
            }
            err.flush();
        }

        @Override
        public void close() throws IOException {
            if (view != null) {
                view.close();
            }
        }
    }
}
