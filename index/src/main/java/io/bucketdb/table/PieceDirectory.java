package io.bucketdb.table;

import io.bucketdb.storage.ChunkedMapping;
import io.bucketdb.spi.CorruptIndexException;
import io.bucketdb.storage.PieceDirectoryLayout;
import io.bucketdb.storage.ExtentClasses;
import io.bucketdb.storage.Header;
import io.bucketdb.storage.HeaderLayout;
import io.bucketdb.storage.Layouts;
import io.bucketdb.storage.VerifiedPages;

import java.nio.file.Path;

/**
 * The one reader of a piece directory ({@link PieceDirectoryLayout}): the table reads its arrays through
 * it on open, the inspector and the verifier through it too, so the three cannot disagree on what a
 * readable directory is. It checks what every reader relies on: the directory is a page-aligned
 * extent inside the allocated file, its magic, its piece count for B, and each piece is a
 * page-aligned extent inside the file that does not straddle an alignment unit (so it lies in one
 * mapped chunk, which {@link ArraySnapshot} assumes).
 *
 * <p>What is wrong goes to a {@link Findings}: the table's throws at the first damage, the
 * verifier's lists every one and goes on. The verifier's stricter check (the reserved word is zero)
 * is reported as an {@link Findings#oddity}, which the table ignores because nothing reads it.
 *
 * <p>Reads go straight to the mapping: once the directory is known to be a page-aligned extent inside
 * the file, no field read here straddles a chunk. Pages are checked against their checkpoint CRC32C
 * through {@code pages} first; a damaged page surfaces as the {@link java.io.UncheckedIOException}
 * {@link VerifiedPages#check} throws.
 */
public final class PieceDirectory {

    /**
     * Receives what is wrong with a directory, in the order it is read.
     *
     * @param <X> what it throws to stop the reading ({@link RuntimeException} if it never stops)
     */
    public interface Findings<X extends Exception> {
        /**
         * Damage that makes the directory, or one of its pieces, unusable.
         *
         * @param offset   the file offset of the bad field
         * @param expected what the format requires there
         * @param found    what the file holds instead
         * @throws X if this reader stops at damage (the table's throws {@link CorruptIndexException})
         */
        void damage(long offset, String expected, String found) throws X;

        /**
         * A field that breaks the format without making the directory unreadable; ignored unless overridden.
         *
         * @param offset   the file offset of the bad field
         * @param expected what the format requires there
         * @param found    what the file holds instead
         * @throws X if this reader stops at it
         */
        default void oddity(long offset, String expected, String found) throws X {
        }
    }

    private PieceDirectory() {
    }

    /**
     * {@return findings that throw, at the first damage, a {@link CorruptIndexException} naming
     * {@code file}, the offset and "expected, found"}
     *
     * @param file the table file named in the exception
     */
    public static Findings<CorruptIndexException> throwing(Path file) {
        return (offset, expected, found) -> {
            throw new CorruptIndexException(file, offset, expected + ", found " + found);
        };
    }

    /**
     * Reads the piece directory at {@code dirOff} of an array of {@code 2^b} buckets.
     *
     * @param mapping    the table file's mapping
     * @param pages      the pages to check before their bytes are trusted ({@link VerifiedPages#NONE} for none)
     * @param h          the header naming the directory (piece and alignment shifts, allocation end)
     * @param bucketSize bytes of one bucket
     * @param dirOff     the file offset of the directory
     * @param b          log2 of the array's buckets
     * @param what       the directory's name in findings, such as "bucket directory"
     * @param findings   where what is wrong goes
     * @param <X>        what {@code findings} throws
     * @return the file offsets of the pieces, or null if the directory or any piece is damaged
     *         (and {@code findings} did not throw)
     * @throws X if {@code findings} does
     */
    public static <X extends Exception> long[] read(ChunkedMapping mapping, VerifiedPages pages, Header h, int bucketSize, long dirOff,
                                                    int b, String what, Findings<X> findings) throws X {
        long end = Math.min(h.fileEnd, mapping.mappedEnd());
        long expected = 1L << Math.max(0, b - h.pieceShift);
        long dirBytes = PieceDirectoryLayout.bytes(expected);
        if (!pageAlignedWithin(dirOff, dirBytes, end)) {
            findings.damage(dirOff, "a page-aligned " + what + " of " + dirBytes + " bytes within ["
                    + HeaderLayout.DATA_START + ", " + h.fileEnd + ")", "one at offset " + dirOff);
            return null;
        }
        int magic = getInt(mapping, pages, dirOff + PieceDirectoryLayout.MAGIC_OFFSET);
        if (magic != PieceDirectoryLayout.MAGIC) {
            findings.damage(dirOff + PieceDirectoryLayout.MAGIC_OFFSET, what + " magic 0x" + Integer.toHexString(PieceDirectoryLayout.MAGIC),
                    "0x" + Integer.toHexString(magic));
            return null;
        }
        int count = getInt(mapping, pages, dirOff + PieceDirectoryLayout.PIECE_COUNT_OFFSET);
        if (count != expected) {
            findings.damage(dirOff + PieceDirectoryLayout.PIECE_COUNT_OFFSET, expected + " pieces in the " + what + " for B=" + b,
                    String.valueOf(count));
            return null;
        }
        long reserved = getLong(mapping, pages, dirOff + PieceDirectoryLayout.RESERVED_OFFSET);
        if (reserved != 0) {
            findings.oddity(dirOff + PieceDirectoryLayout.RESERVED_OFFSET, "0 in the reserved field of the " + what, String.valueOf(reserved));
        }
        long pieceBytes = ExtentClasses.bytes(ExtentClasses.pieceClass(Math.min(b, h.pieceShift)), bucketSize);
        long unit = 1L << h.alignShift;
        long[] out = new long[count];
        boolean ok = true;
        for (int p = 0; p < count; p++) {
            long at = dirOff + PieceDirectoryLayout.PIECES + 8L * p;
            long off = getLong(mapping, pages, at);
            if (!pageAlignedWithin(off, pieceBytes, end) || (pieceBytes <= unit && (off & (unit - 1)) + pieceBytes > unit)) {
                findings.damage(at, "piece " + p + " of the " + what + ": " + pieceBytes + " page-aligned bytes within ["
                        + HeaderLayout.DATA_START + ", " + h.fileEnd + ") and one " + unit + "-byte alignment unit", "offset " + off);
                ok = false;
            }
            out[p] = off;
        }
        return ok ? out : null;
    }

    /** Whether {@code [off, off + len)} is page-aligned and inside {@code [DATA_START, end)}. */
    private static boolean pageAlignedWithin(long off, long len, long end) {
        return off >= HeaderLayout.DATA_START && len >= 0 && off <= end - len && (off & (ExtentClasses.PAGE_SIZE - 1)) == 0;
    }

    private static int getInt(ChunkedMapping mapping, VerifiedPages pages, long off) {
        pages.check(off, 4);
        return mapping.segment(off).get(Layouts.INT, mapping.local(off));
    }

    private static long getLong(ChunkedMapping mapping, VerifiedPages pages, long off) {
        pages.check(off, 8);
        return mapping.segment(off).get(Layouts.LONG, mapping.local(off));
    }
}
