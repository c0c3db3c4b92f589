package io.bucketdb.storage;

import io.bucketdb.spi.CorruptIndexException;
import io.bucketdb.spi.DurableFile;
import io.bucketdb.spi.DurableIO;

import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;

/**
 * The table file: two header slots, then extents (bucket array pieces, piece directories,
 * overflow pages), mapped PRIVATE so that writes change memory and never the file
 * (docs/DESIGN.md, "Durability"). The file changes only at checkpoints (the recovery module's
 * {@code Checkpointer} writes pages and headers through {@link #writeRaw} and {@link #writeHeaderSlot}).
 *
 * <p>Every write to the mapping goes through {@link #markDirty} before the bytes change; the
 * {@code put*} and {@link #zero} helpers do it themselves. Hot paths may mark a whole bucket once
 * and then write the segment directly.
 *
 * <p>Threading: the holder of the writer role (one thread at a time) calls everything that changes state; readers only use
 * {@link #mapping()}'s segments.
 */
public final class TableFile implements AutoCloseable {
    private final DurableFile file;
    private final Header header;
    private final ChunkedMapping mapping;
    private final DirtyPages dirty = new DirtyPages();
    private final ExtentAllocator allocator;
    private final ValueHeap heap;
    private final boolean readOnly;
    /** The slot (0 = A, 1 = B) holding the newest valid header on disk; -1 before the first write-back. */
    private int activeSlot;
    /** The allocation end of the header in force on disk (the live header's moves with growth); see {@link #installedFileEnd}. */
    private long installedFileEnd;
    /** Pages read as data are checked against their checkpoint's CRC32C first (none until {@link #verifyPages}). */
    private VerifiedPages pages = VerifiedPages.NONE;

    private TableFile(DurableFile file, Header header, int activeSlot, boolean readOnly, int maxChunkShift) {
        this.file = file;
        this.header = header;
        this.activeSlot = activeSlot;
        this.installedFileEnd = header.fileEnd;
        this.readOnly = readOnly;
        this.mapping = new ChunkedMapping(file, readOnly ? FileChannel.MapMode.READ_ONLY : FileChannel.MapMode.PRIVATE,
                header.alignShift, Math.max(maxChunkShift, header.alignShift));
        this.allocator = new ExtentAllocator(this);
        this.heap = new ValueHeap(this);
    }

    /**
     * Creates a new fixed-width table file with the given widths and seed. The caller builds the first bucket array and
     * then writes the first checkpoint.
     *
     * @param io the durable I/O that creates and writes the file
     * @param path the file to create; it must not exist
     * @param keyWidth bytes of a key slot, 1 to {@link BucketLayout#MAX_WIDTH}
     * @param valueWidth bytes of a value slot, 0 to {@link BucketLayout#MAX_WIDTH}
     * @param alignShift log2 of the alignment unit, {@link TableGeometry#MIN_ALIGN_SHIFT} to
     *     {@link TableGeometry#MAX_ALIGN_SHIFT}
     * @param hashSeed the seed of the key hash, stored in the header
     * @param maxChunkShift log2 of the largest mapped chunk (see {@link ChunkedMapping}), at least {@code alignShift}
     * @return the open table file, mapped up to {@link HeaderLayout#DATA_START}, with no header written yet
     * @throws IllegalArgumentException if the alignment shift is out of range or a bucket does not fit the alignment
     *     unit
     * @throws IOException if the file exists or cannot be created, allocated or mapped
     */
    public static TableFile create(DurableIO io, Path path, int keyWidth, int valueWidth, int alignShift,
                                   long hashSeed, int maxChunkShift) throws IOException {
        return create(io, path, keyWidth, valueWidth, 0, alignShift, hashSeed, maxChunkShift);
    }

