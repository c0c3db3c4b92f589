package io.bucketdb.pipeline;

import io.bucketdb.WriteBatch;

import io.bucketdb.table.HashTable;

import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.util.List;

/**
 * Applies a {@link WriteBatch} in the writer role, all or nothing, inside the
 * {@link BatchGate}'s write section so gated readers see it at once. Before each operation it
 * records the key's previous state; if an operation throws, it restores those states in reverse
 * order (so repeated keys end as before the batch) and rethrows. If restoring fails too, the
 * restore error is added as suppressed: the pipeline is read-only after either. Also applies the groups of a
 * bulk flush ({@link #applyBulk}), which are not atomic.
 */
final class BatchApplier {
    /**
     * Entries of an 8-byte bulk group whose home buckets are touched together before they are applied
     * ({@link HashTable#touchLong}): enough misses in flight at once to hide most of their latency, few enough lines
     * (three per bucket) that they stay cached until their puts.
     */
    static final int TOUCH_AHEAD = 8;
    /** Where the touches' folded bytes go, so the JIT keeps their loads; never read. Racy on purpose: any value will do. */
    @SuppressWarnings("unused")
    private static long touchSink;

    private BatchApplier() {
    }

    static void apply(HashTable table, BatchGate gate, WriteBatch batch) throws IOException {
        List<WriteBatch.Op> ops = batch.ops();
        int n = ops.size();
        // What restoring operation i needs: its key (bytes, or a long when byteKeys[i] is null), whether it existed, its old value.
        byte[][] byteKeys = new byte[n][];
        long[] longKeys = new long[n];
        boolean[] existed = new boolean[n];
        long[] oldLong = new long[n];
        byte[][] oldBytes = new byte[n][];
        int started = 0;
        gate.writeBegin();
        try {
            for (int i = 0; i < n; i++) {
                // The one switch on the operation kind: remember the key's state, then apply.
                switch (ops.get(i)) {
                    case WriteBatch.PutLong p -> {
                        started = rememberLong(table, p.key(), i, longKeys, existed, oldLong);
                        table.putLong(p.key(), p.value());
                    }
                    case WriteBatch.DeleteLong d -> {
                        started = rememberLong(table, d.key(), i, longKeys, existed, oldLong);
                        table.deleteLong(d.key());
                    }
                    case WriteBatch.Put p -> {
                        started = rememberBytes(table, p.key(), i, byteKeys, existed, oldBytes);
                        table.put(p.key(), p.value());
                    }
                    case WriteBatch.Delete d -> {
                        started = rememberBytes(table, d.key(), i, byteKeys, existed, oldBytes);
                        table.delete(d.key());
                    }
                }
            }
        } catch (IOException | RuntimeException | Error e) {
            try {
                for (int i = started - 1; i >= 0; i--) {
                    if (byteKeys[i] != null) {
                        restoreBytes(table, byteKeys[i], existed[i], oldBytes[i]);
                    } else {
                        restoreLong(table, longKeys[i], existed[i], oldLong[i]);
                    }
                }
            } catch (IOException | RuntimeException | Error undo) {
                e.addSuppressed(undo);
            }
            throw e;
        } finally {
            gate.writeEnd();
        }
    }

    /**
     * Applies entries {@code from .. to-1} of a bulk flush in order (a key repeated in them ends with its last
     * value); returns how many keys were new. Not atomic and outside the batch gate: readers may see part of the
     * group, and a table failure leaves the entries before it applied (they are journaled, so replay applies them
     * too). Allocates nothing for 8-byte entries.
     */
    static long applyBulk(HashTable table, BulkFlush flush, int from, int to) throws IOException {
        long added = 0;
        if (flush.isLongs()) {
            long touched = 0;
            for (int block = from; block < to; block += TOUCH_AHEAD) {
                int end = Math.min(to, block + TOUCH_AHEAD);
                // The block's buckets first, back to back: their misses overlap, and the puts then find them cached.
                for (int i = block; i < end; i++) {
                    touched += table.touchLong(flush.longKey(i));
                }
                for (int i = block; i < end; i++) {
                    if (table.putLong(flush.longKey(i), flush.longValue(i))) {
                        added++;
                    }
                }
            }
            touchSink = touched;
        } else {
            MemorySegment keys = flush.keySegment();
            MemorySegment values = flush.valueSegment();
            for (int i = from; i < to; i++) {
                if (table.put(keys, flush.keyStart(i), flush.keyLength(i), values, flush.valueStart(i), flush.valueLength(i))) {
                    added++;
                }
            }
        }
        return added;
    }

    /** Remembers the state of long key {@code key} before operation {@code i}; returns the operations started. */
    private static int rememberLong(HashTable table, long key, int i, long[] keys, boolean[] existed, long[] oldLong) {
        keys[i] = key;
        // Two probes with different defaults tell "absent" from a stored value equal to one of them.
        long v = table.getLong(key, 0);
        existed[i] = v != 0 || table.getLong(key, 1) != 1;
        oldLong[i] = v;
        return i + 1;
    }

    /** Remembers the state of key {@code key} before operation {@code i}; returns the operations started. */
    private static int rememberBytes(HashTable table, byte[] key, int i, byte[][] keys, boolean[] existed, byte[][] oldBytes) {
        keys[i] = key;
        byte[] v = table.get(key);
        existed[i] = v != null;
        oldBytes[i] = v;
        return i + 1;
    }

    private static void restoreLong(HashTable table, long key, boolean existed, long old) throws IOException {
        if (existed) {
            table.putLong(key, old);
        } else {
            table.deleteLong(key);
        }
    }

    private static void restoreBytes(HashTable table, byte[] key, boolean existed, byte[] old) throws IOException {
        if (existed) {
            table.put(key, old);
        } else {
            table.delete(key);
        }
    }
}
