package io.bucketdb.table;

import io.bucketdb.hash.KeyHash;
import io.bucketdb.storage.BucketLayout;
import io.bucketdb.storage.ChunkedMapping;
import io.bucketdb.storage.CorruptIndexException;
import io.bucketdb.storage.PieceDirectoryLayout;
import io.bucketdb.storage.ExtentAllocator;
import io.bucketdb.storage.ExtentClasses;
import io.bucketdb.storage.Header;
import io.bucketdb.storage.HeaderLayout;
import io.bucketdb.storage.Layouts;
import io.bucketdb.storage.TableFile;
import io.bucketdb.storage.TableGeometry;
import io.bucketdb.storage.ValueHeap;
import io.bucketdb.storage.VerifiedPages;
import io.bucketdb.storage.VarSlotLayout;
import io.bucketdb.storage.Zeroes;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.function.Function;

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
 *
 * <h2>Variable-length keys and values</h2>
 * In a table created with variable-length keys or values, a slot holds the length and either the
 * bytes (when they fit the inline width) or a reference to a value-heap block
 * ({@link VarSlotLayout}). The heap protocol extends the one above:
 * <ul>
 *   <li>The writer fills a new heap block <em>before</em> it opens the stripe's write window, and
 *       publishes the reference inside the window, so a reader that validates saw a complete block.</li>
 *   <li>The writer frees (zeroes, relinks) a replaced or deleted block <em>inside</em> the write
 *       window of the stripe whose slot referred to it. A freed block can be reused at once for
 *       another key, so a reader that followed an old reference may copy bytes of a different entry,
 *       or zeros; the stamp of its stripe changed, so it retries. Heap bytes are therefore copied (or
 *       handed to a reader function) first and trusted only after the stamp validates.</li>
 *   <li>A reader bounds every length and heap reference it read against the mapped chunks before it
 *       touches memory: a torn slot can hold anything. Only a slot that validates and is still out
 *       of bounds is reported as damage.</li>
 *   <li>Growth moves slots byte for byte, references included: heap blocks never move.</li>
 * </ul>
 * Whether keys or values are variable-length is read from the header once at open; fixed-width
 * tables take the same paths as before (one final-field test per operation, not per byte), and the
 * {@code long} path does not look at it at all.
 */
public final class HashTable {
    /** Seqlock stripes; a power of two. */
    static final int STRIPES = 1 << 12;
    private static final VarHandle STAMP = MethodHandles.arrayElementVarHandle(long[].class);
    private static final VarHandle COUNT;
    /** Old buckets looked at, at most, to advance {@code nevacuate} past evacuated buckets (Go uses 1024). */
    private static final int EVACUATION_SCAN = 1024;
    /** The longest value a reader copies for a view that straddles chunks (the largest value there is). */
    private static final long MAX_COPY = 256L << 20;

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
    /** The file's key hash, the one its header names ({@link KeyHash#of}). */
    private final KeyHash keyHash;
    private final boolean varKeys;
    private final boolean varValues;
    /** Inline widths of variable-length slots (unused for fixed widths). */
    private final int keyInline;
    private final int valueInline;
    private final ValueHeap heap;
    /** Every page is checked against its checkpoint's CRC32C before its first read as data (issue 15). */
    private final VerifiedPages pages;
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
        this.keyHash = KeyHash.of(h);
        this.varKeys = h.varKeys();
        this.varValues = h.varValues();
        this.keyInline = VarSlotLayout.inlineWidth(keyWidth);
        this.valueInline = VarSlotLayout.inlineWidth(valueWidth);
        this.heap = tf.heap();
        this.pages = tf.pages();
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
        long[] pieces;
        long[] oldPieces;
        try {
            pieces = t.readDirectory(t.h.bucketDir, t.h.b);
            oldPieces = t.h.growing() ? t.readDirectory(t.h.oldBucketDir, t.h.oldB) : null;
        } catch (UncheckedIOException e) {
            throw e.getCause(); // a damaged directory page: open reports damage as a checked exception
        }
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

    /** Whether keys are variable-length (then {@link #keyWidth} is the slot width). */
    public boolean varKeys() {
        return varKeys;
    }

    /** Whether values are variable-length (then {@link #valueWidth} is the slot width). */
    public boolean varValues() {
        return varValues;
    }

    /** Bytes kept inline in a variable-length key slot. */
    public int keyInlineWidth() {
        return keyInline;
    }

