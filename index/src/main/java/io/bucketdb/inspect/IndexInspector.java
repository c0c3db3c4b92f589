package io.bucketdb.inspect;

import io.bucketdb.Stats;
import io.bucketdb.BucketDB;
import io.bucketdb.hash.KeyHash;
import io.bucketdb.recovery.DoubleWriteLayout;
import io.bucketdb.recovery.JournalCheck;
import io.bucketdb.recovery.JournalOptions;
import io.bucketdb.recovery.JournalReader;
import io.bucketdb.storage.BucketLayout;
import io.bucketdb.spi.CorruptIndexException;
import io.bucketdb.spi.DurableFile;
import io.bucketdb.spi.DurableIO;
import io.bucketdb.storage.FileDurableIO;
import io.bucketdb.storage.Header;
import io.bucketdb.storage.HeaderLayout;
import io.bucketdb.storage.IndexFileNames;
import io.bucketdb.storage.TableFile;
import io.bucketdb.storage.TableGeometry;
import io.bucketdb.storage.VerifiedPages;
import io.bucketdb.table.PieceDirectory;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.function.LongConsumer;
import java.util.zip.CRC32C;

/**
 * Reads a table file the way fsck reads a file system: without opening a {@code HashTable}, so it can
 * look at (and {@link #verify()} judge) a file the table would refuse or misread. Where it reads what
 * the table reads, it reads it through the table's own code, so the two cannot disagree: the piece
 * directories through {@link io.bucketdb.table.PieceDirectory} and key lookups through
 * {@link io.bucketdb.table.ChainProbe}, with its stricter checks on top. It opens the file read-only and takes no lock, so it works on a live index; the
 * file then shows the last checkpoint image, and {@link #changedOnDisk()} says whether a newer header
 * was written since this inspector opened it.
 *
 * <p>Nothing here trusts the file: every reference is range-checked before it is followed and every
 * chain walk is bounded by the header's overflow bucket count, so damage surfaces as a
 * {@link CorruptIndexException} naming the file and offset (or, from {@link #verify()}, as a list of
 * {@link Problem}s), never as a hang or an unchecked exception.
 *
 * <p>Not thread-safe; one inspector per thread.
 */
public final class IndexInspector implements AutoCloseable {
    private final Path dir;
    private final TableFile tf;
    private final Header h;
    /** The hash the header names: what placed the keys ({@link KeyHash#of}). */
    private final KeyHash keyHash;
    private final BucketLayout layout;
    private final FileView view;
    private final long fileBytes;
    private final int bs;
    private final int ovfOff;
    private final long pieceMask;
    private final SlotReader slots;
    private final KeyLookup lookup;
    private long[] pieces;
    private long[] oldPieces;
    private JournalCheck journal;

    private IndexInspector(Path dir, TableFile tf) throws IOException {
        this.dir = dir;
        this.tf = tf;
        this.h = tf.header();
        this.keyHash = KeyHash.of(h);
        this.layout = BucketLayout.of(h);
        this.view = new FileView(tf.mapping(), h.fileEnd, VerifiedPages.load(FileDurableIO.INSTANCE, dir, tf));
        this.fileBytes = tf.fileSize();
        this.bs = layout.size();
        this.ovfOff = layout.overflowOffset();
        this.pieceMask = (1L << h.pieceShift) - 1;
        this.slots = new SlotReader(tf.path(), h, layout, view);
        this.lookup = new KeyLookup(this, tf.path(), h, keyHash, layout, view, slots);
    }

