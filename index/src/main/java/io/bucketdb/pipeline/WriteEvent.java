package io.bucketdb.pipeline;

import io.bucketdb.WriteBatch;

import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;

/**
 * A preallocated, mutable ring entry. A producer fills it between claiming and publishing its
 * sequence; the holder of the writer role reads it, journals it and applies it (one holder does both,
 * for its whole group: {@link GroupCommit}; there are no separate journal and apply threads), may set
 * {@link #failure}, completes the caller and clears the references. Plain fields are enough: each hand-off is ordered (the
 * producer's publish is a release store that the role holder reads with acquire; the consumed
 * sequence, set with a release store after the group, gates the producer's next claim of the slot).
 *
 * <p>The getters are for {@link JournalStage} implementations, valid only during
 * {@link JournalStage#append}.
 */
public final class WriteEvent {
    /** What an event asks for. */
    public enum Type {
        PUT_LONG, DELETE_LONG, PUT_BYTES, DELETE_BYTES, BATCH, TASK,
        /** Entries {@code bulkFrom .. bulkTo-1} of a {@link BulkFlush}: puts, journaled and applied as a group of their own. */
        BULK
    }

    Type type;
    long key;
    long value;
    byte[] keyBytes;
    byte[] valueBytes;
    WriteBatch batch;
    Callable<?> task;
    CompletableFuture<Object> future;
    /** Instead of {@link #future}, for the blocking long calls: the caller's reusable waiter. */
    Waiter waiter;
    /** Instead of {@link #future}, for {@link Type#BULK}: the flush whose entries {@link #bulkFrom} .. {@link #bulkTo}-1 this is. */
    BulkFlush bulk;
    int bulkFrom;
    int bulkTo;
    /** Set by the role holder when the journal did not take this event (so it must not be applied); read by it when it applies the group. */
    Throwable failure;

    WriteEvent() {
    }

    void set(Type type, long key, long value, byte[] keyBytes, byte[] valueBytes, WriteBatch batch, Callable<?> task,
             CompletableFuture<Object> future) {
        this.type = type;
        this.key = key;
        this.value = value;
        this.keyBytes = keyBytes;
        this.valueBytes = valueBytes;
        this.batch = batch;
        this.task = task;
        this.future = future;
        this.waiter = null;
        this.bulk = null;
        this.failure = null;
    }

    /** Fills a {@link Type#BULK} entry: entries {@code from .. to-1} of {@code flush}, completed through it. */
    void setBulk(BulkFlush flush, int from, int to) {
        set(Type.BULK, 0, 0, null, null, null, null, null);
        this.bulk = flush;
        this.bulkFrom = from;
        this.bulkTo = to;
    }

    /** Drops the references so a recycled slot keeps no caller data alive. */
    void clear() {
        keyBytes = null;
        valueBytes = null;
        batch = null;
        task = null;
        future = null;
        waiter = null;
        bulk = null;
        failure = null;
    }

    public Type type() {
        return type;
    }

    /** The key of {@link Type#PUT_LONG} and {@link Type#DELETE_LONG}. */
    public long key() {
        return key;
    }

    /** The value of {@link Type#PUT_LONG}. */
    public long value() {
        return value;
    }

    /** The key of {@link Type#PUT_BYTES} and {@link Type#DELETE_BYTES}; do not modify. */
    public byte[] keyBytes() {
        return keyBytes;
    }

    /** The value of {@link Type#PUT_BYTES}; do not modify. */
    public byte[] valueBytes() {
        return valueBytes;
    }

    /** The operations of {@link Type#BATCH}. */
    public WriteBatch batch() {
        return batch;
    }

    /** The flush a {@link Type#BULK} entry takes its entries from. */
    public BulkFlush bulk() {
        return bulk;
    }

    /** The first entry of {@link #bulk()} this {@link Type#BULK} entry holds. */
    public int bulkFrom() {
        return bulkFrom;
    }

    /** The entry after the last of {@link #bulk()} this {@link Type#BULK} entry holds. */
    public int bulkTo() {
        return bulkTo;
    }
}