    /** Bytes kept inline in a variable-length value slot. */
    public int valueInlineWidth() {
        return valueInline;
    }

    /** The value of {@code key} in a table of 8-byte keys and values, or {@code missing}. Allocates nothing. */
    public long getLong(long key, long missing) {
        long hash = keyHash.hashLong(key);
        long pattern = ChainProbe.pattern(tophash(hash));
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
            long at = g.bucketOffset(j);
            if (g.growing) {
                long i = hash & g.oldMask;
                MemorySegment oseg = g.oldBucketSeg(i);
                long ooff = g.oldBucketLocal(i);
                long oat = g.oldBucketOffset(i);
                pages.check(oat, bs);
                if (!isEvacuated(oseg.get(Layouts.BYTE, ooff) & 0xFF)) {
                    seg = oseg;
                    off = ooff;
                    at = oat;
                }
            }
            long found = ChainProbe.findLong(g.chunks, mapping, pages, seg, off, at, pattern, key, bs, ovfOff, g.maxHops);
            long result = missing;
            long bad = found < 0 ? -found : 0;
            if (found > 0) {
                long fb = found >>> 3;
                if (fb != at) { // found in an overflow bucket, which may lie in another chunk
                    int c = mapping.chunkIndex(fb);
                    seg = g.chunks[c];
                    off = fb - mapping.chunkStart(c);
                }
                result = seg.get(Layouts.LONG, off + valuesOff + 8L * (found & 7));
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
        return get(key, keyOff, keyWidth, dst, dstOff, valueWidth) >= 0;
    }

    /**
     * Copies the value of the {@code keyLen}-byte key at {@code key[keyOff..]} into {@code dst} at
     * {@code dstOff} if it is at most {@code dstCap} bytes long, and returns its length; returns -1
     * if the key is absent. A value longer than {@code dstCap} is not copied (its length is
     * returned, so the caller can make room and ask again). While a read is retried because the
     * writer changed the entry, {@code dst} may receive bytes that the final copy overwrites.
     */
    public long get(MemorySegment key, long keyOff, int keyLen, MemorySegment dst, long dstOff, long dstCap) {
        long hash = hashKey(key, keyOff, keyLen);
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
            long found = findIn(g, hash, top, key, keyOff, keyLen);
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
                    len = fieldLength(seg, voff);
                    if (len <= dstCap && !copyField(g.chunks, seg, voff, valueInline, len, dst, dstOff)) {
                        bad = found >>> 3;
                    }
                }
            }
            VarHandle.acquireFence();
            if ((long) STAMP.getOpaque(stamps, stripe) == stamp && geo == g) {
                if (bad != 0) {
                    throw corruptRef(bad);
                }
                return len;
            }
        }
    }

    /** The length of the value of the {@code keyLen}-byte key at {@code key[keyOff..]}, or -1 if absent. */
    public long valueLength(MemorySegment key, long keyOff, int keyLen) {
        return get(key, keyOff, keyLen, MemorySegment.NULL, 0, -1);
    }

    /**
     * Passes a read-only view of the value of the {@code keyLen}-byte key at {@code key[keyOff..]}
     * to {@code reader} and returns its result, or returns {@code missing} (without calling
     * {@code reader}) if the key is absent.
     *
     * <p>The view is the table's own memory, not a copy, and is valid only during the call: the
     * writer may change or free those bytes at any time. So the result is kept only if the entry
     * did not change while {@code reader} ran; otherwise {@code reader} is called again on the new
     * value (it may be called any number of times, and must have no side effects that a repeat
     * would break). An exception from {@code reader} is rethrown only if the entry did not change
     * meanwhile; otherwise the call is repeated. A heap value that straddles two mapped chunks (a
     * large one, rarely) is copied into a temporary segment first.
     */
    public <R> R read(MemorySegment key, long keyOff, int keyLen, Function<? super MemorySegment, ? extends R> reader, R missing) {
        long hash = hashKey(key, keyOff, keyLen);
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
            long found = findIn(g, hash, top, key, keyOff, keyLen);
            long bad = found < 0 ? -found : 0;
            R result = missing;
            RuntimeException thrown = null;
            if (found > 0) {
                int c = mapping.chunkIndex(found >>> 3);
                MemorySegment seg = g.chunks[c];
                long voff = (found >>> 3) - mapping.chunkStart(c) + valuesOff + (found & 7) * valueWidth;
                MemorySegment view = varValues ? fieldView(g.chunks, seg, voff, valueInline) : seg.asSlice(voff, valueWidth);
                if (view == null && varValues) {
                    // Not in one chunk: a large block that straddles two (copied), or a torn read or damage. The
                    // length is trusted, and memory allocated for it, only once the stamp says it was not torn.
                    long len = fieldLength(seg, voff);
                    VarHandle.acquireFence();
                    if ((long) STAMP.getOpaque(stamps, stripe) != stamp || geo != g) {
                        continue;
                    }
                    if (len <= MAX_COPY) {
                        MemorySegment copy = MemorySegment.ofArray(new byte[(int) len]);
                        view = copyField(g.chunks, seg, voff, valueInline, len, copy, 0) ? copy : null;
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
            VarHandle.acquireFence();
            if ((long) STAMP.getOpaque(stamps, stripe) == stamp && geo == g) {
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

    // ------------------------------------------------------------------ variable-length fields

    /** The length stored in the variable-length slot at {@code seg[off]}. */
    static long fieldLength(MemorySegment seg, long off) {
        return seg.get(Layouts.INT, off + VarSlotLayout.LENGTH_OFFSET) & 0xFFFFFFFFL;
    }

    /**
     * The {@code len} heap bytes at file offset {@code ref} as one slice of {@code chunks}, or null
     * if they are not inside one mapped chunk (damage, a torn read, or a large block that straddles).
     */
    private MemorySegment heapSlice(MemorySegment[] chunks, long ref, long len) {
        return ChainProbe.heapSlice(chunks, mapping, pages, ref, len);
    }

    /**
     * Copies the {@code len} bytes of the variable-length field at {@code seg[off]} (inline width
     * {@code inline}) to {@code dst[dstOff..]}, across chunk boundaries; false if the heap
     * reference leaves {@code chunks}.
     */
    boolean copyField(MemorySegment[] chunks, MemorySegment seg, long off, int inline, long len, MemorySegment dst, long dstOff) {
        if (len <= inline) {
            MemorySegment.copy(seg, off + VarSlotLayout.BODY_OFFSET, dst, dstOff, len);
            return true;
        }
        long ref = seg.get(Layouts.LONG, off + VarSlotLayout.HEAP_REF_OFFSET);
        if (ref < HeaderLayout.DATA_START) {
            return false;
        }
        while (len > 0) {
            int c = mapping.chunkIndex(ref);
            if (c < 0 || c >= chunks.length) {
                return false;
            }
            long local = ref - mapping.chunkStart(c);
            long n = Math.min(len, chunks[c].byteSize() - local);
            pages.check(ref, n);
            MemorySegment.copy(chunks[c], local, dst, dstOff, n);
            ref += n;
            dstOff += n;
            len -= n;
        }
        return true;
    }

    /** A view of the variable-length field at {@code seg[off]} in place, or null if it is not inside one chunk. */
    private MemorySegment fieldView(MemorySegment[] chunks, MemorySegment seg, long off, int inline) {
        long len = fieldLength(seg, off);
        if (len <= inline) {
            return seg.asSlice(off + VarSlotLayout.BODY_OFFSET, len);
        }
        return heapSlice(chunks, seg.get(Layouts.LONG, off + VarSlotLayout.HEAP_REF_OFFSET), len);
    }

    /** 1 if the variable-length key at {@code seg[off]} equals {@code key[keyOff..+keyLen]}, 0 if not, -1 if its heap reference is bad. */
    private int varKeyCompare(MemorySegment[] chunks, MemorySegment seg, long off, MemorySegment key, long keyOff, int keyLen) {
        return ChainProbe.varKeyCompare(chunks, mapping, pages, seg, off, key, keyOff, keyLen, keyInline);
    }

    /** The hash of the key stored in the slot at {@code seg[off]}; -1 never occurs as a failure marker, so bad references throw. */
    long hashStoredKey(MemorySegment[] chunks, MemorySegment seg, long off) {
        if (!varKeys) {
            return hashKey(seg, off);
        }
        long len = fieldLength(seg, off);
        if (len <= keyInline) {
            return keyHash.hash(seg, off + VarSlotLayout.BODY_OFFSET, (int) len);
        }
        MemorySegment stored = heapSlice(chunks, seg.get(Layouts.LONG, off + VarSlotLayout.HEAP_REF_OFFSET), len);
        if (stored == null) {
            throw new HeapRefException();
        }
        return keyHash.hash(stored, 0, (int) len);
    }

    /** A heap reference outside the mapped file met while hashing a stored key (a torn read or damage). */
    static final class HeapRefException extends RuntimeException {
        HeapRefException() {
            super(null, null, false, false);
        }
    }

    /**
     * Writer thread: stores {@code len} bytes from {@code src[srcOff..]} in a heap block (before
     * the slot that will refer to it is published), or returns 0 if they fit {@code inline}.
     */
    private long stash(MemorySegment src, long srcOff, long len, int inline) throws IOException {
        if (len <= inline) {
            return 0;
        }
        long ref = heap.allocate(len);
        refreshChunks();
        tf.copyIn(ref, src, srcOff, len);
        return ref;
    }

    /** Writer thread, inside a write window (bytes already marked dirty): fills the variable-length slot at {@code seg[off]}. */
    private static void writeField(MemorySegment seg, long off, int inline, MemorySegment src, long srcOff, long len, long ref) {
        seg.set(Layouts.INT, off + VarSlotLayout.LENGTH_OFFSET, (int) len);
        long body = off + VarSlotLayout.BODY_OFFSET;
        if (ref == 0) {
            MemorySegment.copy(src, srcOff, seg, body, len);
            Zeroes.fill(seg, body + len, inline - len);
        } else {
            seg.set(Layouts.LONG, body, ref);
            Zeroes.fill(seg, body + 8, inline - 8);
        }
    }

    /** Writer thread, inside a write window: frees the heap block of the variable-length slot at {@code seg[off]}, if it has one. */
    private void releaseField(MemorySegment seg, long off, int inline) {
        long len = fieldLength(seg, off);
        if (len > inline) {
            heap.free(seg.get(Layouts.LONG, off + VarSlotLayout.HEAP_REF_OFFSET), len);
        }
    }

    /**
     * Finds a key in geometry {@code g} without validation: returns {@code (bucketOffset << 3) | slot}
     * if found, 0 if absent, or minus the bad reference met. Used by readers (inside a stamp window)
     * and by the writer.
     */
    private long findIn(Geometry g, long hash, int top, MemorySegment key, long keyOff, int keyLen) {
        long j = hash & g.mask;
        long bucket = g.bucketOffset(j);
        if (g.growing) {
            long i = hash & g.oldMask;
            MemorySegment oseg = g.oldBucketSeg(i);
            long ooff = g.oldBucketLocal(i);
            pages.check(g.oldBucketOffset(i), bs);
            if (!isEvacuated(oseg.get(Layouts.BYTE, ooff) & 0xFF)) {
                bucket = g.oldBucketOffset(i);
            }
        }
        return ChainProbe.find(g.chunks, mapping, pages, bucket, top, key, keyOff, keyLen, keyWidth, varKeys, keyInline, bs, ovfOff, g.maxHops);
    }

    private boolean keyEquals(MemorySegment seg, long off, MemorySegment key, long keyOff) {
        return ChainProbe.keyEquals(seg, off, key, keyOff, keyWidth);
    }

    private long hashKey(MemorySegment key, long keyOff) {
        return keyWidth == 8 ? keyHash.hashLong(key.get(Layouts.LONG, keyOff)) : keyHash.hash(key, keyOff, keyWidth);
    }

    /** The hash of a {@code keyLen}-byte key: variable-length keys hash their bytes whatever the slot width. */
    private long hashKey(MemorySegment key, long keyOff, int keyLen) {
        return varKeys ? keyHash.hash(key, keyOff, keyLen) : hashKey(key, keyOff);
    }

    /** The table's hash of a key, as {@code dump --key} explains placements with. */
    public long hashOf(MemorySegment key, long keyOff) {
        return hashKey(key, keyOff);
    }

    /** The table's hash of a {@code keyLen}-byte key. */
    public long hashOf(MemorySegment key, long keyOff, int keyLen) {
        return hashKey(key, keyOff, keyLen);
    }

    // ------------------------------------------------------------------ writes (writer thread)

    /** Puts {@code key → value} (whole arrays); true if the key was new. The writer-side form of {@link #put(MemorySegment, long, int, MemorySegment, long, long)}. */
    public boolean put(byte[] key, byte[] value) throws IOException {
        return put(MemorySegment.ofArray(key), 0, key.length, MemorySegment.ofArray(value), 0, value.length);
    }

    /** Deletes {@code key} (the whole array); true if it was present. */
    public boolean delete(byte[] key) throws IOException {
        return delete(MemorySegment.ofArray(key), 0, key.length);
    }

    /** The value of {@code key} (a copy), or null if absent. Not allocation-free: for the writer's undo and tools. */
    public byte[] get(byte[] key) {
        return read(MemorySegment.ofArray(key), 0, key.length, v -> v.toArray(Layouts.BYTE), null);
    }

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
        return put(key, keyOff, keyWidth, value, valueOff, valueWidth);
    }

    /**
     * Puts the {@code keyLen}-byte key at {@code key[keyOff..]} with the {@code valueLen}-byte value
     * at {@code value[valueOff..]}; true if the key was new. For a fixed-width side the length must
     * be its width (callers check; see {@code BucketDB}). Data longer than a variable-length slot's
     * inline width goes to the value heap; the block an overwrite or delete replaces is freed.
     */
    public boolean put(MemorySegment key, long keyOff, int keyLen, MemorySegment value, long valueOff, long valueLen) throws IOException {
        long hash = hashKey(key, keyOff, keyLen);
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
                    if (varKeys ? writerKeyEquals(bucket, seg, koff, key, keyOff, keyLen) : keyEquals(seg, koff, key, keyOff)) {
                        if (!varValues) {
                            long voff = off + valuesOff + (long) i * valueWidth;
                            beginWrite(stripe);
                            try {
                                tf.markDirty(bucket + valuesOff + (long) i * valueWidth, Math.max(1, valueWidth));
                                MemorySegment.copy(value, valueOff, seg, voff, valueWidth);
                            } finally {
                                endWrite(stripe);
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
                checkRef(bucket + ovfOff, next, ++hops);
                bucket = next;
            }
            if (!g.growing && (overLoadFactor(h.count + 1, h.b) || tooManyOverflowBuckets(h.noverflow, h.b))) {
                hashGrow();
                continue;
            }
            // Heap blocks are filled before the window opens (readers never see a half-written block).
            long keyRef = varKeys ? stash(key, keyOff, keyLen, keyInline) : 0;
            long valueRef = varValues ? stash(value, valueOff, valueLen, valueInline) : 0;
            beginWrite(stripe);
            try {
                if (insertBucket == 0) {
                    insertBucket = newOverflow(last);
                    insertSlot = 0;
                }
                MemorySegment seg = segOf(insertBucket);
                long off = localOf(insertBucket);
                tf.markDirty(insertBucket, bs);
                long koff = off + KEYS_OFFSET + (long) insertSlot * keyWidth;
                long voff = off + valuesOff + (long) insertSlot * valueWidth;
                if (varKeys) {
                    writeField(seg, koff, keyInline, key, keyOff, keyLen, keyRef);
                } else {
                    MemorySegment.copy(key, keyOff, seg, koff, keyWidth);
                }
                if (varValues) {
                    writeField(seg, voff, valueInline, value, valueOff, valueLen, valueRef);
                } else {
                    MemorySegment.copy(value, valueOff, seg, voff, valueWidth);
                }
                seg.set(Layouts.BYTE, off + insertSlot, (byte) top);
            } finally {
                endWrite(stripe);
            }
            h.count++;
            COUNT.setRelease(this, h.count);
            return true;
        }
    }

    /** Writer thread: replaces the variable-length value of slot {@code i} of {@code bucket}, freeing the block it replaces. */
    private void overwriteValue(int stripe, long bucket, int i, MemorySegment value, long valueOff, long valueLen) throws IOException {
        long ref = stash(value, valueOff, valueLen, valueInline);
        MemorySegment seg = segOf(bucket);
        long voff = localOf(bucket) + valuesOff + (long) i * valueWidth;
        beginWrite(stripe);
        try {
            releaseField(seg, voff, valueInline);
            tf.markDirty(bucket + valuesOff + (long) i * valueWidth, valueWidth);
            writeField(seg, voff, valueInline, value, valueOff, valueLen, ref);
        } finally {
            endWrite(stripe);
        }
    }

    /** Writer-side key comparison for variable-length keys: a heap reference outside the file is damage. */
    private boolean writerKeyEquals(long bucket, MemorySegment seg, long koff, MemorySegment key, long keyOff, int keyLen)
            throws CorruptIndexException {
        int cmp = varKeyCompare(mapping.chunks(), seg, koff, key, keyOff, keyLen);
        if (cmp < 0) {
            throw badHeapRef(bucket);
        }
        return cmp > 0;
    }

    private CorruptIndexException badHeapRef(long bucket) {
        return new CorruptIndexException(tf.path(), bucket, "slots whose heap references lie within the file's "
                + h.fileEnd + " allocated bytes");
    }

    /**
     * Deletes the key at {@code key[keyOff..]}; true if it was present. Follows Go's mapdelete: the
     * slot becomes emptyOne (and its key and value are zeroed), and a run of empty slots at the end
     * of the chain becomes emptyRest so lookups stop early.
     */
    public boolean delete(MemorySegment key, long keyOff) throws IOException {
        return delete(key, keyOff, keyWidth);
    }

    /** Deletes the {@code keyLen}-byte key at {@code key[keyOff..]}; true if it was present. Frees its heap blocks. */
    public boolean delete(MemorySegment key, long keyOff, int keyLen) throws IOException {
        long hash = hashKey(key, keyOff, keyLen);
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
                long koff = off + KEYS_OFFSET + (long) i * keyWidth;
                if (!(varKeys ? writerKeyEquals(bucket, seg, koff, key, keyOff, keyLen) : keyEquals(seg, koff, key, keyOff))) {
                    continue;
                }
                beginWrite(stripe);
                try {
                    if (varKeys) {
                        releaseField(seg, koff, keyInline);
                    }
                    if (varValues) {
                        releaseField(seg, off + valuesOff + (long) i * valueWidth, valueInline);
                    }
                    tf.markDirty(bucket, bs);
                    Zeroes.fill(seg, off + KEYS_OFFSET + (long) i * keyWidth, keyWidth);
                    Zeroes.fill(seg, off + valuesOff + (long) i * valueWidth, valueWidth);
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
        pages.check(g.oldBucketOffset(i), bs);
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
                        boolean useY = !g.sameSize && (evacuationHash(b, seg, koff) & newbit) != 0;
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
                    Zeroes.fill(seg, off + KEYS_OFFSET, (long) SLOTS * (keyWidth + valueWidth));
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

    private long evacuationHash(long bucket, MemorySegment seg, long koff) throws CorruptIndexException {
        if (!varKeys) {
            return hashKey(seg, koff);
        }
        try {
            return hashStoredKey(mapping.chunks(), seg, koff);
        } catch (HeapRefException e) {
            throw badHeapRef(bucket);
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
        alloc.free(oldDir, ExtentClasses.rawClassFor(PieceDirectoryLayout.bytes(g.oldPieces.length)));
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
        long dir = alloc.allocate(ExtentClasses.rawClassFor(PieceDirectoryLayout.bytes(pieces.length)));
        refreshChunks();
        tf.putInt(dir + PieceDirectoryLayout.MAGIC_OFFSET, PieceDirectoryLayout.MAGIC);
        tf.putInt(dir + PieceDirectoryLayout.PIECE_COUNT_OFFSET, pieces.length);
        tf.putLong(dir + PieceDirectoryLayout.RESERVED_OFFSET, 0);
        for (int p = 0; p < pieces.length; p++) {
            tf.putLong(dir + PieceDirectoryLayout.PIECES + 8L * p, pieces[p]);
        }
        return dir;
    }

    private long[] readDirectory(long dir, int b) throws CorruptIndexException {
        return PieceDirectory.read(mapping, pages, h, bs, dir, b, dir == h.bucketDir ? "bucket directory" : "old bucket directory",
                PieceDirectory.throwing(tf.path()));
    }

    // ------------------------------------------------------------------ helpers

    /** After the writer allocated space, republish the geometry if new chunks were mapped. */
    private void refreshChunks() {
        Geometry g = geo;
        if (g != null && g.chunks != mapping.chunks()) {
            geo = g.withChunks();
        }
    }

    /** The writer's way to a bucket: checks its page(s) first, as every read of the table as data does. */
    private MemorySegment segOf(long off) {
        pages.check(off, bs);
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

    VerifiedPages pages() {
        return pages;
    }

    /** Growth progress: evacuation mark and old bucket count (0, 0 when not growing). */
    public long[] growthProgress() {
        Geometry g = geo;
        return g.growing ? new long[]{h.nevacuate, 1L << g.oldB} : new long[]{0, 0};
    }
}
