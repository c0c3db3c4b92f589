package io.bucketdb.storage;

import java.lang.foreign.MemorySegment;

/**
 * Every copy of a file range that may cross a chunk boundary of a {@link ChunkedMapping}, in one place (as Lucene's
 * {@code MemorySegmentIndexInput} keeps every chunk-boundary case in one class): the table's heap fields, the
 * inspector's reads and the table file's writes all copy through here, chunk by chunk, so a boundary case is fixed
 * once. A range inside one chunk takes one pass of the loop.
 *
 * <p>Readers pass the chunk array they took (a snapshot of {@link ChunkedMapping#chunks()}, for instance the one the
 * table's published geometry holds), so a copy never sees chunks mapped after that snapshot; writers copy into the
 * mapping's current chunks. Nothing here allocates.
 */
public final class MappedChunks {
    private MappedChunks() {
    }

    /**
     * Copies the {@code len} bytes at file offset {@code off} from {@code chunks} to {@code dst[dstOff..]}, checking
     * each chunk's part of the range with {@code pages} ({@link VerifiedPages#check}) before it is read. A range that
     * leaves {@code chunks} (a torn or damaged reference: the caller does not trust {@code off} or {@code len}) is not
     * read beyond the last mapped byte.
     *
     * @param mapping the mapping whose chunk arithmetic {@code chunks} follows
     * @param chunks  the mapped chunks to read, a snapshot of {@code mapping.chunks()}
     * @param pages   the page checks to apply ({@link VerifiedPages#NONE} for none)
     * @param off     the file offset of the first byte
     * @param dst     where the bytes go
     * @param dstOff  the offset in {@code dst} of the first byte
     * @param len     the number of bytes, at least 0
     * @return true if all {@code len} bytes were copied; false if the range leaves {@code chunks} (the bytes before
     *     that point may have been copied)
     * @throws java.io.UncheckedIOException wrapping a {@link io.bucketdb.spi.CorruptIndexException} if {@code pages} finds a damaged page
     */
    public static boolean copyOut(ChunkedMapping mapping, MemorySegment[] chunks, VerifiedPages pages, long off,
                                  MemorySegment dst, long dstOff, long len) {
        while (len > 0) {
            // A damaged offset far beyond the file makes chunkIndex overflow to a negative index.
            int c = off < 0 ? -1 : mapping.chunkIndex(off);
            if (c < 0 || c >= chunks.length) {
                return false;
            }
            long local = off - mapping.chunkStart(c);
            long n = Math.min(len, chunks[c].byteSize() - local);
            if (n <= 0) {
                return false; // past the end of a partly mapped last chunk (a read-only mapping)
            }
            pages.check(off, n);
            MemorySegment.copy(chunks[c], local, dst, dstOff, n);
            off += n;
            dstOff += n;
            len -= n;
        }
        return true;
    }

    /**
     * Copies {@code len} bytes from {@code src[srcOff..]} into the mapping at file offset {@code off}, chunk by chunk.
     * The caller has checked the range and marked it dirty ({@link TableFile#copyIn} does both).
     *
     * @param mapping the mapping to write, a writable one whose chunks cover the range
     * @param src     the bytes to copy
     * @param srcOff  the offset in {@code src} of the first byte
     * @param off     the file offset of the first byte to write
     * @param len     the number of bytes, at least 0
     */
    public static void copyIn(ChunkedMapping mapping, MemorySegment src, long srcOff, long off, long len) {
        MemorySegment[] chunks = mapping.chunks();
        while (len > 0) {
            int index = mapping.chunkIndex(off);
            long local = off - mapping.chunkStart(index);
            MemorySegment seg = chunks[index];
            long n = Math.min(len, seg.byteSize() - local);
            MemorySegment.copy(src, srcOff, seg, local, n);
            off += n;
            srcOff += n;
            len -= n;
        }
    }

    /**
     * Sets {@code len} bytes of the mapping at file offset {@code off} to zero, chunk by chunk. The caller has checked
     * the range and marked it dirty ({@link TableFile#zero} does both).
     *
     * @param mapping the mapping to write, a writable one whose chunks cover the range
     * @param off     the file offset of the first byte to clear
     * @param len     the number of bytes, at least 0
     */
    public static void zero(ChunkedMapping mapping, long off, long len) {
        MemorySegment[] chunks = mapping.chunks();
        while (len > 0) {
            int index = mapping.chunkIndex(off);
            long local = off - mapping.chunkStart(index);
            MemorySegment seg = chunks[index];
            long n = Math.min(len, seg.byteSize() - local);
            Zeroes.fill(seg, local, n);
            off += n;
            len -= n;
        }
    }
}
