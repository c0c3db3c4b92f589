package io.bucketdb.pipeline;

import io.bucketdb.WriteBatch;

import com.lmax.disruptor.BatchEventProcessor;
import com.lmax.disruptor.BatchEventProcessorBuilder;
import com.lmax.disruptor.EventHandler;
import com.lmax.disruptor.ExceptionHandler;
import com.lmax.disruptor.InsufficientCapacityException;
import com.lmax.disruptor.RingBuffer;
import com.lmax.disruptor.SequenceBarrier;
import io.bucketdb.table.HashTable;

import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.util.Objects;
import java.util.function.Function;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.LockSupport;

/**
 * Serializes writes to one {@link HashTable} through a multi-producer Disruptor ring consumed by
 * one thread, the table's single writer ({@code bucketdb-writer}). For each Disruptor batch it:
 * <ol>
 *   <li>hands every operation to {@link JournalStage#append} (which returns the operation's last
 *       journal LSN), then calls {@link JournalStage#endOfBatch} once: one write and, in
 *       {@code SYNC}, one force for the whole batch (group commit);</li>
 *   <li>applies the operations to the table in sequence order and completes each caller's future
 *       right after applying it;</li>
 *   <li>runs the writer tasks of the batch and then {@link BatchListener#afterBatch} (checkpoint
 *       triggers).</li>
 * </ol>
 * Journal and apply share one thread on purpose: growth steps that applying an operation takes
 * are journaled as markers by the apply code itself, so they land in the journal right after the
 * operations that caused them, and at the end of a batch everything journaled has been applied,
 * so a checkpoint taken there covers exactly the journal up to its last LSN. On the machines' two
 * cores a second stage thread would only add a hand-off per batch; the force dominates anyway.
 *
 * <h2>Threading and memory ordering</h2>
 * <ul>
 *   <li>Any thread may call the write methods, except the writer thread itself (a write from a
 *       future's dependent action or a {@link #runOnWriter} task would wait for its own thread):
 *       those throw {@link IllegalStateException}. Dependent actions attached to returned futures
 *       with non-async methods run on the writer thread and must not block; prefer the
 *       {@code …Async} forms of {@link CompletableFuture}.</li>
 *   <li>A future completes normally only after the table change is made (the table's release
 *       stores precede the completion's CAS), so a thread that observes the completion, and any
 *       thread that happens-after it, sees the write through {@link HashTable#getLong} and
 *       {@link #getLong}: read-your-writes, and every acknowledged write visible to later reads.</li>
 *   <li>An operation's outcome is never reported before the force that covers it has returned;
 *       after a failed force nothing is acknowledged again.</li>
 *   <li>Precondition failures (closed, read-only, ring full past the timeout, wrong widths)
 *       throw from the call; outcome failures (journal or table I/O) complete the future
 *       exceptionally.</li>
 * </ul>
 *
 * <h2>Failure</h2>
 * If the journal stage throws, every operation of that journal batch fails with the exception,
 * none of them is applied, and the pipeline turns read-only: later writes fail with
 * {@code IllegalStateException("index is read-only after an I/O failure: …")}. A table I/O
 * failure during apply does the same from that operation on (the operation itself may already be
 * journaled; its caller sees the failure and should treat the outcome as unknown).
 */
public final class WritePipeline implements AutoCloseable {
    private final HashTable table;
    private final JournalStage journal;
    private final PipelineConfig config;
    private final RingBuffer<WriteEvent> ring;
    private final BatchEventProcessor<WriteEvent> processor;
    private final Thread writerThread;
    private final BatchListener listener;
    private final BatchGate gate = new BatchGate();
    private final BatchSizeHistogram batchSizes = new BatchSizeHistogram();
    private final boolean longWidths;
    /** Producers between their closed check and their publish; close() waits for zero. */
    private final AtomicInteger inFlight = new AtomicInteger();
    /** The first journal or table failure; set once, never cleared. */
    private final AtomicReference<Throwable> failure = new AtomicReference<>();
    /** Whether some call has failed with (or been refused for) {@link #failure}: then its owner knows. */
    private volatile boolean failureReported;
    private volatile boolean closed;

