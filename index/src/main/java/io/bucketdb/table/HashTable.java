package io.bucketdb.table;

import io.bucketdb.hash.RapidHash;
import io.bucketdb.storage.BucketLayout;
import io.bucketdb.storage.ChunkedMapping;
import io.bucketdb.storage.CorruptIndexException;
import io.bucketdb.storage.DirectoryLayout;
import io.bucketdb.storage.ExtentAllocator;
import io.bucketdb.storage.ExtentClasses;
import io.bucketdb.storage.Header;
import io.bucketdb.storage.HeaderLayout;
import io.bucketdb.storage.Layouts;
import io.bucketdb.storage.TableFile;
import io.bucketdb.storage.TableGeometry;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;

import static io.bucketdb.storage.BucketLayout.*;

/**
 * Go's runtime map (hmap/bmap, before Go 1.24) over a {@link TableFile}: 8-slot buckets with
 * tophash bytes, overflow chains, doubling at an average load of 6.5 per bucket, same-size growth
 * when overflow buckets pile up, and incremental evacuation: every write during a growth first
 * evacuates the old bucket it touches and one more, so no operation pays for the whole table.
 *
 * <p>Beyond Go: deleted slots and evacuated old slots are zeroed (no stale user data stays in
 * the file), overflow buckets of evacuated chains are freed for reuse, and every step is
 * deterministic (no time, randomness or file size), so replaying the same operations on the same
 * image gives the same bytes.
 *
 * <h2>Threads and memory ordering</h2>
 * One writer thread calls the mutating methods. Any number of reader threads call {@link #getLong},
 * {@link #get} and the iterator without locks. Readers are validated by per-stripe version stamps
 * (a seqlock) plus the published {@link Geometry}:
 * <ul>
 *   <li>The stripe of new-array bucket {@code j} is {@code j & (STRIPES-1)}. A write to bucket
 *       {@code j}'s chain makes the stamp odd (opaque store, then a store-store fence), changes the
 *       bytes, then makes it even again with a release store. Evacuating old bucket {@code i} does
 *       the same on the stripes of both destinations X = {@code i} and Y = {@code i + 2^oldB}, which
 *       are the only new buckets whose readers look into old bucket {@code i}.</li>
 *   <li>A reader takes the geometry (volatile), the stamp of its key's new bucket (acquire; odd
 *       means retry), reads the buckets with plain loads, issues an acquire fence, and accepts the
 *       result only if the stamp and the geometry are both unchanged.</li>
 *   <li>A growth's end publishes the geometry without the old array, issues a full fence, and only
 *       then frees the old pieces, so a reader that saw reused bytes also sees the new geometry.</li>
 * </ul>
 * Writes that only the writer reads (header counters, free lists) need no stamps.
 */
public final class HashTable {
    /** Seqlock stripes; a power of two. */
    static final int STRIPES = 1 << 12;
    private static final VarHandle STAMP = MethodHandles.arrayElementVarHandle(long[].class);
    private static final VarHandle COUNT;
    private static final long ONES = 0x0101010101010101L;
    private static final long HIGHS = 0x8080808080808080L;
    /** Old buckets looked at, at most, to advance {@code nevacuate} past evacuated buckets (Go uses 1024). */
    private static final int EVACUATION_SCAN = 1024;

