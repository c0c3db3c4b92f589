package io.bucketdb.engine;

import io.bucketdb.pipeline.WritePipeline;
import io.bucketdb.recovery.Checkpointer;
import io.bucketdb.storage.TableFile;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;

/**
 * How an index closes, in order: the timer stops, the write pipeline drains (so the closing thread owns the table
 * from then on), a clean checkpoint is taken unless the index failed, the journal and the double-write area are
 * trimmed to what the next open needs, the table file closes, the lock is released last. Runs once; a second call
 * waits for the first and returns. Its monitor is the only lock of an index, and only close takes it.
 */
public final class CloseSequence {
    private final Path dir;
    /** Null for a read-only view, as are the scheduler, journal and checkpointer. */
    private final WritePipeline pipeline;
    private final CheckpointScheduler scheduler;
    private final JournalingStage journal;
    private final Checkpointer checkpointer;
    /** Null for a read-only view, and for an index that borrows its caller's lock. */
    private final AutoCloseable lock;
    /** Set once, by the first close; every call on the index checks it. */
    private volatile boolean closed;
    /** The view of a read-only open, else null: its close and its refreshes take the view's monitor. */
    private final ReadOnlyView view;

    /**
     * The close of a writable index.
     *
     * @param dir          the index directory, named in errors
     * @param pipeline     its write pipeline
     * @param scheduler    its checkpoint scheduler
     * @param journal      the journal's one writer
     * @param checkpointer its checkpointer
     * @param lock         the writer lock to release last
     */
    public CloseSequence(Path dir, WritePipeline pipeline, CheckpointScheduler scheduler, JournalingStage journal,
                         Checkpointer checkpointer, AutoCloseable lock) {
        this.dir = dir;
        this.pipeline = pipeline;
        this.scheduler = scheduler;
        this.journal = journal;
        this.checkpointer = checkpointer;
        this.lock = lock;
        this.view = null;
    }

    private CloseSequence(Path dir, ReadOnlyView view) {
        this.dir = dir;
        this.pipeline = null;
        this.scheduler = null;
        this.journal = null;
        this.checkpointer = null;
        this.lock = null;
        this.view = view;
    }

    /**
     * The close of a read-only view: only the table file of the image it shows when it closes.
     *
     * @param dir  the index directory
     * @param view the view
     * @return the sequence
     */
    public static CloseSequence ofView(Path dir, ReadOnlyView view) {
        return new CloseSequence(dir, view);
    }

    /**
     * Refreshes the read-only view unless the index is closed. Under the view's monitor, as its close is: a close on
     * another thread waits for a refresh in progress (which replays into the table the close frees, and may replace
     * the image whose file the close must close), and a refresh that comes after it is refused.
     *
     * @return the journal records the view moved forward by
     * @throws IllegalStateException if the index is closed
     * @throws IOException           if the refresh fails
     */
    public long refreshView() throws IOException {
        synchronized (view) {
            checkOpen();
            return view.refresh();
        }
    }

    /** Throws {@link IllegalStateException} once the index is closed (or closing); a volatile read. */
    public void checkOpen() {
        if (closed) {
            throw new IllegalStateException("index " + dir + " is closed");
        }
    }

    /**
     * Closes; see {@code BucketDB.close()} for what the caller is told.
     *
     * @param file the table file the index shows now
     * @throws IOException if the checkpoint at close fails, or a failure no call has reported yet happened before
     */
    public void run(TableFile file) throws IOException {
        if (view != null) {
            synchronized (view) { // see refreshView; the file is the one of the image the view shows now
                runOnce(view.image().file());
            }
            return;
        }
        if (pipeline != null) {
            // Before any effect and before the monitor: refused, a close from inside leaves the index as it was (and
            // does not wait for a close in progress, which waits for this very action to end).
            pipeline.requireCloseAllowedHere();
        }
        runOnce(file);
    }

    private synchronized void runOnce(TableFile file) throws IOException {
        if (closed) {
            return;
        }
        closed = true;
        if (scheduler != null) {
            scheduler.stopTimer();
        }
        if (pipeline != null) {
            // Drains: everything published before this is applied and acknowledged (or failed), and
            // the background thread ends, so this thread owns the table from here on.
            pipeline.close();
        }
        Throwable failed = pipeline == null ? null : pipeline.failure();
        IOException error = null;
        long cleanLsn = -1;
        try {
            if (journal != null && failed == null) {
                scheduler.checkpointNow(true); // waits for a running checkpoint first
                cleanLsn = journal.lastLsn();
            } else if (scheduler != null) {
                scheduler.finishRunningIfAny();
            }
        } catch (IOException | UncheckedIOException e) {
            error = e instanceof UncheckedIOException u ? u.getCause() : (IOException) e;
        } catch (RuntimeException e) {
            error = new IOException("checkpoint at close failed", e);
        }
        try {
            // After the clean checkpoint (its header forced) the journal before it and the double-write
            // batch's pages are never read again: drop them, so the next open reads no frame the
            // checkpoint covers and the directory keeps no spare bytes (the batch's header image stays,
            // to repair a damaged header slot). Every step is crash-safe on its own (see
            // JournalWriter.closeAfterCheckpoint and Checkpointer.closeTrimmed).
            boolean clean = failed == null && error == null;
            try {
                if (journal != null) {
                    if (clean) {
                        journal.closeAfterCheckpoint(cleanLsn);
                    } else {
                        // Writes nothing: after a failure the buffer holds only records no caller was told
                        // succeeded, and the growth markers of a batch that was rolled back, which replay
                        // could not explain.
                        IndexOpener.closeQuietly(journal::abandon, error != null ? error : failed);
                    }
                }
            } finally {
                try {
                    if (checkpointer != null) {
                        if (clean) {
                            checkpointer.closeTrimmed();
                        } else {
                            checkpointer.close();
                        }
                    }
                } finally {
                    if (clean && journal != null) {
                        file.closeAndTrim();
                    } else {
                        file.close();
                    }
                }
            }
        } finally {
            if (lock != null) {
                try {
                    lock.close();
                } catch (IOException | RuntimeException e) {
                    throw e;
                } catch (Exception e) {
                    throw new IOException(e);
                }
            }
        }
        if (error != null) {
            throw error;
        }
        if (failed != null && !pipeline.failureReported()) {
            // A failure no caller has seen: one in the checkpoint or journal work after the last batch
            // fails no call of that batch (its writes were forced and acknowledged). One a call already
            // reported is not thrown again here (it would only shadow the caller's own handling).
            throw new IOException("index " + dir + " failed before close (" + failed + "): no write after the failure "
                    + "was acknowledged and no checkpoint was taken at close; the next open recovers from the journal", failed);
        }
    }
}
