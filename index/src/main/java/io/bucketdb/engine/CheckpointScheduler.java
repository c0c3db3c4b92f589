package io.bucketdb.engine;

import io.bucketdb.Durability;
import io.bucketdb.Options;
import io.bucketdb.pipeline.WritePipeline;
import io.bucketdb.recovery.Checkpointer;
import io.bucketdb.storage.ExtentClasses;
import io.bucketdb.storage.NativeFileOps;
import io.bucketdb.storage.SnapshotCopyBlocks;
import io.bucketdb.storage.TableFile;

import java.io.IOException;
import java.nio.file.Path;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * When a writable index checkpoints: after a group of writes when dirty pages or the journal passed their limits
 * ({@link #afterBatch}), on the interval from its timer thread ({@link #onTimer}, which also runs the {@code ASYNC}
 * force itself, beside the writer role), on
 * request and at close. A checkpoint runs in place or, with {@code Options.withCheckpointsInBackground}, begins in
 * the writer role and writes its pages on a thread of its own, which a later {@link #afterBatch} finishes.
 *
 * <p>Threading: every method but {@link #onTimer} runs in the writer role (a leading caller or the
 * {@code bucketdb-background} thread, one at a time, ordered by the role), or on the closing thread once the
 * pipeline has drained; so the fields need no lock. The timer thread forces the journal beside the role (the journal
 * makes that safe, also against a close racing it) and otherwise only asks the role holder to act; so does the
 * checkpoint thread, which forces the journal through its checkpoint's LSN before it writes.
 */
public final class CheckpointScheduler implements WritePipeline.BatchListener {
    /** Blocks of writer copies are asked for in steps of this many. */
    private static final int COPY_BLOCK_STEP = 16;
    private final Path dir;
    private final TableFile file;
    private final Checkpointer checkpointer;
    private final JournalingStage journal;
    private final Options options;
    private final ScheduledExecutorService timer;
    /**
     * The writer lock, never used here: held so that it stays reachable from the timer and background threads
     * (which reach this scheduler) for as long as they run. An index abandoned without close() must keep its lock;
     * were the lock unreachable, the GC would close its file channel and so release the OS lock (and leave a stale
     * entry among the locks this process holds) while those threads still write the index.
     */
    private final AutoCloseable lock;
    private WritePipeline pipeline;
    private volatile boolean stopped;
    private long journalBytesAtCheckpoint;
    private long lastCheckpointNanos = System.nanoTime();
    private long checkpoints;
    /** The checkpoint running on the checkpoint thread, and its outcome; null when none runs. */
    private Checkpointer.Checkpoint running;
    private CompletableFuture<Checkpointer.Result> runningResult;

    /**
     * A scheduler for the index in {@code dir}; {@link #start} starts its timer.
     *
     * @param dir          the index directory (names the threads)
     * @param file         the table file
     * @param checkpointer writes the checkpoints
     * @param journal      the journal's one writer
     * @param options      the triggers, the interval and the durability mode
     * @param lock         the index's writer lock, kept reachable (see the field)
     */
    public CheckpointScheduler(Path dir, TableFile file, Checkpointer checkpointer, JournalingStage journal, Options options,
                               AutoCloseable lock) {
        this.dir = dir;
        this.file = file;
        this.checkpointer = checkpointer;
        this.journal = journal;
        this.options = options;
        this.lock = lock;
        this.timer = Executors.newSingleThreadScheduledExecutor(r -> {
            // SCHED_BATCH: the ASYNC force, woken at each page its msync waits for, never preempts the writer's core
            Thread t = new Thread(() -> {
                NativeFileOps.batchCurrentThread();
                r.run();
            }, "bucketdb-timer " + dir.getFileName());
            t.setDaemon(true);
            return t;
        });
    }

    /**
     * Starts the timer, which runs the ASYNC force and asks {@code pipeline}'s role holder for the interval checkpoint.
     *
     * @param pipeline the pipeline whose batches this scheduler follows
     */
    public void start(WritePipeline pipeline) {
        this.pipeline = pipeline;
        long tick = Math.max(1, Math.min(options.checkpointInterval().toMillis(),
                options.durability() == Durability.ASYNC ? options.asyncForceInterval().toMillis() : 1000));
        timer.scheduleWithFixedDelay(this::onTimer, tick, tick, TimeUnit.MILLISECONDS);
    }

    /**
     * Stops the timer. Not shutdownNow(): a tick may be leading a group of writes, and interrupting it during the
     * journal's I/O would close the journal's channel. Closing the pipeline afterwards waits for that group.
     */
    void stopTimer() {
        stopped = true;
        timer.shutdown();
    }

    /**
     * Writer role, after every batch: finishes a background checkpoint that has ended, and checks the dirty-page
     * and journal-size triggers. While a checkpoint runs, pages dirtied meanwhile are bounded too: past twice the
     * dirty limit the writer waits for it.
     *
     * @throws IOException if a checkpoint fails (the pipeline then turns read-only)
     */
    @Override
    public void afterBatch() throws IOException {
        long dirtyBytes = file.dirty().count() * (long) ExtentClasses.PAGE_SIZE;
        if (running != null && (runningResult.isDone() || dirtyBytes > 2 * options.dirtyLimitBytes())) {
            finishRunning();
        }
        if (running == null && (dirtyBytes > options.dirtyLimitBytes()
                || journal.bytesAppended() - journalBytesAtCheckpoint > options.journalLimitBytes())) {
            if (options.checkpointsInBackground()) {
                startBackgroundCheckpoint();
            } else {
                checkpointNow(false);
            }
        }
        if (options.checkpointsInBackground()) {
            askForCopyBlocks(file.dirty().count());
        }
    }

    /**
     * Writer role: once half of a trigger is reached, asks for blocks for the writer's page copies during the coming
     * checkpoint, made on their own thread (issue 16, {@code tailcopy}: a block the writer made itself held its put
     * about a millisecond). As many as the dirty pages would fill (a checkpoint's writer copies are at most its dirty
     * pages), in steps of {@link #COPY_BLOCK_STEP} so the filler is woken rarely, at most a quarter of the dirty limit
     * (one block at the least, so that small indexes, the crash tests' among them, use pooled blocks too) and at most
     * the pool's bound. They are kept while the index is open: at most 256 MiB, freed by the close.
     */
    private void askForCopyBlocks(long dirtyPages) {
        long dirtyBytes = dirtyPages * ExtentClasses.PAGE_SIZE;
        if (dirtyBytes <= options.dirtyLimitBytes() / 2
                && journal.bytesAppended() - journalBytesAtCheckpoint <= options.journalLimitBytes() / 2) {
            return;
        }
        long blocks = (dirtyBytes + SnapshotCopyBlocks.BLOCK_BYTES - 1) / SnapshotCopyBlocks.BLOCK_BYTES;
        blocks = (blocks + COPY_BLOCK_STEP - 1) / COPY_BLOCK_STEP * COPY_BLOCK_STEP;
        long cap = Math.max(1, options.dirtyLimitBytes() / 4 / SnapshotCopyBlocks.BLOCK_BYTES);
        checkpointer.copyBlocks().want((int) Math.min(blocks, cap));
    }

    /**
     * Writer role (or the closing thread once the pipeline drained): a checkpoint now, waiting for a running one
     * first.
     *
     * @param clean whether it is the clean checkpoint of a close
     * @throws IOException if the journal's force or the checkpoint fails
     */
    public void checkpointNow(boolean clean) throws IOException {
        if (running != null) {
            finishRunning();
        }
        journal.force();
        long lsn = journal.lastLsn();
        checkpointer.checkpoint(file, lsn, clean);
        journalBytesAtCheckpoint = journal.bytesAppended();
        lastCheckpointNanos = System.nanoTime();
        checkpointDone(lsn);
    }

    /**
     * Writer role: begins a checkpoint at the last LSN and runs its I/O on the checkpoint thread; {@link #afterBatch}
     * finishes it. The role only writes the journal through that LSN: the checkpoint thread forces it before it
     * writes anything that names the LSN (issue 16: on the role, that force waited behind the device's queue of
     * checkpoint writes). A failed force fails the checkpoint and the journal, so the index turns read-only.
     */
    private void startBackgroundCheckpoint() throws IOException {
        journal.write();
        Checkpointer.Checkpoint c = checkpointer.begin(file, journal.lastLsn(), false, journal::forceThrough);
        running = c;
        // Set now so the triggers do not fire again for what this checkpoint covers.
        journalBytesAtCheckpoint = journal.bytesAppended();
        lastCheckpointNanos = System.nanoTime();
        CompletableFuture<Checkpointer.Result> result = new CompletableFuture<>();
        runningResult = result;
        // A thread per checkpoint (seconds apart at the least) rather than a pool: nothing idles between them,
        // and an index abandoned without close() leaves no thread behind.
        Thread.ofPlatform().daemon().name("bucketdb-checkpoint " + dir.getFileName()).start(() -> {
            try {
                result.complete(c.run());
            } catch (Throwable t) {
                result.completeExceptionally(t);
            }
        });
    }

    /** Closing thread, after a failure: waits for a checkpoint still running on its thread (and throws its failure). */
    void finishRunningIfAny() throws IOException {
        if (running != null) {
            finishRunning();
        }
    }

    /**
     * Writer role: waits for the running checkpoint, then makes its header the live one and recycles the journal
     * it covers, or, if it failed, ends it and throws its failure (the pipeline then turns read-only; the next
     * open recovers from the journal, which was not recycled).
     */
    private void finishRunning() throws IOException {
        Checkpointer.Checkpoint c = running;
        running = null;
        try {
            runningResult.join();
        } catch (CompletionException e) {
            c.abandon();
            Throwable cause = e.getCause();
            if (cause instanceof IOException io) {
                throw io;
            }
            throw cause instanceof RuntimeException r ? r : new IllegalStateException("checkpoint failed", cause);
        } finally {
            runningResult = null;
        }
        c.finish();
        checkpointDone(c.checkpointLsn());
    }

    private void checkpointDone(long lsn) throws IOException {
        journal.recycleBelow(lsn);
        checkpoints++;
    }

    /** {@return the checkpoints written since open (writer role)} */
    public long checkpoints() {
        return checkpoints;
    }

    /**
     * Timer thread: the ASYNC force, here beside the writer role (writers do not wait behind its fsync), then asks the
     * role for the interval checkpoint; never blocks on the role.
     */
    private void onTimer() {
        if (stopped || pipeline.isReadOnly()) {
            return;
        }
        if (options.durability() == Durability.ASYNC) {
            try {
                journal.forceWritten();
            } catch (IOException | RuntimeException e) {
                // A failed fsync is never retried: the journal stays failed, the role's next write throws, and
                // the index turns read-only here at once (the next open recovers from what is on disk).
                pipeline.fail(e);
                return;
            }
        }
        try {
            pipeline.runOnWriter(() -> {
                try {
                    if (running != null && runningResult.isDone()) {
                        finishRunning();
                    }
                    if (running == null && System.nanoTime() - lastCheckpointNanos > options.checkpointInterval().toNanos()
                            && file.dirty().count() > 0) {
                        if (options.checkpointsInBackground()) {
                            startBackgroundCheckpoint();
                        } else {
                            checkpointNow(false);
                        }
                    }
                } catch (IOException | RuntimeException e) {
                    pipeline.fail(e);
                }
                return null;
            });
        } catch (IllegalStateException closing) {
            // close() began meanwhile: it checkpoints itself.
        } catch (RejectedExecutionException ringFull) {
            // The ring stayed full for the publish timeout: the writer role is busy with writes. This tick's force
            // and checkpoint check wait for the next tick. It must not escape: an exception thrown out of a
            // scheduled task cancels every later run, and ASYNC would never force again.
        } catch (RuntimeException | Error unexpected) {
            // Anything else would cancel the timer as silently; fail the index instead, so callers hear of it.
            pipeline.fail(unexpected);
        }
    }
}
