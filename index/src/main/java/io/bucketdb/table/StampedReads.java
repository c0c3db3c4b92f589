package io.bucketdb.table;

import io.bucketdb.hash.KeyHash;
import io.bucketdb.storage.ChunkedMapping;
import io.bucketdb.spi.CorruptIndexException;
import io.bucketdb.storage.HeaderLayout;
import io.bucketdb.storage.Layouts;
import io.bucketdb.storage.VerifiedPages;

import java.io.UncheckedIOException;
import java.lang.foreign.MemorySegment;
import java.util.function.Function;

import static io.bucketdb.storage.BucketLayout.*;

/**
 * The table's lock-free reads (Go's mapaccess), on any thread beside the writer: each takes the published
 * {@link ArraySnapshot} and its stripe's stamp, searches with plain loads, and keeps the result only if
 * {@link StripedSeqLock#validate} and the snapshot both say nothing changed (the protocol is in {@link HashTable}'s
 * Javadoc). {@link #getLong} allocates nothing.
 */
final class StampedReads {
    /** The longest value a reader copies for a view that straddles chunks (the largest value there is). */
    private static final long MAX_COPY = 256L << 20;

    private final HashTable t;
    private final ChunkedMapping mapping;
    private final VerifiedPages pages;
    private final StripedSeqLock lock;
    private final KeyHash keyHash;
    private final BucketLookup lookup;
    private final VarFields fields;
    private final int bs;
    private final int valueWidth;
    private final int keysOff;
    private final int valuesOff;
    private final int ovfOff;
    private final boolean varValues;

    StampedReads(HashTable t) {
        this.t = t;
        this.mapping = t.mapping;
        this.pages = t.pages;
        this.lock = t.lock;
        this.keyHash = t.keyHash;
        this.lookup = t.lookup;
        this.fields = t.fields;
        this.bs = t.bs;
        this.valueWidth = t.valueWidth;
        this.keysOff = t.keysOff;
        this.valuesOff = t.valuesOff;
        this.ovfOff = t.ovfOff;
        this.varValues = t.varValues;
    }

    /**
     * See {@link HashTable#getLong} ({@code batches} is {@code noBatches}) and {@link HashTable#getLongBetweenBatches}
     * ({@code batches} is the table's batch stamp); the table calls this directly, so the engine's chain down to it has
     * one level less to inline. The common case only: no growth, no batch being applied, and the key's bucket alone
     * decides (the key is there, or the bucket has no overflow bucket or an emptyRest slot); anything else, and a stamp
     * that is odd or does not validate, goes to {@link #getLongChained}, which does the whole search again. The
     * protocol is the same in both: batch stamp and stripe stamp (acquire), plain reads, validate both, snapshot
     * unchanged. One seqlock round covers the batch and the bucket, where a gate around the table's read made two.
     *
     * <p>Why two methods (issue 19): the whole search in one method was 565 bytes of bytecode, over the JIT's limit
     * for inlining a hot callee (325), so every get called it and it carried the growth, chain and bounds code around
     * its one bucket read. This part is small enough for the JIT to inline up the engine's call chain, and a 10M get
     * of a key its bucket decides runs fewer instructions: the CPU overlaps only the independent gets its reorder
     * window holds, so that decides how many cache misses are in flight.
     */
    long getLong(long key, long missing, StripedSeqLock batches) {
        long hash = keyHash.hashLong(key);
        long pattern = ChainProbe.pattern(tophash(hash));
        long batch = batches.stamp(0);
        ArraySnapshot g = t.snapshot;
        long j = hash & g.mask;
        int stripe = g.stripeOf(j);
        long stamp = lock.stamp(stripe);
        if (((stamp | batch) & 1) == 0 && !g.growing) {
            // The file offset the page check needs is computed only while some page of the bucket array is not yet
            // trusted (VerifiedPages.bucketsTrusted: a reopened index gets there once its gets read every page of it).
            if (!pages.bucketsTrusted()) {
                pages.check(g.bucketOffset(j), bs);
            }
            MemorySegment seg = g.bucketSeg(j);
            long off = g.bucketLocal(j);
            long tw = seg.get(Layouts.LONG, off);
            int slot = ChainProbe.matchLong(seg, off, tw, pattern, key, keysOff);
            // Overflow word first on a miss, as in getLongChained (the comment there says why).
            if ((slot >= 0 || seg.get(Layouts.LONG, off + ovfOff) == 0 || ChainProbe.hasEmptyRest(tw))) {
                long result = slot >= 0 ? seg.get(Layouts.LONG, off + valuesOff + 8L * slot) : missing;
                if (lock.validate(stripe, stamp) && batches.validate(0, batch) && t.snapshot == g) {
                    return result;
                }
            }
        }
        return getLongChained(key, missing, hash, pattern, batches);
    }

