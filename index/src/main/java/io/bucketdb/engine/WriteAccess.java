package io.bucketdb.engine;

import io.bucketdb.WriteBatch;
import io.bucketdb.pipeline.BatchSizeHistogram;
import io.bucketdb.pipeline.BulkFlush;
import io.bucketdb.pipeline.WritePipeline;
import io.bucketdb.table.HashTable;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletionException;
import java.util.function.Supplier;

/**
 * The writes of an index as {@code BucketDB} offers them: refused on a closed, read-only or failed index (with the
 * index named), then handed to the write pipeline, which checks the key and value ({@link EntryChecks}) and
 * journals and applies them; blocking writes turn an {@link IOException} into an {@link UncheckedIOException}.
 * Also the writer-role tasks (checkpoints, counters, statistics) and the map view's atomic operations, whose
 * writes happen inside the role they hold. For a read-only view the pipeline is null: every write is refused and
 * a task runs on the caller's thread.
 */
public final class WriteAccess {
    private final Path dir;
    private final CloseSequence closing;
    private final WritePipeline pipeline;
    private final JournalingStage journal;
    private final CheckpointScheduler scheduler;
    private final EntryChecks checks;
    /** The writer's table, for the map view's writes in the role (never replaced: only a view's table is). */
    private final HashTable table;
    /**
     * True while a function a map view's atomic operation was given runs; read and written only in the writer role.
     * The index's, not a view's: a function that writes through another view of the same index (or the same one)
     * changes the map it was called from all the same, and is refused.
     */
    private boolean inMapFunction;

    WriteAccess(Path dir, CloseSequence closing, WritePipeline pipeline, JournalingStage journal, CheckpointScheduler scheduler,
                EntryChecks checks, HashTable table) {
        this.dir = dir;
        this.closing = closing;
        this.pipeline = pipeline;
        this.journal = journal;
        this.scheduler = scheduler;
        this.checks = checks;
        this.table = table;
    }

    /** Throws unless the index is open for writing and has not failed. */
    private WritePipeline writable() {
        closing.checkOpen();
        if (pipeline == null) {
            throw new IllegalStateException("index " + dir + " is open read-only");
        }
        Throwable f = pipeline.failure();
        if (f != null) {
            pipeline.reportFailure();
            throw new IllegalStateException("index " + dir + " is read-only after an I/O failure (reopen to recover): " + f, f);
        }
        return pipeline;
    }

