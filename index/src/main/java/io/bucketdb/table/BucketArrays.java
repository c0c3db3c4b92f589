package io.bucketdb.table;

import io.bucketdb.storage.BucketLayout;
import io.bucketdb.storage.ChunkedMapping;
import io.bucketdb.spi.CorruptIndexException;
import io.bucketdb.storage.PieceDirectoryLayout;
import io.bucketdb.storage.ExtentAllocator;
import io.bucketdb.storage.ExtentClasses;
import io.bucketdb.storage.Header;
import io.bucketdb.storage.HeaderLayout;
import io.bucketdb.storage.TableFile;
import io.bucketdb.storage.TableGeometry;
import io.bucketdb.storage.VerifiedPages;

import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.util.Arrays;

/**
 * Where buckets live: bucket arrays split into pieces of {@code 2^pieceShift} buckets (each piece one extent inside
 * one alignment unit, so inside one mapped chunk), the piece directory that lists an array's pieces
 * ({@link PieceDirectoryLayout}), and overflow buckets. The writer allocates and frees through an instance; the
 * directory check and the bucket arithmetic are static, so code that reads a table file without a {@link HashTable}
 * (the inspector) reads them the same way.
 *
 * <p>Writer thread only (the static reads and the preparation of the next array's space excepted). Allocation may map new chunks; the table then republishes its
 * snapshot ({@code HashTable.refreshChunks}).
 */
public final class BucketArrays {
    private final HashTable t;
    private final TableFile tf;
    private final Header h;
    private final ExtentAllocator alloc;
    private final ChunkedMapping mapping;
    private final VerifiedPages pages;
    private final int bs;
    private final int ovfOff;
    /** The {@code b} whose next array's space was mapped ahead ({@link #prepareNextArray}); -1 for none. */
    private volatile int preparedFor = -1;

    BucketArrays(HashTable t, TableFile tf, int bucketSize, int overflowOffset) {
        this.t = t;
        this.tf = tf;
        this.h = tf.header();
        this.alloc = tf.allocator();
        this.mapping = tf.mapping();
        this.pages = tf.pages();
        this.bs = bucketSize;
        this.ovfOff = overflowOffset;
    }

    /**
     * {@return the file offset of bucket {@code i} of the array whose pieces are {@code pieces}}
     *
     * @param pieces     the array's pieces, as its directory lists them
     * @param pieceShift log2 of the buckets in one piece (the header's)
     * @param bucketSize bytes of one bucket
     * @param i          the bucket's index in the array
     */
    public static long bucketOffset(long[] pieces, int pieceShift, int bucketSize, long i) {
        return pieces[(int) (i >>> pieceShift)] + (i & ((1L << pieceShift) - 1)) * bucketSize;
    }

    /**
     * Reads the piece directory at {@code dir} of an array of {@code 2^b} buckets through {@link PieceDirectory}, the
     * reader {@code verify} and the inspector share, throwing at the first damage it finds (the file's page checks apply).
     *
     * @param tf  the table file (its header gives the piece shift, the alignment and the allocated end)
     * @param dir the file offset of the directory
     * @param b   log2 of the array's buckets
     * @return the pieces' file offsets, in bucket order
     * @throws CorruptIndexException naming the offset of the first check that fails
     * @throws java.io.UncheckedIOException wrapping a {@link CorruptIndexException} if a page of the directory is damaged
     */
    public static long[] readDirectory(TableFile tf, long dir, int b) throws CorruptIndexException {
        Header h = tf.header();
        return PieceDirectory.read(tf.mapping(), tf.pages(), h, BucketLayout.of(h).size(), dir, b,
                dir == h.bucketDir ? "bucket directory" : "old bucket directory", PieceDirectory.throwing(tf.path()));
    }

    /** Allocates the pieces of an array of {@code 2^b} buckets (not written: see {@link HashTable#create}). */
    long[] allocate(int b) throws IOException {
        int ps = h.pieceShift;
        int pieceLog = Math.min(b, ps);
        int pieces = 1 << Math.max(0, b - ps);
        long[] out = new long[pieces];
        for (int p = 0; p < pieces; p++) {
            out[p] = alloc.allocate(ExtentClasses.pieceClass(pieceLog));
        }
        t.refreshChunks();
        return out;
    }

    /**
     * Allocates the pieces of an in-place split's upper half ({@code Header.splitsInPlace}): the array of
     * {@code 2^newB} buckets is {@code lower}, the old array's pieces (whole pieces), followed by as many new ones of
     * the same class. Not written: each upper bucket is zeroed when its lower sibling is split.
     *
     * @param lower the old array's pieces
     * @param newB  log2 of the new array's buckets
     * @return every piece of the new array, in bucket order
     */
    long[] allocateUpperHalf(long[] lower, int newB) throws IOException {
        int pieces = 1 << (newB - h.pieceShift);
        if (lower.length * 2 != pieces) {
            throw new IllegalStateException("an in-place split of " + lower.length + " pieces to 2^" + newB + " buckets");
        }
        long[] out = Arrays.copyOf(lower, pieces);
        int c = ExtentClasses.pieceClass(h.pieceShift);
        for (int p = lower.length; p < pieces; p++) {
            out[p] = alloc.allocate(c);
        }
        t.refreshChunks();
        return out;
    }

