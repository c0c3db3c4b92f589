package io.bucketdb;

import io.bucketdb.storage.DurableIO;
import io.bucketdb.storage.FileDurableIO;
import io.bucketdb.storage.TableGeometry;

/**
 * How to open an index. Immutable; each {@code with…} method returns a changed copy.
 * {@link #defaults()} creates a missing index with 8-byte keys and 8-byte values.
 *
 * <p>Widths and the alignment shift apply only when the index is created. Opening an existing
 * index takes its stored widths, unless widths were set here explicitly and differ: then open
 * fails with an {@link IllegalArgumentException} naming the stored widths.
 */
public final class Options {
    /** The largest chunk mapped at once: 1 GiB, so a 100 GiB index needs about a hundred mappings. */
    public static final int DEFAULT_MAX_CHUNK_SHIFT = 30;

    private final int keyWidth;
    private final int valueWidth;
    private final boolean createIfMissing;
    private final boolean readOnly;
    private final int alignShift;
    private final int maxChunkShift;
    private final Long hashSeed;
    private final DurableIO io;
    private final boolean widthsSet;

    private Options(int keyWidth, int valueWidth, boolean createIfMissing, boolean readOnly, int alignShift,
                    int maxChunkShift, Long hashSeed, DurableIO io) {
        this(keyWidth, valueWidth, createIfMissing, readOnly, alignShift, maxChunkShift, hashSeed, io, false);
    }

    private Options(int keyWidth, int valueWidth, boolean createIfMissing, boolean readOnly, int alignShift,
                    int maxChunkShift, Long hashSeed, DurableIO io, boolean widthsSet) {
        this.widthsSet = widthsSet;
        this.keyWidth = keyWidth;
        this.valueWidth = valueWidth;
        this.createIfMissing = createIfMissing;
        this.readOnly = readOnly;
        this.alignShift = alignShift;
        this.maxChunkShift = maxChunkShift;
        this.hashSeed = hashSeed;
        this.io = io;
    }

    /** 8-byte keys, 8-byte values, create if missing, read-write. */
    public static Options defaults() {
        return new Options(8, 8, true, false, TableGeometry.DEFAULT_ALIGN_SHIFT, DEFAULT_MAX_CHUNK_SHIFT, null, FileDurableIO.INSTANCE);
    }

    /** Key width in bytes for a new index (1..4096). */
    public Options withKeyWidth(int width) {
        return new Options(width, valueWidth, createIfMissing, readOnly, alignShift, maxChunkShift, hashSeed, io, true);
    }

    /** Value width in bytes for a new index (0..4096). */
    public Options withValueWidth(int width) {
        return new Options(keyWidth, width, createIfMissing, readOnly, alignShift, maxChunkShift, hashSeed, io, true);
    }

    /** Whether a missing index is created (default true). */
    public Options withCreateIfMissing(boolean create) {
        return new Options(keyWidth, valueWidth, create, readOnly, alignShift, maxChunkShift, hashSeed, io, widthsSet);
    }

    /** Opens read-only: no lock is taken, nothing is written, writes throw. */
    public Options withReadOnly(boolean ro) {
        return new Options(keyWidth, valueWidth, createIfMissing, ro, alignShift, maxChunkShift, hashSeed, io, widthsSet);
    }

    /**
     * For tests of chunk boundaries: the alignment unit of a new index (log2, 16..30) and the largest
     * mapped chunk (log2, at least the alignment). Small values cross chunk boundaries often.
     */
    public Options withChunking(int alignShift, int maxChunkShift) {
        return new Options(keyWidth, valueWidth, createIfMissing, readOnly, alignShift, maxChunkShift, hashSeed, io, widthsSet);
    }

    /** A fixed hash seed for a new index (reproducible tests); by default each index gets a random seed. */
    public Options withHashSeed(long seed) {
        return new Options(keyWidth, valueWidth, createIfMissing, readOnly, alignShift, maxChunkShift, seed, io, widthsSet);
    }

    /** The durable I/O implementation (tests pass a crash simulator). */
    public Options withDurableIO(DurableIO durableIO) {
        return new Options(keyWidth, valueWidth, createIfMissing, readOnly, alignShift, maxChunkShift, hashSeed, durableIO, widthsSet);
    }

    public int keyWidth() {
        return keyWidth;
    }

    public int valueWidth() {
        return valueWidth;
    }

    public boolean createIfMissing() {
        return createIfMissing;
    }

    public boolean readOnly() {
        return readOnly;
    }

    public int alignShift() {
        return alignShift;
    }

    public int maxChunkShift() {
        return maxChunkShift;
    }

    /** The fixed seed, or null for a random one. */
    public Long hashSeed() {
        return hashSeed;
    }

    /** Whether {@link #withKeyWidth} or {@link #withValueWidth} was called. */
    public boolean widthsSet() {
        return widthsSet;
    }

    public DurableIO durableIO() {
        return io;
    }
}
