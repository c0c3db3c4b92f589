package io.bucketdb.table;

import io.bucketdb.storage.BucketLayout;
import io.bucketdb.spi.CorruptIndexException;
import io.bucketdb.storage.Header;
import io.bucketdb.storage.Layouts;
import io.bucketdb.storage.TableFile;
import io.bucketdb.storage.ValueHeap;
import io.bucketdb.storage.Zeroes;

import java.io.IOException;
import java.lang.foreign.MemorySegment;

import static io.bucketdb.storage.BucketLayout.*;

/**
 * The writer's put and delete (Go's mapassign and mapdelete): evacuate first while growing, change the slot inside
 * the write window of its stripe ({@link StripedSeqLock}), fill heap blocks before the window opens and free them
 * inside it ({@link VarFields}). Writer thread only.
 */
final class TableWrites {
    private final HashTable t;
    private final TableFile tf;
    private final Header h;
    private final ValueHeap heap;
    private final StripedSeqLock lock;
    private final BucketArrays arrays;
    private final BucketLookup lookup;
    private final VarFields fields;
    private final Evacuator evacuator;
    private final int bs;
    private final int keyWidth;
    private final int valueWidth;
    private final int keysOff;
    private final int valuesOff;
    private final int ovfOff;
    private final boolean varKeys;
    private final boolean varValues;
    private final int keyInline;
    private final int valueInline;

    TableWrites(HashTable t) {
        this.t = t;
        this.tf = t.tf;
        this.h = t.h;
        this.heap = tf.heap();
        this.lock = t.lock;
        this.arrays = t.arrays;
        this.lookup = t.lookup;
        this.fields = t.fields;
        this.evacuator = t.evacuator;
        this.bs = t.bs;
        this.keyWidth = t.keyWidth;
        this.valueWidth = t.valueWidth;
        this.keysOff = t.keysOff;
        this.valuesOff = t.valuesOff;
        this.ovfOff = t.ovfOff;
        this.varKeys = t.varKeys;
        this.varValues = t.varValues;
        this.keyInline = t.keyInline;
        this.valueInline = t.valueInline;
    }

