package io.bucketdb.table;

import io.bucketdb.storage.BucketLayout;
import io.bucketdb.spi.CorruptIndexException;
import io.bucketdb.storage.ExtentAllocator;
import io.bucketdb.storage.Header;
import io.bucketdb.storage.HeaderLayout;
import io.bucketdb.storage.Layouts;
import io.bucketdb.storage.TableFile;
import io.bucketdb.storage.Zeroes;

import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.lang.invoke.VarHandle;

import static io.bucketdb.storage.BucketLayout.*;

/**
 * Growth, as Go's hashGrow/growWork/evacuate: when to grow, starting a growth (a new array and directory), and the
 * incremental evacuation steps every write takes while growing, until the last old bucket is evacuated and the old
 * array is freed. Writer role only; readers follow through the stamps of {@link StripedSeqLock} and the published
 * {@link ArraySnapshot} (see {@link HashTable}).
 *
 * <p>Beyond Go, a growth also advances while writes pause ({@link #idleStep}), so a table whose writes stopped
 * soon after a doubling began does not stay in it, its gets looking at the old bucket first. Such a step has no
 * write to replay it from, so it journals itself: its {@code evacuated} marker goes out before the step changes
 * the table, and replay, meeting a marker that no replayed write explains, takes the same step
 * ({@link #replayIdleStep}).
 *
 * <h2>In-place split (format version 7)</h2>
 * A doubling of an array of whole pieces in a file with {@code SPLIT_GROWTH} ({@code Header.splitsInPlace}) does not
 * copy: the new array is the old array's pieces followed by as many new ones ({@link BucketArrays#allocateUpperHalf}),
 * so old bucket {@code i} <em>is</em> new bucket {@code i}, and splitting it ({@link #split}) moves only the entries
 * whose hash has bit {@code oldB} set to bucket {@code i + 2^oldB}, packs the rest to the front of {@code i}'s chain
 * and frees the overflow buckets that empties. The file never holds two arrays, and no entry that stays moves far.
 * <ul>
 *   <li><b>Order.</b> Old buckets are split in order, only at the mark {@code nevacuate} (each write takes two steps
 *       there, as Go's growWork takes two), so "is old bucket {@code i} split" is {@code i < nevacuate}: a header field
 *       that checkpoints carry and that replay recomputes step by step, so no per-bucket marker is needed, and a
 *       bucket is never split twice. A write does not split the bucket it touches first: it goes to the key's home
 *       ({@link ArraySnapshot#homeOf}), the old bucket while that is not split yet (its split moves it later).</li>
 *   <li><b>Readers.</b> A bucket and its split sibling share one seqlock stripe during the split
 *       ({@link ArraySnapshot#stripeOf}). A split changes both inside one write window of that stripe and advances the
 *       mark ({@code HashTable.splitMark}) inside it too. A reader takes the stamp, then reads the mark, then the
 *       chain, then validates: if the window was before the stamp, the reader sees the new mark and bucket
 *       {@code i + 2^oldB} holding the key; if it overlapped the reads, the stamp changed and the reader retries;
 *       else it sees the old mark and bucket {@code i} holding the key. A key with bit {@code oldB} set is in
 *       {@code i} until the window that moves it, and in {@code i + 2^oldB} after it, never in neither. Every other
 *       change to bucket {@code i} or its sibling is a write to a key whose home is one of them, under the same
 *       stripe.</li>
 *   <li><b>Crashes.</b> A split is one step like an evacuation: journaled as {@code evacuated(i)} after a write's
 *       step and before an idle one; replay takes the same steps on the same image, so it makes the same bytes.</li>
 * </ul>
 */
final class Evacuator {
    /** Old buckets looked at, at most, to advance {@code nevacuate} past evacuated buckets (Go uses 1024). */
    private static final int EVACUATION_SCAN = 1024;

    private final HashTable t;
    private final TableFile tf;
    private final Header h;
    private final ExtentAllocator alloc;
    private final GrowthListener listener;
    private final StripedSeqLock lock;
    private final BucketArrays arrays;
    private final VarFields fields;
    private final BucketLookup lookup;
    private final int bs;
    private final int keyWidth;
    private final int valueWidth;
    private final int keysOff;
    private final int valuesOff;
    private final int ovfOff;
    private final boolean varKeys;