    static {
        try {
            COUNT = MethodHandles.lookup().findVarHandle(HashTable.class, "publishedCount", long.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    private final TableFile tf;
    private final Header h;
    private final ExtentAllocator alloc;
    private final ChunkedMapping mapping;
    private final int keyWidth;
    private final int valueWidth;
    private final int bs;
    private final int valuesOff;
    private final int ovfOff;
    private final long seed;
    private final long[] stamps = new long[STRIPES];
    private final GrowthListener listener;
    /** Writer-thread scratch for the primitive API: key at 0, value at 8. */
    private final MemorySegment scratch = Arena.ofAuto().allocate(16, 8);

    private volatile Geometry geo;
    @SuppressWarnings("unused") // written through COUNT
    private volatile long publishedCount;

    private HashTable(TableFile tf, GrowthListener listener) {
        this.tf = tf;
        this.h = tf.header();
        this.alloc = tf.allocator();
        this.mapping = tf.mapping();
        BucketLayout layout = BucketLayout.of(h.keyWidth, h.valueWidth);
        this.keyWidth = layout.keyWidth();
        this.valueWidth = layout.valueWidth();
        this.bs = layout.size();
        this.valuesOff = layout.valuesOffset();
        this.ovfOff = layout.overflowOffset();
        this.seed = h.hashSeed;
        this.listener = listener;
    }

    /** Builds an empty table (B = 0) in a freshly created file. */
    public static HashTable create(TableFile tf, GrowthListener listener) throws IOException {
        return create(tf, listener, 0);
    }

    /**
     * Builds an empty table in a freshly created file, sized for {@code expectedEntries}: B is
     * {@link #bFor}, the B growth would have reached at that count, so loading that many entries
     * never grows the table and leaves no old arrays behind.
     *
     * <p>The bucket array is not written: in a fresh file every extent comes from the end of the
     * file, which reads as zero ({@link ExtentAllocator#allocate}), and an all-zero bucket is empty
     * (emptyRest slots, no overflow). Filling it would dirty 2^B buckets of private memory before
     * the first checkpoint, which at large B is more than the dirty-page limit allows.
     *
     * @throws IllegalArgumentException if the file already allocated space (it is not fresh)
     */
    public static HashTable create(TableFile tf, GrowthListener listener, long expectedEntries) throws IOException {
        if (tf.header().fileEnd != HeaderLayout.DATA_START) {
            throw new IllegalArgumentException("a table is created only in a fresh file; " + tf.path() + " has allocated up to "
                    + tf.header().fileEnd);
        }
        HashTable t = new HashTable(tf, listener);
        int b = bFor(expectedEntries);
        if (b - t.h.pieceShift >= 31) { // the piece directory counts pieces in an int
            throw new IllegalArgumentException(expectedEntries + " expected entries need 2^" + b
                    + " buckets, more than a table file can address");
        }
        long[] pieces = t.allocateArray(b);
        t.h.b = b;
        t.h.bucketDir = t.writeDirectory(pieces);
        t.geo = new Geometry(t.mapping, t.h.pieceShift, t.bs, b, pieces, false, false, 0, null);
        return t;
    }

    /**
     * The smallest B whose array holds {@code entries} without exceeding the load factor (6.5 per
     * bucket): the B a table reaches by growing to that count, and the one where inserting that
     * many entries triggers no doubling.
     */
    public static int bFor(long entries) {
        int b = 0;
        while (b < TableGeometry.MAX_B && overLoadFactor(entries, b)) {
            b++;
        }
        return b;
    }

    /**
     * Opens the table in {@code tf}: reads the piece directories named by the header and checks
     * them. Chains are checked as they are walked; {@code verify} checks everything.
     */
    public static HashTable open(TableFile tf, GrowthListener listener) throws IOException {
        HashTable t = new HashTable(tf, listener);
        long[] pieces = t.readDirectory(t.h.bucketDir, t.h.b);
        long[] oldPieces = t.h.growing() ? t.readDirectory(t.h.oldBucketDir, t.h.oldB) : null;
        t.geo = new Geometry(t.mapping, t.h.pieceShift, t.bs, t.h.b, pieces, t.h.growing(), t.h.sameSizeGrow(), t.h.oldB, oldPieces);
        COUNT.setRelease(t, t.h.count);
        return t;
    }

    // ------------------------------------------------------------------ reads (any thread)

    /** The number of entries, as of the last completed write. */
    public long size() {
        return (long) COUNT.getAcquire(this);
    }

    public int keyWidth() {
        return keyWidth;
    }

    public int valueWidth() {
        return valueWidth;
    }

    /** The value of {@code key} in a table of 8-byte keys and values, or {@code missing}. Allocates nothing. */
    public long getLong(long key, long missing) {
        long hash = RapidHash.hashLong(key, seed);
        long pattern = (tophash(hash) & 0xFFL) * ONES;
        for (int attempt = 0; ; attempt++) {
            Geometry g = geo;
            long j = hash & g.mask;
            int stripe = (int) (j & (STRIPES - 1));
            long stamp = (long) STAMP.getAcquire(stamps, stripe);
            if ((stamp & 1) != 0) {
                Thread.onSpinWait();
                continue;
            }
            MemorySegment seg = g.bucketSeg(j);
            long off = g.bucketLocal(j);
            if (g.growing) {
                long i = hash & g.oldMask;
                MemorySegment oseg = g.oldBucketSeg(i);
                long ooff = g.oldBucketLocal(i);
                if (!isEvacuated(oseg.get(Layouts.BYTE, ooff) & 0xFF)) {
                    seg = oseg;
                    off = ooff;
                }
            }
            long result = missing;
            long bad = 0;
            long hops = 0;
            search:
            while (true) {
                long tw = seg.get(Layouts.LONG, off);
                long x = tw ^ pattern;
                long m = (x - ONES) & ~x & HIGHS;
                while (m != 0) {
                    int slot = Long.numberOfTrailingZeros(m) >>> 3;
                    if (((x >>> (slot << 3)) & 0xFF) == 0 && seg.get(Layouts.LONG, off + KEYS_OFFSET + 8L * slot) == key) {
                        result = seg.get(Layouts.LONG, off + valuesOff + 8L * slot);
                        break search;
                    }
                    m &= m - 1;
                }
                if (((tw - ONES) & ~tw & HIGHS) != 0) {
                    break; // an emptyRest slot: nothing further in this chain
                }
                long next = seg.get(Layouts.LONG, off + ovfOff);
                if (next == 0) {
                    break;
                }
                int c = next < HeaderLayout.DATA_START ? -1 : mapping.chunkIndex(next);
                if (c < 0 || c >= g.chunks.length || ++hops > g.maxHops) {
                    bad = next;
                    break;
                }
                seg = g.chunks[c];
                off = next - mapping.chunkStart(c);
                if (off + bs > seg.byteSize()) {
                    bad = next;
                    break;
                }
            }
            VarHandle.acquireFence();
            if ((long) STAMP.getOpaque(stamps, stripe) == stamp && geo == g) {
                if (bad != 0) {
                    throw corruptRef(bad);
                }
                return result;
            }
        }
    }

    /**
     * Copies the value of the key at {@code key[keyOff..keyOff+keyWidth)} into {@code dst} at
     * {@code dstOff} and returns true, or returns false if the key is absent.
     */
    public boolean get(MemorySegment key, long keyOff, MemorySegment dst, long dstOff) {
        long hash = hashKey(key, keyOff);
        int top = tophash(hash);
        for (; ; ) {
            Geometry g = geo;
            long j = hash & g.mask;
            int stripe = (int) (j & (STRIPES - 1));
            long stamp = (long) STAMP.getAcquire(stamps, stripe);
            if ((stamp & 1) != 0) {
                Thread.onSpinWait();
                continue;
            }
            long found = findIn(g, hash, top, key, keyOff);
            boolean ok = found > 0;
            if (ok) {
                int c = mapping.chunkIndex(found >>> 3);
                MemorySegment seg = g.chunks[c];
                long local = (found >>> 3) - mapping.chunkStart(c);
                int slot = (int) (found & 7);
                MemorySegment.copy(seg, local + valuesOff + (long) slot * valueWidth, dst, dstOff, valueWidth);
            }
            VarHandle.acquireFence();
            if ((long) STAMP.getOpaque(stamps, stripe) == stamp && geo == g) {
                if (found < 0) {
                    throw corruptRef(-found);
                }
                return ok;
            }
        }
    }

    /**
     * Finds a key in geometry {@code g} without validation: returns {@code (bucketOffset << 3) | slot}
     * if found, 0 if absent, or minus the bad reference met. Used by readers (inside a stamp window)
     * and by the writer.
     */
    private long findIn(Geometry g, long hash, int top, MemorySegment key, long keyOff) {
        long j = hash & g.mask;
        long bucket = g.bucketOffset(j);
        if (g.growing) {
            long i = hash & g.oldMask;
            MemorySegment oseg = g.oldBucketSeg(i);
            long ooff = g.oldBucketLocal(i);
            if (!isEvacuated(oseg.get(Layouts.BYTE, ooff) & 0xFF)) {
                bucket = g.oldBucketOffset(i);
            }
        }
        long hops = 0;
        while (true) {
            // A damaged reference far beyond the file makes chunkIndex overflow to a negative index.
            int c = mapping.chunkIndex(bucket);
            if (c < 0 || c >= g.chunks.length) {
                return -bucket;
            }
            MemorySegment seg = g.chunks[c];
            long off = bucket - mapping.chunkStart(c);
            if (off + bs > seg.byteSize()) {
                return -bucket;
            }
            for (int i = 0; i < SLOTS; i++) {
                int t = seg.get(Layouts.BYTE, off + i) & 0xFF;
                if (t != top) {
                    if (t == EMPTY_REST) {
                        return 0;
                    }
                    continue;
                }
                if (keyEquals(seg, off + KEYS_OFFSET + (long) i * keyWidth, key, keyOff)) {
                    return (bucket << 3) | i;
                }
            }
            long next = seg.get(Layouts.LONG, off + ovfOff);
            if (next == 0) {
                return 0;
            }
            if (next < HeaderLayout.DATA_START || ++hops > g.maxHops) {
                return -Math.max(next, 1);
            }
            bucket = next;
        }
    }

    private boolean keyEquals(MemorySegment seg, long off, MemorySegment key, long keyOff) {
        if (keyWidth == 8) {
            return seg.get(Layouts.LONG, off) == key.get(Layouts.LONG, keyOff);
        }
        return MemorySegment.mismatch(seg, off, off + keyWidth, key, keyOff, keyOff + keyWidth) == -1;
    }

    private long hashKey(MemorySegment key, long keyOff) {
        return keyWidth == 8 ? RapidHash.hashLong(key.get(Layouts.LONG, keyOff), seed) : RapidHash.hash(key, keyOff, keyWidth, seed);
    }

    /** The table's hash of a key, as {@code dump --key} explains placements with. */
    public long hashOf(MemorySegment key, long keyOff) {
        return hashKey(key, keyOff);
    }

    // ------------------------------------------------------------------ writes (writer thread)

    /** Puts {@code key → value} in a table of 8-byte keys and values; true if the key was new. Allocates nothing. */
    public boolean putLong(long key, long value) throws IOException {
        scratch.set(Layouts.LONG, 0, key);
        scratch.set(Layouts.LONG, 8, value);
        return put(scratch, 0, scratch, 8);
    }

    /** Deletes {@code key} from a table of 8-byte keys; true if it was present. Allocates nothing. */
    public boolean deleteLong(long key) throws IOException {
        scratch.set(Layouts.LONG, 0, key);
        return delete(scratch, 0);
    }

    /**
     * Puts the key at {@code key[keyOff..]} with the value at {@code value[valueOff..]}; true if the
     * key was new. Follows Go's mapassign: evacuate first while growing, update in place if the key
     * exists, else insert into the first empty slot of the chain, growing first if the table is
     * over its load factor or has too many overflow buckets.
     */
    public boolean put(MemorySegment key, long keyOff, MemorySegment value, long valueOff) throws IOException {
        long hash = hashKey(key, keyOff);
        int top = tophash(hash);
        while (true) {
            Geometry g = geo;
            if (g.growing) {
                growWork(hash & g.mask);
                g = geo;
            }
            long j = hash & g.mask;
            int stripe = (int) (j & (STRIPES - 1));
            long bucket = g.bucketOffset(j);
            long insertBucket = 0;
            int insertSlot = -1;
            long last;
            long hops = 0;
            while (true) {
                MemorySegment seg = segOf(bucket);
                long off = localOf(bucket);
                boolean rest = false;
                for (int i = 0; i < SLOTS; i++) {
                    int t = seg.get(Layouts.BYTE, off + i) & 0xFF;
                    if (t != top) {
                        if (insertBucket == 0 && BucketLayout.isEmpty(t)) {
                            insertBucket = bucket;
                            insertSlot = i;
                        }
                        if (t == EMPTY_REST) {
                            rest = true;
                            break;
                        }
                        continue;
                    }
                    long koff = off + KEYS_OFFSET + (long) i * keyWidth;
                    if (keyEquals(seg, koff, key, keyOff)) {
                        long voff = off + valuesOff + (long) i * valueWidth;
                        beginWrite(stripe);
                        try {
                            tf.markDirty(bucket + valuesOff + (long) i * valueWidth, Math.max(1, valueWidth));
                            MemorySegment.copy(value, valueOff, seg, voff, valueWidth);
                        } finally {
                            endWrite(stripe);
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
                checkRef(bucket + ovfOff, next, ++hops);
                bucket = next;
            }
            if (!g.growing && (overLoadFactor(h.count + 1, h.b) || tooManyOverflowBuckets(h.noverflow, h.b))) {
                hashGrow();
                continue;
            }
            beginWrite(stripe);
            try {
                if (insertBucket == 0) {
                    insertBucket = newOverflow(last);
                    insertSlot = 0;
                }
                MemorySegment seg = segOf(insertBucket);
                long off = localOf(insertBucket);
                tf.markDirty(insertBucket, bs);
                MemorySegment.copy(key, keyOff, seg, off + KEYS_OFFSET + (long) insertSlot * keyWidth, keyWidth);
                MemorySegment.copy(value, valueOff, seg, off + valuesOff + (long) insertSlot * valueWidth, valueWidth);
                seg.set(Layouts.BYTE, off + insertSlot, (byte) top);
            } finally {
                endWrite(stripe);
            }
            h.count++;
            COUNT.setRelease(this, h.count);
            return true;
        }
    }

    /**
     * Deletes the key at {@code key[keyOff..]}; true if it was present. Follows Go's mapdelete: the
     * slot becomes emptyOne (and its key and value are zeroed), and a run of empty slots at the end
     * of the chain becomes emptyRest so lookups stop early.
     */
    public boolean delete(MemorySegment key, long keyOff) throws IOException {
        long hash = hashKey(key, keyOff);
        int top = tophash(hash);
        Geometry g = geo;
        if (g.growing) {
            growWork(hash & g.mask);
            g = geo;
        }
        long j = hash & g.mask;
        int stripe = (int) (j & (STRIPES - 1));
        long origin = g.bucketOffset(j);
        long bucket = origin;
        long hops = 0;
        while (bucket != 0) {
            MemorySegment seg = segOf(bucket);
            long off = localOf(bucket);
            for (int i = 0; i < SLOTS; i++) {
                int t = seg.get(Layouts.BYTE, off + i) & 0xFF;
                if (t != top) {
                    if (t == EMPTY_REST) {
                        return false;
                    }
                    continue;
                }
                if (!keyEquals(seg, off + KEYS_OFFSET + (long) i * keyWidth, key, keyOff)) {
                    continue;
                }
                beginWrite(stripe);
                try {
                    tf.markDirty(bucket, bs);
                    seg.asSlice(off + KEYS_OFFSET + (long) i * keyWidth, keyWidth).fill((byte) 0);
                    seg.asSlice(off + valuesOff + (long) i * valueWidth, valueWidth).fill((byte) 0);
                    seg.set(Layouts.BYTE, off + i, (byte) EMPTY_ONE);
                    markEmptyRest(origin, bucket, i);
                } finally {
                    endWrite(stripe);
                }
                h.count--;
                COUNT.setRelease(this, h.count);
                return true;
            }
            long next = seg.get(Layouts.LONG, off + ovfOff);
            if (next != 0) {
                checkRef(bucket + ovfOff, next, ++hops);
            }
            bucket = next;
        }
        return false;
    }

    /** After slot {@code i} of {@code bucket} became emptyOne: if nothing used follows it, turn the trailing empties into emptyRest. */
    private void markEmptyRest(long origin, long bucket, int i) {
        MemorySegment seg = segOf(bucket);
        long off = localOf(bucket);
        if (i == SLOTS - 1) {
            long next = seg.get(Layouts.LONG, off + ovfOff);
            if (next != 0 && (segOf(next).get(Layouts.BYTE, localOf(next)) & 0xFF) != EMPTY_REST) {
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
                    long next = segOf(bucket).get(Layouts.LONG, localOf(bucket) + ovfOff);
                    if (next == c) {
                        break;
                    }
                    bucket = next;
                }
                seg = segOf(bucket);
                off = localOf(bucket);
                i = SLOTS - 1;
            } else {
                i--;
            }
            if ((seg.get(Layouts.BYTE, off + i) & 0xFF) != EMPTY_ONE) {
                return;
            }
        }
    }

    // ------------------------------------------------------------------ growth

    private static boolean overLoadFactor(long count, int b) {
        // Go: count > bucketCnt && count > loadFactorNum * (2^B / loadFactorDen), i.e. above 6.5 per bucket.
        return count > SLOTS && count > 13 * ((1L << b) >>> 1);
    }

    private static boolean tooManyOverflowBuckets(long noverflow, int b) {
        // Go means "about as many overflow buckets as buckets". Go caps the comparison at 2^15 only
        // because it keeps noverflow in a uint16 and, above B=15, counts one in 2^(B-15) at random.
        // We count exactly (replay must be deterministic), so the uncapped 2^B is Go's intent; the
        // capped form made every table past B=15 start same-size growths forever (found by the bench).
        return noverflow >= 1L << b;
    }

    /** Starts a growth: doubles B if over the load factor, else a same-size growth to pack the chains. */
    private void hashGrow() throws IOException {
        boolean sameSize = !overLoadFactor(h.count + 1, h.b);
        int oldB = h.b;
        int newB = sameSize ? oldB : oldB + 1;
        Geometry g = geo;
        long[] pieces = allocateArray(newB);
        long dir = writeDirectory(pieces);
        h.oldB = oldB;
        h.b = newB;
        h.oldBucketDir = h.bucketDir;
        h.bucketDir = dir;
        h.growFlags = HeaderLayout.GROWING | (sameSize ? HeaderLayout.SAME_SIZE : 0);
        h.nevacuate = 0;
        h.noverflow = 0;
        geo = new Geometry(mapping, h.pieceShift, bs, newB, pieces, true, sameSize, oldB, g.pieces);
        listener.growBegin(newB, sameSize);
    }

    private void growWork(long bucket) throws IOException {
        Geometry g = geo;
        evacuate(bucket & g.oldMask);
        if (geo.growing) {
            evacuate(h.nevacuate);
        }
    }

    /** Whether old bucket {@code i} has been evacuated (its first tophash byte says so). */
    private boolean evacuated(Geometry g, long i) {
        return isEvacuated(g.oldBucketSeg(i).get(Layouts.BYTE, g.oldBucketLocal(i)) & 0xFF);
    }

    /**
     * Moves every entry of old bucket {@code i}'s chain to new bucket X = i or (doubling only)
     * Y = i + 2^oldB, marks the old slots evacuatedX/Y/Empty, zeroes the old keys and values and
     * frees the old overflow buckets. Destinations are zeroed first because array pieces may be
     * reused extents (see {@link ExtentAllocator#allocate}).
     */
    private void evacuate(long i) throws IOException {
        Geometry g = geo;
        if (!evacuated(g, i)) {
            long newbit = 1L << g.oldB;
            long xIdx = i;
            long yIdx = i + newbit;
            int sx = (int) (xIdx & (STRIPES - 1));
            int sy = g.sameSize ? sx : (int) (yIdx & (STRIPES - 1));
            beginWrite(sx);
            if (sy != sx) {
                beginWrite(sy);
            }
            try {
                long x = g.bucketOffset(xIdx);
                long y = g.sameSize ? 0 : g.bucketOffset(yIdx);
                tf.fill(x, bs, (byte) 0);
                if (y != 0) {
                    tf.fill(y, bs, (byte) 0);
                }
                int xi = 0;
                int yi = 0;
                long origin = g.oldBucketOffset(i);
                long b = origin;
                long hops = 0;
                while (b != 0) {
                    MemorySegment seg = segOf(b);
                    long off = localOf(b);
                    tf.markDirty(b, bs);
                    for (int s = 0; s < SLOTS; s++) {
                        int t = seg.get(Layouts.BYTE, off + s) & 0xFF;
                        if (BucketLayout.isEmpty(t)) {
                            seg.set(Layouts.BYTE, off + s, (byte) EVACUATED_EMPTY);
                            continue;
                        }
                        if (t < MIN_TOPHASH) {
                            throw new CorruptIndexException(tf.path(), b + s,
                                    "a used or empty slot in old bucket " + i + " under evacuation, found state " + stateName(t));
                        }
                        long koff = off + KEYS_OFFSET + (long) s * keyWidth;
                        boolean useY = !g.sameSize && (hashKey(seg, koff) & newbit) != 0;
                        seg.set(Layouts.BYTE, off + s, (byte) (useY ? EVACUATED_Y : EVACUATED_X));
                        if (useY) {
                            if (yi == SLOTS) {
                                y = newOverflow(y);
                                yi = 0;
                            }
                            moveSlot(seg, off, s, t, y, yi++);
                        } else {
                            if (xi == SLOTS) {
                                x = newOverflow(x);
                                xi = 0;
                            }
                            moveSlot(seg, off, s, t, x, xi++);
                        }
                    }
                    // No stale user data stays behind: keys and values go, tophash marks stay (readers need them).
                    seg.asSlice(off + KEYS_OFFSET, (long) SLOTS * (keyWidth + valueWidth)).fill((byte) 0);
                    long next = seg.get(Layouts.LONG, off + ovfOff);
                    if (next != 0) {
                        checkRef(b + ovfOff, next, ++hops);
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
                    endWrite(sy);
                }
                endWrite(sx);
            }
            listener.evacuated(i);
        }
        if (i == h.nevacuate) {
            advanceEvacuationMark(g);
        }
    }

    private void moveSlot(MemorySegment src, long srcOff, int s, int top, long dst, int d) {
        MemorySegment dseg = segOf(dst);
        long doff = localOf(dst);
        tf.markDirty(dst, bs);
        MemorySegment.copy(src, srcOff + KEYS_OFFSET + (long) s * keyWidth, dseg, doff + KEYS_OFFSET + (long) d * keyWidth, keyWidth);
        MemorySegment.copy(src, srcOff + valuesOff + (long) s * valueWidth, dseg, doff + valuesOff + (long) d * valueWidth, valueWidth);
        dseg.set(Layouts.BYTE, doff + d, (byte) top);
    }

    private void advanceEvacuationMark(Geometry g) {
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

    private void finishGrowth(Geometry g) {
        long oldDir = h.oldBucketDir;
        h.oldBucketDir = 0;
        h.growFlags = 0;
        h.oldB = 0;
        h.nevacuate = 0;
        geo = new Geometry(mapping, h.pieceShift, bs, g.b, g.pieces, false, false, 0, null);
        // Readers that still hold the old geometry must see the new one before they can see reused bytes.
        VarHandle.fullFence();
        freeArray(g.oldPieces, g.oldB);
        alloc.free(oldDir, ExtentClasses.rawClassFor(DirectoryLayout.bytes(g.oldPieces.length)));
        listener.growEnd();
    }

    /** Finishes a growth in progress by evacuating every remaining old bucket (used by compaction and tests). */
    public void finishGrowthNow() throws IOException {
        while (geo.growing) {
            evacuate(h.nevacuate);
        }
    }

    private long newOverflow(long last) throws IOException {
        long b = alloc.allocateOverflowBucket();
        h.noverflow++;
        tf.putLong(last + ovfOff, b);
        refreshChunks();
        return b;
    }

    // ------------------------------------------------------------------ arrays

    private long[] allocateArray(int b) throws IOException {
        int ps = h.pieceShift;
        int pieceLog = Math.min(b, ps);
        int pieces = 1 << Math.max(0, b - ps);
        long[] out = new long[pieces];
        for (int p = 0; p < pieces; p++) {
            out[p] = alloc.allocate(ExtentClasses.pieceClass(pieceLog));
        }
        refreshChunks();
        return out;
    }

    private void freeArray(long[] pieces, int b) {
        int c = ExtentClasses.pieceClass(Math.min(b, h.pieceShift));
        for (long p : pieces) {
            alloc.free(p, c);
        }
    }

    private long writeDirectory(long[] pieces) throws IOException {
        long dir = alloc.allocate(ExtentClasses.rawClassFor(DirectoryLayout.bytes(pieces.length)));
        refreshChunks();
        tf.putInt(dir + DirectoryLayout.MAGIC_OFFSET, DirectoryLayout.MAGIC);
        tf.putInt(dir + DirectoryLayout.PIECE_COUNT_OFFSET, pieces.length);
        tf.putLong(dir + DirectoryLayout.RESERVED_OFFSET, 0);
        for (int p = 0; p < pieces.length; p++) {
            tf.putLong(dir + DirectoryLayout.PIECES + 8L * p, pieces[p]);
        }
        return dir;
    }

    private long[] readDirectory(long dir, int b) throws CorruptIndexException {
        int expected = 1 << Math.max(0, b - h.pieceShift);
        long dirBytes = DirectoryLayout.bytes(expected);
        if (dir + dirBytes > h.fileEnd) {
            throw new CorruptIndexException(tf.path(), dir, "a piece directory of " + dirBytes + " bytes within the allocated "
                    + h.fileEnd + " bytes");
        }
        int magic = tf.getInt(dir + DirectoryLayout.MAGIC_OFFSET);
        if (magic != DirectoryLayout.MAGIC) {
            throw new CorruptIndexException(tf.path(), dir + DirectoryLayout.MAGIC_OFFSET,
                    "piece directory magic 0x" + Integer.toHexString(DirectoryLayout.MAGIC) + ", found 0x" + Integer.toHexString(magic));
        }
        int count = tf.getInt(dir + DirectoryLayout.PIECE_COUNT_OFFSET);
        if (count != expected) {
            throw new CorruptIndexException(tf.path(), dir + DirectoryLayout.PIECE_COUNT_OFFSET,
                    expected + " pieces for B=" + b + ", found " + count);
        }
        long pieceBytes = ExtentClasses.bytes(ExtentClasses.pieceClass(Math.min(b, h.pieceShift)), bs);
        long unit = 1L << h.alignShift;
        long[] out = new long[count];
        for (int p = 0; p < count; p++) {
            long at = dir + DirectoryLayout.PIECES + 8L * p;
            long off = tf.getLong(at);
            if (off < HeaderLayout.DATA_START || off + pieceBytes > h.fileEnd || (off & (unit - 1)) + pieceBytes > unit) {
                throw new CorruptIndexException(tf.path(), at, "a piece of " + pieceBytes + " bytes within the file and within one "
                        + unit + "-byte alignment unit, found offset " + off);
            }
            out[p] = off;
        }
        return out;
    }

    // ------------------------------------------------------------------ helpers

    /** After the writer allocated space, republish the geometry if new chunks were mapped. */
    private void refreshChunks() {
        Geometry g = geo;
        if (g != null && g.chunks != mapping.chunks()) {
            geo = g.withChunks();
        }
    }

    private MemorySegment segOf(long off) {
        return mapping.segment(off);
    }

    private long localOf(long off) {
        return mapping.local(off);
    }

    private void checkRef(long at, long ref, long hops) throws CorruptIndexException {
        if (ref < HeaderLayout.DATA_START || ref + bs > h.fileEnd) {
            throw new CorruptIndexException(tf.path(), at, "an overflow bucket reference within [" + HeaderLayout.DATA_START + ", "
                    + (h.fileEnd - bs) + "], found " + ref);
        }
        if (hops > h.overflowBuckets) {
            throw new CorruptIndexException(tf.path(), at, "an overflow chain of at most " + h.overflowBuckets
                    + " buckets, found a longer one (a cycle)");
        }
    }

    private UncheckedIOException corruptRef(long ref) {
        return new UncheckedIOException(new CorruptIndexException(tf.path(), ref,
                "an overflow bucket reference within the mapped file and a chain without cycles"));
    }

    private void beginWrite(int stripe) {
        STAMP.setOpaque(stamps, stripe, stamps[stripe] + 1);
        VarHandle.storeStoreFence();
    }

    private void endWrite(int stripe) {
        STAMP.setRelease(stamps, stripe, stamps[stripe] + 1);
    }

    // ------------------------------------------------------------------ inspection

    /** An iterator starting at {@code randomStart} (masked to the bucket count), see {@link TableIterator}. */
    public TableIterator iterator(long randomStart) {
        return new TableIterator(this, randomStart);
    }

    /** The current geometry (for iteration, stats and dumps). */
    Geometry geometry() {
        return geo;
    }

    TableFile file() {
        return tf;
    }

    long stamp(int stripe) {
        return (long) STAMP.getAcquire(stamps, stripe);
    }

    static int stripeOf(long newBucket) {
        return (int) (newBucket & (STRIPES - 1));
    }

    int bucketSize() {
        return bs;
    }

    int valuesOffset() {
        return valuesOff;
    }

    int overflowOffset() {
        return ovfOff;
    }

    long seed() {
        return seed;
    }

    /** Growth progress: evacuation mark and old bucket count (0, 0 when not growing). */
    public long[] growthProgress() {
        Geometry g = geo;
        return g.growing ? new long[]{h.nevacuate, 1L << g.oldB} : new long[]{0, 0};
    }
}