    /**
     * Creates a new table file; {@code flags} are {@link HeaderLayout#VAR_KEYS}, {@link HeaderLayout#VAR_VALUES} and
     * {@link HeaderLayout#OUTLINE_VALUES}, and a variable-length side's width is its {@link VarSlotLayout} slot width.
     * With {@link HeaderLayout#OUTLINE_VALUES} (fixed-width values kept in the value heap), {@code valueWidth} is the
     * values' width instead, and the table gets {@link HeaderLayout#VAR_VALUES} and
     * {@link HeaderLayout#VALUE_BLOCK_NUMBERS}: 4-byte slots of block numbers ({@link BlockNumberLayout}, format version
     * 8). The header also gets
     * {@link HeaderLayout#KEYED_HASH}: every new table hashes its keys with secrets derived from its seed; and
     * {@link HeaderLayout#OVERFLOW_FIRST}: every new table lays its buckets out as format version 4 does
     * ({@link BucketLayout}); and {@link HeaderLayout#FINE_HEAP_CLASSES}: every new table's value heap has the
     * page-fit size classes of format version 6 ({@link HeapClasses#PAGE_FIT}); and {@link HeaderLayout#SPLIT_GROWTH}:
     * every new table's doublings split buckets in place (format version 7). The caller builds the first bucket array and then writes the first checkpoint.
     *
     * @param io the durable I/O that creates and writes the file
     * @param path the file to create; it must not exist
     * @param keyWidth bytes of a key slot, 1 to {@link BucketLayout#MAX_WIDTH}
     * @param valueWidth bytes of a value slot, 0 to {@link BucketLayout#MAX_WIDTH}; with
     *     {@link HeaderLayout#OUTLINE_VALUES}, bytes of every value, {@link VarSlotLayout#MIN_INLINE} + 1 to
     *     {@link BucketLayout#MAX_WIDTH}
     * @param flags the header's format flags, a combination of {@link HeaderLayout#VAR_KEYS},
     *     {@link HeaderLayout#VAR_VALUES} and {@link HeaderLayout#OUTLINE_VALUES}
     * @param alignShift log2 of the alignment unit, {@link TableGeometry#MIN_ALIGN_SHIFT} to
     *     {@link TableGeometry#MAX_ALIGN_SHIFT}
     * @param hashSeed the seed of the key hash, stored in the header
     * @param maxChunkShift log2 of the largest mapped chunk (see {@link ChunkedMapping}), at least {@code alignShift}
     * @return the open table file, mapped up to {@link HeaderLayout#DATA_START}, with no header written yet
     * @throws IllegalArgumentException if the alignment shift is out of range or a bucket does not fit the alignment
     *     unit
     * @throws IOException if the file exists or cannot be created, allocated or mapped
     */
    public static TableFile create(DurableIO io, Path path, int keyWidth, int valueWidth, int flags, int alignShift,
                                   long hashSeed, int maxChunkShift) throws IOException {
        boolean outline = (flags & HeaderLayout.OUTLINE_VALUES) != 0;
        int valueSlot = outline ? BlockNumberLayout.SIZE : valueWidth;
        int pieceShift = checkNewShape(keyWidth, valueWidth, flags, alignShift);
        Header h = new Header();
        h.keyWidth = keyWidth;
        h.valueWidth = valueSlot;
        h.outlineValueWidth = outline ? valueWidth : 0;
        h.pieceShift = pieceShift;
        h.alignShift = alignShift;
        h.hashSeed = hashSeed;
        // Every new table hashes its keys with secrets derived from its seed (issue 15: hash flooding).
        // ... and keeps each bucket's overflow reference beside its tophash bytes (issue 19: a miss in one cache line).
        // ... and carves its value heap into the page-fit classes (issue 19: heap blocks that fit the values).
        // ... and splits buckets in place when it doubles (issue 19: a doubling allocates only the new upper half).
        // ... and names out-of-line values by 4-byte block numbers (issue 19: 16x100 in Chronicle Map's bytes).
        h.flags = flags | HeaderLayout.KEYED_HASH | HeaderLayout.OVERFLOW_FIRST | HeaderLayout.FINE_HEAP_CLASSES | HeaderLayout.SPLIT_GROWTH
                | (outline ? HeaderLayout.VAR_VALUES | HeaderLayout.VALUE_BLOCK_NUMBERS : 0);
        h.fileEnd = HeaderLayout.DATA_START;
        DurableFile file = io.open(path, DurableIO.Mode.CREATE_NEW);
        try {
            TableFile t = new TableFile(file, h, -1, false, maxChunkShift);
            t.ensureMapped(HeaderLayout.DATA_START);
            return t;
        } catch (IOException | RuntimeException e) {
            file.close();
            throw e;
        }
    }