    Evacuator(HashTable t, GrowthListener listener) {
        this.t = t;
        this.tf = t.tf;
        this.h = t.h;
        this.alloc = tf.allocator();
        this.listener = listener;
        this.lock = t.lock;
        this.arrays = t.arrays;
        this.fields = t.fields;
        this.lookup = t.lookup;
        this.bs = t.bs;
        this.keyWidth = t.keyWidth;
        this.valueWidth = t.valueWidth;
        this.keysOff = t.keysOff;
        this.valuesOff = t.valuesOff;
        this.ovfOff = t.ovfOff;
        this.varKeys = t.varKeys;
    }

    static boolean overLoadFactor(long count, int b) {
        // Go: count > bucketCnt && count > loadFactorNum * (2^B / loadFactorDen), i.e. above 6.5 per bucket.
        return count > SLOTS && count > 13 * ((1L << b) >>> 1);
    }

    static boolean tooManyOverflowBuckets(long noverflow, int b) {
        // Go means "about as many overflow buckets as buckets". Go caps the comparison at 2^15 only
        // because it keeps noverflow in a uint16 and, above B=15, counts one in 2^(B-15) at random.
        // We count exactly (replay must be deterministic), so the uncapped 2^B is Go's intent; the
        // capped form made every table past B=15 start same-size growths forever (found by the bench).
        return noverflow >= 1L << b;
    }

    /**
     * Starts a growth: doubles B if over the load factor, else a same-size growth to pack the chains. A doubling that
     * splits in place ({@code Header.splitsInPlace}) allocates only the new upper half of the array.
     */
    void hashGrow() throws IOException {
        boolean sameSize = !overLoadFactor(h.count + 1, h.b);
        int oldB = h.b;
        int newB = sameSize ? oldB : oldB + 1;
        boolean inPlace = !sameSize && h.splitsInPlace(oldB);
        ArraySnapshot g = t.snapshot;
        long[] pieces = inPlace ? arrays.allocateUpperHalf(g.pieces, newB) : arrays.allocate(newB);
        // The dirty-page sets make room up front for what this growth and its overflow buckets can touch (twice what
        // is mapped now), so marking a page never grows them inside the put (DirtyPages.reserve says why).
        tf.dirty().reserve(2 * tf.mapping().mappedEnd());
        long dir = arrays.writeDirectory(pieces);
        h.oldB = oldB;
        h.b = newB;
        h.oldBucketDir = h.bucketDir;
        h.bucketDir = dir;
        h.growFlags = HeaderLayout.GROWING | (sameSize ? HeaderLayout.SAME_SIZE : 0);
        h.nevacuate = 0;
        if (!inPlace) {
            h.noverflow = 0; // counts the overflow buckets of the current array's chains: an in-place split keeps them
        }
        t.splitMark = 0; // before the snapshot that makes readers look at it
        t.snapshot = new ArraySnapshot(tf.mapping(), h.pieceShift, bs, newB, pieces, true, sameSize, oldB, g.pieces, inPlace);
        GrowthReadAhead.begin(tf.mapping(), t.snapshot); // no 8 MiB read-ahead of zeros in the splits' first touches
        listener.growBegin(newB, sameSize);
    }

    void growWork(long bucket) throws IOException {
        ArraySnapshot g = t.snapshot;
        if (g.inPlace) {
            // In order, at the mark only (see the class comment): two steps, as Go's growWork takes two.
            split(h.nevacuate, true);
            if (t.snapshot.growing) {
                split(h.nevacuate, true);
            }
            return;
        }
        evacuate(bucket & g.oldMask, true);
        if (t.snapshot.growing) {
            evacuate(h.nevacuate, true);
        }
    }

    /**
     * One evacuation step that no write caused: growWork's second half, at the evacuation mark. The marker goes to
     * the listener (the journal) first, also when the bucket at the mark is already evacuated (a write evacuated
     * it and the mark's bounded scan stopped there): the step still moves the mark, which later writes' steps
     * depend on, so replay must take it too. Does nothing when no growth is in progress.
     *
     * @throws IOException if the journal refuses the marker (the table is then unchanged) or evacuation fails
     */
    void idleStep() throws IOException {
        if (!t.snapshot.growing) {
            return;
        }
        long i = h.nevacuate;
        listener.evacuated(i);
        step(i);
    }

