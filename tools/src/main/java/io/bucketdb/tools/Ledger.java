package io.bucketdb.tools;

import io.bucketdb.BucketDB;
import io.bucketdb.Cursor;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.BitSet;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * crashtest's record of what the index must hold: per key, the state its last acknowledged operation left
 * (a version, or absent), and the operations announced since but not acknowledged (in flight), single or in
 * {@link io.bucketdb.WriteBatch}es. After a kill, {@link #check} compares a recovered index with it: a key
 * must hold its acknowledged state or the effect of its operations in flight (either outcome is allowed for
 * those), a batch in flight took effect on all of its keys or on none, and nothing else is there.
 *
 * <p>The writers append every announcement and acknowledgement to a ledger file ({@link LedgerFile}), which
 * survives SIGKILL; this class is fed from that file after each kill, never from the child's stdout pipe
 * (whose last lines can be lost when the child dies, which would look like lost writes).
 *
 * <p>Operations on one key are published by one writer thread in sequence order (see {@link ChurnWriter}),
 * so they reach the journal in that order: once an operation is acknowledged, an older one of its key can
 * never be what recovery shows, and a key's recovered state is its acknowledged state followed by a prefix
 * of its operations in flight.
 *
 * <p>Not thread-safe: fed and checked by one thread.
 */
final class Ledger {
    /** The most problems a check describes one by one; the counts are always complete. */
    static final int MAX_DETAILS = 20;

    /** A check's outcome. {@code tornBatches} counts batches in flight that took effect on some of their keys only. */
    record Check(long acknowledgedChecked, long inFlight, long inFlightTookEffect, long lost, long wrong,
                 long tornBatches, long entries, List<String> problems) {
        boolean ok() {
            return lost == 0 && wrong == 0 && tornBatches == 0;
        }
    }

    /** What a recovered index holds, as the check reads it: the open index itself, or what a writer read from it. */
    interface View {
        /** What {@code key} holds: its tag, 0 when absent, -1 for bytes no version of any key has. */
        long read(long key);

        /** The number of entries the index reports. */
        long size();

        /** Problems the view found itself (a cursor that disagrees with lookups), one line each; empty if none. */
        List<String> ownProblems();

        /** Up to three keys in the index outside {@code 0..keyEnd-1} (no writer touched them). */
        long[] strangers(long keyEnd);

        /** The view of an open index with 8-byte keys and values of {@code valueWidth} bytes. */
        static View of(BucketDB db, int valueWidth) {
            return new View() {
                @Override
                public long read(long key) {
                    return Ledger.read(db, key, valueWidth);
                }

                @Override
                public long size() {
                    return db.size();
                }

                @Override
                public List<String> ownProblems() {
                    return List.of();
                }

                @Override
                public long[] strangers(long keyEnd) {
                    return Ledger.strangers(db, keyEnd);
                }
            };
        }
    }

    /** An operation in flight: its sequence number, key, whether a delete, and its batch's id (0: none). */
    private record Op(long seq, long key, boolean delete, long batch) {
    }

    private final int keyCap;
    /** The tag the key must hold (0: absent). */
    private final long[] state;
    /** The sequence number of the operation that set {@link #state}, 0 if none did. */
    private final long[] since;
    /** Keys that ever had an acknowledged operation. */
    private final BitSet acknowledgedKeys = new BitSet();
    /** In flight, by sequence number. */
    private final Map<Long, Op> pending = new HashMap<>();
    /** Batches in flight: id (its first operation's sequence number) -> its operations' sequence numbers, in order. */
    private final Map<Long, long[]> pendingBatches = new HashMap<>();
    private long keyEnd;
    private long nextSeq = 1;
    /** Per residue t of {@link ChurnWriter#THREADS}: the next sequence number = t mod THREADS above all announced ones. */
    private final long[] nextSeqs = new long[ChurnWriter.THREADS];
    private long puts;
    private long deletes;
    private long batches;
    private long batchOps;
    private long acknowledged;
    private long overwrites;

    /** A ledger for keys {@code 0..keyCap-1}, all absent. */
    Ledger(int keyCap) {
        for (int t = 0; t < nextSeqs.length; t++) {
            nextSeqs[t] = t == 0 ? nextSeqs.length : t;
        }
        this.keyCap = keyCap;
        this.state = new long[keyCap];
        this.since = new long[keyCap];
    }

    /** A writer announced operation {@code seq}: a put of version seq of {@code key}, or a delete of it. */
    void intent(long seq, long key, boolean delete) {
        announce(seq, key, delete, 0);
    }

    /**
     * A writer announced a batch: operation {@code seqs[i]} puts version seqs[i] of {@code keys[i]}, or deletes
     * it; the batch's id, which its acknowledgement names, is {@code seqs[0]}.
     */
    void batch(long[] seqs, long[] keys, boolean[] deletes) {
        if (seqs.length == 0 || seqs.length != keys.length || seqs.length != deletes.length) {
            throw new IllegalStateException("writer announced a malformed batch of " + seqs.length + " operations");
        }
        for (int i = 0; i < seqs.length; i++) {
            if (i > 0 && seqs[i] <= seqs[i - 1]) {
                throw new IllegalStateException("writer announced batch " + seqs[0] + " with sequence numbers out of order");
            }
            announce(seqs[i], keys[i], deletes[i], seqs[0]);
        }
        pendingBatches.put(seqs[0], seqs.clone());
        batches++;
        batchOps += seqs.length;
    }

    private void announce(long seq, long key, boolean delete, long batch) {
        if (key < 0 || key >= keyCap || seq < 1 || seq >= CrashValue.SEQ_LIMIT) {
            throw new IllegalStateException("writer announced an impossible operation: seq " + seq + ", key " + key);
        }
        if (pending.put(seq, new Op(seq, key, delete, batch)) != null) {
            throw new IllegalStateException("writer announced operation " + seq + " twice");
        }
        keyEnd = Math.max(keyEnd, key + 1);
        nextSeq = Math.max(nextSeq, seq + 1);
        int t = (int) (seq % nextSeqs.length);
        nextSeqs[t] = Math.max(nextSeqs[t], seq + nextSeqs.length);
        if (delete) {
            deletes++;
        } else {
            puts++;
        }
    }

    /** A writer reported operation {@code seq} acknowledged, or the batch whose id is {@code seq}. */
    void ack(long seq) {
        long[] batch = pendingBatches.remove(seq);
        if (batch == null) {
            Op op = pending.get(seq);
            if (op == null || op.batch != 0) {
                throw new IllegalStateException("writer acknowledged operation " + seq + ", which it never announced on its own");
            }
            settle(seq);
            return;
        }
        for (long s : batch) {
            settle(s);
        }
    }

    private void settle(long seq) {
        Op op = pending.remove(seq);
        int key = (int) op.key;
        if (seq > since[key]) {
            if (!op.delete && state[key] != 0) {
                overwrites++;
            }
            state[key] = op.delete ? 0 : CrashValue.tag(key, seq);
            since[key] = seq;
        }
        acknowledgedKeys.set(key);
        acknowledged++;
    }

    /** The first sequence number the next writer may use. */
    long nextSeq() {
        return nextSeq;
    }

    /**
     * The first sequence number each churn thread of the next writer may use: thread t continues its own
     * sequence ({@code = t mod THREADS}) where it stopped, so its key positions continue too (see {@link ChurnWriter}).
     */
    long[] nextSeqs() {
        return nextSeqs.clone();
    }

    /** One past the highest key any writer announced: a check reads keys {@code 0..keyEnd-1}. */
    long keyEnd() {
        return keyEnd;
    }

    long operations() {
        return puts + deletes;
    }

    long puts() {
        return puts;
    }

    long deletes() {
        return deletes;
    }

    /** Batches announced. */
    long batches() {
        return batches;
    }

    /** Operations announced inside batches. */
    long batchOperations() {
        return batchOps;
    }

    /** Acknowledged puts that replaced a present value. */
    long overwrites() {
        return overwrites;
    }

    long acknowledged() {
        return acknowledged;
    }

    /** Operations in flight (announced, not acknowledged) now. */
    long inFlight() {
        return pending.size();
    }

    /** Batches in flight now. */
    int batchesInFlight() {
        return pendingBatches.size();
    }

    /** A key whose acknowledged state is a version (present), or -1 if none is. */
    long anyPresentKey() {
        for (int k = 0; k < keyEnd; k++) {
            if (state[k] > 0 && acknowledgedKeys.get(k)) {
                return k;
            }
        }
        return -1;
    }

    /** {@link #check(View)} on an open index. */
    Check check(BucketDB db, int valueWidth) {
        return check(View.of(db, valueWidth));
    }

    /**
     * Compares a recovered index with the ledger, then makes the ledger follow the index: operations in
     * flight become whatever recovery shows (the next writer builds on that, and every later recovery must
     * show the same), and a key found wrong is counted once, not again after every later kill.
     *
     * <p>A key must hold its acknowledged state followed by a prefix of its operations in flight; a batch in
     * flight must show on all of its keys or on none (a key whose state both outcomes explain, such as a
     * delete of an absent key, says nothing about its batch).
     */
    Check check(View view) {
        Map<Long, List<Op>> inFlightByKey = new HashMap<>();
        for (Op op : pending.values()) {
            inFlightByKey.computeIfAbsent(op.key, k -> new ArrayList<>()).add(op);
        }
        for (List<Op> ops : inFlightByKey.values()) {
            ops.sort(Comparator.comparingLong(Op::seq));
        }
        // Per batch in flight: a key that shows it took effect, and one that shows it did not (-1: none yet).
        Map<Long, long[]> batchVerdicts = new HashMap<>();
        long checked = 0;
        long tookEffect = 0;
        long lost = 0;
        long wrong = 0;
        long present = 0;
        List<String> problems = new ArrayList<>(view.ownProblems());
        wrong += problems.size();
        for (int key = 0; key < keyEnd; key++) {
            long want = state[key];
            long got = view.read(key);
            if (acknowledgedKeys.get(key)) {
                checked++;
            }
            if (got != 0) {
                present++;
            }
            List<Op> ops = inFlightByKey.getOrDefault((long) key, List.of());
            if (ops.isEmpty() && got == want) {
                continue;
            }
            // Which prefixes 0..n of the key's operations in flight leave what recovery shows (bit j: prefix j does).
            long prefixes = 0;
            int highest = -1;
            for (int j = 0; j <= ops.size() && j < 64; j++) {
                long after = j == 0 ? want : ops.get(j - 1).delete ? 0 : CrashValue.tag(key, ops.get(j - 1).seq);
                if (after == got) {
                    prefixes |= 1L << j;
                    highest = j;
                }
            }
            if (highest < 0) {
                boolean older = got == 0 || got > 0 && CrashValue.keyOf(got) == key && CrashValue.seqOf(got) < since[key];
                if (older) {
                    lost++;
                } else {
                    wrong++;
                }
                if (problems.size() < MAX_DETAILS) {
                    problems.add("key " + key + ": " + (older ? "lost: " : "wrong: ") + "expected " + CrashValue.describe(key, want)
                            + (ops.isEmpty() ? "" : " or what one of its " + ops.size() + " operations in flight left")
                            + ", found " + CrashValue.describe(key, got));
                }
                state[key] = got;
                continue;
            }
            for (int j = 0; j < ops.size() && j < 63; j++) {
                long batch = ops.get(j).batch;
                if (batch != 0) {
                    // The batch's operations on this key are ops[j..last]: it shows iff the prefix covers them all.
                    int last = j;
                    while (last + 1 < ops.size() && last + 1 < 63 && ops.get(last + 1).batch == batch) {
                        last++;
                    }
                    long notYet = (1L << (j + 1)) - 1;            // prefixes 0..j: the batch not applied here
                    long applied = -1L << (last + 1);             // prefixes last+1..: applied
                    long[] v = batchVerdicts.computeIfAbsent(batch, b -> new long[]{-1, -1, -1});
                    if ((prefixes & ~applied) == 0) {
                        v[0] = key;
                    } else if ((prefixes & ~notYet) == 0) {
                        v[1] = key;
                    } else if ((prefixes & (applied | notYet)) == 0) {
                        v[2] = key;                               // only part of the batch explains this key
                    }
                    j = last;
                }
            }
            if (highest > 0) {
                tookEffect++;
                since[key] = ops.get(highest - 1).seq;
            }
            state[key] = got;
        }
        long torn = 0;
        for (Map.Entry<Long, long[]> e : batchVerdicts.entrySet()) {
            long[] v = e.getValue();
            if (v[0] >= 0 && v[1] >= 0 || v[2] >= 0) {
                torn++;
                if (problems.size() < MAX_DETAILS) {
                    problems.add("batch " + e.getKey() + " (" + pendingBatches.get(e.getKey()).length + " operations, in flight)"
                            + " took effect in part: " + (v[2] >= 0 ? "key " + v[2] + " shows only some of its operations on it"
                            : "key " + v[0] + " shows it, key " + v[1] + " does not"));
                }
            }
        }
        long entries = view.size();
        if (entries != present) {
            // Keys beyond the ones any writer touched: count them, and name a few.
            wrong += Math.abs(entries - present);
            if (problems.size() < MAX_DETAILS) {
                long[] strangers = view.strangers(keyEnd);
                problems.add(entries + " entries in the index, but only " + present + " of the keys the writers touched are present"
                        + (strangers.length == 0 ? "" : "; keys no writer touched: " + Arrays.toString(strangers)));
            }
        }
        long inFlight = pending.size();
        pending.clear();
        pendingBatches.clear();
        return new Check(checked, inFlight, tookEffect, lost, wrong, torn, entries, List.copyOf(problems));
    }

    /** What {@code key} holds in {@code db}: its tag, 0 when absent, -1 for bytes no version of any key has. */
    static long read(BucketDB db, long key, int valueWidth) {
        if (valueWidth == 8) {
            long v = db.getLong(key, 0);
            return v > 0 ? v : v == 0 ? 0 : -1;
        }
        byte[] v = db.get(CrashValue.keyBytes(key));
        return v == null ? 0 : CrashValue.tagOf(v);
    }

    /** Up to three keys of {@code db} outside {@code 0..keyEnd-1}. */
    static long[] strangers(BucketDB db, long keyEnd) {
        long[] found = new long[3];
        int n = 0;
        Cursor c = db.cursor();
        while (n < found.length && c.next()) {
            long key = CrashValue.keyOf(c.key());
            if (key < 0 || key >= keyEnd) {
                found[n++] = key;
            }
        }
        return Arrays.copyOf(found, n);
    }
}