    /** See {@link HashTable#put(MemorySegment, long, int, MemorySegment, long, long)}. */
    boolean put(MemorySegment key, long keyOff, int keyLen, MemorySegment value, long valueOff, long valueLen) throws IOException {
        long hash = lookup.hashKey(key, keyOff, keyLen);
        int top = tophash(hash);
        while (true) {
            ArraySnapshot g = t.snapshot;
            if (g.growing) {
                evacuator.growWork(hash & g.mask);
                g = t.snapshot;
            }
            // During an in-place split, a key of an old bucket not split yet lives there (ArraySnapshot.homeOf).
            long j = g.homeOf(hash, h.nevacuate);
            int stripe = g.stripeOf(j);
            long bucket = g.bucketOffset(j);
            long insertBucket = 0;
            int insertSlot = -1;
            long last;
            long hops = 0;
            while (true) {
                MemorySegment seg = arrays.segOf(bucket);
                long off = arrays.localOf(bucket);
                boolean rest = false;
                for (int i = 0; i < SLOTS; i++) {
                    int s = seg.get(Layouts.BYTE, off + i) & 0xFF;
                    if (s != top) {
                        if (insertBucket == 0 && BucketLayout.isEmpty(s)) {
                            insertBucket = bucket;
                            insertSlot = i;
                        }
                        if (s == EMPTY_REST) {
                            rest = true;
                            break;
                        }
                        continue;
                    }
                    long koff = off + keysOff + (long) i * keyWidth;
                    if (varKeys ? writerKeyEquals(bucket, seg, koff, key, keyOff, keyLen) : lookup.keyEquals(seg, koff, key, keyOff)) {
                        if (!varValues) {
                            long voff = off + valuesOff + (long) i * valueWidth;
                            lock.beginWrite(stripe);
                            try {
                                tf.markDirty(bucket + valuesOff + (long) i * valueWidth, Math.max(1, valueWidth));
                                FieldCopy.copy(value, valueOff, seg, voff, valueWidth);
                            } finally {
                                lock.endWrite(stripe);
                            }
                        } else {
                            overwriteValue(stripe, bucket, i, value, valueOff, valueLen);
                        }
                        return false;
                    }
                }
                last = bucket;
                if (rest) {
                    break;
                }
                long next = seg.get(Layouts.LONG, off + ovfOff);
                if (next == 0) {
                    break;
                }
                arrays.checkRef(bucket + ovfOff, next, ++hops);
                bucket = next;
            }
            if (!g.growing && (Evacuator.overLoadFactor(h.count + 1, h.b) || Evacuator.tooManyOverflowBuckets(h.noverflow, h.b))) {
                evacuator.hashGrow();
                continue;
            }
            // Heap blocks are filled before the window opens (readers never see a half-written block).
            long keyRef = varKeys ? stash(key, keyOff, keyLen, keyInline) : 0;
            long valueRef = varValues ? stashValue(value, valueOff, valueLen) : 0;
            lock.beginWrite(stripe);
            try {
                if (insertBucket == 0) {
                    insertBucket = arrays.newOverflow(last);
                    insertSlot = 0;
                }
                MemorySegment seg = arrays.segOf(insertBucket);
                long off = arrays.localOf(insertBucket);
                tf.markDirty(insertBucket, bs);
                long koff = off + keysOff + (long) insertSlot * keyWidth;
                long voff = off + valuesOff + (long) insertSlot * valueWidth;
                if (varKeys) {
                    VarFields.writeField(seg, koff, keyInline, key, keyOff, keyLen, keyRef);
                } else {
                    FieldCopy.copy(key, keyOff, seg, koff, keyWidth);
                }
                if (varValues) {
                    fields.writeValue(seg, voff, value, valueOff, valueLen, valueRef);
                } else {
                    FieldCopy.copy(value, valueOff, seg, voff, valueWidth);
                }
                seg.set(Layouts.BYTE, off + insertSlot, (byte) top);
            } finally {
                lock.endWrite(stripe);
            }
            h.count++;
            t.publishCount(h.count);
            return true;
        }
    }

    /**
     * {@link #put} for a table of fixed 8-byte keys and values ({@link HashTable#putLong}): the same steps, the same
     * slot and the same bytes, with the key and value held as longs instead of read back from a scratch segment (the
     * little-endian long a slot holds is the key itself, and {@code hashKey} of an 8-byte key is {@code hashLong}).
     * Why a second copy of the walk (issue 16): replay applies a million of these in a fresh JVM, much of it before C2
     * has compiled them, and the generic put spends most of its cold time in segment accesses and branches an 8-byte
     * table never takes; this root stays small for C2, and its rare steps (overwrite, growth, insert) are methods of
     * their own. Writer thread only; allocates nothing.
     */
    boolean putLong(long key, long value) throws IOException {
        long hash = t.keyHash.hashLong(key);
        int top = tophash(hash);
        while (true) {
            ArraySnapshot g = t.snapshot;
            if (g.growing) {
                evacuator.growWork(hash & g.mask);
                g = t.snapshot;
            }
            long j = g.homeOf(hash, h.nevacuate);
            long bucket = g.bucketOffset(j);
            long insertBucket = 0;
            int insertSlot = -1;
            long last;
            long hops = 0;
            while (true) {
                MemorySegment seg = arrays.segOf(bucket);
                long off = arrays.localOf(bucket);
                boolean rest = false;
                for (int i = 0; i < SLOTS; i++) {
                    int s = seg.get(Layouts.BYTE, off + i) & 0xFF;
                    if (s != top) {
                        if (insertBucket == 0 && BucketLayout.isEmpty(s)) {
                            insertBucket = bucket;
                            insertSlot = i;
                        }
                        if (s == EMPTY_REST) {
                            rest = true;
                            break;
                        }
                        continue;
                    }
                    if (seg.get(Layouts.LONG, off + keysOff + (long) i * Long.BYTES) == key) {
                        overwriteLong(g.stripeOf(j), bucket, seg, off, i, value);
                        return false;
                    }
                }
                last = bucket;
                if (rest) {
                    break;
                }
                long next = seg.get(Layouts.LONG, off + ovfOff);
                if (next == 0) {
                    break;
                }
                arrays.checkRef(bucket + ovfOff, next, ++hops);
                bucket = next;
            }
            if (!g.growing && (Evacuator.overLoadFactor(h.count + 1, h.b) || Evacuator.tooManyOverflowBuckets(h.noverflow, h.b))) {
                evacuator.hashGrow();
                continue;
            }
            insertLong(g.stripeOf(j), insertBucket, insertSlot, last, top, key, value);
            return true;
        }
    }

