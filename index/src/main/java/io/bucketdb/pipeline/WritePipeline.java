package io.bucketdb.pipeline;

import io.bucketdb.WriteBatch;
import io.bucketdb.engine.EntryChecks;

import com.lmax.disruptor.BusySpinWaitStrategy;
import com.lmax.disruptor.RingBuffer;
import com.lmax.disruptor.Sequence;
import com.lmax.disruptor.Sequencer;
import io.bucketdb.table.HashTable;

import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.lang.invoke.VarHandle;
import java.util.Objects;
import java.util.function.Function;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.LockSupport;

/**
 * Serializes writes to one {@link HashTable} through a multi-producer Disruptor ring with one
 * mutator at a time: the holder of the {@link WriterRole}. The role is not a thread. A caller of a
 * blocking write publishes its operation and, if the role is free, takes it and drains the ring
 * itself (its own operation and everything published behind it), one {@link GroupCommit} per
 * run of published entries: one journal write and, in {@code SYNC}, one force per group, then apply
 * in sequence order, acknowledgements, writer tasks and {@link BatchListener#afterBatch}. A caller
 * that finds the role taken waits for its own completion (a brief spin, then park), which the leader
 * delivers, or leads the next group itself: a leader whose next group holds another caller's blocking
 * write hands the role on and wakes that caller instead of draining on ({@link GroupLeader}), and a
 * waiting caller that finds the role free with work published takes it ({@link Waiter}), so no group
 * waits for one particular thread to get a core back. Asynchronous writes publish and return; the leader of the moment drains them, or, when
 * the role is free, the {@link BackgroundDuty} thread does. {@link #leadIfFree} is the one place
 * that decides who drains; a leader that releases the role looks at the ring again and drains what
 * was published meanwhile, so no published operation is stranded. While writes pause during a
 * growth, the background thread finishes it in short steps in the role ({@link IdleEvacuation}).
 *
 * <h2>Threading and memory ordering</h2>
 * <ul>
 *   <li>Any thread may call the write methods, except while it holds the role (inside a
 *       {@link #runOnWriter} task): such a write would wait for itself and throws
 *       {@link IllegalStateException}. A future's non-async dependent actions run on the thread that
 *       completed it, after that thread released the role ({@link DeferredCompletions}): they may
 *       write (the write leads its own group if the role is free) and never hold up other writers.</li>
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
 * If the journal stage throws, every operation of that group fails with the exception, none of
 * them is applied, and the pipeline turns read-only: later writes fail with
 * {@code IllegalStateException("index is read-only after an I/O failure: …")}. A table I/O
 * failure during apply does the same from that operation on (the operation itself may already be
 * journaled; its caller sees the failure and should treat the outcome as unknown).
 */
public final class WritePipeline implements AutoCloseable {
    private final HashTable table;
    private final PipelineConfig config;
    private final RingBuffer<WriteEvent> ring;
    /** The last ring sequence committed and released for reuse; the ring's gating sequence. */
    private final Sequence consumed = new Sequence(Sequencer.INITIAL_CURSOR_VALUE);
    private final WriterRole role = new WriterRole();
    private final GroupLeader leader;
    final BackgroundDuty background; // package-private for tests, as is idleEvacuation
    final IdleEvacuation idleEvacuation;
    private final BatchGate gate;
    private final BatchSizeHistogram batchSizes = new BatchSizeHistogram();
    /** Run on the caller's thread before a publish or a read, so a wrong key throws from the call. */
    private final EntryChecks checks;
    /** Producers between their closed check and their publish; close() waits for zero. */
    private final AtomicInteger inFlight = new AtomicInteger();
    /** Futures committed but not yet completed (they are completed after the role is released). */
    private final AtomicLong pendingFutures = new AtomicLong();
    /** The first journal or table failure; set once, never cleared. */
    private final AtomicReference<Throwable> failure = new AtomicReference<>();
    /** Whether some call has failed with (or been refused for) {@link #failure}: then its owner knows. */
    private volatile boolean failureReported;
    private volatile boolean closed;

    /** Called by the role holder at the end of every group, after its operations and tasks. */
    @FunctionalInterface
    public interface BatchListener {
        /** A listener that does nothing. */
        BatchListener NONE = () -> {
        };

        /**
         * Runs while the role is held; throwing turns the pipeline read-only.
         *
         * @throws IOException if the work after the group (a checkpoint) fails
         */
        void afterBatch() throws IOException;
    }

    /**
     * Starts the background thread; from now on only the role holder mutates {@code table}. Checks fixed widths
     * only ({@link EntryChecks#of(HashTable)}), and nothing runs after a group.
     *
     * @param table   the table to serialize writes to
     * @param journal journals every write before it is applied
     * @param config  ring size, wait strategy, durability and publish timeout
     */
    public WritePipeline(HashTable table, JournalStage journal, PipelineConfig config) {
        this(table, journal, config, BatchListener.NONE, EntryChecks.of(table));
    }

