package io.bucketdb.pipeline;

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
import java.util.List;
import java.util.Objects;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.LockSupport;

/**
 * Serializes writes to one {@link HashTable} through a multi-producer Disruptor ring with two
 * stages, each on its own thread:
 * <ol>
 *   <li><b>journal</b> ({@code bucketdb-journal}): calls {@link JournalStage#append} per operation
 *       and {@link JournalStage#endOfBatch} when Disruptor's {@code endOfBatch} flag is set, so a
 *       batch costs one write and, in {@code SYNC}, one force (group commit);</li>
 *   <li><b>apply</b> ({@code bucketdb-writer}), gated on the journal's sequence: the table's single
 *       writer. It applies operations in sequence order and completes each caller's future right
 *       after applying it.</li>
 * </ol>
 * Acknowledging in the apply stage rather than a third stage: the gate already guarantees the
 * force covering an operation finished before it is applied, a third thread would contend for
 * the machines' two cores and add a hand-off to every acknowledgement, and completing a future
 * is one CAS plus an unpark.
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
    private final BatchEventProcessor<WriteEvent> journalProcessor;
    private final BatchEventProcessor<WriteEvent> applyProcessor;
    private final Thread journalThread;
    private final Thread applyThread;
    private final BatchGate gate = new BatchGate();
    private final BatchSizeHistogram batchSizes = new BatchSizeHistogram();
    private final boolean longWidths;
    /** Producers between their closed check and their publish; close() waits for zero. */
    private final AtomicInteger inFlight = new AtomicInteger();
    /** The first journal or table failure; set once, never cleared. */
    private final AtomicReference<Throwable> failure = new AtomicReference<>();
    private volatile boolean closed;

    /** Starts the journal and writer threads; from now on only the writer thread mutates {@code table}. */
    public WritePipeline(HashTable table, JournalStage journal, PipelineConfig config) {
        this.table = Objects.requireNonNull(table, "table");
        this.journal = Objects.requireNonNull(journal, "journal");
        this.config = Objects.requireNonNull(config, "config");
        this.longWidths = table.keyWidth() == 8 && table.valueWidth() == 8;
        this.ring = RingBuffer.createMultiProducer(WriteEvent::new, config.ringSize(), config.waitStrategy().get());
        SequenceBarrier journalBarrier = ring.newBarrier();
        journalProcessor = new BatchEventProcessorBuilder().build(ring, journalBarrier, new JournalHandler());
        SequenceBarrier applyBarrier = ring.newBarrier(journalProcessor.getSequence());
        applyProcessor = new BatchEventProcessorBuilder().build(ring, applyBarrier, new ApplyHandler());
        ring.addGatingSequences(applyProcessor.getSequence());
        ExceptionHandler<WriteEvent> last = new LastResortHandler();
        journalProcessor.setExceptionHandler(last);
        applyProcessor.setExceptionHandler(last);
        journalThread = Thread.ofPlatform().name("bucketdb-journal").daemon().unstarted(journalProcessor);
        applyThread = Thread.ofPlatform().name("bucketdb-writer").daemon().unstarted(applyProcessor);
        journalThread.start();
        applyThread.start();
    }

    // ---------------------------------------------------------------- long → long

    /** Puts and waits for the acknowledgement; true if the key was new. */
    public boolean putLong(long key, long value) throws IOException {
        return (Boolean) await(putLongAsync(key, value));
    }

    /** Deletes and waits for the acknowledgement; true if the key was present. */
    public boolean deleteLong(long key) throws IOException {
        return (Boolean) await(deleteLongAsync(key));
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
     * Runs {@code task} on the writer thread after every operation published before it has been
     * applied and before any published after it (for checkpoints and statistics). Tasks run also
     * when the pipeline is read-only; a task's exception fails only its own future.
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
            boolean found = table.get(k, 0, d, 0);
            if (gate.readValidate(s)) {
                return found;
            }
        }
    }

    /** The seqlock readers validate against to never see part of a batch. */
    public BatchGate batchGate() {
        return gate;
    }

    /** The distribution of journal batch sizes so far. */
    public BatchSizeHistogram batchSizes() {
        return batchSizes;
    }

    /** The failure that made the pipeline read-only, or null. */
    public Throwable failure() {
        return failure.get();
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
     * both threads. Idempotent; must not be called from the writer thread. Does not close the
     * journal or the table: their owner does, afterwards.
     */
    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        if (Thread.currentThread() == applyThread) {
            throw new IllegalStateException("close() on the writer thread would wait for itself");
        }
        closed = true;
        // Producers that passed the closed check before it was set publish; none can start now.
        // Only after that is the cursor (which a multi-producer ring advances at claim) all published.
        while (inFlight.get() != 0) {
            LockSupport.parkNanos(10_000);
        }
        long last = ring.getCursor();
        while (applyProcessor.getSequence().get() < last) {
            LockSupport.parkNanos(20_000);
        }
        journalProcessor.halt();
        applyProcessor.halt();
        boolean interrupted = false;
        for (Thread t : List.of(journalThread, applyThread)) {
            while (t.isAlive()) {
                try {
                    t.join();
                } catch (InterruptedException e) {
                    interrupted = true;
                }
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
        if (Thread.currentThread() == applyThread) {
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
        try {
            return f.join();
        } catch (CompletionException e) {
            Throwable c = e.getCause();
            if (c instanceof IOException io) {
                throw new IOException(io.getMessage(), io);
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

    private void checkWritable() {
        Throwable f = failure.get();
        if (f != null) {
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
        if (key.length != table.keyWidth()) {
            throw new IllegalArgumentException("key must be " + table.keyWidth() + " bytes, got " + key.length);
        }
    }

    private void checkValue(byte[] value) {
        if (value.length != table.valueWidth()) {
            throw new IllegalArgumentException("value must be " + table.valueWidth() + " bytes, got " + value.length);
        }
    }

    // ---------------------------------------------------------------- stages

    /** Journal thread. Never throws: a failure is recorded on the events of its batch. */
    private final class JournalHandler implements EventHandler<WriteEvent> {
        private long batchStart = -1;
        private IOException batchError;
        private int appended;

        @Override
        public void onEvent(WriteEvent e, long seq, boolean endOfBatch) {
            if (batchStart < 0) {
                batchStart = seq;
            }
            if (e.type != WriteEvent.Type.TASK) {
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
            if (endOfBatch) {
                if (batchError == null && appended > 0) {
                    try {
                        journal.endOfBatch(config.sync());
                    } catch (Throwable t) {
                        failBatch(seq, t);
                    }
                }
                batchSizes.record(seq - batchStart + 1);
                batchStart = -1;
                batchError = null;
                appended = 0;
            }
        }

        /**
         * Fails every write event of the current batch up to {@code seq}. Their slots are still
         * ours: the apply stage sees none of them before this handler's sequence passes them.
         */
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
    }

    /** The writer thread: the only thread that mutates the table. Never throws. */
    private final class ApplyHandler implements EventHandler<WriteEvent> {
        /**
         * This thread's own failure. Journal failures are not looked up globally here: the journal
         * marks every event it did not make durable, and an event it did make durable (a batch
         * that completed before a later batch failed) is still applied and acknowledged.
         */
        private Throwable applyFailure;

        @Override
        public void onEvent(WriteEvent e, long seq, boolean endOfBatch) {
            CompletableFuture<Object> f = e.future;
            try {
                if (e.type == WriteEvent.Type.TASK) {
                    runTask(e, f);
                } else if (e.failure != null) {
                    f.completeExceptionally(e.failure);
                } else if (applyFailure != null) {
                    f.completeExceptionally(readOnly(applyFailure));
                } else {
                    Object result;
                    try {
                        result = apply(e);
                    } catch (Throwable t) {
                        applyFailure = t;
                        failure.compareAndSet(null, t);
                        f.completeExceptionally(t);
                        return;
                    }
                    f.complete(result);
                }
            } finally {
                e.clear();
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
                case PUT_BYTES -> table.put(MemorySegment.ofArray(e.keyBytes), 0, MemorySegment.ofArray(e.valueBytes), 0);
                case DELETE_BYTES -> table.delete(MemorySegment.ofArray(e.keyBytes), 0);
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