    /** {@link #getLong}'s whole search: growth, page checks, overflow chains, retries; {@code hash} is the key's. */
    private long getLongChained(long key, long missing, long hash, long pattern, StripedSeqLock batches) {
        for (int waits = 0; ; ) {
            long batch = batches.stamp(0);
            if ((batch & 1) != 0) {
                // An atomic batch is being applied, which may take a while (its writes may grow the table): yield after a
                // short spin, as BatchGate's readers did, so the writer gets the core.
                if (++waits < 128) {
                    Thread.onSpinWait();
                } else {
                    Thread.yield();
                }
                continue;
            }
            ArraySnapshot g = t.snapshot;
            long j = hash & g.mask;
            int stripe = g.stripeOf(j);
            long stamp = lock.stamp(stripe);
            if ((stamp & 1) != 0) {
                Thread.onSpinWait();
                continue;
            }
            if (g.growing) {
                // The mark is read after the stamp: a split of this key's old bucket changes both (HashTable's Javadoc).
                j = g.inPlace ? g.homeOf(hash, t.splitMark) : unevacuatedOld(g, hash);
            }
            MemorySegment seg;
            long off;
            if (j >= 0) {
                seg = g.bucketSeg(j);
                off = g.bucketLocal(j);
                // A bucket of the current array: during a growth one that is readable was zeroed (claimed) by it.
                if (!pages.bucketsTrusted()) {
                    pages.check(g.bucketOffset(j), bs);
                }
            } else {
                long i = -1 - j;
                seg = g.oldBucketSeg(i);
                off = g.oldBucketLocal(i);
            }
            // The chain is walked here, not through ChainProbe.findLong: reading the value in place, in the loop,
            // instead of decoding the position findLong returns, keeps get-hit at its former rate (with findLong it
            // fell to 0.84x in the 1M comparison). The bucket match is ChainProbe's, the inspector's too.
            long result = missing;
            long bad = 0;
            long hops = 0;
            while (true) {
                long tw = seg.get(Layouts.LONG, off);
                int slot = ChainProbe.matchLong(seg, off, tw, pattern, key, keysOff);
                if (slot >= 0) {
                    result = seg.get(Layouts.LONG, off + valuesOff + 8L * slot);
                    break;
                }
                // The miss path (issue 19). In format version 4 the overflow word shares the tophash word's 16 bytes,
                // so reading it costs no second cache line, and testing it first makes both branches predictable: most
                // buckets have no overflow (taken), and one that has is rarely cut short by an emptyRest slot. Testing
                // emptyRest first branched on how full the bucket is, which no predictor knows.
                long next = seg.get(Layouts.LONG, off + ovfOff);
                if (next == 0 || ChainProbe.hasEmptyRest(tw)) {
                    break; // no overflow bucket, or an emptyRest slot: nothing further in this chain
                }
                int c = next < HeaderLayout.DATA_START ? -1 : mapping.chunkIndex(next);
                if (c < 0 || c >= g.chunks.length || ++hops > g.maxHops) {
                    bad = Math.max(next, 1);
                    break;
                }
                seg = g.chunks[c];
                off = next - mapping.chunkStart(c);
                if (off + bs > seg.byteSize()) {
                    bad = next;
                    break;
                }
                pages.check(next, bs);
            }
            if (lock.validate(stripe, stamp) && batches.validate(0, batch) && t.snapshot == g) {
                if (bad != 0) {
                    throw corruptRef(bad);
                }
                return result;
            }
        }
    }

    /**
     * During a copying growth: the current array's bucket of {@code hash} ({@code hash & mask}, at least 0) if its old
     * bucket is evacuated, else {@code -1 -} the old bucket's index, whose page this checks first. Out of line: a get
     * outside such a growth does not carry it.
     */
    private long unevacuatedOld(ArraySnapshot g, long hash) {
        long i = hash & g.oldMask;
        pages.check(g.oldBucketOffset(i), bs);
        return isEvacuated(g.oldBucketSeg(i).get(Layouts.BYTE, g.oldBucketLocal(i)) & 0xFF) ? hash & g.mask : -1 - i;
    }