    /**
     * Opens the index in {@code dir} read-only, without its lock.
     *
     * @throws NoSuchFileException   if {@code dir} or its table file does not exist
     * @throws CorruptIndexException if neither header slot holds a valid header
     * @throws IOException           if {@code dir} is not a directory or the file cannot be read
     */
    public static IndexInspector open(Path dir) throws IOException {
        if (!Files.exists(dir)) {
            throw new NoSuchFileException(dir.toString(), null, "no such directory");
        }
        if (!Files.isDirectory(dir)) {
            throw new IOException(dir + ": not a directory (an index is a directory)");
        }
        Path table = dir.resolve(IndexFileNames.TABLE);
        if (!Files.exists(table)) {
            throw new NoSuchFileException(dir.toString(), null, "not a BucketDB index: no " + IndexFileNames.TABLE + " in it");
        }
        if (!Files.isRegularFile(table)) {
            throw new IOException(table + ": not a regular file (a table file is one)");
        }
        TableFile tf = TableFile.open(FileDurableIO.INSTANCE, table, true, TableGeometry.DEFAULT_MAX_CHUNK_SHIFT);
        try {
            return new IndexInspector(dir, tf);
        } catch (IOException | RuntimeException e) {
            tf.close();
            throw e;
        }
    }

    // ------------------------------------------------------------------ the file and its header

    /** The index directory. */
    public Path directory() {
        return dir;
    }

    /** The table file. */
    public Path file() {
        return tf.path();
    }

    /** A copy of the header this inspector reads by (the valid slot with the highest generation). */
    public Header header() {
        return h.copy();
    }

    /** The header slot in use: 0 = A, 1 = B. */
    public int activeSlot() {
        return tf.activeSlot();
    }

    /** The table file's size on disk when it was opened. */
    public long fileBytes() {
        return fileBytes;
    }

    /** The bucket layout of this file: its key and value widths, in the arrangement of its format version. */
    public BucketLayout layout() {
        return layout;
    }

    /** Bytes held by free extents, as the header's free lists count them. */
    public long freeBytes() {
        return StatsCollector.freeBytes(h);
    }

    /**
     * The numbers {@code bucketdb stat} prints for this image: the header, a {@link #census()}, the
     * directory's files, and what a recovery would replay from the journal (read, not changed).
     *
     * @throws io.bucketdb.spi.CorruptIndexException if the journal is damaged
     */
    public Stats stats() throws IOException {
        return StatsCollector.collect(dir, h, activeSlot(), h.count, census(), heapUsage(), fileBytes, h.cleanClose,
                StatsCollector.pendingReplay(dir, h.checkpointLsn));
    }

    /**
     * Whether a header newer than the one read at open is now on disk (a writer checkpointed or
     * closed meanwhile), or a checkpoint newer than it is writing pages in place: what was read may
     * then mix two images, and a caller that found problems should inspect again before believing them.
     */
    public boolean changedOnDisk() {
        long newest = h.generation;
        for (int slot = 0; slot < 2; slot++) {
            try {
                newest = Math.max(newest, decodeSlot(slot, Long.MAX_VALUE).generation);
            } catch (CorruptIndexException e) {
                // a slot being written right now: the other one decides
            }
        }
        return newest != h.generation || newerBatchInPlace();
    }

    /**
     * Whether the double-write file holds the head of a batch newer than the header read. A checkpoint
     * writes that head (forced) before it writes its pages in place and installs its header only after,
     * so meanwhile the pages may already be the newer image's (and their checksums the newer
     * generation's). After a crash in that window the same holds until an open finishes the batch.
     */
    private boolean newerBatchInPlace() {
        Path dw = dir.resolve(DoubleWriteLayout.FILE_NAME);
        if (!Files.exists(dw)) {
            return false;
        }
        try (DurableFile in = FileDurableIO.INSTANCE.open(dw, DurableIO.Mode.READ_ONLY)) {
            if (in.size() < DoubleWriteLayout.SIZE) {
                return false;
            }
            ByteBuffer head = ByteBuffer.allocate(DoubleWriteLayout.SIZE).order(ByteOrder.LITTLE_ENDIAN);
            in.read(0, head);
            CRC32C crc = new CRC32C();
            crc.update(head.duplicate().position(0).limit(DoubleWriteLayout.CHECKSUM_OFFSET));
            return head.getLong(DoubleWriteLayout.MAGIC_OFFSET) == DoubleWriteLayout.MAGIC
                    && head.getInt(DoubleWriteLayout.CHECKSUM_OFFSET) == (int) crc.getValue()
                    && head.getLong(DoubleWriteLayout.GENERATION_OFFSET) > h.generation;
        } catch (IOException e) {
            return false; // being rewritten or unreadable: the header slots decide
        }
    }