    /**
     * Puts and waits; allocates nothing.
     *
     * @param key   the key
     * @param value the value
     * @return true if the key was new
     */
    public boolean putLong(long key, long value) {
        try {
            return writable().putLong(key, value);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * Deletes and waits; allocates nothing.
     *
     * @param key the key
     * @return true if it was present
     */
    public boolean deleteLong(long key) {
        try {
            return writable().deleteLong(key);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * Puts and waits.
     *
     * @param key   the key
     * @param value the value
     * @return true if the key was new
     */
    public boolean put(byte[] key, byte[] value) {
        try {
            return writable().put(key, value);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * Deletes and waits.
     *
     * @param key the key
     * @return true if it was present
     */
    public boolean delete(byte[] key) {
        try {
            return writable().delete(key);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * Puts entries {@code from .. to-1} of a bulk flush (checked by the caller) and waits; see
     * {@link BulkFlush#putAll}.
     *
     * @param flush the entries
     * @param from  the first entry
     * @param to    the entry after the last
     * @return the keys that were new
     */
    public long putAll(BulkFlush flush, int from, int to) {
        try {
            return flush.putAll(writable(), from, to);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * Applies a batch, all or nothing, and waits.
     *
     * @param batch the operations
     */
    public void write(WriteBatch batch) {
        try {
            writable().write(batch);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * {@return the writable pipeline, for the asynchronous writes (which throw nothing checked)}
     */
    public WritePipeline async() {
        return writable();
    }

    /**
     * Writes a checkpoint now, in the writer role; a failure of it turns the index read-only and reaches the caller.
     */
    public void checkpoint() {
        writable();
        run(() -> {
            Throwable failed = pipeline.failure();
            if (failed != null) {
                pipeline.reportFailure();
                throw new IllegalStateException("index " + dir + " is read-only after an I/O failure (reopen to recover): " + failed, failed);
            }
            try {
                scheduler.checkpointNow(false);
            } catch (IOException | RuntimeException e) {
                pipeline.fail(e);
                pipeline.reportFailure(); // the caller gets it
                throw e;
            }
            return null;
        });
    }

    /** {@return the checkpoints written since open (0 for a read-only view)} */
    public long checkpoints() {
        return pipeline == null ? 0 : run(scheduler::checkpoints);
    }

    /** {@return the group-commit sizes so far, or null for a read-only view} */
    public BatchSizeHistogram batchSizes() {
        return pipeline == null ? null : pipeline.batchSizes();
    }

    /**
     * Runs {@code task} in the writer role (or here, for a read-only open) and returns its result.
     *
     * @param task the task
     * @param <T>  its result
     * @return what it returned
     */
    public <T> T run(Callable<T> task) {
        if (pipeline == null) {
            try {
                return task.call();
            } catch (Exception e) {
                throw e instanceof RuntimeException r ? r : new UncheckedIOException(new IOException(e));
            }
        }
        try {
            return pipeline.runOnWriter(task).join();
        } catch (CompletionException e) {
            throw unwrap(e.getCause());
        }
    }

    private static RuntimeException unwrap(Throwable c) {
        if (c instanceof IOException io) {
            return new UncheckedIOException(io);
        }
        if (c instanceof RuntimeException r) {
            return r;
        }
        if (c instanceof Error err) {
            throw err;
        }
        return new UncheckedIOException(new IOException(c));
    }

    /**
     * Runs {@code action} in the writer role, so no other write of this index runs meanwhile (whoever publishes
     * it); nested calls from {@code action} run inline.
     *
     * @param action the action
     * @param <R>    its result
     * @return what it returned
     */
    public <R> R atomically(Supplier<R> action) {
        closing.checkOpen();
        if (pipeline == null || pipeline.onWriterThread()) {
            return action.get();
        }
        return run(action::get);
    }

    /**
     * Writer role: calls a function a map view's atomic operation was given; {@link #inMapFunction} is true meanwhile.
     *
     * @param function the caller's function
     * @param <R>      its result
     * @return what it returned
     */
    public <R> R callMapFunction(Supplier<R> function) {
        if (pipeline == null) {
            return function.get(); // read-only: any write is refused as such, and callers run side by side here
        }
        inMapFunction = true;
        try {
            return function.get();
        } finally {
            inMapFunction = false;
        }
    }

    /** {@return whether a function given to a map view's atomic operation is running (writer role)} */
    public boolean inMapFunction() {
        return inMapFunction;
    }

    /**
     * A put from inside {@link #atomically}: journaled by the journaling stage, committed per the durability mode
     * and applied right here; outside the writer role, an ordinary put.
     *
     * @param key   the key
     * @param value the value
     */
    public void putInRole(byte[] key, byte[] value) {
        if (pipeline == null || !pipeline.onWriterThread()) {
            put(key, value);
            return;
        }
        checks.checkKey(key);
        checks.checkPutValue(value);
        writable();
        try {
            journal.put(key, value);
            table.put(key, value);
        } catch (IOException | UncheckedIOException e) {
            throw failed(e);
        }
    }

    /**
     * A delete from inside {@link #atomically}; see {@link #putInRole}.
     *
     * @param key the key
     */
    public void deleteInRole(byte[] key) {
        if (pipeline == null || !pipeline.onWriterThread()) {
            delete(key);
            return;
        }
        checks.checkKey(key);
        writable();
        try {
            journal.delete(key);
            table.delete(key);
        } catch (IOException | UncheckedIOException e) {
            throw failed(e);
        }
    }

    /**
     * Deletes from inside {@link #atomically}, journaled and committed once for all of them, then applied; see
     * {@link JournalingStage#deleteAll}. Outside the writer role, ordinary deletes.
     *
     * @param keys the keys
     */
    public void deleteAllInRole(List<byte[]> keys) {
        if (pipeline == null || !pipeline.onWriterThread()) {
            keys.forEach(this::delete);
            return;
        }
        if (keys.isEmpty()) {
            return;
        }
        keys.forEach(checks::checkKey);
        writable();
        try {
            journal.deleteAll(keys);
            for (byte[] key : keys) {
                table.delete(key);
            }
        } catch (IOException | UncheckedIOException e) {
            throw failed(e);
        }
    }

    private UncheckedIOException failed(Exception e) {
        pipeline.fail(e);
        return e instanceof UncheckedIOException u ? u : new UncheckedIOException((IOException) e);
    }
}
