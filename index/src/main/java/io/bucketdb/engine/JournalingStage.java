package io.bucketdb.engine;

import io.bucketdb.WriteBatch;
import io.bucketdb.pipeline.BulkFlush;
import io.bucketdb.pipeline.JournalStage;
import io.bucketdb.pipeline.WriteEvent;
import io.bucketdb.recovery.JournalRecord;
import io.bucketdb.recovery.JournalWriter;
import io.bucketdb.table.GrowthMarkers;

import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.util.List;

/**
 * The only writer of a writable index's journal: every append, commit (flush or force), recycle and close of its
 * {@link JournalWriter} goes through here. Three callers, all holding the writer role (or, after the pipeline
 * closed, the closing thread), so one at a time: the write pipeline hands it each group's operations
 * ({@link JournalStage}); the table's growth steps reach it as markers while apply runs ({@link GrowthMarkers.Sink});
 * the map view's atomic operations journal their writes here ({@link #put}, {@link #delete}); and the checkpoint
 * scheduler and close sequence force, recycle and close it. One call alone runs outside the role: {@code ASYNC}'s
 * periodic force ({@link #forceWritten}), on the scheduler's timer thread, which the journal makes safe beside the
 * role's appends.
 */
public final class JournalingStage implements JournalStage, GrowthMarkers.Sink {
    private final JournalWriter journal;
    private final boolean sync;

    /**
     * Wraps the journal an open made ready.
     *
     * @param journal the journal
     * @param sync    whether a commit forces ({@code SYNC}) or only writes ({@code ASYNC})
     */
    public JournalingStage(JournalWriter journal, boolean sync) {
        this.journal = journal;
        this.sync = sync;
    }

    @Override
    public void append(WriteEvent e) throws IOException {
        // One pipeline operation as journal records; a batch between its begin and commit records.
        switch (e.type()) {
            case PUT_LONG -> journal.appendPutLong(e.key(), e.value());
            case DELETE_LONG -> journal.appendDeleteLong(e.key());
            case PUT_BYTES -> journal.appendPut(e.keyBytes(), e.valueBytes());
            case DELETE_BYTES -> journal.appendDelete(e.keyBytes());
            case BATCH -> {
                journal.append(new JournalRecord.BatchBegin(e.batch().size()));
                for (WriteBatch.Op op : e.batch().ops()) {
                    switch (op) {
                        case WriteBatch.PutLong p -> journal.appendPutLong(p.key(), p.value());
                        case WriteBatch.DeleteLong d -> journal.appendDeleteLong(d.key());
                        case WriteBatch.Put p -> journal.appendPut(p.key(), p.value());
                        case WriteBatch.Delete d -> journal.appendDelete(d.key());
                    }
                }
                journal.append(new JournalRecord.BatchCommit());
            }
            case BULK -> appendBulk(e.bulk(), e.bulkFrom(), e.bulkTo());
            case TASK -> throw new AssertionError("tasks are not journaled");
        }
    }

    /**
     * One group of a bulk flush: a plain PUT record per entry, in order, with no batch frame, so replay applies
     * exactly the entries whose records survived: a prefix of the flush (the journal is replayed up to its first
     * invalid record). Allocates nothing per entry.
     */
    private void appendBulk(BulkFlush flush, int from, int to) throws IOException {
        if (flush.isLongs()) {
            for (int i = from; i < to; i++) {
                journal.appendPutLong(flush.longKey(i), flush.longValue(i));
            }
            return;
        }
        MemorySegment keys = flush.keySegment();
        MemorySegment values = flush.valueSegment();
        for (int i = from; i < to; i++) {
            journal.appendPut(keys, flush.keyStart(i), flush.keyLength(i), values, flush.valueStart(i), flush.valueLength(i));
        }
    }

    @Override
    public void endOfBatch(boolean sync) throws IOException {
        commit();
    }

    @Override
    public void appendMarker(JournalRecord marker) throws IOException {
        journal.append(marker);
    }