    /** Decodes header slot {@code slot} (0 = A, 1 = B) from the file as it is now. */
    Header decodeSlot(int slot, long fileSize) throws CorruptIndexException {
        long at = HeaderLayout.slotOffset(slot);
        ByteBuffer buf = ByteBuffer.wrap(view.bytes(at, HeaderLayout.SLOT_SIZE)).order(ByteOrder.LITTLE_ENDIAN);
        return Header.decode(tf.path(), at, buf, fileSize);
    }

    // ------------------------------------------------------------------ buckets

    /** Bucket {@code index} of the current array with its chain. */
    public BucketView bucket(long index) throws CorruptIndexException {
        checkIndex(index, h.b, "bucket");
        long off = bucketOffset(pieces(), index);
        // During an in-place split the lower bucket of a pair not split yet is live: it is its old bucket.
        if (h.growing() && !oldEvacuated(index & oldMask()) && !(h.splittingInPlace() && index < 1L << h.oldB)) {
            return new BucketView(false, index, off, BucketView.State.PENDING, List.of(), null);
        }
        return viewChain(false, index, off);
    }

    /** Bucket {@code index} of the old array; only while the table grows. */
    public BucketView oldBucket(long index) throws CorruptIndexException {
        if (!h.growing()) {
            throw new IllegalArgumentException("no growth in progress, so there is no old array");
        }
        checkIndex(index, h.oldB, "old bucket");
        long off = bucketOffset(oldPieces(), index);
        if (oldEvacuated(index) && !h.splittingInPlace()) { // split in place, it is a live bucket of the current array
            List<Slot> evacuated = slots.readSlots(off);
            return new BucketView(true, index, off, BucketView.State.EVACUATED,
                    List.of(new ChainBucket(0, off, evacuated, view.getLong(off + ovfOff))), null);
        }
        return viewChain(true, index, off);
    }

    /**
     * Whether old bucket {@code i} has been evacuated: its first tophash byte says so, or, during an in-place split
     * (format version 7, which splits in order), it is below the mark {@code nevacuate}.
     */
    public boolean oldEvacuated(long i) throws CorruptIndexException {
        if (h.splittingInPlace()) {
            return i < h.nevacuate;
        }
        return BucketLayout.isEvacuated(view.getByte(bucketOffset(oldPieces(), i)));
    }

    private BucketView viewChain(boolean old, long index, long off) {
        List<ChainBucket> chain = new ArrayList<>();
        long b = off;
        String broken = null;
        for (int pos = 0; b != 0; pos++) {
            long next = view.getLong(b + ovfOff);
            chain.add(new ChainBucket(pos, b, slots.readSlots(b), next));
            if (next == 0) {
                break;
            }
            if (!validRef(next)) {
                broken = "overflow reference " + next + " at offset " + (b + ovfOff) + " is outside [" + HeaderLayout.DATA_START
                        + ", " + (h.fileEnd - bs) + "]";
                break;
            }
            if (pos + 1 > h.overflowBuckets) {
                broken = "chain longer than the " + h.overflowBuckets + " overflow buckets in the file (a cycle)";
                break;
            }
            b = next;
        }
        return new BucketView(old, index, off, BucketView.State.LIVE, List.copyOf(chain), broken);
    }

    /** The value heap's space, from the header. */
    public HeapUsage heapUsage() {
        return HeapUsage.of(h);
    }

    // ------------------------------------------------------------------ keys

    /** The table's hash of {@code key}: the file's hash kind and seed. */
    public long hash(byte[] key) {
        return lookup.hash(key);
    }

    /** The file's key hash, the one its header names. */
    KeyHash keyHash() {
        return keyHash;
    }

    /**
     * Where {@code key} lives and why: its hash, bucket, tophash, the old bucket and whether it is
     * evacuated while growing, and the bucket, chain position and slot that hold it. The chain is
     * searched by the table's own lookup ({@link io.bucketdb.table.ChainProbe}; old bucket while not
     * evacuated; stop at emptyRest), with the inspector's checks on top ({@link KeyLookup}).
     */
    public Location locate(byte[] key) throws CorruptIndexException {
        return lookup.locate(key);
    }

