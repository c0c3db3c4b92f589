package io.bucketdb.storage;

import io.bucketdb.spi.AppendWindow;
import io.bucketdb.spi.DurableFile;

import java.io.EOFException;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.util.Map;
import java.util.TreeMap;

/**
 * A table file's bytes held in memory: a read-only view copies the table file once, at a moment no
 * checkpoint writes it, and from then on its replay and its growth change only this copy. The writer
 * may meanwhile write the real file in place; the copy never sees it, so a view never mixes two moments
 * of the writer (docs/DESIGN.md, "Threads").
 *
 * <p>The bytes live in disjoint ranges, each backed by its own memory: the copy itself, and one range per
 * {@link #map mapping} or write beyond what is covered. A mapping hands out the range's memory itself, so
 * positional reads and writes and every mapping of the same bytes agree (as a private mapping and the
 * process's own writes would). Mappings never overlap each other: {@link ChunkedMapping} maps disjoint
 * chunks, each once. Bytes no range covers read as zeros, as a file's allocated but unwritten space does.
 *
 * <p>The memory belongs to an automatic arena: it is freed when neither this object nor any segment
 * handed out is reachable, so readers still holding a replaced view's segments stay safe. {@link #close}
 * therefore frees nothing. Positional reads and writes, mapping and size changes are for one thread at a
 * time (the view's builder or refresher); the mapped memory may be read from any thread.
 */
public final class InMemoryFile implements DurableFile {
    private final Path path;
    private final Arena arena = Arena.ofAuto();
    /** Disjoint ranges by start offset: each holds its bytes from its key up to its key plus its size. */
    private final TreeMap<Long, MemorySegment> ranges = new TreeMap<>();
    /** The file's size as copied, or as far as writes reached: what stats of a view report as the table file's. */
    private long size;
    /** How far mappings may reach: {@link #allocate} makes room without changing {@link #size}. */
    private long allocated;

    private InMemoryFile(Path path) {
        this.path = path;
    }

    /**
     * Copies all of {@code source} into memory.
     *
     * @param source the file to copy (read through its own positional reads)
     * @return the copy, named as the source, of the source's size
     * @throws IOException if reading the source fails
     */
    public static InMemoryFile copyOf(DurableFile source) throws IOException {
        InMemoryFile copy = new InMemoryFile(source.path());
        long n = source.size();
        if (n > 0) {
            MemorySegment all = copy.arena.allocate(n, ExtentClasses.PAGE_SIZE);
            long chunk = 1 << 20;
            for (long at = 0; at < n; at += chunk) {
                ByteBuffer dst = all.asSlice(at, Math.min(chunk, n - at)).asByteBuffer();
                source.read(at, dst);
            }
            copy.ranges.put(0L, all);
        }
        copy.size = n;
        copy.allocated = n;
        return copy;
    }

    @Override
    public Path path() {
        return path;
    }

    @Override
    public long size() {
        return size;
    }

    @Override
    public void read(long position, ByteBuffer dst) throws IOException {
        if (position < 0 || position + dst.remaining() > size) {
            throw new EOFException(path + " (in memory): holds " + size + " bytes, needed " + dst.remaining()
                    + " bytes at offset " + position);
        }
        long at = position;
        while (dst.hasRemaining()) {
            Map.Entry<Long, MemorySegment> r = ranges.floorEntry(at);
            long rangeEnd = r == null ? 0 : r.getKey() + r.getValue().byteSize();
            int n;
            if (r != null && at < rangeEnd) {
                n = (int) Math.min(dst.remaining(), rangeEnd - at);
                MemorySegment.ofBuffer(dst).asSlice(0, n).copyFrom(r.getValue().asSlice(at - r.getKey(), n));
            } else {
                Long next = ranges.higherKey(at);
                n = (int) Math.min(dst.remaining(), (next == null ? Long.MAX_VALUE : next) - at);
                MemorySegment.ofBuffer(dst).asSlice(0, n).fill((byte) 0);
            }
            dst.position(dst.position() + n);
            at += n;
        }
    }