    @Override
    public void appendEvacuated(long oldBucket) throws IOException {
        journal.appendEvacuated(oldBucket);
    }

    /**
     * A put journaled and committed by the role holder itself (the map view's atomic operations).
     *
     * @param key   the key
     * @param value the value
     * @throws IOException if the journal fails
     */
    public void put(byte[] key, byte[] value) throws IOException {
        journal.appendPut(key, value);
        commit();
    }

    /**
     * A delete journaled and committed by the role holder itself; see {@link #put}.
     *
     * @param key the key
     * @throws IOException if the journal fails
     */
    public void delete(byte[] key) throws IOException {
        journal.appendDelete(key);
        commit();
    }

    /**
     * Deletes journaled by the role holder itself and committed once for all of them (the map view's {@code clear}):
     * one force, not one per key. Without a batch frame, so replay applies a prefix of them, as it would of the
     * same deletes committed one by one.
     *
     * @param keys the keys
     * @throws IOException if the journal fails
     */
    public void deleteAll(List<byte[]> keys) throws IOException {
        for (byte[] key : keys) {
            journal.appendDelete(key);
        }
        commit();
    }

    /** Makes what the journal holds acknowledged-safe per the durability mode: forced (SYNC) or written (ASYNC). */
    private void commit() throws IOException {
        if (sync) {
            journal.sync();
        } else {
            journal.flush();
        }
    }

    /** Forces everything appended (writer role): before a checkpoint names the last LSN. */
    void force() throws IOException {
        journal.sync();
    }

    /**
     * Writer role, before a checkpoint begins at {@link #lastLsn}: hands every record appended (growth markers of the
     * last group included) to the file system, without forcing; the checkpoint's own thread forces
     * ({@link #forceThrough}).
     *
     * @throws IOException if the write fails
     */
    void write() throws IOException {
        journal.flush();
    }

    /**
     * Any thread: makes every record up to {@code lsn} durable, forcing beside the role if it is not yet (what a
     * background checkpoint does before it writes; see {@link io.bucketdb.recovery.Checkpointer.JournalForce}).
     * Records up to {@code lsn} must have been written ({@link #write}).
     *
     * @param lsn the LSN to make durable
     * @throws IOException if the force fails, or failed earlier, or the journal was closed first; after a failed force
     *                     the journal stays failed, so the role's next write throws and the index turns read-only
     */
    void forceThrough(long lsn) throws IOException {
        if (journal.durableLsn() >= lsn) {
            return;
        }
        journal.forceWritten();
        long durable = journal.durableLsn();
        if (durable < lsn) {
            throw new IOException("the journal is not durable through LSN " + lsn + " (durable through " + durable
                    + ", written through " + journal.writtenLsn() + "): closed or failed meanwhile");
        }
    }

    /**
     * {@code ASYNC}'s periodic force, on the timer thread beside the writer role: forces what the journal had written
     * when it began (every acknowledged write), while the role goes on appending; see
     * {@link JournalWriter#forceWritten()}.
     *
     * @throws IOException if the force fails (or failed earlier); the index must then turn read-only
     */
    void forceWritten() throws IOException {
        journal.forceWritten();
    }

    /** {@return the LSN of the last record appended} */
    long lastLsn() {
        return journal.lastLsn();
    }

    /** {@return the LSN of the last record written (every acknowledged write is at or below it)} */
    public long writtenLsn() {
        return journal.writtenLsn();
    }

    /** {@return the bytes appended since open, for the journal-size checkpoint trigger} */
    long bytesAppended() {
        return journal.bytesAppended();
    }

    /** Recycles the segments a checkpoint at {@code lsn} covers. */
    void recycleBelow(long lsn) throws IOException {
        journal.recycleBelow(lsn);
    }

    /** Closes after a clean checkpoint at {@code lsn}, dropping the journal it covers. */
    void closeAfterCheckpoint(long lsn) throws IOException {
        journal.closeAfterCheckpoint(lsn);
    }

    /** Closes writing nothing, after a failure. */
    void abandon() throws IOException {
        journal.abandon();
    }
}
