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
 * restore error is added as suppressed: the pipeline is read-only after either.
 */
final class BatchApplier {
    private BatchApplier() {
    }

    static void apply(HashTable table, BatchGate gate, WriteBatch batch) throws IOException {
        List<WriteBatch.Op> ops = batch.ops();
        int n = ops.size();
        boolean[] existed = new boolean[n];
        long[] oldLong = new long[n];
        byte[][] oldBytes = new byte[n][];
        int started = 0;
        gate.writeBegin();
        try {
            for (int i = 0; i < n; i++) {
                WriteBatch.Op op = ops.get(i);
                remember(table, op, i, existed, oldLong, oldBytes);
                started = i + 1;
                switch (op) {
                    case WriteBatch.PutLong p -> table.putLong(p.key(), p.value());
                    case WriteBatch.DeleteLong d -> table.deleteLong(d.key());
                    case WriteBatch.Put p -> table.put(p.key(), p.value());
                    case WriteBatch.Delete d -> table.delete(d.key());
                }
            }
        } catch (IOException | RuntimeException | Error e) {
            try {
                for (int i = started - 1; i >= 0; i--) {
                    restore(table, ops.get(i), existed[i], oldLong[i], oldBytes[i]);
                }
            } catch (IOException | RuntimeException | Error undo) {
                e.addSuppressed(undo);
            }
            throw e;
        } finally {
            gate.writeEnd();
        }
    }

    private static void remember(HashTable table, WriteBatch.Op op, int i, boolean[] existed, long[] oldLong, byte[][] oldBytes) {
        switch (op) {
            case WriteBatch.PutLong p -> rememberLong(table, p.key(), i, existed, oldLong);
            case WriteBatch.DeleteLong d -> rememberLong(table, d.key(), i, existed, oldLong);
            case WriteBatch.Put p -> rememberBytes(table, p.key(), i, existed, oldBytes);
            case WriteBatch.Delete d -> rememberBytes(table, d.key(), i, existed, oldBytes);
        }
    }

    private static void rememberLong(HashTable table, long key, int i, boolean[] existed, long[] oldLong) {
        // Two probes with different defaults tell "absent" from a stored value equal to one of them.
        long v = table.getLong(key, 0);
        existed[i] = v != 0 || table.getLong(key, 1) != 1;
        oldLong[i] = v;
    }

    private static void rememberBytes(HashTable table, byte[] key, int i, boolean[] existed, byte[][] oldBytes) {
        byte[] v = table.get(key);
        existed[i] = v != null;
        oldBytes[i] = v;
    }

    private static void restore(HashTable table, WriteBatch.Op op, boolean existed, long oldLong, byte[] oldBytes) throws IOException {
        switch (op) {
            case WriteBatch.PutLong p -> restoreLong(table, p.key(), existed, oldLong);
            case WriteBatch.DeleteLong d -> restoreLong(table, d.key(), existed, oldLong);
            case WriteBatch.Put p -> restoreBytes(table, p.key(), existed, oldBytes);
            case WriteBatch.Delete d -> restoreBytes(table, d.key(), existed, oldBytes);
        }
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