    /**
     * Checks the shape of a new table as {@link #create(DurableIO, Path, int, int, int, int, long, int)} takes it, touching
     * no file: so an open can refuse options no table can have before it creates a directory or a lock file.
     *
     * @param keyWidth   bytes of a key slot
     * @param valueWidth bytes of a value slot, or of every value with {@link HeaderLayout#OUTLINE_VALUES}
     * @param flags      the header's format flags, as {@code create} takes them
     * @param alignShift log2 of the alignment unit
     * @return the table's piece shift ({@link TableGeometry#pieceShift})
     * @throws IllegalArgumentException if values kept out of line are too narrow or too wide, the alignment shift is out
     *     of range, or a bucket does not fit the alignment unit
     */
    public static int checkNewShape(int keyWidth, int valueWidth, int flags, int alignShift) {
        boolean outline = (flags & HeaderLayout.OUTLINE_VALUES) != 0;
        if (outline && (valueWidth <= VarSlotLayout.MIN_INLINE || valueWidth > BucketLayout.MAX_WIDTH)) {
            throw new IllegalArgumentException("values kept out of line must be " + (VarSlotLayout.MIN_INLINE + 1) + ".."
                    + BucketLayout.MAX_WIDTH + " bytes, got " + valueWidth);
        }
        int valueSlot = outline ? BlockNumberLayout.SIZE : valueWidth;
        int bucketSize = BucketLayout.of(keyWidth, valueSlot, true).size();
        if (alignShift < TableGeometry.MIN_ALIGN_SHIFT || alignShift > TableGeometry.MAX_ALIGN_SHIFT) {
            throw new IllegalArgumentException("alignment shift must be " + TableGeometry.MIN_ALIGN_SHIFT + ".."
                    + TableGeometry.MAX_ALIGN_SHIFT + ", got " + alignShift);
        }
        int pieceShift = TableGeometry.pieceShift(bucketSize, alignShift);
        if (pieceShift < 0) {
            throw new IllegalArgumentException("a bucket of " + bucketSize + " bytes (key width " + keyWidth
                    + ", value width " + valueWidth + ") does not fit the " + (1 << alignShift) + "-byte alignment unit");
        }
        return pieceShift;
    }

    /**
     * Opens an existing table file: reads both header slots and keeps the valid one with the highest generation.
     *
     * @param io the durable I/O that opens the file
     * @param path the table file
     * @param readOnly true to open the file read-only (for inspection), false to open it for writing
     * @param maxChunkShift log2 of the largest mapped chunk (see {@link ChunkedMapping})
     * @return the open table file, mapped up to the header's allocation end
     * @throws CorruptIndexException if the file is too short, neither slot holds a valid header, or a damaged slot
     *     claims a newer generation than the valid one and a checkpoint of that generation may have begun (a damaged
     *     older slot is ignored when the page checksum files show that none did)
     * @throws IOException if the file cannot be opened, read or mapped
     */
    public static TableFile open(DurableIO io, Path path, boolean readOnly, int maxChunkShift) throws IOException {
        return open(io, path, readOnly, false, maxChunkShift);
    }

    /**
     * Opens an existing table file for the index's writer, as {@link #open} does for writing, and first, if the file
     * was not closed cleanly, cuts off what lies past the installed header's allocation end. After a failed force
     * Linux marks the unforced changes clean: the size this boot shows past the allocation end (space a growth
     * allocated, pages of a checkpoint never installed) may never reach the disk, and a later force that succeeds
     * does not write it. Growth would then allocate nothing there (the file looks big enough) and a checkpoint would
     * name an allocation end the disk lacks after a power loss. All of it is free space, so growth allocates it again
     * and it reads as zeros. A cleanly closed file keeps its (punched) tail: its size was forced with no failure since,
     * and it opens on a full disk without allocating. A checkpoint also writes pages past the allocation end before it
     * installs its header (once, not double-written): a crash before the header leaves them there, and this cut is what
     * makes them free space again. The header slot it opens at is written again and forced ({@link HeaderSlots#rewrite}).
     * Read-only opens and a view's in-memory copy use {@link #open} (a view zeroes its copy's tail instead).
     *
     * @param io the durable I/O that opens the file
     * @param path the table file
     * @param maxChunkShift log2 of the largest mapped chunk (see {@link ChunkedMapping})
     * @return the open table file, mapped up to the header's allocation end
     * @throws CorruptIndexException as {@link #open} throws it
     * @throws IOException if the file cannot be opened, read, cut or mapped
     */
    public static TableFile openForWriter(DurableIO io, Path path, int maxChunkShift) throws IOException {
        return open(io, path, false, true, maxChunkShift);
    }

