package io.bucketdb.pipeline;

import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.Objects;
import java.util.concurrent.locks.LockSupport;

/**
 * The entries of one bulk flush and its one completion, reused flush after flush by one loader thread
 * ({@code io.bucketdb.BulkLoad}). Entries are puts held in arrays the loader owns or the caller lends: 8-byte
 * keys and values as two {@code long[]}, or byte keys and values packed into two {@code byte[]} with an
 * end offset per entry. {@link #putAll} publishes the flush as ring entries of at most
 * {@link #GROUP} entries each ({@link WriteEvent.Type#BULK}); every such entry is
 * journaled and applied as a group of its own, and its holder of the writer role calls {@link #groupDone}.
 *
 * <p>Completion protocol (as {@link Waiter}'s, with a count): the loader thread sets the number of ring
 * entries with a plain store before it publishes the first (the publish is a release store the role
 * holder reads with acquire). A role holder records a failure in a plain field, adds the group's new keys
 * in a plain field, then decrements the count with a volatile get-and-add; holders follow one another
 * through the writer role's CAS and release, so those plain fields are written by one thread at a time
 * in order. The loader reads the count with acquire loads: once it is zero it sees every holder's fields,
 * and every table change they made.
 */
public final class BulkFlush {
    /**
     * The most entries of a flush in one group: bounds how long one group holds the writer role (a few hundred
     * microseconds of puts) and the journal buffer, while a write and a completion per group stay cheap.
     */
    public static final int GROUP = 4096;
    private static final VarHandle PENDING;