    /** An unreported step at old bucket {@code i}: a split during an in-place split, else an evacuation. */
    private void step(long i) throws IOException {
        if (t.snapshot.inPlace) {
            split(i, false);
        } else {
            evacuate(i, false);
        }
    }

    /**
     * Replay: takes the idle step whose marker names old bucket {@code oldBucket}, if that is the step the table
     * can take now (a growth is in progress and the mark is there); its later markers (the growth's end) are
     * queued for checking as a write's are. An in-place split is reported to the listener like a write's (so replay's
     * queue then starts with {@code oldBucket} itself, which the caller takes off); a copying evacuation is not.
     *
     * @return false, changing nothing, if the marker cannot be an idle step of this table (a corrupt journal)
     */
    boolean replayIdleStep(long oldBucket) throws IOException {
        if (!t.snapshot.growing || oldBucket != h.nevacuate) {
            return false;
        }
        if (t.snapshot.inPlace) {
            // Reported, as a write's split is (replay's listener queues the step; JournalReplayer takes it off again):
            // split's branch on report is then taken on every call replay makes. Unreported, the first idle step in a
            // journal, met after C2 had compiled split from writes' steps alone, trapped there (unstable_if) and sent
            // the rest of the replay's splits back to C1 while C2 compiled split again (issue 16, branch recovery2).
            split(oldBucket, true);
        } else {
            evacuate(oldBucket, false);
        }
        return true;
    }

    /** Whether old bucket {@code i} has been evacuated (its first tophash byte says so). */
    private boolean evacuated(ArraySnapshot g, long i) {
        t.pages.check(g.oldBucketOffset(i), bs);
        return isEvacuated(g.oldBucketSeg(i).get(Layouts.BYTE, g.oldBucketLocal(i)) & 0xFF);
    }

    /**
     * Moves every entry of old bucket {@code i}'s chain to new bucket X = i or (doubling only)
     * Y = i + 2^oldB, marks the old slots evacuatedX/Y/Empty, zeroes the old keys and values and
     * frees the old overflow buckets. Destinations are zeroed first because array pieces may be
     * reused extents (see {@link ExtentAllocator#allocate}). With {@code report}, the listener hears of the
     * bucket once it is evacuated (a write's step); an idle step reported it before.
     */
    private void evacuate(long i, boolean report) throws IOException {
        ArraySnapshot g = t.snapshot;
        if (!evacuated(g, i)) {
            long newbit = 1L << g.oldB;
            long xIdx = i;
            long yIdx = i + newbit;
            int sx = g.stripeOf(xIdx);
            int sy = g.sameSize ? sx : g.stripeOf(yIdx);
            lock.beginWrite(sx);
            if (sy != sx) {
                lock.beginWrite(sy);
            }
            try {
                long x = g.bucketOffset(xIdx);
                long y = g.sameSize ? 0 : g.bucketOffset(yIdx);
                tf.zero(x, bs);
                if (y != 0) {
                    tf.zero(y, bs);
                }
                int xi = 0;
                int yi = 0;
                long origin = g.oldBucketOffset(i);
                long b = origin;
                long hops = 0;
                while (b != 0) {
                    MemorySegment seg = arrays.segOf(b);
                    long off = arrays.localOf(b);
                    tf.markDirty(b, bs);
                    for (int s = 0; s < SLOTS; s++) {
                        int top = seg.get(Layouts.BYTE, off + s) & 0xFF;
                        if (BucketLayout.isEmpty(top)) {
                            seg.set(Layouts.BYTE, off + s, (byte) EVACUATED_EMPTY);
                            continue;
                        }
                        if (top < MIN_TOPHASH) {
                            throw new CorruptIndexException(tf.path(), b + s,
                                    "a used or empty slot in old bucket " + i + " under evacuation, found state " + stateName(top));
                        }
                        long koff = off + keysOff + (long) s * keyWidth;
                        boolean useY = !g.sameSize && (evacuationHash(b, seg, koff) & newbit) != 0;
                        seg.set(Layouts.BYTE, off + s, (byte) (useY ? EVACUATED_Y : EVACUATED_X));
                        if (useY) {
                            if (yi == SLOTS) {
                                y = arrays.newOverflow(y);
                                yi = 0;
                            }
                            moveSlot(seg, off, s, top, y, yi++);
                        } else {
                            if (xi == SLOTS) {
                                x = arrays.newOverflow(x);
                                xi = 0;
                            }
                            moveSlot(seg, off, s, top, x, xi++);
                        }
                    }
                    // No stale user data stays behind: keys and values go, tophash marks stay (readers need them).
                    Zeroes.fill(seg, off + keysOff, (long) SLOTS * (keyWidth + valueWidth));
                    long next = seg.get(Layouts.LONG, off + ovfOff);
                    if (next != 0) {
                        arrays.checkRef(b + ovfOff, next, ++hops);
                    }
                    if (b != origin) {
                        alloc.freeOverflowBucket(b);
                    } else {
                        seg.set(Layouts.LONG, off + ovfOff, 0L);
                    }
                    b = next;
                }
            } finally {
                if (sy != sx) {
                    lock.endWrite(sy);
                }
                lock.endWrite(sx);
            }
            if (report) {
                listener.evacuated(i);
            }
        }
        if (i == h.nevacuate) {
            advanceEvacuationMark(g);
        }
    }