    /** Called on the writer thread at the end of every batch, after its operations and tasks. */
    @FunctionalInterface
    public interface BatchListener {
        BatchListener NONE = () -> {
        };

        /** Runs on the writer thread; throwing turns the pipeline read-only. */
        void afterBatch() throws IOException;
    }

    /** Starts the writer thread; from now on only it mutates {@code table}. */
    public WritePipeline(HashTable table, JournalStage journal, PipelineConfig config) {
        this(table, journal, config, BatchListener.NONE);
    }

    /** Starts the writer thread with a listener called after every batch. */
    public WritePipeline(HashTable table, JournalStage journal, PipelineConfig config, BatchListener listener) {
        this.table = Objects.requireNonNull(table, "table");
        this.journal = Objects.requireNonNull(journal, "journal");
        this.config = Objects.requireNonNull(config, "config");
        this.listener = Objects.requireNonNull(listener, "listener");
        this.longWidths = table.keyWidth() == 8 && table.valueWidth() == 8 && !table.varKeys() && !table.varValues();
        this.ring = RingBuffer.createMultiProducer(WriteEvent::new, config.ringSize(), config.waitStrategy().get());
        SequenceBarrier barrier = ring.newBarrier();
        processor = new BatchEventProcessorBuilder().build(ring, barrier, new WriterHandler());
        ring.addGatingSequences(processor.getSequence());
        processor.setExceptionHandler(new LastResortHandler());
        writerThread = Thread.ofPlatform().name("bucketdb-writer").daemon().unstarted(processor);
        writerThread.start();
    }

    // ---------------------------------------------------------------- long → long

    /** Puts and waits for the acknowledgement; true if the key was new. Allocates nothing. */
    public boolean putLong(long key, long value) throws IOException {
        requireLongWidths();
        return awaitWaiter(publishWaiting(WriteEvent.Type.PUT_LONG, key, value));
    }

    /** Deletes and waits for the acknowledgement; true if the key was present. Allocates nothing. */
    public boolean deleteLong(long key) throws IOException {
        requireLongWidths();
        return awaitWaiter(publishWaiting(WriteEvent.Type.DELETE_LONG, key, 0));
    }

    /** Publishes a put; the future completes with true if the key was new. */
    public CompletableFuture<Boolean> putLongAsync(long key, long value) {
        requireLongWidths();
        return publish(WriteEvent.Type.PUT_LONG, key, value, null, null, null, null);
    }

    /** Publishes a delete; the future completes with true if the key was present. */
    public CompletableFuture<Boolean> deleteLongAsync(long key) {
        requireLongWidths();
        return publish(WriteEvent.Type.DELETE_LONG, key, 0, null, null, null, null);
    }

    // ---------------------------------------------------------------- byte[]

    /** Puts and waits; the arrays are read on the writer thread, so leave them unchanged until this returns. */
    public boolean put(byte[] key, byte[] value) throws IOException {
        return (Boolean) await(putAsync(key, value));
    }

    public boolean delete(byte[] key) throws IOException {
        return (Boolean) await(deleteAsync(key));
    }

    /** Publishes a put; leave the arrays unchanged until the future completes. */
    public CompletableFuture<Boolean> putAsync(byte[] key, byte[] value) {
        checkKey(key);
        checkValue(value);
        return publish(WriteEvent.Type.PUT_BYTES, 0, 0, key, value, null, null);
    }

    /** Publishes a delete; leave the array unchanged until the future completes. */
    public CompletableFuture<Boolean> deleteAsync(byte[] key) {
        checkKey(key);
        return publish(WriteEvent.Type.DELETE_BYTES, 0, 0, key, null, null, null);
    }