    /** The value of {@code key} (a copy), or null if absent. */
    public byte[] get(byte[] key) throws CorruptIndexException {
        Location loc = locate(key);
        return loc.found() ? loc.value() : null;
    }

    /** The value of {@code key} in an index of 8-byte keys and values, or {@code missing} if absent. */
    public long getLong(long key, long missing) throws CorruptIndexException {
        return lookup.getLong(key, missing);
    }

    // ------------------------------------------------------------------ whole-table walks

    /** Called with every entry of a live chain (fresh arrays). */
    @FunctionalInterface
    public interface EntryVisitor {
        void visit(byte[] key, byte[] value) throws IOException;
    }

    /** Visits every entry once, in bucket order (old buckets not yet evacuated stand in for their new buckets). */
    public void forEach(EntryVisitor visitor) throws IOException {
        forEachLiveChain((start, index) -> {
            long hops = 0;
            for (long b = start; b != 0; b = next(b, ++hops)) {
                for (int s = 0; s < BucketLayout.SLOTS; s++) {
                    if (view.getByte(b + s) >= BucketLayout.MIN_TOPHASH) {
                        visitor.visit(slots.keyBytes(b + layout.keyOffset(s)), slots.valueBytes(b + layout.valueOffset(s)));
                    }
                }
            }
        });
    }

    /** Counts entries, chain lengths and evacuated old buckets with one walk over the live chains. */
    public Census census() throws IOException {
        long[] hist = new long[8];
        long[] totals = new long[2];
        forEachLiveChain((start, index) -> {
            int len = 0;
            long hops = 0;
            for (long b = start; b != 0; b = next(b, ++hops)) {
                len++;
                long tw = view.getLong(b);
                for (int s = 0; s < BucketLayout.SLOTS; s++) {
                    if (((tw >>> (s << 3)) & 0xFF) >= BucketLayout.MIN_TOPHASH) {
                        totals[0]++;
                    }
                }
            }
            totals[1] += len - 1;
            hist[Math.min(len, hist.length) - 1]++;
        });
        long evacuated = 0;
        long oldBuckets = 0;
        if (h.growing()) {
            oldBuckets = 1L << h.oldB;
            for (long i = 0; i < oldBuckets; i++) {
                if (oldEvacuated(i)) {
                    evacuated++;
                }
            }
        }
        return new Census(totals[0], hist, evacuated, oldBuckets, totals[1]);
    }

    @FunctionalInterface
    private interface ChainVisitor {
        void visit(long start, long index) throws IOException;
    }

    /**
     * Calls {@code visitor} once per live chain: new bucket {@code j}'s, or while its old bucket is
     * not yet evacuated that old bucket's (once, though two new buckets share it when doubling).
     */
    private void forEachLiveChain(ChainVisitor visitor) throws IOException {
        long buckets = 1L << h.b;
        try {
            long[] cur = pieces();
            for (long j = 0; j < buckets; j++) {
                if (h.growing()) {
                    long i = j & oldMask();
                    if (!oldEvacuated(i)) {
                        if (i == j) {
                            visitor.visit(bucketOffset(oldPieces(), i), i);
                        }
                        continue;
                    }
                }
                visitor.visit(bucketOffset(cur, j), j);
            }
        } catch (java.io.UncheckedIOException e) {
            // The checked view reports a damaged page unchecked (its reads sit on paths that cannot throw);
            // callers of this walk declare the damage itself.
            if (e.getCause() instanceof CorruptIndexException damage) {
                throw damage;
            }
            throw e;
        }
    }

    // ------------------------------------------------------------------ verify

    /**
     * Checks every invariant of the file (see {@link Verifier}) and returns what is wrong, in file
     * order of discovery; an empty list means the file is sound. Never throws on damage and never
     * hangs: corrupt structures become problems.
     */
    public List<Problem> verify() {
        return verify(walked -> { });
    }