    private long evacuationHash(long bucket, MemorySegment seg, long koff) throws CorruptIndexException {
        if (!varKeys) {
            return lookup.hashKey(seg, koff);
        }
        try {
            return fields.hashStoredKey(tf.mapping().chunks(), seg, koff);
        } catch (VarFields.HeapRefException e) {
            throw fields.badHeapRef(bucket);
        }
    }

    private void moveSlot(MemorySegment src, long srcOff, int s, int top, long dst, int d) {
        MemorySegment dseg = arrays.segOf(dst);
        long doff = arrays.localOf(dst);
        tf.markDirty(dst, bs);
        FieldCopy.copy(src, srcOff + keysOff + (long) s * keyWidth, dseg, doff + keysOff + (long) d * keyWidth, keyWidth);
        FieldCopy.copy(src, srcOff + valuesOff + (long) s * valueWidth, dseg, doff + valuesOff + (long) d * valueWidth, valueWidth);
        dseg.set(Layouts.BYTE, doff + d, (byte) top);
    }

    private void advanceEvacuationMark(ArraySnapshot g) {
        long newbit = 1L << g.oldB;
        h.nevacuate++;
        long stop = Math.min(h.nevacuate + EVACUATION_SCAN, newbit);
        while (h.nevacuate != stop && evacuated(g, h.nevacuate)) {
            h.nevacuate++;
        }
        if (h.nevacuate == newbit) {
            finishGrowth(g);
        }
    }

    private void finishGrowth(ArraySnapshot g) {
        long oldDir = h.oldBucketDir;
        h.oldBucketDir = 0;
        h.growFlags = 0;
        h.oldB = 0;
        h.nevacuate = 0;
        t.snapshot = new ArraySnapshot(tf.mapping(), h.pieceShift, bs, g.b, g.pieces, false, false, 0, null, false);
        // Readers that still hold the old snapshot must see the new one before they can see reused bytes.
        VarHandle.fullFence();
        if (!g.inPlace) {
            arrays.free(g.oldPieces, g.oldB);
        } // else the old pieces are the new array's lower half: only the old directory goes
        arrays.freeDirectory(oldDir, g.oldPieces.length);
        GrowthReadAhead.end(tf.mapping(), g);
        listener.growEnd();
    }

    /** Finishes a growth in progress by evacuating every remaining old bucket (used by compaction and tests). */
    void finishGrowthNow() throws IOException {
        while (t.snapshot.growing) {
            if (t.snapshot.inPlace) {
                split(h.nevacuate, true);
            } else {
                evacuate(h.nevacuate, true);
            }
        }
    }