    /**
     * Starts the background thread, with a listener called after every group and the checks of the index around it.
     *
     * @param table    the table to serialize writes to
     * @param journal  journals every write before it is applied
     * @param config   ring size, wait strategy, durability and publish timeout
     * @param listener called by the role holder after every group
     * @param checks   the keys and values the index takes, checked before every publish and gated read
     */
    public WritePipeline(HashTable table, JournalStage journal, PipelineConfig config, BatchListener listener, EntryChecks checks) {
        this.table = Objects.requireNonNull(table, "table");
        this.gate = new BatchGate(table);
        this.checks = Objects.requireNonNull(checks, "checks");
        this.config = Objects.requireNonNull(config, "config");
        Objects.requireNonNull(journal, "journal");
        Objects.requireNonNull(listener, "listener");
        // Nothing waits on the ring's own strategy: a publish must not signal anyone (the background
        // thread is woken by its own nudge, and only for asynchronous work), so its signal is a no-op.
        this.ring = RingBuffer.createMultiProducer(WriteEvent::new, config.ringSize(), new BusySpinWaitStrategy());
        ring.addGatingSequences(consumed);
        this.leader = new GroupLeader(ring, consumed, role,
                new GroupCommit(this, ring, table, journal, gate, config.sync(), batchSizes, listener, pendingFutures));
        this.idleEvacuation = new IdleEvacuation(this, role, table, listener, batchSizes, config.idleEvacuation());
        this.background = new BackgroundDuty(this, idleEvacuation, config.waitStrategy().get(), ring.newBarrier());
        leader.background(background);
        background.start();
    }

    // ---------------------------------------------------------------- long → long

    /** Puts and waits for the acknowledgement; true if the key was new. Allocates nothing. */
    public boolean putLong(long key, long value) throws IOException {
        checks.requireLong();
        Waiter w = publishWaiting(WriteEvent.Type.PUT_LONG, key, value);
        lead();
        return awaitThenComplete(w);
    }

    /** Deletes and waits for the acknowledgement; true if the key was present. Allocates nothing. */
    public boolean deleteLong(long key) throws IOException {
        checks.requireLong();
        Waiter w = publishWaiting(WriteEvent.Type.DELETE_LONG, key, 0);
        lead();
        return awaitThenComplete(w);
    }

    /** Publishes a put; the future completes with true if the key was new. */
    public CompletableFuture<Boolean> putLongAsync(long key, long value) {
        checks.requireLong();
        return publish(false, WriteEvent.Type.PUT_LONG, key, value, null, null, null, null);
    }

    /** Publishes a delete; the future completes with true if the key was present. */
    public CompletableFuture<Boolean> deleteLongAsync(long key) {
        checks.requireLong();
        return publish(false, WriteEvent.Type.DELETE_LONG, key, 0, null, null, null, null);
    }

    // ---------------------------------------------------------------- byte[]

    /** Puts and waits; the arrays are read by the role holder, so leave them unchanged until this returns. */
    public boolean put(byte[] key, byte[] value) throws IOException {
        checks.checkKey(key);
        checks.checkPutValue(value);
        return (Boolean) await(publish(true, WriteEvent.Type.PUT_BYTES, 0, 0, key, value, null, null));
    }

    public boolean delete(byte[] key) throws IOException {
        checks.checkKey(key);
        return (Boolean) await(publish(true, WriteEvent.Type.DELETE_BYTES, 0, 0, key, null, null, null));
    }

    /** Publishes a put; leave the arrays unchanged until the future completes. */
    public CompletableFuture<Boolean> putAsync(byte[] key, byte[] value) {
        checks.checkKey(key);
        checks.checkPutValue(value);
        return publish(false, WriteEvent.Type.PUT_BYTES, 0, 0, key, value, null, null);
    }

    /** Publishes a delete; leave the array unchanged until the future completes. */
    public CompletableFuture<Boolean> deleteAsync(byte[] key) {
        checks.checkKey(key);
        return publish(false, WriteEvent.Type.DELETE_BYTES, 0, 0, key, null, null, null);
    }

    // ---------------------------------------------------------------- batches and tasks

    /** Applies every operation of {@code batch} or none, and waits for the acknowledgement. */
    public void write(WriteBatch batch) throws IOException {
        checks.checkBatch(batch);
        await(publish(true, WriteEvent.Type.BATCH, 0, 0, null, null, batch, null));
    }

    /** Publishes {@code batch} as one ring entry: journaled in one journal batch, applied in one apply step. */
    public CompletableFuture<Void> writeAsync(WriteBatch batch) {
        checks.checkBatch(batch);
        return publish(false, WriteEvent.Type.BATCH, 0, 0, null, null, batch, null);
    }