    // ---------------------------------------------------------------- batches and tasks

    /** Applies every operation of {@code batch} or none, and waits for the acknowledgement. */
    public void write(WriteBatch batch) throws IOException {
        await(writeAsync(batch));
    }

    /** Publishes {@code batch} as one ring entry: journaled in one journal batch, applied in one apply step. */
    public CompletableFuture<Void> writeAsync(WriteBatch batch) {
        for (WriteBatch.Op op : batch.ops()) {
            switch (op) {
                case WriteBatch.PutLong p -> requireLongWidths();
                case WriteBatch.DeleteLong d -> requireLongWidths();
                case WriteBatch.Put p -> {
                    checkKey(p.key());
                    checkValue(p.value());
                }
                case WriteBatch.Delete d -> checkKey(d.key());
            }
        }
        return publish(WriteEvent.Type.BATCH, 0, 0, null, null, batch, null);
    }

    /**
     * Runs {@code task} on the writer thread at the end of the batch it lands in: after every
     * operation published before it (and possibly some published after it in the same batch) has
     * been applied, when everything journaled has been applied (for checkpoints and statistics).
     * Tasks run also when the pipeline is read-only; a task's exception fails only its own future.
     */
    public <T> CompletableFuture<T> runOnWriter(Callable<T> task) {
        Objects.requireNonNull(task, "task");
        return publish(WriteEvent.Type.TASK, 0, 0, null, null, null, task);
    }

    // ---------------------------------------------------------------- reads (any thread)

    /**
     * The value of {@code key}, or {@code missing}; never shows part of a {@link WriteBatch}.
     * Lock-free, allocates nothing; waits only while a batch is being applied.
     */
    public long getLong(long key, long missing) {
        requireLongWidths();
        for (; ; ) {
            long s = gate.readBegin();
            long v = table.getLong(key, missing);
            if (gate.readValidate(s)) {
                return v;
            }
        }
    }

    /** Copies the value of {@code key} into {@code dst} and returns true, or false; never shows part of a batch. */
    public boolean get(byte[] key, byte[] dst) {
        checkKey(key);
        checkValue(dst);
        MemorySegment k = MemorySegment.ofArray(key);
        MemorySegment d = MemorySegment.ofArray(dst);
        for (; ; ) {
            long s = gate.readBegin();
            boolean found = table.get(k, 0, key.length, d, 0, dst.length) >= 0;
            if (gate.readValidate(s)) {
                return found;
            }
        }
    }

    /**
     * {@link HashTable#get(MemorySegment, long, int, MemorySegment, long, long)} for the whole key
     * segment {@code key} ({@code keyLen} bytes) into {@code dst} at 0; never shows part of a batch.
     */
    public long get(MemorySegment key, int keyLen, MemorySegment dst, long dstCap) {
        checkKeyLength(keyLen);
        for (; ; ) {
            long s = gate.readBegin();
            long n = table.get(key, 0, keyLen, dst, 0, dstCap);
            if (gate.readValidate(s)) {
                return n;
            }
        }
    }

    /** {@link HashTable#read} that never shows part of a batch: the reader runs again if a batch was applied meanwhile. */
    public <R> R read(MemorySegment key, int keyLen, Function<? super MemorySegment, ? extends R> reader, R missing) {
        checkKeyLength(keyLen);
        for (; ; ) {
            long s = gate.readBegin();
            R r;
            try {
                r = table.read(key, 0, keyLen, reader, missing);
            } catch (RuntimeException e) {
                if (gate.readValidate(s)) {
                    throw e;
                }
                continue;
            }
            if (gate.readValidate(s)) {
                return r;
            }
        }
    }

    /** The seqlock readers validate against to never see part of a batch. */
    public BatchGate batchGate() {
        return gate;
    }

    /** The distribution of journal batch sizes (write events per batch; tasks do not count) so far. */
    public BatchSizeHistogram batchSizes() {
        return batchSizes;
    }

