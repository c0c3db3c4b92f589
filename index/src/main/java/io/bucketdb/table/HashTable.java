package io.bucketdb.table;

import io.bucketdb.hash.KeyHash;
import io.bucketdb.storage.BucketLayout;
import io.bucketdb.storage.ChunkedMapping;
import io.bucketdb.storage.ExtentAllocator;
import io.bucketdb.storage.Header;
import io.bucketdb.storage.HeaderLayout;
import io.bucketdb.storage.Layouts;
import io.bucketdb.storage.TableFile;
import io.bucketdb.storage.TableGeometry;
import io.bucketdb.storage.VarSlotLayout;
import io.bucketdb.storage.VerifiedPages;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.function.Function;

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
 * The holder of the writer role (one thread at a time) calls the mutating methods. Readers call {@link #getLong},
 * {@link #get} and the iterator without locks. Readers are validated by per-stripe version stamps
 * (a seqlock, {@link StripedSeqLock}) plus the published {@link ArraySnapshot}:
 * <ul>
 *   <li>The stripe of new-array bucket {@code j} is {@code j & (STRIPES-1)}. A write to bucket
 *       {@code j}'s chain makes the stamp odd (opaque store, then a store-store fence), changes the
 *       bytes, then makes it even again with a release store. Evacuating old bucket {@code i} does
 *       the same on the stripes of both destinations X = {@code i} and Y = {@code i + 2^oldB}, which
 *       are the only new buckets whose readers look into old bucket {@code i}.</li>
 *   <li>During an in-place split (format version 7) old bucket {@code i} is new bucket {@code i}, and it and its
 *       sibling {@code i + 2^oldB} share one stripe ({@link ArraySnapshot#stripeOf}). Splitting {@code i} moves the
 *       entries with hash bit {@code oldB} set to the sibling and advances {@link #splitMark} inside one write window
 *       of that stripe; a key whose old bucket is at or past the mark lives in the old bucket
 *       ({@link ArraySnapshot#homeOf}), and a reader reads the mark after its stamp, so a validated read saw the key
 *       where it was: in {@code i} before the window, in the sibling after it (the argument is in
 *       {@link Evacuator}'s Javadoc).</li>
 *   <li>A reader takes the snapshot (volatile), the stamp of its key's new bucket (acquire; odd
 *       means retry), reads the buckets with plain loads, issues an acquire fence, and accepts the
 *       result only if the stamp and the snapshot are both unchanged.</li>
 *   <li>A growth's end publishes the snapshot without the old array, issues a full fence, and only
 *       then frees the old pieces, so a reader that saw reused bytes also sees the new snapshot.</li>
 * </ul>
 * Writes that only the writer reads (header counters, free lists) need no stamps. Variable-length keys and values
 * extend this protocol to heap blocks ({@link VarFields}).
 *
 * <h2>Parts</h2>
 * This class holds the table's state (the file, the published {@link ArraySnapshot}, the entry count) and its
 * operations' entry points; the work is done by final classes it calls directly:
 * <ul>
 *   <li>{@link StampedReads}: the lock-free reads; {@link BucketLookup}: hashing a key and finding its slot;</li>
 *   <li>{@link TableWrites}: put and delete; {@link Evacuator}: growth and incremental evacuation;</li>
 *   <li>{@link BucketArrays}: array pieces, piece directories and overflow buckets; {@link VarFields}: variable-length
 *       fields and their heap blocks; {@link StripedSeqLock}: the stamps.</li>
 * </ul>
 * Whether keys or values are variable-length is read from the header once at open; fixed-width
 * tables take the same paths as before (one final-field test per operation, not per byte), and the
 * {@code long} path does not look at it at all.
 */
public final class HashTable {
    /** Seqlock stripes; a power of two. */
    static final int STRIPES = 1 << 12;
    private static final VarHandle COUNT;

    static {
        try {
            COUNT = MethodHandles.lookup().findVarHandle(HashTable.class, "publishedCount", long.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    final TableFile tf;
    final Header h;
    final ChunkedMapping mapping;
    final int keyWidth;
    final int valueWidth;
    final int bs;
    final int keysOff;
    final int valuesOff;
    final int ovfOff;
    /** The file's key hash, the one its header names ({@link KeyHash#of}). */
    final KeyHash keyHash;
    final boolean varKeys;
    final boolean varValues;
    /** With fixed-width values kept out of line (then {@link #varValues} is true too): their width; else 0. */
    final int outlineValueWidth;
    /** Inline widths of variable-length slots (unused for fixed widths). */
    final int keyInline;
    final int valueInline;
    /** Every page is checked against its checkpoint's CRC32C before its first read as data (issue 15). */
    final VerifiedPages pages;
    final StripedSeqLock lock = new StripedSeqLock(STRIPES);
    /**
     * The batch stamp: one stripe that a writable index's {@code BatchGate} makes odd around an atomic batch, and that
     * {@link #getLongBetweenBatches} validates with the bucket's stripe; {@link #noBatches} is never written, for gets
     * no batch gates (the writer's own, replay's, a view's).
     */
    final StripedSeqLock batches = new StripedSeqLock(1);
    final StripedSeqLock noBatches = new StripedSeqLock(1);
    final VarFields fields;
    final BucketLookup lookup;
    final BucketArrays arrays;
    final Evacuator evacuator;
    private final StampedReads reads;
    private final TableWrites writes;
    /** Fixed 8-byte keys and values: {@link #putLong} takes {@link TableWrites#putLong}. */
    private final boolean longSlots;
    /** Writer-thread scratch for the primitive API: key at 0, value at 8. */
    private final MemorySegment scratch = Arena.ofAuto().allocate(16, 8);

    /** Where the buckets are; the writer publishes a new snapshot whenever any of it changes (volatile). */
    volatile ArraySnapshot snapshot;
    /**
     * During an in-place split: the old buckets below it are split (the header's {@code nevacuate}, for readers). The
     * writer stores it inside the write window of the bucket it just split, so a reader that validates its stamp read
     * a mark consistent with the buckets it read (see the class comment).
     */
    volatile long splitMark;
    /** Makes an in-place split's next upper pages private ahead of the writer, while started ({@link SplitPageToucher}). */
    volatile SplitPageToucher pageToucher;
    @SuppressWarnings("unused") // written through COUNT
    private volatile long publishedCount;

    private HashTable(TableFile tf, GrowthListener listener) {
        this.tf = tf;
        this.h = tf.header();
        this.mapping = tf.mapping();
        // The file's format version places the fields (BucketLayout): every part below reads these offsets.
        BucketLayout layout = BucketLayout.of(h);
        this.keyWidth = layout.keyWidth();
        this.valueWidth = layout.valueWidth();
        this.bs = layout.size();
        this.keysOff = layout.keysOffset();
        this.valuesOff = layout.valuesOffset();
        this.ovfOff = layout.overflowOffset();
        this.keyHash = KeyHash.of(h);
        this.varKeys = h.varKeys();
        this.varValues = h.varValues();
        this.outlineValueWidth = h.outlineValues() ? h.outlineValueWidth : 0;
        this.keyInline = VarSlotLayout.inlineWidth(keyWidth);
        this.valueInline = VarSlotLayout.inlineWidth(valueWidth);
        this.pages = tf.pages();
        this.fields = new VarFields(tf, keyHash, keyInline, valueInline);
        this.lookup = new BucketLookup(tf, keyHash, fields);
        this.arrays = new BucketArrays(this, tf, bs, ovfOff);
        this.evacuator = new Evacuator(this, listener);
        this.reads = new StampedReads(this);
        this.writes = new TableWrites(this);
        this.longSlots = !varKeys && !varValues && keyWidth == Long.BYTES && valueWidth == Long.BYTES;
    }

    /**
     * Whether a put may need a value heap block beyond what this file's 4-byte block numbers reach (format version
     * 8, {@code BlockNumberLayout#limit}): the allocation end, plus a doubling of the current array, plus a sixteenth
     * of the reach for the writes already in flight, passes it. Such a put must be refused before it is journaled:
     * applied, it would fail the index closed, and every replay of its record would fail again. Always false for
     * other files. Any thread: it reads the writer's header fields without ordering, which the margin covers.
     *
     * @return true if a put should be refused
     */
    public boolean valueHeapNearItsEnd() {
        long limit = fields.valueRefLimit();
        return limit != Long.MAX_VALUE && h.fileEnd + 2 * ((long) bs << Math.min(h.b, 40)) + (limit >>> 4) > limit;
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
        long[] pieces = t.arrays.allocate(b);
        t.h.b = b;
        t.h.bucketDir = t.arrays.writeDirectory(pieces);
        t.snapshot = new ArraySnapshot(t.mapping, t.h.pieceShift, t.bs, b, pieces, false, false, 0, null, false);
        return t;
    }

    /**
     * The smallest B whose array holds {@code entries} without exceeding the load factor (6.5 per
     * bucket): the B a table reaches by growing to that count, and the one where inserting that
     * many entries triggers no doubling.
     */
    public static int bFor(long entries) {
        int b = 0;
        while (b < TableGeometry.MAX_B && Evacuator.overLoadFactor(entries, b)) {
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
            pieces = BucketArrays.readDirectory(tf, t.h.bucketDir, t.h.b);
            oldPieces = t.h.growing() ? BucketArrays.readDirectory(tf, t.h.oldBucketDir, t.h.oldB) : null;
        } catch (UncheckedIOException e) {
            throw e.getCause(); // a damaged directory page: open reports damage as a checked exception
        }
        t.splitMark = t.h.nevacuate;
        t.snapshot = new ArraySnapshot(t.mapping, t.h.pieceShift, t.bs, t.h.b, pieces, t.h.growing(), t.h.sameSizeGrow(), t.h.oldB, oldPieces,
                t.h.splittingInPlace());
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

    /**
     * The width of every value when fixed-width values are kept out of line, in the value heap ({@code
     * HeaderLayout.OUTLINE_VALUES}); else 0. Such a table stores them as {@link #varValues() variable-length} values
     * that never fit inline (its slots hold the length and a heap reference), so every path of the table, the
     * inspector and the tools that handles variable-length values handles them; only the API checks the width.
     */
    public int outlineValueWidth() {
        return outlineValueWidth;
    }

    /** {@return the width every value must have, or -1 for variable-length values: what the API checks} */
    public int fixedValueWidth() {
        return outlineValueWidth > 0 ? outlineValueWidth : varValues ? -1 : valueWidth;
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
        return reads.getLong(key, missing, noBatches);
    }

    /**
     * {@link #getLong} that never shows part of an atomic batch: it waits while {@link #batchStamp} is odd and validates
     * it with the bucket's stamp, in one seqlock round (issue 19). For a writable index's readers; never for the holder
     * of the writer role, which would wait for its own batch. Allocates nothing.
     */
    public long getLongBetweenBatches(long key, long missing) {
        return reads.getLong(key, missing, batches);
    }

    /** {@return the batch stamp: made odd by the writer around an atomic batch ({@code BatchGate}), read by {@link #getLongBetweenBatches}} */
    public StripedSeqLock batchStamp() {
        return batches;
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
        return reads.get(key, keyOff, keyLen, dst, dstOff, dstCap);
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
        return reads.read(key, keyOff, keyLen, reader, missing);
    }

    /** The table's hash of a key, as {@code dump --key} explains placements with. */
    public long hashOf(MemorySegment key, long keyOff) {
        return lookup.hashKey(key, keyOff);
    }

    /** The table's hash of a {@code keyLen}-byte key. */
    public long hashOf(MemorySegment key, long keyOff, int keyLen) {
        return lookup.hashKey(key, keyOff, keyLen);
    }

    /** The hash of the key stored in the slot at {@code seg[off]}; a bad heap reference throws {@link VarFields.HeapRefException}. */
    long hashStoredKey(MemorySegment[] chunks, MemorySegment seg, long off) {
        return varKeys ? fields.hashStoredKey(chunks, seg, off) : lookup.hashKey(seg, off);
    }

    // ------------------------------------------------------------------ writes (writer role)

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
        if (longSlots) {
            return writes.putLong(key, value);
        }
        scratch.set(Layouts.LONG, 0, key);
        scratch.set(Layouts.LONG, 8, value);
        return put(scratch, 0, scratch, 8);
    }

    /**
     * Reads, and changes nothing in, the bucket where the 8-byte {@code key} lives now (every cache line of it): a bulk
     * applier touches the buckets of its next few keys back to back, so their cache and TLB misses overlap instead of
     * each put waiting for its own. A hint only: the put finds the key's bucket again itself, so a touch made stale by
     * a growth step in between costs a miss and nothing else. Writer role; allocates nothing.
     *
     * @param key a key of a table of 8-byte keys
     * @return the bytes read, folded: callers keep the value (the loads must not be dropped as unused)
     */
    public long touchLong(long key) {
        ArraySnapshot g = snapshot;
        long j = g.homeOf(keyHash.hashLong(key), h.nevacuate);
        MemorySegment seg = g.bucketSeg(j);
        long off = g.bucketLocal(j);
        // The key's slot is not known yet, and a new key writes its key and value in other lines than the tophash.
        long folded = seg.get(Layouts.LONG, off + bs - 8);
        for (long o = 0; o < bs; o += 64) {
            folded += seg.get(Layouts.BYTE, off + o);
        }
        return folded;
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
        return writes.put(key, keyOff, keyLen, value, valueOff, valueLen);
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
        return writes.delete(key, keyOff, keyLen);
    }

    // ------------------------------------------------------------------ growth

    /** Finishes a growth in progress by evacuating every remaining old bucket (used by compaction and tests). */
    public void finishGrowthNow() throws IOException {
        evacuator.finishGrowthNow();
    }

    /** {@return whether a growth is in progress; any thread (reads the published snapshot)} */
    public boolean growing() {
        return snapshot.growing;
    }

    /**
     * Writer role, while writes pause: up to {@code steps} evacuation steps at the evacuation mark, each journaled
     * through the growth listener before it changes the table (see {@code Evacuator.idleStep}).
     *
     * @param steps the most old buckets to evacuate
     * @return whether a growth is still in progress
     * @throws IOException if the journal refuses a step or evacuation fails
     */
    public boolean evacuateIdle(int steps) throws IOException {
        for (int k = 0; k < steps && snapshot.growing; k++) {
            evacuator.idleStep();
        }
        return snapshot.growing;
    }

    // ------------------------------------------------------------------ publication (writer role)

    /**
     * {@return whether the table nears its next doubling and the space it takes was not mapped ahead yet} Any thread.
     */
    public boolean nextArrayWanted() {
        ArraySnapshot g = snapshot;
        return arrays.nextArrayWanted(g.b, g.growing, size());
    }

    /**
     * Any thread: maps ahead the space the next doubling will take (see {@code BucketArrays.prepareNextArray}).
     *
     * @throws IOException if the file cannot be extended or mapped
     */
    public void prepareNextArray() throws IOException {
        arrays.prepareNextArray(snapshot.b);
    }

    /**
     * Starts the thread that takes the first write fault of a split's upper buckets off the writer
     * ({@link SplitPageToucher}); the pipeline's background duty starts it with itself and stops it before the table
     * closes ({@link #stopSplitPageToucher}). At most one; a second start does nothing.
     */
    public void startSplitPageToucher() {
        if (pageToucher == null) {
            SplitPageToucher p = new SplitPageToucher(this);
            p.start();
            pageToucher = p;
        }
    }

    /** Stops the thread {@link #startSplitPageToucher} started, and waits for it; nothing if none runs. */
    public void stopSplitPageToucher() {
        SplitPageToucher p = pageToucher;
        if (p != null) {
            pageToucher = null;
            p.stop();
        }
    }

    /** After the writer allocated space, republish the snapshot if new chunks were mapped. */
    void refreshChunks() {
        ArraySnapshot g = snapshot;
        if (g != null && g.chunks != mapping.chunks()) {
            snapshot = g.withChunks();
        }
    }

    /** Publishes the entry count after a write changed it (release: {@link #size} reads it with acquire). */
    void publishCount(long count) {
        COUNT.setRelease(this, count);
    }

    // ------------------------------------------------------------------ inspection

    /** An iterator starting at {@code randomStart} (masked to the bucket count), see {@link TableIterator}. */
    public TableIterator iterator(long randomStart) {
        return new TableIterator(this, randomStart);
    }

    /** The current snapshot of the bucket arrays (for iteration, stats and dumps). */
    ArraySnapshot snapshot() {
        return snapshot;
    }

    TableFile file() {
        return tf;
    }

    long stamp(int stripe) {
        return lock.stamp(stripe);
    }

    int bucketSize() {
        return bs;
    }

    int keysOffset() {
        return keysOff;
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
        ArraySnapshot g = snapshot;
        return g.growing ? new long[]{h.nevacuate, 1L << g.oldB} : new long[]{0, 0};
    }
}