    /**
     * {@link #verify()}, telling {@code bucketsWalked} from time to time how many of the
     * {@link #bucketsToWalk()} buckets it has walked (for a progress bar).
     */
    public List<Problem> verify(LongConsumer bucketsWalked) {
        return new Verifier(this, tf.path(), h, layout, view.unchecked(), bucketsWalked).run();
    }

    /** Buckets {@link #verify(LongConsumer)} walks: the current array's, and the old array's during a copying growth. */
    public long bucketsToWalk() {
        return (1L << h.b) + (h.growing() && !h.splittingInPlace() ? 1L << h.oldB : 0);
    }

    /**
     * The journal after this image's checkpoint LSN, judged as opening the index would judge it
     * ({@link JournalReader#check}): damage an open would refuse, or the torn tail it would drop. Read
     * once per inspector. A writer may append meanwhile, so on a live index a tail being written can
     * show as torn. The default {@link JournalOptions} bound frame lengths, as a default open does.
     *
     * @throws IOException if a segment cannot be read (a live writer may have recycled it meanwhile)
     */
    public JournalCheck journalCheck() throws IOException {
        if (journal == null) {
            journal = new JournalReader(FileDurableIO.INSTANCE, dir, JournalOptions.defaults(), !h.cleanClose).check(h.checkpointLsn);
        }
        return journal;
    }

    // ------------------------------------------------------------------ geometry

    long[] pieces() throws CorruptIndexException {
        if (pieces == null) {
            pieces = readDirectoryOrThrow(h.bucketDir, h.b, "bucket directory");
        }
        return pieces;
    }

    long[] oldPieces() throws CorruptIndexException {
        if (oldPieces == null) {
            oldPieces = readDirectoryOrThrow(h.oldBucketDir, h.oldB, "old bucket directory");
        }
        return oldPieces;
    }

    /**
     * The pieces of the directory at {@code dirOff}, read by the table's reader ({@link PieceDirectory}),
     * which throws at the first damage; so does a reserved field that is not zero, as {@code verify}
     * reports it.
     */
    private long[] readDirectoryOrThrow(long dirOff, int b, String what) throws CorruptIndexException {
        Path file = tf.path();
        return view.readDirectory(h, bs, dirOff, b, what, new PieceDirectory.Findings<CorruptIndexException>() {
            @Override
            public void damage(long offset, String expected, String found) throws CorruptIndexException {
                throw new CorruptIndexException(file, offset, expected + ", found " + found);
            }

            @Override
            public void oddity(long offset, String expected, String found) throws CorruptIndexException {
                damage(offset, expected, found);
            }
        });
    }

    long bucketOffset(long[] arrayPieces, long i) {
        return arrayPieces[(int) (i >>> h.pieceShift)] + (i & pieceMask) * bs;
    }

    long oldMask() {
        return (1L << h.oldB) - 1;
    }

    private boolean validRef(long ref) {
        return ref >= HeaderLayout.DATA_START && view.contains(ref, bs);
    }

    /** The next bucket of the chain after {@code b}, checked; {@code hops} counts links followed so far. */
    long next(long b, long hops) throws CorruptIndexException {
        long next = view.getLong(b + ovfOff);
        if (next == 0) {
            return 0;
        }
        if (!validRef(next)) {
            throw new CorruptIndexException(tf.path(), b + ovfOff, "an overflow bucket reference within ["
                    + HeaderLayout.DATA_START + ", " + (h.fileEnd - bs) + "], found " + next);
        }
        if (hops > h.overflowBuckets) {
            throw new CorruptIndexException(tf.path(), b + ovfOff, "an overflow chain of at most " + h.overflowBuckets
                    + " overflow buckets, found a longer one (a cycle)");
        }
        return next;
    }

    private static void checkIndex(long index, int b, String what) {
        if (index < 0 || index >= 1L << b) {
            throw new IllegalArgumentException(what + " " + index + " does not exist: the array has " + (1L << b)
                    + " buckets (0.." + ((1L << b) - 1) + ")");
        }
    }

    @Override
    public void close() throws IOException {
        tf.close();
    }
}