    /**
     * Any thread: whether the table, at {@code b} and {@code count} entries and not growing, is seven eighths of the way
     * to the load that doubles it and the space that doubling takes was not mapped ahead for this {@code b} yet.
     */
    boolean nextArrayWanted(int b, boolean growing, long count) {
        return !growing && b != preparedFor && b < TableGeometry.MAX_B && count >= (13 * ((1L << b) >>> 1)) / 8 * 7;
    }

    /**
     * Any thread, in practice the pipeline's background thread: allocates (in the file) and maps the space the next
     * doubling of an array of {@code 2^b} buckets will take (only the upper half's pieces when it splits in place) from
     * the end of the allocated space, so the doubling's start is a bump of the allocation end and a directory, not a
     * file extension and a new mapping on the writer's path (a chunk of up to 1 GiB: 31 ms measured at 2 MiB on a
     * loaded machine). Nothing the table or its header names
     * changes: the space is free space past the allocation end, as the rest of a mapped chunk always was, and reads as
     * zeros (a fresh allocation, or a hole {@code closeAndTrim} punched). A crash leaves it free; a clean close punches
     * it out again. Reads the writer's allocation end without synchronization: a stale value maps a little less or
     * more ahead, which the writer's own allocation makes up for.
     *
     * @param b log2 of the current array's buckets
     * @throws IOException if the file cannot be extended or mapped (the writer meets the same error when it allocates)
     */
    void prepareNextArray(int b) throws IOException {
        int newB = b + 1;
        int pieceLog = Math.min(newB, h.pieceShift);
        long pieces = 1L << Math.max(0, newB - h.pieceShift);
        long bytes = pieces * alloc.extentBytes(ExtentClasses.pieceClass(pieceLog));
        // An in-place split allocates only the upper half (Evacuator's class comment).
        long arrayBytes = h.splitsInPlace(b) ? bytes / 2 : bytes;
        try {
            // Half the new array's size again: the overflow pages the writes until the doubling take from the end (from
            // three quarters of its load on), the new directory and alignment gaps.
            tf.ensureMapped(h.fileEnd + arrayBytes + bytes / 2);
        } finally {
            preparedFor = b; // once per b, also after a failure: the writer's own allocation reports a full disk
        }
    }

    /** Frees the pieces of an array of {@code 2^b} buckets. */
    void free(long[] pieces, int b) {
        int c = ExtentClasses.pieceClass(Math.min(b, h.pieceShift));
        for (long p : pieces) {
            alloc.free(p, c);
        }
    }

    /** Allocates and writes the directory of {@code pieces}; returns its file offset. */
    long writeDirectory(long[] pieces) throws IOException {
        long dir = alloc.allocate(ExtentClasses.rawClassFor(PieceDirectoryLayout.bytes(pieces.length)));
        t.refreshChunks();
        tf.putInt(dir + PieceDirectoryLayout.MAGIC_OFFSET, PieceDirectoryLayout.MAGIC);
        tf.putInt(dir + PieceDirectoryLayout.PIECE_COUNT_OFFSET, pieces.length);
        tf.putLong(dir + PieceDirectoryLayout.RESERVED_OFFSET, 0);
        for (int p = 0; p < pieces.length; p++) {
            tf.putLong(dir + PieceDirectoryLayout.PIECES + 8L * p, pieces[p]);
        }
        return dir;
    }

    /** Frees the directory at {@code dir} that lists {@code pieceCount} pieces. */
    void freeDirectory(long dir, int pieceCount) {
        alloc.free(dir, ExtentClasses.rawClassFor(PieceDirectoryLayout.bytes(pieceCount)));
    }

    /** Allocates an overflow bucket and links it after {@code last}; returns its file offset. */
    long newOverflow(long last) throws IOException {
        long b = alloc.allocateOverflowBucket();
        h.noverflow++;
        tf.putLong(last + ovfOff, b);
        t.refreshChunks();
        return b;
    }

    /** The writer's way to a bucket: checks its page(s) first, as every read of the table as data does. */
    MemorySegment segOf(long off) {
        pages.check(off, bs);
        return mapping.segment(off);
    }

    long localOf(long off) {
        return mapping.local(off);
    }

    /** Checks the overflow reference {@code ref} read at {@code at}, the {@code hops}-th link of its chain. */
    void checkRef(long at, long ref, long hops) throws CorruptIndexException {
        if (ref < HeaderLayout.DATA_START || ref + bs > h.fileEnd) {
            throw new CorruptIndexException(tf.path(), at, "an overflow bucket reference within [" + HeaderLayout.DATA_START + ", "
                    + (h.fileEnd - bs) + "], found " + ref);
        }
        if (hops > h.overflowBuckets) {
            throw new CorruptIndexException(tf.path(), at, "an overflow chain of at most " + h.overflowBuckets
                    + " buckets, found a longer one (a cycle)");
        }
    }
}