    /**
     * Splits old bucket {@code i}, the one at the mark, in place (see the class comment): inside one write window of
     * the stripe that {@code i} and {@code y = i + 2^oldB} share, {@code y} is zeroed (its piece may be a reused
     * extent), every entry of {@code i}'s chain whose hash has bit {@code oldB} set moves to {@code y}'s chain
     * (allocating overflow buckets there), the others are packed towards the front of {@code i}'s chain (a move within
     * the chain, to a slot the walk has passed), every slot left behind is zeroed, the slots after the last entry become
     * emptyRest, the overflow buckets after it are freed, and the mark advances. Deterministic: the same chain gives
     * the same bytes. With {@code report}, the listener hears of the step once it is done (a write's step); an idle
     * step reported it before.
     */
    private void split(long i, boolean report) throws IOException {
        ArraySnapshot g = t.snapshot;
        long newbit = 1L << g.oldB;
        int stripe = g.stripeOf(i);
        lock.beginWrite(stripe);
        try {
            long y = g.bucketOffset(i + newbit);
            tf.zero(y, bs);
            int yi = 0;
            long origin = g.bucketOffset(i);
            long w = origin; // the packing cursor: bucket w, slot ws; never ahead of the walk
            long wPrev = 0;
            int ws = 0;
            long r = origin;
            long hops = 0;
            while (r != 0) {
                MemorySegment seg = arrays.segOf(r);
                long off = arrays.localOf(r);
                tf.markDirty(r, bs);
                for (int s = 0; s < SLOTS; s++) {
                    int top = seg.get(Layouts.BYTE, off + s) & 0xFF;
                    if (BucketLayout.isEmpty(top)) {
                        continue;
                    }
                    if (top < MIN_TOPHASH) {
                        throw new CorruptIndexException(tf.path(), r + s,
                                "a used or empty slot in bucket " + i + " under an in-place split, found state " + stateName(top));
                    }
                    if ((evacuationHash(r, seg, off + keysOff + (long) s * keyWidth) & newbit) != 0) {
                        if (yi == SLOTS) {
                            y = arrays.newOverflow(y);
                            yi = 0;
                        }
                        moveSlot(seg, off, s, top, y, yi++);
                        clearSlot(seg, off, s);
                        continue;
                    }
                    if (ws == SLOTS) {
                        // w is full and behind the walk (else r's slot s would be past its end): its next bucket exists.
                        wPrev = w;
                        w = arrays.segOf(w).get(Layouts.LONG, arrays.localOf(w) + ovfOff);
                        ws = 0;
                    }
                    if (w != r || ws != s) {
                        moveSlot(seg, off, s, top, w, ws);
                        clearSlot(seg, off, s);
                    }
                    ws++;
                }
                long next = seg.get(Layouts.LONG, off + ovfOff);
                if (next != 0) {
                    arrays.checkRef(r + ovfOff, next, ++hops);
                }
                r = next;
            }
            cutChain(origin, w, wPrev, ws);
            h.nevacuate = i + 1;
            t.splitMark = i + 1; // inside the window: see the class comment
        } finally {
            lock.endWrite(stripe);
        }
        if (report) {
            listener.evacuated(i);
        }
        if ((i & (SplitPageToucher.REQUEST_EVERY - 1)) == 0) {
            SplitPageToucher p = t.pageToucher;
            if (p != null) {
                p.request(); // the next upper pages, before this split's successors fault them (SplitPageToucher)
            }
        }
        if (h.nevacuate == newbit) {
            finishGrowth(g);
        }
    }

    /**
     * Ends a packed chain after slot {@code ws - 1} of bucket {@code w} (whose predecessor is {@code wPrev}, 0 for the
     * chain's first bucket {@code origin}): the rest of {@code w} becomes emptyRest and the buckets after it are freed,
     * or, when {@code w} is an overflow bucket left empty, {@code w} is freed too.
     */
    private void cutChain(long origin, long w, long wPrev, int ws) {
        long last = w;
        long free;
        if (ws == 0 && w != origin) {
            last = wPrev;
            free = w;
        } else {
            MemorySegment seg = arrays.segOf(w);
            long off = arrays.localOf(w);
            for (int s = ws; s < SLOTS; s++) {
                seg.set(Layouts.BYTE, off + s, (byte) EMPTY_REST); // marked dirty by the walk
            }
            free = seg.get(Layouts.LONG, off + ovfOff);
        }
        if (free == 0) {
            return;
        }
        tf.putLong(last + ovfOff, 0);
        while (free != 0) {
            long next = arrays.segOf(free).get(Layouts.LONG, arrays.localOf(free) + ovfOff);
            alloc.freeOverflowBucket(free);
            h.noverflow--;
            free = next;
        }
    }

    /** Empties slot {@code s} of the bucket at {@code seg[off]} after its entry moved: zeroed key and value, emptyOne. */
    private void clearSlot(MemorySegment seg, long off, int s) {
        FieldCopy.zero(seg, off + keysOff + (long) s * keyWidth, keyWidth);
        FieldCopy.zero(seg, off + valuesOff + (long) s * valueWidth, valueWidth);
        seg.set(Layouts.BYTE, off + s, (byte) EMPTY_ONE);
    }
}