    private static TableFile open(DurableIO io, Path path, boolean readOnly, boolean cutUncleanTail, int maxChunkShift)
            throws IOException {
        DurableFile file = io.open(path, readOnly ? DurableIO.Mode.READ_ONLY : DurableIO.Mode.OPEN_EXISTING);
        try {
            long size = file.size();
            if (size < HeaderLayout.DATA_START) {
                throw new CorruptIndexException(path, size,
                        "a table file of at least " + HeaderLayout.DATA_START + " bytes (two header slots), found " + size + " bytes");
            }
            Header best = null;
            int bestSlot = -1;
            CorruptIndexException[] errors = new CorruptIndexException[2];
            long[] rawGenerations = new long[2];
            for (int slot = 0; slot < 2; slot++) {
                ByteBuffer buf = ByteBuffer.allocate(HeaderLayout.SLOT_SIZE);
                file.read(HeaderLayout.slotOffset(slot), buf);
                buf.flip();
                rawGenerations[slot] = buf.order(java.nio.ByteOrder.LITTLE_ENDIAN).getLong(HeaderLayout.GENERATION_OFFSET);
                try {
                    Header h = Header.decode(path, HeaderLayout.slotOffset(slot), buf, size);
                    if (best == null || h.generation > best.generation) {
                        best = h;
                        bestSlot = slot;
                    }
                } catch (CorruptIndexException e) {
                    errors[slot] = e;
                }
            }
            if (best == null) {
                // Report the slot that claims to be newest; the other's damage rides along.
                int newest = rawGenerations[1] > rawGenerations[0] ? 1 : 0;
                errors[newest].addSuppressed(errors[1 - newest]);
                throw errors[newest];
            }
            int other = 1 - bestSlot;
            if (errors[other] != null && rawGenerations[other] > best.generation
                    && HeaderSlots.newerCheckpointMayHaveBegun(io, path, best.generation)) {
                // The damaged slot claims to be newer and may be: if pages were written in place for it,
                // the older header no longer describes the file, and using it would be silent damage.
                // (Opening for writing finishes that checkpoint from the double-write file first; here it
                // could not.) If no newer checkpoint began, the damage is at rest in the older slot:
                // ignore it, the next checkpoint writes that slot anyway.
                throw errors[other];
            }
            if (cutUncleanTail && !best.cleanClose && size > best.fileEnd) {
                file.truncate(best.fileEnd); // before any chunk is mapped over it (see openForWriter)
            }
            if (cutUncleanTail) {
                HeaderSlots.rewrite(file, bestSlot);
            }
            TableFile t = new TableFile(file, best, bestSlot, readOnly, maxChunkShift);
            t.ensureMapped(best.fileEnd);
            return t;
        } catch (IOException | RuntimeException e) {
            file.close();
            throw e;
        }
    }

    /** {@return the table file} */
    public Path path() {
        return file.path();
    }

    /** {@return the live header (the writer mutates it)} */
    public Header header() {
        return header;
    }

    /** {@return the private mapping of the file} */
    public ChunkedMapping mapping() {
        return mapping;
    }

    /**
     * Makes every read of the table's pages as data check them first against {@code pages}; call once after open,
     * before the table is read (the table keeps the instance it found when it was opened).
     *
     * @param pages the pages to verify, built from the page checksums of the checkpoint this file was opened at
     */
    public void verifyPages(VerifiedPages pages) {
        this.pages = pages;
    }

    /** {@return the pages that reads check before they trust them ({@link VerifiedPages#NONE} unless set)} */
    public VerifiedPages pages() {
        return pages;
    }

    /** {@return the pages changed since the last checkpoint} */
    public DirtyPages dirty() {
        return dirty;
    }

    /** {@return the allocator of the file's space} */
    public ExtentAllocator allocator() {
        return allocator;
    }

    /** {@return the value heap of a variable-length table (present, unused, in fixed-width ones)} */
    public ValueHeap heap() {
        return heap;
    }