    /** The failure that made the pipeline read-only, or null. */
    public Throwable failure() {
        return failure.get();
    }

    /**
     * Whether a caller has seen the failure (a call failed or was refused because of it). A failure in
     * the work after a batch (its checkpoint) fails no call of that batch, so nobody may have seen it.
     */
    public boolean failureReported() {
        return failureReported;
    }

    /** Notes that a caller is being told of the failure. */
    public void reportFailure() {
        failureReported = true;
    }

    public boolean isReadOnly() {
        return failure.get() != null;
    }

    public PipelineConfig config() {
        return config;
    }

    /** Whether the operation at ring sequence {@code seq} is published; for tests that wait for a publish. */
    boolean isPublished(long seq) {
        return ring.isAvailable(seq);
    }

    /**
     * Stops accepting operations (later calls throw {@link IllegalStateException}), waits until
     * every operation published before has been applied and acknowledged or failed, and stops
     * the writer thread. Idempotent; must not be called from the writer thread. Does not close the
     * journal or the table: their owner does, afterwards.
     */
    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        if (Thread.currentThread() == writerThread) {
            throw new IllegalStateException("close() on the writer thread would wait for itself");
        }
        closed = true;
        // Producers that passed the closed check before it was set publish; none can start now.
        // Only after that is the cursor (which a multi-producer ring advances at claim) all published.
        while (inFlight.get() != 0) {
            LockSupport.parkNanos(10_000);
        }
        long last = ring.getCursor();
        while (processor.getSequence().get() < last) {
            LockSupport.parkNanos(20_000);
        }
        processor.halt();
        boolean interrupted = false;
        while (writerThread.isAlive()) {
            try {
                writerThread.join();
            } catch (InterruptedException e) {
                interrupted = true;
            }
        }
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
    }

    // ---------------------------------------------------------------- publishing

    @SuppressWarnings("unchecked")
    private <T> CompletableFuture<T> publish(WriteEvent.Type type, long key, long value, byte[] keyBytes, byte[] valueBytes,
                                             WriteBatch batch, Callable<?> task) {
        if (Thread.currentThread() == writerThread) {
            throw new IllegalStateException("a write from the writer thread would wait for itself; use an …Async "
                    + "dependent action of the future instead");
        }
        inFlight.incrementAndGet();
        try {
            if (closed) {
                throw new IllegalStateException("the write pipeline is closed");
            }
            if (type != WriteEvent.Type.TASK) {
                checkWritable();
            }
            long seq = claim();
            CompletableFuture<Object> f = new CompletableFuture<>();
            ring.get(seq).set(type, key, value, keyBytes, valueBytes, batch, task, f);
            ring.publish(seq);
            return (CompletableFuture<T>) (CompletableFuture<?>) f;
        } finally {
            inFlight.decrementAndGet();
        }
    }

    /** Publishes a long operation completed through the calling thread's reusable {@link Waiter}. */
    private Waiter publishWaiting(WriteEvent.Type type, long key, long value) {
        if (Thread.currentThread() == writerThread) {
            throw new IllegalStateException("a write from the writer thread would wait for itself; use an …Async "
                    + "dependent action of the future instead");
        }
        inFlight.incrementAndGet();
        try {
            if (closed) {
                throw new IllegalStateException("the write pipeline is closed");
            }
            checkWritable();
            Waiter w = Waiter.arm();
            long seq = claim();
            WriteEvent e = ring.get(seq);
            e.set(type, key, value, null, null, null, null, null);
            e.waiter = w;
            ring.publish(seq);
            return w;
        } finally {
            inFlight.decrementAndGet();
        }
    }

    private static boolean awaitWaiter(Waiter w) throws IOException {
        try {
            return w.await();
        } catch (IOException | RuntimeException | Error e) {
            throw e;
        } catch (Throwable t) {
            throw new IOException(t);
        }
    }

    private long claim() {
        long timeout = config.publishTimeoutNanos();
        if (timeout < 0) {
            return ring.next();
        }
        long deadline = System.nanoTime() + timeout;
        while (true) {
            try {
                return ring.tryNext();
            } catch (InsufficientCapacityException e) {
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    throw new RejectedExecutionException("write pipeline full: no free slot among " + ring.getBufferSize()
                            + " ring entries within " + timeout / 1_000_000.0 + " ms; the journal or the writer is not keeping up");
                }
                LockSupport.parkNanos(Math.min(left, 50_000));
            }
        }
    }

    /** Waits without being interruptible (the operation is in the ring either way) and unwraps the outcome. */
    private static Object await(CompletableFuture<?> f) throws IOException {
        CallerSpin.spinUntil(f, CompletableFuture::isDone);
        try {
            return f.join();
        } catch (CompletionException e) {
            Throwable c = e.getCause();
            if (c instanceof IOException io) {
                // The original, so its type (CorruptIndexException, SimulatedCrashException, ...) reaches the caller.
                throw io;
            }
            if (c instanceof RuntimeException r) {
                throw r;
            }
            if (c instanceof Error err) {
                throw err;
            }
            throw new IOException(c);
        }
    }

    /** Whether the calling thread is the writer thread (inside a {@link #runOnWriter} task). */
    public boolean onWriterThread() {
        return Thread.currentThread() == writerThread;
    }

    /**
     * Turns the pipeline read-only from the writer thread (a writer task whose checkpoint failed
     * uses it): nothing is acknowledged after an I/O failure.
     */
    public void fail(Throwable cause) {
        failure.compareAndSet(null, cause);
    }

    private void checkWritable() {
        Throwable f = failure.get();
        if (f != null) {
            failureReported = true;
            throw readOnly(f);
        }
    }

    static IllegalStateException readOnly(Throwable cause) {
        return new IllegalStateException("index is read-only after an I/O failure: " + cause.getMessage(), cause);
    }

    private void requireLongWidths() {
        if (!longWidths) {
            throw new IllegalArgumentException("the long API needs 8-byte keys and values; the table has "
                    + table.keyWidth() + "-byte keys and " + table.valueWidth() + "-byte values");
        }
    }

    private void checkKey(byte[] key) {
        checkKeyLength(key.length);
    }

    /** Fixed widths only: variable-length limits are the caller's (BucketDB's options). */
    private void checkKeyLength(int length) {
        if (!table.varKeys() && length != table.keyWidth()) {
            throw new IllegalArgumentException("key must be " + table.keyWidth() + " bytes, got " + length);
        }
    }

    private void checkValue(byte[] value) {
        if (!table.varValues() && value.length != table.valueWidth()) {
            throw new IllegalArgumentException("value must be " + table.valueWidth() + " bytes, got " + value.length);
        }
    }

    // ---------------------------------------------------------------- stages

    /** The writer thread: journals a batch, forces once, applies it, runs its tasks. Never throws. */
    private final class WriterHandler implements EventHandler<WriteEvent> {
        private long batchStart = -1;
        private IOException batchError;
        private int appended;
        /** Write events (not tasks) in the current batch: its group-commit size. */
        private int writes;
        /**
         * This thread's own apply failure. A journal failure marks exactly the events it did not make
         * durable; an event whose batch was made durable is still applied and acknowledged.
         */
        private Throwable applyFailure;

        @Override
        public void onEvent(WriteEvent e, long seq, boolean endOfBatch) {
            if (batchStart < 0) {
                batchStart = seq;
            }
            if (e.type != WriteEvent.Type.TASK) {
                writes++;
                Throwable f = failure.get();
                if (batchError != null) {
                    e.failure = batchError;
                } else if (f != null) {
                    e.failure = readOnly(f);
                } else {
                    try {
                        journal.append(e);
                        appended++;
                    } catch (Throwable t) {
                        failBatch(seq, t);
                    }
                }
            }
            if (!endOfBatch) {
                return;
            }
            if (batchError == null && appended > 0) {
                try {
                    journal.endOfBatch(config.sync());
                } catch (Throwable t) {
                    failBatch(seq, t);
                }
            }
            if (writes > 0) {
                batchSizes.record(writes);
            }
            for (long s = batchStart; s <= seq; s++) {
                WriteEvent ev = ring.get(s);
                if (ev.type != WriteEvent.Type.TASK) {
                    applyOne(ev);
                }
            }
            // Tasks and the listener run when everything journaled in this batch has been applied.
            for (long s = batchStart; s <= seq; s++) {
                WriteEvent ev = ring.get(s);
                if (ev.type == WriteEvent.Type.TASK) {
                    try {
                        runTask(ev, ev.future);
                    } finally {
                        ev.clear();
                    }
                }
            }
            if (failure.get() == null) {
                try {
                    listener.afterBatch();
                } catch (Throwable t) {
                    applyFailure = t;
                    failure.compareAndSet(null, t);
                }
            }
            batchStart = -1;
            batchError = null;
            appended = 0;
            writes = 0;
        }

        /** Fails every write event of the current batch up to {@code seq}: none of them is applied. */
        private void failBatch(long seq, Throwable t) {
            IOException io = t instanceof IOException x ? x : new IOException("journal failed: " + t, t);
            failure.compareAndSet(null, io);
            batchError = io;
            for (long s = batchStart; s <= seq; s++) {
                WriteEvent ev = ring.get(s);
                if (ev.type != WriteEvent.Type.TASK) {
                    ev.failure = io;
                }
            }
        }

        private void applyOne(WriteEvent e) {
            try {
                if (e.failure != null) {
                    fail(e, e.failure);
                } else if (applyFailure != null) {
                    fail(e, readOnly(applyFailure));
                } else {
                    Object result;
                    try {
                        result = apply(e);
                    } catch (Throwable t) {
                        applyFailure = t;
                        failure.compareAndSet(null, t);
                        fail(e, t);
                        return;
                    }
                    if (e.waiter != null) {
                        e.waiter.complete((Boolean) result);
                    } else {
                        e.future.complete(result);
                    }
                }
            } finally {
                e.clear();
            }
        }

        private void fail(WriteEvent e, Throwable t) {
            failureReported = true;
            if (e.waiter != null) {
                e.waiter.fail(t);
            } else {
                e.future.completeExceptionally(t);
            }
        }

        private void runTask(WriteEvent e, CompletableFuture<Object> f) {
            Object r;
            try {
                r = e.task.call();
            } catch (Throwable t) {
                f.completeExceptionally(t);
                return;
            }
            f.complete(r);
        }

        private Object apply(WriteEvent e) throws IOException {
            return switch (e.type) {
                case PUT_LONG -> table.putLong(e.key, e.value);
                case DELETE_LONG -> table.deleteLong(e.key);
                case PUT_BYTES -> table.put(e.keyBytes, e.valueBytes);
                case DELETE_BYTES -> table.delete(e.keyBytes);
                case BATCH -> {
                    BatchApplier.apply(table, gate, e.batch);
                    yield null;
                }
                case TASK -> throw new AssertionError("tasks are not applied");
            };
        }
    }

    /** Reached only if a handler throws despite catching everything: keep the threads alive. */
    private final class LastResortHandler implements ExceptionHandler<WriteEvent> {
        @Override
        public void handleEventException(Throwable ex, long sequence, WriteEvent event) {
            failure.compareAndSet(null, ex);
            CompletableFuture<Object> f = event.future;
            if (f != null) {
                failureReported = true;
                f.completeExceptionally(ex);
            }
        }

        @Override
        public void handleOnStartException(Throwable ex) {
            failure.compareAndSet(null, ex);
        }

        @Override
        public void handleOnShutdownException(Throwable ex) {
            failure.compareAndSet(null, ex);
        }
    }
}
