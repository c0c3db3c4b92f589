package io.bucketdb.storage;

import io.bucketdb.spi.CorruptIndexException;
import io.bucketdb.spi.DurableFile;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.channels.FileChannel;

/**
 * Maps the table file in chunks that are never remapped once mapped, so a file can grow far past
 * 2 GiB while readers keep using the segments they hold.
 *
 * <p>Chunk sizes double, then stay at the largest size: chunk 0 is {@code [0, base)}, chunk
 * {@code k >= 1} is {@code [base << (k-1), base << k)} until a chunk reaches {@code 2^maxShift}
 * bytes, and every later chunk has that size. A small index therefore wastes at most half its
 * allocated space (returned at a clean close, which truncates the file), and a large one at most
 * one chunk. {@code base = 2^alignShift}, so every chunk boundary is a multiple of the alignment
 * unit and an extent that does not straddle the alignment unit never straddles a chunk.
 *
 * <p>A chunk is mapped only after {@link DurableFile#allocate} has allocated all of it, so touching
 * mapped memory can never raise SIGBUS on a full disk (docs/DESIGN.md, "The table is mapped private").
 *
 * <p>Ownership: this object owns one shared {@link Arena} holding every chunk; {@link #close()}
 * closes it. Segments handed out are views and never close it. Readers on other threads hold the
 * array from {@link #chunks()} (a volatile read) and must stop using it once the mapping is closed.
 */
public final class ChunkedMapping implements AutoCloseable {
    private final DurableFile file;
    private final FileChannel.MapMode mode;
    private final ReadAheadAdvisor advisor;
    private final Arena arena = Arena.ofShared();
    private final int baseShift;
    private final int maxShift;
    /** Index of the first chunk of the largest size. */
    private final int firstMaxChunk;
    private final long maxChunkStart;
    private volatile MemorySegment[] chunks = new MemorySegment[0];
    /** Volatile: the writer's fast path reads it while the table's background thread may map ahead (issue 16). */
    private volatile long mappedEnd;

    /**
     * Maps nothing yet; {@link #ensureMapped} maps chunks as the file grows.
     *
     * @param file      the file to map
     * @param mode      {@code PRIVATE} for the table (copy-on-write), {@code READ_ONLY} for inspection
     * @param baseShift log2 of the first chunk's size (the header's alignment shift)
     * @param maxShift  log2 of the largest chunk (at least {@code baseShift})
     */
    public ChunkedMapping(DurableFile file, FileChannel.MapMode mode, int baseShift, int maxShift) {
        this(file, mode, baseShift, maxShift, ReadAheadAdvisor.NATIVE);
    }

    /**
     * As {@link #ChunkedMapping(DurableFile, FileChannel.MapMode, int, int)}, with the hints of
     * {@link #adviseReadAhead} going to {@code advisor}.
     *
     * @param file      the file to map
     * @param mode      {@code PRIVATE} for the table (copy-on-write), {@code READ_ONLY} for inspection
     * @param baseShift log2 of the first chunk's size (the header's alignment shift)
     * @param maxShift  log2 of the largest chunk (at least {@code baseShift})
     * @param advisor where read-ahead hints go ({@link ReadAheadAdvisor#NATIVE} outside tests)
     */
    public ChunkedMapping(DurableFile file, FileChannel.MapMode mode, int baseShift, int maxShift,
                          ReadAheadAdvisor advisor) {
        this.advisor = advisor;
        if (maxShift < baseShift) {
            throw new IllegalArgumentException("max chunk shift " + maxShift + " < base shift " + baseShift);
        }
        this.file = file;
        this.mode = mode;
        this.baseShift = baseShift;
        this.maxShift = maxShift;
        this.firstMaxChunk = maxShift - baseShift + 1;
        this.maxChunkStart = 1L << maxShift;
    }

    /**
     * {@return the index of the chunk holding file offset {@code off}}
     *
     * @param off a file offset, at least 0
     */
    public int chunkIndex(long off) {
        return off < maxChunkStart
                ? 64 - Long.numberOfLeadingZeros(off >>> baseShift)
                : (int) (off >>> maxShift) + firstMaxChunk - 1;
    }

    /**
     * {@return the file offset where chunk {@code index} starts}
     *
     * @param index a chunk index, at least 0
     */
    public long chunkStart(int index) {
        // Without a branch on chunk 0 (issue 16): the writer's put inlines this, and a branch whose profile had seen only
        // chunk 0 trapped (unstable_if) as soon as the table left it, sending the replay back to C1 while C2 recompiled
        // the put. (base << index) / 2 is chunk index's start for 1 <= index < firstMaxChunk and base / 2 for chunk 0,
        // which the mask clears (every other start is a multiple of base). Past firstMaxChunk the chunks are of the
        // largest size: select that start by a mask too, so no branch flips when a table first passes 2^maxShift bytes.
        long doubling = (1L << (baseShift + index)) >>> 1 & ~(1L << baseShift >>> 1);
        long fixed = (long) (index - firstMaxChunk + 1) << maxShift;
        long small = (index - firstMaxChunk) >> 31; // all ones below firstMaxChunk
        return doubling & small | fixed & ~small;
    }