    /** {@return whether the file was opened read-only} */
    public boolean readOnly() {
        return readOnly;
    }

    /** {@return the slot holding the newest header on disk (0 = A, 1 = B), or -1 if none was written yet} */
    public int activeSlot() {
        return activeSlot;
    }

    /**
     * The file's size on disk (including preallocated space past the allocation end).
     *
     * @return the size in bytes
     * @throws IOException if the size cannot be read
     */
    public long fileSize() throws IOException {
        return file.size();
    }

    /**
     * Maps (and allocates) the file up to {@code end}. Any thread (see {@link ChunkedMapping#ensureMapped}): space mapped
     * beyond the header's allocation end is free space, as the rest of a chunk always was.
     *
     * @param end the file offset that must be mapped up to (exclusive)
     * @throws IOException if the file cannot be allocated or mapped
     */
    public void ensureMapped(long end) throws IOException {
        mapping.ensureMapped(end);
    }

    /**
     * Marks {@code [off, off + len)} dirty; call before changing those bytes. A page not yet verified since open is
     * checked first ({@link VerifiedPages#claim}): its other bytes stay, so they must be sound.
     *
     * @param off the first file offset to be changed
     * @param len the number of bytes to be changed
     * @throws java.io.UncheckedIOException wrapping a {@link CorruptIndexException} if such a page is damaged
     */
    public void markDirty(long off, long len) {
        pages.claim(off, len);
        dirty.mark(off, len);
    }

    /**
     * Reads the long at {@code off}, after checking its page ({@link VerifiedPages#check}).
     *
     * @param off a file offset inside the mapping
     * @return the little-endian long there
     * @throws java.io.UncheckedIOException wrapping a {@link CorruptIndexException} if the page is damaged
     */
    public long getLong(long off) {
        pages.check(off, 8);
        return mapping.segment(off).get(Layouts.LONG, mapping.local(off));
    }

    /**
     * Reads the int at {@code off}, after checking its page ({@link VerifiedPages#check}).
     *
     * @param off a file offset inside the mapping
     * @return the little-endian int there
     * @throws java.io.UncheckedIOException wrapping a {@link CorruptIndexException} if the page is damaged
     */
    public int getInt(long off) {
        pages.check(off, 4);
        return mapping.segment(off).get(Layouts.INT, mapping.local(off));
    }

    /**
     * Marks the 8 bytes at {@code off} dirty, then writes {@code value} there, little-endian.
     *
     * @param off   a file offset inside the mapping
     * @param value the value
     */
    public void putLong(long off, long value) {
        markDirty(off, 8);
        mapping.segment(off).set(Layouts.LONG, mapping.local(off), value);
    }

    /**
     * Marks the 4 bytes at {@code off} dirty, then writes {@code value} there, little-endian.
     *
     * @param off   a file offset inside the mapping
     * @param value the value
     */
    public void putInt(long off, int value) {
        markDirty(off, 4);
        mapping.segment(off).set(Layouts.INT, mapping.local(off), value);
    }

    /**
     * Sets {@code [off, off + len)} to zero, chunk by chunk, marking it dirty. Allocates nothing
     * (evacuation and the allocator call it on the writer's hot path).
     *
     * @param off the first file offset to clear, inside the mapping
     * @param len the number of bytes to clear
     */
    public void zero(long off, long len) {
        markDirty(off, len);
        MappedChunks.zero(mapping, off, len);
    }

    /**
     * Copies {@code len} bytes from {@code src[srcOff..]} to {@code [off, off + len)} of the mapping, chunk by chunk,
     * marking them dirty.
     *
     * @param off the first file offset to write, inside the mapping
     * @param src the bytes to copy
     * @param srcOff the offset in {@code src} of the first byte to copy
     * @param len the number of bytes to copy
     */
    public void copyIn(long off, MemorySegment src, long srcOff, long len) {
        markDirty(off, len);
        MappedChunks.copyIn(mapping, src, srcOff, off, len);
    }

    /**
     * Writes {@code bytes} at {@code off} of the file (checkpoints write pages in place with it).
     *
     * @param off the file offset to write at
     * @param bytes the bytes from position to limit; the buffer's position advances
     * @throws IOException if the write fails
     */
    public void writeRaw(long off, ByteBuffer bytes) throws IOException {
        file.write(off, bytes);
    }

