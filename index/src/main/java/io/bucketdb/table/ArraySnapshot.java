package io.bucketdb.table;

import io.bucketdb.storage.ChunkedMapping;

import java.lang.foreign.MemorySegment;

/**
 * An immutable snapshot of where the table's buckets are: B, the pieces of the current array and
 * (while growing) of the old one, and the mapped chunks. The writer publishes a new snapshot
 * through a volatile field whenever any of it changes (growth begins or ends, a chunk is mapped);
 * a reader takes one snapshot, works in it, and at the end checks that the published snapshot is
 * still the same one, so it never trusts bytes of an array that was freed and reused meanwhile.
 *
 * <p>Bucket {@code i} of an array lives in piece {@code i >>> pieceShift}; each piece lies within
 * one chunk, so the reader finds it with two array loads and no division.
 *
 * <p>During an in-place split ({@link #inPlace}, format version 7) the old array's pieces are the first pieces of
 * the current one, so old bucket {@code i} and new bucket {@code i} are the same bytes, and the seqlock stripe of
 * bucket {@code j} is {@code j & (2^oldB - 1)} cut to the stripes ({@link #stripeOf}): a bucket and its split sibling
 * {@code j + 2^oldB} share a stripe, whose stamp every change to either of them (and a split moving entries from one
 * to the other) changes. With {@code 2^oldB} at least {@code HashTable.STRIPES} that is the usual stripe.
 */
public final class ArraySnapshot {
    final int b;
    final long mask;
    final long[] pieces;
    final MemorySegment[] pieceSeg;
    final long[] pieceLocal;

    final boolean growing;
    final boolean sameSize;
    /** A doubling that splits old buckets in place (growing only): see the class comment. */
    final boolean inPlace;
    /** {@link #stripeOf}'s mask. */
    final long stripeMask;
    /** During an in-place split {@code 2^oldB}, the bit that tells an upper bucket from its lower sibling; else 0. */
    private final long splitBit;
    final int oldB;
    final long oldMask;
    final long[] oldPieces;
    final MemorySegment[] oldPieceSeg;
    final long[] oldPieceLocal;

    final MemorySegment[] chunks;
    final ChunkedMapping mapping;
    final int pieceShift;
    final long pieceMask;
    final int bucketSize;
    /**
     * Upper bound on the buckets of any acyclic chain: every bucket lies in the mapped chunks. A
     * reader that follows more links than this has met a cycle (or bytes being reused under it).
     */
    final long maxHops;

    /**
     * A snapshot of the arrays {@code pieces} (and, while growing, {@code oldPieces}) over the chunks mapped now.
     *
     * @param mapping    the table file's mapping
     * @param pieceShift log2 of the buckets in one piece
     * @param bucketSize bytes of one bucket
     * @param b          log2 of the current array's buckets
     * @param pieces     the current array's pieces ({@link BucketArrays#readDirectory})
     * @param growing    whether a growth is in progress
     * @param sameSize   whether that growth keeps B
     * @param oldB       log2 of the old array's buckets (growing only)
     * @param oldPieces  the old array's pieces (growing only, else null); during an in-place split, the first pieces
     *                   of {@code pieces}
     * @param inPlace    whether that growth is a doubling that splits old buckets in place
     */
    public ArraySnapshot(ChunkedMapping mapping, int pieceShift, int bucketSize, int b, long[] pieces,
                         boolean growing, boolean sameSize, int oldB, long[] oldPieces, boolean inPlace) {
        this.mapping = mapping;
        this.chunks = mapping.chunks();
        this.pieceShift = pieceShift;
        this.pieceMask = (1L << pieceShift) - 1;
        this.bucketSize = bucketSize;
        long mapped = 0;
        for (MemorySegment c : chunks) {
            mapped += c.byteSize();
        }
        this.maxHops = mapped / bucketSize + 1;
        this.b = b;
        this.mask = (1L << b) - 1;
        this.pieces = pieces;
        this.pieceSeg = new MemorySegment[pieces.length];
        this.pieceLocal = new long[pieces.length];
        resolve(pieces, pieceSeg, pieceLocal);
        this.growing = growing;
        this.sameSize = sameSize;
        this.oldB = oldB;
        this.oldMask = growing ? (1L << oldB) - 1 : 0;
        this.oldPieces = oldPieces;
        this.inPlace = growing && inPlace;
        this.stripeMask = (HashTable.STRIPES - 1) & (this.inPlace ? oldMask : -1L);
        this.splitBit = this.inPlace ? 1L << oldB : 0;
        if (growing) {
            this.oldPieceSeg = new MemorySegment[oldPieces.length];
            this.oldPieceLocal = new long[oldPieces.length];
            resolve(oldPieces, oldPieceSeg, oldPieceLocal);
        } else {
            this.oldPieceSeg = null;
            this.oldPieceLocal = null;
        }
    }

