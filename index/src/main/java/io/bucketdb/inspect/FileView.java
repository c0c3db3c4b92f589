package io.bucketdb.inspect;

import io.bucketdb.hash.KeyHash;
import io.bucketdb.storage.ChunkedMapping;
import io.bucketdb.storage.Header;
import io.bucketdb.storage.Layouts;
import io.bucketdb.storage.MappedChunks;
import io.bucketdb.storage.VerifiedPages;
import io.bucketdb.table.PieceDirectory;

import java.lang.foreign.MemorySegment;

/**
 * Bounds-checked reads of a read-only table mapping, limited to {@code [0, end)}. The table reads
 * its mapping directly because it trusts what it wrote; the inspector reads files it does not
 * trust, so every offset it follows is first tested with {@link #contains} and every read here
 * also works when a (corrupt) reference straddles a mapped chunk. A view built with page checks
 * also checks each page against its checkpoint's CRC32C before its first read ({@link VerifiedPages}),
 * so what the tools read as entries never comes from a damaged page; {@code verify}'s view does not,
 * because it reports such pages itself and must go on reading past them.
 */
final class FileView {
    private final ChunkedMapping mapping;
    private final long end;
    private final VerifiedPages pages;

    FileView(ChunkedMapping mapping, long end, VerifiedPages pages) {
        this.mapping = mapping;
        this.end = Math.min(end, mapping.mappedEnd());
        this.pages = pages;
    }

    /** The same range without page checks (for {@code verify}). */
    FileView unchecked() {
        return new FileView(mapping, end, VerifiedPages.NONE);
    }

    /**
     * The piece offsets of the directory at {@code dirOff}, read through this view's mapping and page
     * checks by the table's own reader ({@link PieceDirectory}); what is wrong goes to {@code findings}.
     */
    <X extends Exception> long[] readDirectory(Header h, int bucketSize, long dirOff, int b, String what,
                                               PieceDirectory.Findings<X> findings) throws X {
        return PieceDirectory.read(mapping, pages, h, bucketSize, dirOff, b, what, findings);
    }

    /** The mapping this view reads. */
    ChunkedMapping mapping() {
        return mapping;
    }

    /** The pages this view checks before it reads them ({@link VerifiedPages#NONE} for none). */
    VerifiedPages pages() {
        return pages;
    }

    /** The end of the readable range (the header's allocation end). */
    long end() {
        return end;
    }

    /** Whether {@code [off, off + len)} lies inside the readable range. */
    boolean contains(long off, long len) {
        return off >= 0 && len >= 0 && off <= end - len;
    }

    int getByte(long off) {
        check(off, 1);
        return mapping.segment(off).get(Layouts.BYTE, mapping.local(off)) & 0xFF;
    }

    int getInt(long off) {
        check(off, 4);
        MemorySegment seg = mapping.segment(off);
        long local = mapping.local(off);
        if (local + 4 <= seg.byteSize()) {
            return seg.get(Layouts.INT, local);
        }
        return (int) assemble(off, 4);
    }

    long getLong(long off) {
        check(off, 8);
        MemorySegment seg = mapping.segment(off);
        long local = mapping.local(off);
        if (local + 8 <= seg.byteSize()) {
            return seg.get(Layouts.LONG, local);
        }
        return assemble(off, 8);
    }

    /** Copies {@code len} bytes at {@code off} into a new array. */
    byte[] bytes(long off, int len) {
        check(off, len);
        byte[] out = new byte[len];
        MappedChunks.copyOut(mapping, mapping.chunks(), VerifiedPages.NONE, off, MemorySegment.ofArray(out), 0, len);
        return out;
    }

    /** Whether the {@code len} bytes at {@code off} are all zero. */
    boolean isZero(long off, long len) {
        check(off, len);
        long done = 0;
        while (done < len) {
            MemorySegment seg = mapping.segment(off + done);
            long local = mapping.local(off + done);
            long n = Math.min(len - done, seg.byteSize() - local);
            long i = 0;
            for (; i + 8 <= n; i += 8) {
                if (seg.get(Layouts.LONG, local + i) != 0) {
                    return false;
                }
            }
            for (; i < n; i++) {
                if (seg.get(Layouts.BYTE, local + i) != 0) {
                    return false;
                }
            }
            done += n;
        }
        return true;
    }

    /** The CRC32C of the {@code len} bytes at {@code off}. */
    int crc32c(long off, long len) {
        check(off, len);
        java.util.zip.CRC32C crc = new java.util.zip.CRC32C();
        long done = 0;
        while (done < len) {
            MemorySegment seg = mapping.segment(off + done);
            long local = mapping.local(off + done);
            long n = Math.min(len - done, seg.byteSize() - local);
            crc.update(seg.asSlice(local, n).asByteBuffer());
            done += n;
        }
        return (int) crc.getValue();
    }

    /**
     * The table's hash of the {@code width}-byte key at {@code off}. Eight-byte keys go through
     * {@link KeyHash#hashLong}, which equals hashing their little-endian bytes.
     */
    long hashKey(long off, int width, KeyHash hash) {
        if (width == 8) {
            return hash.hashLong(getLong(off));
        }
        check(off, width);
        MemorySegment seg = mapping.segment(off);
        long local = mapping.local(off);
        if (local + width <= seg.byteSize()) {
            return hash.hash(seg, local, width);
        }
        return hash.hash(bytes(off, width), 0, width);
    }

    /** Whether the {@code len} bytes at {@code a} equal those at {@code b}. */
    boolean equalBytes(long a, long b, int len) {
        if (len == 8) {
            return getLong(a) == getLong(b);
        }
        return java.util.Arrays.equals(bytes(a, len), bytes(b, len));
    }

    private long assemble(long off, int len) {
        long v = 0;
        for (int i = len - 1; i >= 0; i--) {
            v = (v << 8) | getByte(off + i);
        }
        return v;
    }

    private void check(long off, long len) {
        if (!contains(off, len)) {
            throw new IndexOutOfBoundsException("read of " + len + " bytes at " + off + " outside [0, " + end + ")");
        }
        if (len > 0) {
            pages.check(off, len);
        }
    }
}