    @Override
    public void write(long position, ByteBuffer src) throws IOException {
        if (position < 0) {
            throw new IOException(path + " (in memory): write at negative offset " + position);
        }
        MemorySegment bytes = MemorySegment.ofBuffer(src);
        long n = bytes.byteSize();
        long at = position;
        for (long done = 0; done < n; ) {
            // Into the ranges that hold the bytes (mappings of them must see the write); a gap gets a range of its own.
            Map.Entry<Long, MemorySegment> r = ranges.floorEntry(at);
            long rangeEnd = r == null ? 0 : r.getKey() + r.getValue().byteSize();
            long len;
            MemorySegment into;
            if (r != null && at < rangeEnd) {
                len = Math.min(n - done, rangeEnd - at);
                into = r.getValue().asSlice(at - r.getKey(), len);
            } else {
                Long next = ranges.higherKey(at);
                len = Math.min(n - done, (next == null ? Long.MAX_VALUE : next) - at);
                into = arena.allocate(len);
                ranges.put(at, into);
            }
            into.copyFrom(bytes.asSlice(done, len));
            done += len;
            at += len;
        }
        src.position(src.limit());
        size = Math.max(size, position + n);
        allocated = Math.max(allocated, size);
    }

    /** The memory of {@code [position, position + length)} for a mapping: one range, made so if several or none hold it. */
    private MemorySegment cover(long position, long length) {
        Map.Entry<Long, MemorySegment> r = ranges.floorEntry(position);
        if (r != null && position + length <= r.getKey() + r.getValue().byteSize()) {
            return r.getValue().asSlice(position - r.getKey(), length);
        }
        return newRange(position, length);
    }

    /**
     * Makes {@code [position, position + length)} one range of its own, holding what the file holds there now;
     * ranges it overlaps give up the overlapped part (nobody holds their memory for it: mappings never overlap).
     */
    private MemorySegment newRange(long position, long length) {
        MemorySegment fresh = arena.allocate(length, ExtentClasses.PAGE_SIZE);
        long end = position + length;
        Long from = ranges.floorKey(position);
        for (Map.Entry<Long, MemorySegment> e : new TreeMap<>(ranges.subMap(from == null ? position : from, true, end, false)).entrySet()) {
            long start = e.getKey();
            MemorySegment seg = e.getValue();
            long segEnd = start + seg.byteSize();
            long lo = Math.max(start, position);
            long hi = Math.min(segEnd, end);
            if (lo >= hi) {
                continue;
            }
            fresh.asSlice(lo - position, hi - lo).copyFrom(seg.asSlice(lo - start, hi - lo));
            ranges.remove(start);
            if (start < position) {
                ranges.put(start, seg.asSlice(0, position - start));
            }
            if (segEnd > end) {
                ranges.put(end, seg.asSlice(end - start, segEnd - end));
            }
        }
        ranges.put(position, fresh);
        return fresh;
    }

    /** Memory is not durable; a view never forces. */
    @Override
    public void force() {
    }

    /**
     * Makes room for mappings up to {@code newSize}; the bytes read as zeros. Unlike a file's, the size stays: a
     * mapped chunk's unused tail is no part of the writer's table file, and a view's stats must not count it.
     */
    @Override
    public void allocate(long newSize) {
        allocated = Math.max(allocated, newSize);
    }

    /** A view never shrinks its table (only a writer's clean close trims the real file). */
    @Override
    public void truncate(long newSize) throws IOException {
        if (newSize < size) {
            throw new IOException(path + " (in memory): a read-only view's copy of the table is never truncated");
        }
    }

    /**
     * The memory of {@code [position, position + size)} itself (any mode: nothing reaches a file). The arena
     * is not used: the memory stays with this file's automatic arena, see the class comment.
     */
    @Override
    public MemorySegment map(FileChannel.MapMode mode, long position, long size, Arena unused) throws IOException {
        if (mode == FileChannel.MapMode.READ_WRITE) {
            throw new IllegalArgumentException("no shared writable mappings of " + path);
        }
        if (position + size > allocated) {
            throw new IOException(path + " (in memory): mapping [" + position + ", " + (position + size) + ") beyond the "
                    + allocated + " bytes allocated");
        }
        return cover(position, size);
    }

    /**
     * Not supported: this is a read-only view's copy of a table file, which is never appended through a mapping
     * (only journal segments are).
     */
    @Override
    public AppendWindow mapAppendWindow(long position, long size) {
        throw new UnsupportedOperationException(path + ": an in-memory table copy has no append window");
    }

    /** Frees nothing: the memory goes with the last reference to it (see the class comment). */
    @Override
    public void close() {
    }
}
