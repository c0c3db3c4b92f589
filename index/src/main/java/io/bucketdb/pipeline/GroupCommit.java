package io.bucketdb.pipeline;

import com.lmax.disruptor.RingBuffer;
import io.bucketdb.table.HashTable;

import java.io.IOException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicLong;

/**
 * One group of ring entries, committed by the holder of the {@link WriterRole} (a caller leading
 * its group, or the background thread):
 * <ol>
 *   <li>hands every write to {@link JournalStage#append}, then calls {@link JournalStage#endOfBatch}
 *       once: one write and, in {@code SYNC}, one force for the whole group;</li>
 *   <li>applies the writes in sequence order and completes each one right after applying it: a
 *       blocking caller's {@link Waiter} at once, a future through {@link DeferredCompletions}, once
 *       the role is released;</li>
 *   <li>runs the group's writer tasks and then {@link WritePipeline.BatchListener#afterBatch}.</li>
 * </ol>
 * Journal and apply happen in one holder on purpose: growth steps that applying a write takes are
 * journaled as markers while apply runs (the table's growth markers go to the same journal stage,
 * the engine's one writer of the journal), so they land right after the writes that caused them, and at the end of a group everything journaled has been applied, so a checkpoint taken there
 * covers exactly the journal up to its last LSN. Its state is the role's: one holder at a time uses
 * it, and the role's CAS and release order each holder after the previous one.
 */
final class GroupCommit {
    private final WritePipeline pipeline;
    private final RingBuffer<WriteEvent> ring;
    private final HashTable table;
    private final JournalStage journal;
    private final BatchGate gate;
    private final boolean sync;
    private final BatchSizeHistogram batchSizes;
    private final WritePipeline.BatchListener listener;
    /** Futures queued for completion and not yet completed; close() waits for zero. */
    private final AtomicLong pendingFutures;
    private IOException groupError;
    /**
     * The holders' own apply failure. A journal failure marks exactly the writes it did not make
     * durable; a write whose group was made durable is still applied and acknowledged.
     */
    private Throwable applyFailure;

    GroupCommit(WritePipeline pipeline, RingBuffer<WriteEvent> ring, HashTable table, JournalStage journal, BatchGate gate,
                boolean sync, BatchSizeHistogram batchSizes, WritePipeline.BatchListener listener, AtomicLong pendingFutures) {
        this.pipeline = pipeline;
        this.ring = ring;
        this.table = table;
        this.journal = journal;
        this.gate = gate;
        this.sync = sync;
        this.batchSizes = batchSizes;
        this.listener = listener;
        this.pendingFutures = pendingFutures;
    }

    /** Role holder: commits the published entries {@code from..to}. Never throws; every entry is completed. */
    void commit(long from, long to) {
        DeferredCompletions deferred = DeferredCompletions.mine();
        try {
            commit(from, to, deferred);
        } catch (Throwable t) {
            // Only a bug or a VM error gets here: fail what is not completed, so no caller waits forever.
            pipeline.fail(t);
            for (long s = from; s <= to; s++) {
                WriteEvent e = ring.get(s);
                if (e.waiter != null || e.future != null || e.bulk != null) {
                    fail(e, t, deferred);
                    e.clear();
                }
            }
        }
    }

    private void commit(long from, long to, DeferredCompletions deferred) {
        groupError = null;
        int appended = 0;
        int writes = 0;
        for (long s = from; s <= to; s++) {
            WriteEvent e = ring.get(s);
            if (e.type == WriteEvent.Type.TASK) {
                continue;
            }
            writes += e.type == WriteEvent.Type.BULK ? e.bulkTo - e.bulkFrom : 1; // a bulk group counts its entries
            Throwable f = pipeline.failure();
            if (groupError != null) {
                e.failure = groupError;
            } else if (f != null) {
                e.failure = WritePipeline.readOnly(f);
            } else {
                try {
                    journal.append(e);
                    appended++;
                } catch (Throwable t) {
                    failGroup(from, s, t);
                }
            }
        }
        if (groupError == null && appended > 0) {
            try {
                journal.endOfBatch(sync);
            } catch (Throwable t) {
                failGroup(from, to, t);
            }
        }
        if (writes > 0) {
            batchSizes.record(writes);
        }
        for (long s = from; s <= to; s++) {
            WriteEvent e = ring.get(s);
            if (e.type != WriteEvent.Type.TASK) {
                applyOne(e, deferred);
            }
        }
        // Tasks and the listener run when everything journaled in this group has been applied.
        for (long s = from; s <= to; s++) {
            WriteEvent e = ring.get(s);
            if (e.type == WriteEvent.Type.TASK) {
                runTask(e, deferred);
            }
        }
        if (pipeline.failure() == null) {
            try {
                listener.afterBatch();
            } catch (Throwable t) {
                applyFailure = t;
                pipeline.fail(t);
            }
        }
    }

    /** Fails every write of the current group up to {@code seq}: none of them is applied. */
    private void failGroup(long from, long seq, Throwable t) {
        IOException io = t instanceof IOException x ? x : new IOException("journal failed: " + t, t);
        pipeline.fail(io);
        groupError = io;
        for (long s = from; s <= seq; s++) {
            WriteEvent e = ring.get(s);
            if (e.type != WriteEvent.Type.TASK) {
                e.failure = io;
            }
        }
    }

    private void applyOne(WriteEvent e, DeferredCompletions deferred) {
        try {
            if (e.failure != null) {
                fail(e, e.failure, deferred);
            } else if (applyFailure != null) {
                fail(e, WritePipeline.readOnly(applyFailure), deferred);
            } else {
                Object result;
                try {
                    result = apply(e);
                } catch (Throwable t) {
                    applyFailure = t;
                    pipeline.fail(t);
                    fail(e, t, deferred);
                    return;
                }
                if (e.waiter != null) {
                    e.waiter.complete((Boolean) result);
                } else if (e.bulk != null) {
                    e.bulk.groupDone((Long) result, null);
                } else {
                    complete(e.future, result, null, deferred);
                }
            }
        } finally {
            e.clear();
        }
    }

    private void fail(WriteEvent e, Throwable t, DeferredCompletions deferred) {
        pipeline.reportFailure();
        if (e.waiter != null) {
            e.waiter.fail(t);
        } else if (e.bulk != null) {
            e.bulk.groupDone(0, t);
        } else {
            complete(e.future, null, t, deferred);
        }
    }

    private void complete(CompletableFuture<?> f, Object result, Throwable t, DeferredCompletions deferred) {
        pendingFutures.incrementAndGet();
        deferred.add(f, result, t, pendingFutures);
    }

    private void runTask(WriteEvent e, DeferredCompletions deferred) {
        try {
            Object r;
            try {
                r = e.task.call();
            } catch (Throwable t) {
                complete(e.future, null, t, deferred);
                return;
            }
            complete(e.future, r, null, deferred);
        } finally {
            e.clear();
        }
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
            case BULK -> BatchApplier.applyBulk(table, e.bulk, e.bulkFrom, e.bulkTo);
            case TASK -> throw new AssertionError("tasks are not applied");
        };
    }
}