    private void resolve(long[] offs, MemorySegment[] segs, long[] locals) {
        for (int p = 0; p < offs.length; p++) {
            int c = mapping.chunkIndex(offs[p]);
            segs[p] = chunks[c];
            locals[p] = offs[p] - mapping.chunkStart(c);
        }
    }

    /** A copy with the chunks re-read (after the writer mapped a new chunk). */
    ArraySnapshot withChunks() {
        return new ArraySnapshot(mapping, pieceShift, bucketSize, b, pieces, growing, sameSize, oldB, oldPieces, inPlace);
    }

    /**
     * {@return the seqlock stripe of bucket {@code j} of the current array: its low bits, and during an in-place split
     * only those below {@code oldB}, so that {@code j} and its split sibling share one}
     *
     * @param j a bucket index, below {@code 2^b}
     */
    int stripeOf(long j) {
        return (int) (j & stripeMask);
    }

    /**
     * {@return the bucket of the current array that holds the keys with hash {@code hash} now: during an in-place
     * split a key whose hash has bit {@code oldB} set is still in its old bucket (the lower sibling) while that bucket
     * is at or past the split mark {@code splitMark}; else, and always outside such a split, bucket
     * {@code hash & mask}}
     *
     * @param hash      the key's hash
     * @param splitMark the old buckets below it are split (the header's {@code nevacuate}; ignored outside a split)
     */
    long homeOf(long hash, long splitMark) {
        // Arithmetic, no branch (issue 16): the writer's put inlines this, and a branch on inPlace that had only ever
        // been false trapped (unstable_if) at the first in-place split, sending a replay back to C1 while C2 recompiled
        // the put. j's bit oldB (splitBit) is cleared exactly when j is an upper bucket whose lower sibling
        // j & oldMask is not split yet (at or past splitMark); splitBit is 0 outside an in-place split. Bucket
        // indices and marks are below 2^62, so splitMark - 1 - (j & ~splitBit) does not overflow.
        long j = hash & mask;
        long unsplit = (splitMark - 1 - (j & ~splitBit)) >> 63; // all ones when the lower sibling is at or past the mark
        return j & ~(splitBit & unsplit);
    }

    /**
     * {@return the file offset of bucket {@code i} of the current array}
     *
     * @param i a bucket index, below {@code 2^b}
     */
    public long bucketOffset(long i) {
        return BucketArrays.bucketOffset(pieces, pieceShift, bucketSize, i);
    }

    MemorySegment bucketSeg(long i) {
        return pieceSeg[(int) (i >>> pieceShift)];
    }

    long bucketLocal(long i) {
        return pieceLocal[(int) (i >>> pieceShift)] + (i & pieceMask) * bucketSize;
    }

    /**
     * {@return the file offset of bucket {@code i} of the old array (growing only)}
     *
     * @param i a bucket index, below {@code 2^oldB}
     */
    public long oldBucketOffset(long i) {
        return BucketArrays.bucketOffset(oldPieces, pieceShift, bucketSize, i);
    }

    MemorySegment oldBucketSeg(long i) {
        return oldPieceSeg[(int) (i >>> pieceShift)];
    }

    long oldBucketLocal(long i) {
        return oldPieceLocal[(int) (i >>> pieceShift)] + (i & pieceMask) * bucketSize;
    }
}