    /**
     * Reads {@code dst.remaining()} bytes at {@code off} of the file (not the mapping, which may hold changes not yet
     * checkpointed).
     *
     * @param off the file offset to read from
     * @param dst the buffer to fill from position to limit
     * @throws IOException if the read fails or the file ends first
     */
    public void readRaw(long off, ByteBuffer dst) throws IOException {
        file.read(off, dst);
    }

    /**
     * {@return whether {@link #punchHole} may work here (see {@link DurableFile#canPunchHoles})}
     */
    public boolean canPunchHoles() {
        return !readOnly && file.canPunchHoles();
    }

    /**
     * Frees the blocks of {@code [off, off + len)} of the file (checkpoints give free space back with it); the range
     * reads as zeros afterwards, through the private mapping too, wherever the writer has not copied a page.
     *
     * @param off the first file offset, page-aligned
     * @param len the bytes, a multiple of the page size
     * @return false if the file system cannot punch holes (nothing changed)
     * @throws IOException if punching fails
     */
    public boolean punchHole(long off, long len) throws IOException {
        return file.punchHole(off, len);
    }

    /**
     * Starts the write-back of {@code [off, off + len)} of the file without waiting: a hint for the force that follows
     * ({@link io.bucketdb.spi.DurableFile#startWriteback}); nothing is durable until {@link #forceFile}.
     *
     * @param off the first file offset
     * @param len the bytes
     */
    public void startWriteback(long off, long len) {
        if (!readOnly) {
            file.startWriteback(off, len);
        }
    }

    /**
     * Forces the table file.
     *
     * @throws IOException if the force fails
     */
    public void forceFile() throws IOException {
        file.force();
    }

    /**
     * Writes {@code image}, a header encoding, into header slot {@code slot} and forces. Checkpoint thread; follow with
     * {@link #headerInstalled} in the writer role.
     *
     * @param slot 0 for slot A, 1 for slot B
     * @param image a header from {@link Header#encode()}; its position is not changed
     * @throws IOException if the write or the force fails
     */
    public void writeHeaderSlot(int slot, ByteBuffer image) throws IOException {
        file.write(HeaderLayout.slotOffset(slot), image.duplicate());
        file.force();
    }

    /**
     * Writer role, after {@link #writeHeaderSlot}: makes {@code installed}'s generation, checkpoint LSN and clean
     * flag the live header's, and its slot the active one.
     *
     * @param installed the header that was written
     * @param slot the slot it was written to (0 = A, 1 = B)
     */
    public void headerInstalled(Header installed, int slot) {
        header.generation = installed.generation;
        header.checkpointLsn = installed.checkpointLsn;
        header.cleanClose = installed.cleanClose;
        activeSlot = slot;
        installedFileEnd = installed.fileEnd;
    }

    /**
     * {@return the allocation end of the header in force on disk: the one this file was opened at, or the last one
     * {@link #headerInstalled}} Past it the installed checkpoint image holds nothing, and an open for writing after a
     * crash cuts the file there ({@link #openForWriter}), which a checkpoint relies on to write such pages only once.
     */
    public long installedFileEnd() {
        return installedFileEnd;
    }

    /**
     * Unmaps, frees the blocks of a writable file past its allocation end (returning preallocated space a
     * closed index does not need: a punched hole where the platform can, else a shrink) and closes it. Call
     * after the closing checkpoint; it happens only after the mapping is gone.
     *
     * @throws IOException if unmapping, punching, truncating, forcing or closing the file fails
     */
    public void closeAndTrim() throws IOException {
        try {
            mapping.close();
            long size = file.size();
            if (!readOnly && size > header.fileEnd) {
                // Punched, not cut, where the platform can: the file keeps the size of its mapped chunks, so the
                // next open maps them without allocating (a cleanly closed index opens on a full disk), and the
                // free tail takes no blocks. The hole reads as zeros through the private mapping.
                if (!file.punchHole(header.fileEnd, size - header.fileEnd)) {
                    file.truncate(header.fileEnd);
                }
                file.force();
            }
        } finally {
            file.close();
        }
    }

    @Override
    public void close() throws IOException {
        try {
            mapping.close();
        } finally {
            file.close();
        }
    }
}