    /**
     * Runs {@code task} while holding the writer role, at the end of the group it lands in: after
     * every operation published before it (and possibly some published after it in the same group)
     * has been applied, when everything journaled has been applied (for checkpoints and statistics).
     * The calling thread leads that group itself if the role is free. Tasks run also when the
     * pipeline is read-only; a task's exception fails only its own future.
     */
    public <T> CompletableFuture<T> runOnWriter(Callable<T> task) {
        Objects.requireNonNull(task, "task");
        return publish(true, WriteEvent.Type.TASK, 0, 0, null, null, null, task);
    }

    // ---------------------------------------------------------------- reads (any thread)

    /**
     * The value of {@code key}, or {@code missing}; never shows part of a {@link WriteBatch}.
     * Lock-free, allocates nothing; waits only while a batch is being applied.
     */
    public long getLong(long key, long missing) {
        checks.requireLong();
        // The table validates the batch stamp with the bucket's: one seqlock round, not a gate around a table read.
        return table.getLongBetweenBatches(key, missing);
    }

    /**
     * Whether {@code key} is present; never shows part of a batch. Lock-free, allocates nothing. Two probes with
     * different defaults tell "absent" from a stored value equal to one of them, inside one batch-gate section so
     * they cannot straddle an atomic batch.
     */
    public boolean containsLong(long key) {
        checks.requireLong();
        for (; ; ) {
            long s = gate.readBegin();
            boolean present = table.getLong(key, 0) != 0 || table.getLong(key, 1) != 1;
            if (gate.readValidate(s)) {
                return present;
            }
        }
    }

    /** Copies the value of {@code key} into {@code dst} and returns true, or false; never shows part of a batch. */
    public boolean get(byte[] key, byte[] dst) {
        checks.checkValue(dst);
        return get(MemorySegment.ofArray(key), key.length, MemorySegment.ofArray(dst), dst.length) >= 0;
    }

    /**
     * {@link HashTable#get(MemorySegment, long, int, MemorySegment, long, long)} for the whole key
     * segment {@code key} ({@code keyLen} bytes) into {@code dst} at 0; never shows part of a batch.
     */
    public long get(MemorySegment key, int keyLen, MemorySegment dst, long dstCap) {
        checks.checkKeyLength(keyLen);
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
        checks.checkKeyLength(keyLen);
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

    /** The last ring sequence claimed by a producer (published or about to be); for tests that wait for a publish. */
    long claimedSequence() {
        return ring.getCursor();
    }

    /**
     * Stops accepting operations (later calls throw {@link IllegalStateException}), waits until
     * every operation published before has been applied and acknowledged or failed (draining the
     * ring itself if the role is free), and stops the background thread. Idempotent; must not be
     * called while holding the role or from a future's dependent action that the pipeline runs
     * (both would wait for themselves). Does not close the journal or the table: their owner does,
     * afterwards.
     */
    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        requireCloseAllowedHere();
        closed = true;
        idleEvacuation.stop();
        // Producers that passed the closed check before it was set publish; none can start now.
        // Only after that is the cursor (which a multi-producer ring advances at claim) all published.
        while (inFlight.get() != 0) {
            LockSupport.parkNanos(10_000);
        }
        long last = ring.getCursor();
        leadIfFree();
        // Another holder may still be committing or completing what it took; it rechecks the ring when done.
        while (consumed.get() < last || pendingFutures.get() != 0) {
            LockSupport.parkNanos(20_000);
        }
        background.stop();
    }

    /**
     * Throws {@link IllegalStateException} if the calling thread holds the writer role or is completing futures (running
     * their dependent actions): a close from there would wait for itself. Changes nothing either way.
     */
    public void requireCloseAllowedHere() {
        if (role.heldByCurrentThread() || DeferredCompletions.completingHere()) {
            throw new IllegalStateException("close() while holding the writer role or completing its futures would wait for itself");
        }
    }

    // ---------------------------------------------------------------- who drains

    /**
     * The one place that decides who drains: called by a publisher right after its publish, and by
     * the background thread. If there is published work and the role is free, the calling thread
     * takes the role, commits group after group until the ring is empty, releases the role and looks
     * again (a publisher that saw the role taken relies on that look), then completes the futures of
     * its groups, role released. If the role is taken, its holder will drain what is published.
     */
    void leadIfFree() {
        lead();
        DeferredCompletions.mine().run();
    }

    /** {@link #leadIfFree} without completing the futures: the caller does, once it has read its own outcome. */
    private void lead() {
        leader.lead();
    }

    boolean hasPublishedWork() {
        return leader.hasPublishedWork();
    }

    /** Background thread, after a full fence: whether it should take the role (work published, role free). */
    boolean workForBackground() {
        return role.isFree() && hasPublishedWork();
    }