    /**
     * {@return the size in bytes of chunk {@code index} when fully mapped}
     *
     * @param index a chunk index, at least 0
     */
    public long chunkSize(int index) {
        if (index == 0) {
            return 1L << baseShift;
        }
        return index < firstMaxChunk ? 1L << (baseShift + index - 1) : 1L << maxShift;
    }

    /** {@return the mapped chunks, by index; a volatile read, so a reader sees every chunk mapped before it} */
    public MemorySegment[] chunks() {
        return chunks;
    }

    /**
     * {@return the segment holding file offset {@code off}}
     *
     * @param off a mapped file offset
     */
    public MemorySegment segment(long off) {
        return chunks[chunkIndex(off)];
    }

    /**
     * {@return {@code off} relative to the start of its chunk}
     *
     * @param off a file offset
     */
    public long local(long off) {
        return off - chunkStart(chunkIndex(off));
    }

    /** {@return the bytes mapped from the start of the file} */
    public long mappedEnd() {
        return mappedEnd;
    }

    /**
     * Maps whole chunks until {@code end} is covered, allocating each in the file first. Read-only mappings map no
     * further than the file's size (the last chunk may then be partial; it is never extended because a read-only file
     * does not grow).
     *
     * <p>Thread-safe: the writer maps what it allocates, and the table's background thread maps ahead the space the next
     * doubling will take, so the doubling finds it mapped (issue 16); mapping is serialized, and the fast path (already
     * mapped) takes no lock.
     *
     * @param end the file offset that must be mapped up to (exclusive)
     * @return true if new chunks were mapped by this call
     * @throws CorruptIndexException if a read-only file is shorter than {@code end}
     * @throws IOException if allocating or mapping fails
     */
    public boolean ensureMapped(long end) throws IOException {
        if (end <= mappedEnd) {
            return false;
        }
        synchronized (this) {
            return mapTo(end);
        }
    }

    private boolean mapTo(long end) throws IOException {
        if (end <= mappedEnd) {
            return false;
        }
        MemorySegment[] next = chunks;
        while (mappedEnd < end) {
            int index = next.length;
            long start = chunkStart(index);
            long size = chunkSize(index);
            if (mode == FileChannel.MapMode.READ_ONLY) {
                size = Math.min(size, file.size() - start);
                if (size <= 0) {
                    throw new CorruptIndexException(file.path(), file.size(), "file of at least " + end + " bytes");
                }
            } else {
                file.allocate(start + size);
            }
            MemorySegment segment = file.map(mode, start, size, arena);
            next = java.util.Arrays.copyOf(next, index + 1);
            next[index] = segment;
            // Chunks first, then the end: a thread that sees the new end (the writer's fast path) finds its chunk.
            chunks = next;
            mappedEnd = start + size;
            if (size < chunkSize(index)) {
                break;
            }
        }
        return true;
    }

    /**
     * Advises the read-ahead of the mapped pages of {@code [off, off + len)}, chunk by chunk (issue 16): off
     * ({@code MADV_RANDOM}) over space never written, whose first touch would otherwise read {@code read_ahead_kb} of
     * zeros in the faulting thread; on again ({@code MADV_NORMAL}) once those pages hold data that gets may fault back
     * in. A hint: no byte changes, a refused hint is ignored, and the part of the range not mapped is skipped.
     *
     * @param off       a page-aligned file offset
     * @param len       the bytes, at least 0 (the last page is advised whole)
     * @param readAhead {@code true} to restore the default read-ahead, {@code false} to turn it off
     * @return the chunk slices whose advice was taken
     */
    public int adviseReadAhead(long off, long len, boolean readAhead) {
        MemorySegment[] mapped = chunks;
        int taken = 0;
        while (len > 0) {
            int index = chunkIndex(off);
            if (index >= mapped.length) {
                break;
            }
            long local = off - chunkStart(index);
            MemorySegment seg = mapped[index];
            long n = Math.min(len, seg.byteSize() - local);
            if (n <= 0) {
                break;
            }
            if (advisor.advise(seg.asSlice(local, n), readAhead)) {
                taken++;
            }
            off += n;
            len -= n;
        }
        return taken;
    }

    /** {@return whether this mapping may be written (private, copy-on-write)} */
    public boolean writable() {
        return mode == FileChannel.MapMode.PRIVATE;
    }

    @Override
    public void close() {
        chunks = new MemorySegment[0];
        arena.close();
    }
}