    /** See {@link HashTable#get(MemorySegment, long, int, MemorySegment, long, long)}. */
    long get(MemorySegment key, long keyOff, int keyLen, MemorySegment dst, long dstOff, long dstCap) {
        long hash = lookup.hashKey(key, keyOff, keyLen);
        int top = tophash(hash);
        for (; ; ) {
            ArraySnapshot g = t.snapshot;
            long j = hash & g.mask;
            int stripe = g.stripeOf(j);
            long stamp = lock.stamp(stripe);
            if ((stamp & 1) != 0) {
                Thread.onSpinWait();
                continue;
            }
            long found = lookup.find(g, hash, top, key, keyOff, keyLen, t.splitMark);
            long len = -1;
            long bad = found < 0 ? -found : 0;
            if (found > 0) {
                int c = mapping.chunkIndex(found >>> 3);
                MemorySegment seg = g.chunks[c];
                long voff = (found >>> 3) - mapping.chunkStart(c) + valuesOff + (found & 7) * valueWidth;
                if (!varValues) {
                    len = valueWidth;
                    if (len <= dstCap) {
                        MemorySegment.copy(seg, voff, dst, dstOff, valueWidth);
                    }
                } else {
                    len = fields.valueLength(seg, voff);
                    if (len <= dstCap && !fields.copyValue(g.chunks, seg, voff, len, dst, dstOff)) {
                        bad = found >>> 3;
                    }
                }
            }
            if (lock.validate(stripe, stamp) && t.snapshot == g) {
                if (bad != 0) {
                    throw corruptRef(bad);
                }
                return len;
            }
        }
    }

    /** See {@link HashTable#read}. */
    <R> R read(MemorySegment key, long keyOff, int keyLen, Function<? super MemorySegment, ? extends R> reader, R missing) {
        long hash = lookup.hashKey(key, keyOff, keyLen);
        int top = tophash(hash);
        for (; ; ) {
            ArraySnapshot g = t.snapshot;
            long j = hash & g.mask;
            int stripe = g.stripeOf(j);
            long stamp = lock.stamp(stripe);
            if ((stamp & 1) != 0) {
                Thread.onSpinWait();
                continue;
            }
            long found = lookup.find(g, hash, top, key, keyOff, keyLen, t.splitMark);
            long bad = found < 0 ? -found : 0;
            R result = missing;
            RuntimeException thrown = null;
            if (found > 0) {
                int c = mapping.chunkIndex(found >>> 3);
                MemorySegment seg = g.chunks[c];
                long voff = (found >>> 3) - mapping.chunkStart(c) + valuesOff + (found & 7) * valueWidth;
                MemorySegment view = varValues ? fields.valueView(g.chunks, seg, voff) : seg.asSlice(voff, valueWidth);
                if (view == null && varValues) {
                    // Not in one chunk: a large block that straddles two (copied), or a torn read or damage. The
                    // length is trusted, and memory allocated for it, only once the stamp says it was not torn.
                    long len = fields.valueLength(seg, voff);
                    if (!lock.validate(stripe, stamp) || t.snapshot != g) {
                        continue;
                    }
                    if (len <= MAX_COPY) {
                        MemorySegment copy = MemorySegment.ofArray(new byte[(int) len]);
                        view = fields.copyValue(g.chunks, seg, voff, len, copy, 0) ? copy : null;
                    }
                }
                if (view == null) {
                    bad = found >>> 3;
                } else {
                    try {
                        result = reader.apply(view.asReadOnly());
                    } catch (RuntimeException e) {
                        thrown = e;
                    }
                }
            }
            if (lock.validate(stripe, stamp) && t.snapshot == g) {
                if (bad != 0) {
                    throw corruptRef(bad);
                }
                if (thrown != null) {
                    throw thrown;
                }
                return result;
            }
        }
    }

    private UncheckedIOException corruptRef(long ref) {
        return new UncheckedIOException(new CorruptIndexException(t.tf.path(), ref,
                "an overflow bucket reference within the mapped file and a chain without cycles"));
    }
}