    /** {@link #putLong}'s overwrite of the value in slot {@code i} of {@code bucket} (at {@code seg[off]}). */
    private void overwriteLong(int stripe, long bucket, MemorySegment seg, long off, int i, long value) {
        lock.beginWrite(stripe);
        try {
            tf.markDirty(bucket + valuesOff + (long) i * Long.BYTES, Long.BYTES);
            seg.set(Layouts.LONG, off + valuesOff + (long) i * Long.BYTES, value);
        } finally {
            lock.endWrite(stripe);
        }
    }

    /**
     * {@link #putLong}'s insert of a new key: into slot {@code insertSlot} of {@code insertBucket}, or, when the chain
     * had no empty slot ({@code insertBucket} 0), the first slot of a new overflow bucket linked after {@code last}.
     */
    private void insertLong(int stripe, long insertBucket, int insertSlot, long last, int top, long key, long value)
            throws IOException {
        lock.beginWrite(stripe);
        try {
            if (insertBucket == 0) {
                insertBucket = arrays.newOverflow(last);
                insertSlot = 0;
            }
            MemorySegment seg = arrays.segOf(insertBucket);
            long off = arrays.localOf(insertBucket);
            tf.markDirty(insertBucket, bs);
            seg.set(Layouts.LONG, off + keysOff + (long) insertSlot * Long.BYTES, key);
            seg.set(Layouts.LONG, off + valuesOff + (long) insertSlot * Long.BYTES, value);
            seg.set(Layouts.BYTE, off + insertSlot, (byte) top);
        } finally {
            lock.endWrite(stripe);
        }
        h.count++;
        t.publishCount(h.count);
    }

    /**
     * Stores {@code len} bytes from {@code src[srcOff..]} in a heap block (before the slot that will refer to it is
     * published), or returns 0 if they fit {@code inline}.
     */
    private long stash(MemorySegment src, long srcOff, long len, int inline) throws IOException {
        if (len <= inline) {
            return 0;
        }
        long ref = heap.allocate(len);
        t.refreshChunks();
        tf.copyIn(ref, src, srcOff, len);
        return ref;
    }

    /**
     * {@link #stash} for a value. A numbered value slot (format version 8) names only blocks below its limit; a block
     * beyond is given back and the put fails as on a full disk, before anything of the entry was written.
     */
    private long stashValue(MemorySegment src, long srcOff, long len) throws IOException {
        long ref = stash(src, srcOff, len, valueInline);
        if (ref != 0 && !fields.valueRefFits(ref)) {
            heap.free(ref, len);
            throw new IOException(tf.path() + ": the value heap is full: 4-byte block numbers reach " + fields.valueRefLimit()
                    + " bytes of the file, and the next value's block is at " + ref);
        }
        return ref;
    }

    /** Replaces the variable-length value of slot {@code i} of {@code bucket}, freeing the block it replaces. */
    private void overwriteValue(int stripe, long bucket, int i, MemorySegment value, long valueOff, long valueLen) throws IOException {
        long ref = stashValue(value, valueOff, valueLen);
        MemorySegment seg = arrays.segOf(bucket);
        long voff = arrays.localOf(bucket) + valuesOff + (long) i * valueWidth;
        lock.beginWrite(stripe);
        try {
            fields.releaseValue(seg, voff);
            tf.markDirty(bucket + valuesOff + (long) i * valueWidth, valueWidth);
            fields.writeValue(seg, voff, value, valueOff, valueLen, ref);
        } finally {
            lock.endWrite(stripe);
        }
    }