    static {
        try {
            PENDING = MethodHandles.lookup().findVarHandle(BulkFlush.class, "pending", int.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    private final Thread owner;
    private long[] longKeys;
    private long[] longValues;
    private byte[] keyBytes;
    private int[] keyEnds;
    private byte[] valueBytes;
    private int[] valueEnds;
    private MemorySegment keySegment;
    private MemorySegment valueSegment;
    @SuppressWarnings("unused") // through PENDING
    private int pending;
    private Throwable failure;
    private long added;
    private int groupsApplied;

    /** A flush owned by the calling thread, which alone may {@link #await} it. */
    public BulkFlush() {
        this.owner = Thread.currentThread();
    }

    /**
     * Holds 8-byte puts: entry {@code i} is {@code keys[i] → values[i]}. Kept by reference until the flush
     * is acknowledged.
     *
     * @param keys   the keys
     * @param values the values, as many as the keys
     */
    public void useLongs(long[] keys, long[] values) {
        this.longKeys = Objects.requireNonNull(keys, "keys");
        this.longValues = Objects.requireNonNull(values, "values");
        this.keyBytes = null;
        this.valueBytes = null;
    }

    /**
     * Holds byte puts: entry {@code i}'s key is {@code keys[keyEnds[i-1] .. keyEnds[i])} (from 0 for
     * entry 0), its value likewise in {@code values}. Kept by reference until the flush is acknowledged.
     *
     * @param keys      the keys, back to back
     * @param keyEnds   where each entry's key ends in {@code keys}
     * @param values    the values, back to back
     * @param valueEnds where each entry's value ends in {@code values}
     */
    public void useBytes(byte[] keys, int[] keyEnds, byte[] values, int[] valueEnds) {
        this.keyBytes = Objects.requireNonNull(keys, "keys");
        this.keyEnds = Objects.requireNonNull(keyEnds, "keyEnds");
        this.valueBytes = Objects.requireNonNull(values, "values");
        this.valueEnds = Objects.requireNonNull(valueEnds, "valueEnds");
        this.keySegment = MemorySegment.ofArray(keys);
        this.valueSegment = MemorySegment.ofArray(values);
        this.longKeys = null;
        this.longValues = null;
    }

    /** {@return whether the entries are 8-byte puts ({@link #useLongs})} */
    public boolean isLongs() {
        return longKeys != null;
    }

    /**
     * {@return the key of entry {@code i} of an 8-byte flush}
     *
     * @param i the entry
     */
    public long longKey(int i) {
        return longKeys[i];
    }

    /**
     * {@return the value of entry {@code i} of an 8-byte flush}
     *
     * @param i the entry
     */
    public long longValue(int i) {
        return longValues[i];
    }

    /** {@return all the key bytes of a byte flush, entries back to back; do not modify} */
    public MemorySegment keySegment() {
        return keySegment;
    }

    /** {@return all the value bytes of a byte flush, entries back to back; do not modify} */
    public MemorySegment valueSegment() {
        return valueSegment;
    }

    /**
     * {@return where entry {@code i}'s key starts in {@link #keySegment}}
     *
     * @param i the entry
     */
    public int keyStart(int i) {
        return i == 0 ? 0 : keyEnds[i - 1];
    }

    /**
     * {@return the length of entry {@code i}'s key}
     *
     * @param i the entry
     */
    public int keyLength(int i) {
        return keyEnds[i] - keyStart(i);
    }

    /**
     * {@return where entry {@code i}'s value starts in {@link #valueSegment}}
     *
     * @param i the entry
     */
    public int valueStart(int i) {
        return i == 0 ? 0 : valueEnds[i - 1];
    }

    /**
     * {@return the length of entry {@code i}'s value}
     *
     * @param i the entry
     */
    public int valueLength(int i) {
        return valueEnds[i] - valueStart(i);
    }

    // ---------------------------------------------------------------- publishing and completion

    /**
     * Puts entries {@code from .. to-1} and waits until all are acknowledged per the durability mode. They are
     * published as ring entries of at most {@link #GROUP} entries, each journaled and applied as a group of its
     * own (one journal write and, in {@code SYNC}, one force each), so the writer role is never held for more
     * than one of them and other writers' operations land between them; the calling thread leads after each
     * publish if the role is free, so a lone loader pays no thread hand-off. Entries apply in order (a key
     * repeated ends with its last value); readers may see part of a flush. Checks no entry: the caller has.
     *
     * @param pipeline the pipeline to write through
     * @param from     the first entry
     * @param to       the entry after the last
     * @return the keys that were new
     * @throws IOException if a group failed (journal or table I/O): the groups before it are applied and
     *                     journaled, none after it, and the pipeline is read-only
     * @throws IllegalStateException if the pipeline is closed or read-only, or turned so part-way (then the
     *                     message says how many groups were applied)
     */
    public long putAll(WritePipeline pipeline, int from, int to) throws IOException {
        if (owner != Thread.currentThread()) {
            throw new IllegalStateException("a bulk flush is awaited by the thread that made it, " + owner.getName());
        }
        if (from >= to) {
            return 0;
        }
        int groups = (int) (((long) to - from + GROUP - 1) / GROUP);
        arm(groups);
        int published = 0;
        try {
            for (int start = from; start < to; start += GROUP) {
                pipeline.publishBulk(this, start, (int) Math.min(to, (long) start + GROUP));
                published++;
            }
        } catch (RuntimeException | Error e) {
            // Refused part-way (closed, failed or full meanwhile): wait for what is in the ring, then say so.
            withdraw(groups - published);
            await();
            DeferredCompletions.mine().run();
            if (failure == null) {
                if (published > 0) {
                    e.addSuppressed(new IllegalStateException(groupsApplied + " of the first " + published
                            + " groups of this flush were applied before the rest was refused"));
                }
                throw e;
            }
            // A group of this flush failed first (which is why the rest was refused): report that failure.
            return outcome(groups);
        }
        await();
        // The futures of other callers this thread completed as their leader.
        DeferredCompletions.mine().run();
        return outcome(groups);
    }

    /** The result of a flush of {@code groups} groups that all completed: its new keys, or its first failure. */
    private long outcome(int groups) throws IOException {
        Throwable t = failure;
        if (t == null) {
            return added;
        }
        String what = "bulk flush failed after " + groupsApplied + " of its " + groups + " groups (of at most " + GROUP
                + " entries) were applied: ";
        if (t instanceof IOException io) {
            throw new IOException(what + io.getMessage(), io);
        }
        if (t instanceof IllegalStateException ise) {
            throw new IllegalStateException(what + ise.getMessage(), ise);
        }
        if (t instanceof Error err) {
            throw err;
        }
        throw new IOException(what + t, t);
    }

    /** Loader thread, before the first publish: {@code groups} ring entries will complete this flush. */
    void arm(int groups) {
        failure = null;
        added = 0;
        groupsApplied = 0;
        PENDING.setRelease(this, groups);
    }

    /** Loader thread: {@code groups} ring entries armed for were never published (the publish threw). */
    void withdraw(int groups) {
        PENDING.getAndAdd(this, -groups);
    }

    /**
     * Role holder: one ring entry of this flush is done, {@code newKeys} keys added, or failed with
     * {@code t} (none of its entries applied, or, for a table failure, a prefix of them).
     */
    void groupDone(long newKeys, Throwable t) {
        if (t == null) {
            added += newKeys;
            groupsApplied++;
        } else if (failure == null) {
            failure = t;
        }
        if ((int) PENDING.getAndAdd(this, -1) == 1) {
            LockSupport.unpark(owner);
        }
    }

    private boolean isDone() {
        return (int) PENDING.getAcquire(this) == 0;
    }

    /** Loader thread: waits (uninterruptibly, the entries are in the ring) until every published group is done. */
    void await() {
        CallerSpin.spinUntil(this, BulkFlush::isDone);
        boolean interrupted = false;
        while (!isDone()) {
            interrupted |= Thread.interrupted(); // else the park returns at once: see Waiter.await
            LockSupport.park(this);
        }
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
    }

    /** {@return the keys the last flush added (new keys, not overwrites)} Valid after {@link #await}. */
    public long added() {
        return added;
    }

    /** Drops the references to the entries, so a loader's finished flush keeps no caller arrays alive. */
    public void release() {
        longKeys = null;
        longValues = null;
        keyBytes = null;
        keyEnds = null;
        valueBytes = null;
        valueEnds = null;
        keySegment = null;
        valueSegment = null;
    }
}
