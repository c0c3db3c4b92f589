package io.bucketdb.tools;

import io.bucketdb.BucketDB;
import io.bucketdb.Cursor;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.BitSet;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * crashtest's record of what the index must hold: per key, the state its last acknowledged operation left
 * (a version, or absent), and the operations announced since but not acknowledged (in flight). After a
 * kill, {@link #check} compares a recovered index with it: a key must hold its acknowledged state or the
 * effect of one of its operations in flight (either outcome is allowed for those), and nothing else.
 *
 * <p>Operations on one key are published by one writer thread in sequence order (see {@link WriterChild}),
 * so they reach the journal in that order: once an operation is acknowledged, an older one of its key can
 * never be what recovery shows.
 *
 * <p>Not thread-safe: the reader thread of a {@link WriterProcess} feeds it while the child runs, and the
 * main thread checks it after {@link WriterProcess#kill} (which joins the reader).
 */
final class Ledger {
    /** The most problems a check describes one by one; the counts are always complete. */
    static final int MAX_DETAILS = 20;

    /** A check's outcome. */
    record Check(long acknowledgedChecked, long inFlight, long inFlightTookEffect, long lost, long wrong,
                 long entries, List<String> problems) {
        boolean ok() {
            return lost == 0 && wrong == 0;
        }
    }

    private final int keyCap;
    /** The tag the key must hold (0: absent). */
    private final long[] state;
    /** The sequence number of the operation that set {@link #state}, 0 if none did. */
    private final long[] since;
    /** Keys that ever had an acknowledged operation. */
    private final BitSet acknowledgedKeys = new BitSet();
    /** In flight: sequence number -> key << 1 | (1 if a delete). */
    private final Map<Long, Long> pending = new HashMap<>();
    private long keyEnd;
    private long nextSeq = 1;
    private long puts;
    private long deletes;
    private long acknowledged;

    /** A ledger for keys {@code 0..keyCap-1}, all absent. */
    Ledger(int keyCap) {
        this.keyCap = keyCap;
        this.state = new long[keyCap];
        this.since = new long[keyCap];
    }

    /** A writer announced operation {@code seq}: a put of version seq of {@code key}, or a delete of it. */
    void intent(long seq, long key, boolean delete) {
        if (key < 0 || key >= keyCap || seq < 1 || seq >= CrashValue.SEQ_LIMIT) {
            throw new IllegalStateException("writer announced an impossible operation: seq " + seq + ", key " + key);
        }
        if (pending.put(seq, key << 1 | (delete ? 1 : 0)) != null) {
            throw new IllegalStateException("writer announced operation " + seq + " twice");
        }
        keyEnd = Math.max(keyEnd, key + 1);
        nextSeq = Math.max(nextSeq, seq + 1);
        if (delete) {
            deletes++;
        } else {
            puts++;
        }
    }

    /** A writer reported operation {@code seq} acknowledged. */
    void ack(long seq) {
        Long op = pending.remove(seq);
        if (op == null) {
            throw new IllegalStateException("writer acknowledged operation " + seq + ", which it never announced");
        }
        int key = (int) (op >>> 1);
        if (seq > since[key]) {
            state[key] = (op & 1) != 0 ? 0 : CrashValue.tag(key, seq);
            since[key] = seq;
        }
        acknowledgedKeys.set(key);
        acknowledged++;
    }

    /** The first sequence number the next writer may use. */
    long nextSeq() {
        return nextSeq;
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

    long acknowledged() {
        return acknowledged;
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

    /**
     * Compares the recovered index with the ledger, then makes the ledger follow the index: operations in
     * flight become whatever recovery shows (the caller closes the index, which makes that durable), and a
     * key found wrong is counted once, not again after every later kill.
     *
     * @param valueWidth the index's value width (8: read with the long API, as the writers wrote)
     */
    Check check(BucketDB db, int valueWidth) {
        Map<Long, List<long[]>> inFlightByKey = new HashMap<>();
        for (Map.Entry<Long, Long> e : pending.entrySet()) {
            long op = e.getValue();
            inFlightByKey.computeIfAbsent(op >>> 1, k -> new ArrayList<>()).add(new long[]{e.getKey(), op & 1});
        }
        long checked = 0;
        long tookEffect = 0;
        long lost = 0;
        long wrong = 0;
        long present = 0;
        List<String> problems = new ArrayList<>();
        for (int key = 0; key < keyEnd; key++) {
            long want = state[key];
            long got = read(db, key, valueWidth);
            if (acknowledgedKeys.get(key)) {
                checked++;
            }
            if (got != 0) {
                present++;
            }
            List<long[]> ops = inFlightByKey.getOrDefault((long) key, List.of());
            if (got == want) {
                continue;
            }
            long[] match = null;
            for (long[] op : ops) {
                // Only an operation after the acknowledged one may show: the journal keeps each key's order.
                if (op[0] > since[key] && got == (op[1] == 1 ? 0 : CrashValue.tag(key, op[0]))) {
                    match = op;
                }
            }
            if (match != null) {
                tookEffect++;
                since[key] = match[0];
            } else {
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
            }
            state[key] = got;
        }
        long entries = db.size();
        if (entries != present) {
            // Keys beyond the ones any writer touched: count them, and name a few.
            wrong += Math.abs(entries - present);
            if (problems.size() < MAX_DETAILS) {
                problems.add(entries + " entries in the index, but only " + present + " of the keys the writers touched are present"
                        + strangers(db));
            }
        }
        long inFlight = pending.size();
        pending.clear();
        return new Check(checked, inFlight, tookEffect, lost, wrong, entries, List.copyOf(problems));
    }

    /** What {@code key} holds: its tag, 0 when absent, -1 for bytes no version of any key has. */
    private static long read(BucketDB db, long key, int valueWidth) {
        if (valueWidth == 8) {
            long v = db.getLong(key, 0);
            return v > 0 ? v : v == 0 ? 0 : -1;
        }
        byte[] v = db.get(CrashValue.keyBytes(key));
        return v == null ? 0 : CrashValue.tagOf(v);
    }

    private String strangers(BucketDB db) {
        long[] found = new long[3];
        int n = 0;
        Cursor c = db.cursor();
        while (n < found.length && c.next()) {
            long key = CrashValue.keyOf(c.key());
            if (key < 0 || key >= keyEnd) {
                found[n++] = key;
            }
        }
        return n == 0 ? "" : "; keys no writer touched: " + Arrays.toString(Arrays.copyOf(found, n));
    }
}