    /** Writer-side key comparison for variable-length keys: a heap reference outside the file is damage. */
    private boolean writerKeyEquals(long bucket, MemorySegment seg, long koff, MemorySegment key, long keyOff, int keyLen)
            throws CorruptIndexException {
        int cmp = fields.keyCompare(tf.mapping().chunks(), seg, koff, key, keyOff, keyLen);
        if (cmp < 0) {
            throw fields.badHeapRef(bucket);
        }
        return cmp > 0;
    }

    /** See {@link HashTable#delete(MemorySegment, long, int)}. */
    boolean delete(MemorySegment key, long keyOff, int keyLen) throws IOException {
        long hash = lookup.hashKey(key, keyOff, keyLen);
        int top = tophash(hash);
        ArraySnapshot g = t.snapshot;
        if (g.growing) {
            evacuator.growWork(hash & g.mask);
            g = t.snapshot;
        }
        long j = g.homeOf(hash, h.nevacuate);
        int stripe = g.stripeOf(j);
        long origin = g.bucketOffset(j);
        long bucket = origin;
        long hops = 0;
        while (bucket != 0) {
            MemorySegment seg = arrays.segOf(bucket);
            long off = arrays.localOf(bucket);
            for (int i = 0; i < SLOTS; i++) {
                int s = seg.get(Layouts.BYTE, off + i) & 0xFF;
                if (s != top) {
                    if (s == EMPTY_REST) {
                        return false;
                    }
                    continue;
                }
                long koff = off + keysOff + (long) i * keyWidth;
                if (!(varKeys ? writerKeyEquals(bucket, seg, koff, key, keyOff, keyLen) : lookup.keyEquals(seg, koff, key, keyOff))) {
                    continue;
                }
                lock.beginWrite(stripe);
                try {
                    if (varKeys) {
                        fields.releaseField(seg, koff, keyInline);
                    }
                    if (varValues) {
                        fields.releaseValue(seg, off + valuesOff + (long) i * valueWidth);
                    }
                    tf.markDirty(bucket, bs);
                    Zeroes.fill(seg, off + keysOff + (long) i * keyWidth, keyWidth);
                    Zeroes.fill(seg, off + valuesOff + (long) i * valueWidth, valueWidth);
                    seg.set(Layouts.BYTE, off + i, (byte) EMPTY_ONE);
                    markEmptyRest(origin, bucket, i);
                } finally {
                    lock.endWrite(stripe);
                }
                h.count--;
                t.publishCount(h.count);
                return true;
            }
            long next = seg.get(Layouts.LONG, off + ovfOff);
            if (next != 0) {
                arrays.checkRef(bucket + ovfOff, next, ++hops);
            }
            bucket = next;
        }
        return false;
    }

    /** After slot {@code i} of {@code bucket} became emptyOne: if nothing used follows it, turn the trailing empties into emptyRest. */
    private void markEmptyRest(long origin, long bucket, int i) {
        MemorySegment seg = arrays.segOf(bucket);
        long off = arrays.localOf(bucket);
        if (i == SLOTS - 1) {
            long next = seg.get(Layouts.LONG, off + ovfOff);
            if (next != 0 && (arrays.segOf(next).get(Layouts.BYTE, arrays.localOf(next)) & 0xFF) != EMPTY_REST) {
                return;
            }
        } else if ((seg.get(Layouts.BYTE, off + i + 1) & 0xFF) != EMPTY_REST) {
            return;
        }
        while (true) {
            tf.markDirty(bucket, 8);
            seg.set(Layouts.BYTE, off + i, (byte) EMPTY_REST);
            if (i == 0) {
                if (bucket == origin) {
                    return;
                }
                long c = bucket;
                bucket = origin;
                while (true) {
                    long next = arrays.segOf(bucket).get(Layouts.LONG, arrays.localOf(bucket) + ovfOff);
                    if (next == c) {
                        break;
                    }
                    bucket = next;
                }
                seg = arrays.segOf(bucket);
                off = arrays.localOf(bucket);
                i = SLOTS - 1;
            } else {
                i--;
            }
            if ((seg.get(Layouts.BYTE, off + i) & 0xFF) != EMPTY_ONE) {
                return;
            }
        }
    }
}