    /** Tests only: {@code hook} runs on every role holder right before it releases the role. */
    void beforeRoleRelease(Runnable hook) {
        role.beforeRelease(hook);
    }

    /** Tests only: whether the background thread waits for a nudge. */
    boolean backgroundIdle() {
        return background.isIdle();
    }

    /** Tests only: the ring, where a test holds a slot claimed and unpublished, as a publisher between the two. */
    RingBuffer<WriteEvent> ring() {
        return ring;
    }

    /** Tests only: the background thread. */
    Thread backgroundThread() {
        return background.thread();
    }

    // ---------------------------------------------------------------- publishing

    /**
     * Publishes one operation. With {@code lead} (blocking calls and writer tasks) the caller then
     * drains if the role is free; an asynchronous write leads only when its caller is completing the
     * pipeline's futures (a dependent action, which may join the future it gets) and otherwise wakes
     * the background thread if the role is free, so an asynchronous load keeps its large groups.
     */
    @SuppressWarnings("unchecked")
    private <T> CompletableFuture<T> publish(boolean lead, WriteEvent.Type type, long key, long value, byte[] keyBytes,
                                             byte[] valueBytes, WriteBatch batch, Callable<?> task) {
        CompletableFuture<Object> f = new CompletableFuture<>();
        inFlight.incrementAndGet();
        try {
            checkPublishable(type);
            long seq = claim();
            ring.get(seq).set(type, key, value, keyBytes, valueBytes, batch, task, f);
            ring.publish(seq);
        } finally {
            inFlight.decrementAndGet();
        }
        if (lead || DeferredCompletions.completingHere()) {
            leadIfFree();
        } else {
            afterAsyncPublish();
        }
        return (CompletableFuture<T>) (CompletableFuture<?>) f;
    }

    /** An asynchronous publisher, after its publish: the background thread drains it if the role is free. */
    void afterAsyncPublish() {
        VarHandle.fullFence();
        if (role.isFree()) {
            background.nudge();
        }
    }

    /** Publishes entries {@code from .. to-1} of {@code flush} as one group ({@link BulkFlush#putAll}), then leads if the role is free. */
    void publishBulk(BulkFlush flush, int from, int to) {
        inFlight.incrementAndGet();
        try {
            checkPublishable(WriteEvent.Type.BULK);
            long seq = claim();
            ring.get(seq).setBulk(flush, from, to);
            ring.publish(seq);
        } finally {
            inFlight.decrementAndGet();
        }
        lead();
    }

    /** Publishes a long operation completed through the calling thread's reusable {@link Waiter}; the caller leads next. */
    private Waiter publishWaiting(WriteEvent.Type type, long key, long value) {
        inFlight.incrementAndGet();
        try {
            checkPublishable(type);
            Waiter w = Waiter.arm(leader);
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

    private void checkPublishable(WriteEvent.Type type) {
        if (role.heldByCurrentThread()) {
            throw new IllegalStateException("a write from inside a writer task would wait for the writer role its own "
                    + "thread holds; write from a dependent action of the task's future instead");
        }
        if (closed) {
            throw new IllegalStateException("the write pipeline is closed");
        }
        if (type != WriteEvent.Type.TASK) {
            checkWritable();
        }
    }

    /**
     * Reads the caller's outcome from its waiter, then completes the futures it committed as leader:
     * in that order, because a dependent action's blocking write on this thread re-arms the same waiter.
     */
    private static boolean awaitThenComplete(Waiter w) throws IOException {
        try {
            return w.await();
        } catch (IOException | RuntimeException | Error e) {
            throw e;
        } catch (Throwable t) {
            throw new IOException(t);
        } finally {
            DeferredCompletions.mine().run();
        }
    }

    private long claim() {
        return RingClaim.claim(ring, config.publishTimeoutNanos());
    }

    /**
     * Waits without being interruptible (the operation is in the ring either way) and unwraps the outcome; leads the
     * next group meanwhile if it finds the role free with work published, as a blocking {@code long} call does.
     */
    private Object await(CompletableFuture<?> f) throws IOException {
        CallerSpin.spinUntil(f, CompletableFuture::isDone);
        while (!f.isDone() && leader.mayLead()) {
            leadIfFree();
        }
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

    /**
     * Whether the calling thread holds the writer role (it runs a {@link #runOnWriter} task or the
     * {@link BatchListener}), so no other write of this pipeline runs meanwhile.
     *
     * @return true inside a writer task or the listener
     */
    public boolean onWriterThread() {
        return role.heldByCurrentThread();
    }

    /**
     * Turns the pipeline read-only (a writer task whose checkpoint failed uses it): nothing is
     * acknowledged after an I/O failure.
     *
     * @param cause the failure, kept if it is the first
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
}
