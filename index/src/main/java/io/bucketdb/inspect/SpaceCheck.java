package io.bucketdb.inspect;

import io.bucketdb.storage.PieceDirectoryLayout;
import io.bucketdb.storage.ExtentClasses;
import io.bucketdb.storage.FreeExtentLayout;
import io.bucketdb.storage.Header;
import io.bucketdb.storage.HeaderLayout;
import io.bucketdb.storage.OverflowPageLayout;

import java.util.ArrayList;
import java.util.BitSet;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * The verifier's space checks: the piece directories, the overflow page list and the free lists of
 * every extent class are read and checked, and every extent they (and the heap) name is collected so
 * that {@link #checkTiling} can prove they tile {@code [DATA_START, fileEnd)} without overlap, with
 * alignment gaps adding up to {@code wastedBytes}.
 */
final class SpaceCheck {
    private final Header h;
    private final FileView view;
    private final ProblemList problems;
    private final int bs;
    private final long unit;
    private final long headerAt;

    private final List<Extent> extents = new ArrayList<>();
    private boolean spaceComplete = true;
    private OverflowSpace space = new OverflowSpace(new long[0], 0, 1, 1);
    private boolean pagesComplete = true;
    private BitSet chained = new BitSet();

    /** A range of the file that one structure owns. */
    private record Extent(long start, long bytes, String what) {
        long end() {
            return start + bytes;
        }
    }

    SpaceCheck(Header h, FileView view, ProblemList problems, int bucketSize, long headerAt) {
        this.h = h;
        this.view = view;
        this.problems = problems;
        this.bs = bucketSize;
        this.unit = 1L << h.alignShift;
        this.headerAt = headerAt;
    }

    /** Records that {@code [start, start + bytes)} belongs to {@code what}. */
    void addExtent(long start, long bytes, String what) {
        extents.add(new Extent(start, bytes, what));
    }

    /** Some structure could not be read to its end, so the tiling cannot be judged. */
    void incomplete() {
        spaceComplete = false;
    }

    /** Whether every structure that owns space was read to its end. */
    boolean complete() {
        return spaceComplete;
    }

    /** Where the overflow buckets are, from the overflow page list. */
    OverflowSpace overflowSpace() {
        return space;
    }

    /** Whether the overflow page list was read to its end. */
    boolean pagesComplete() {
        return pagesComplete;
    }

    /** Overflow buckets reachable from some chain, by {@link OverflowSpace#index}. */
    BitSet chained() {
        return chained;
    }

    long[] readArray(long dir, int b, String what, String array) {
        return readArray(dir, b, what, array, true);
    }

    /**
     * Reads the directory at {@code dir} of an array of {@code 2^b} buckets and accounts for its space, and for its
     * pieces' unless {@code ownsPieces} is false (an in-place split's old directory lists pieces the current array
     * owns); null if it is damaged.
     */
    long[] readArray(long dir, int b, String what, String array, boolean ownsPieces) {
        long[] pieces = view.readDirectory(h, bs, dir, b, what, problems);
        long count = 1L << Math.max(0, b - h.pieceShift);
        long dirBytes = ExtentClasses.bytes(ExtentClasses.rawClassFor(PieceDirectoryLayout.bytes(count)), bs);
        if (dir >= HeaderLayout.DATA_START && view.contains(dir, dirBytes)) {
            addExtent(dir, dirBytes, what);
        } else {
            spaceComplete = false;
        }
        if (pieces == null) {
            spaceComplete = false;
            return null;
        }
        long pieceBytes = ExtentClasses.bytes(ExtentClasses.pieceClass(Math.min(b, h.pieceShift)), bs);
        for (int p = 0; ownsPieces && p < pieces.length; p++) {
            addExtent(pieces[p], pieceBytes, "piece " + p + " of the " + array);
        }
        return pieces;
    }

    void checkOverflowPages() {
        int pageClass = ExtentClasses.pieceClass(h.pieceShift);
        long pageBytes = ExtentClasses.bytes(pageClass, bs);
        int perPage = OverflowPageLayout.bucketsPerPage(pageBytes, bs);
        long maxPages = h.fileEnd / pageBytes;
        List<Long> pages = new ArrayList<>();
        Set<Long> seen = new HashSet<>();
        long at = headerAt + HeaderLayout.OVF_PAGE_HEAD_OFFSET;
        long p = h.ovfPageHead;
        while (p != 0) {
            if (pages.size() > maxPages || !seen.add(p)) {
                problems.report(at, "an overflow page list without cycles", "a link back to page " + p);
                pagesComplete = false;
                break;
            }
            if (!isExtent(p, pageBytes)) {
                problems.report(at, "an overflow page of " + pageBytes + " page-aligned bytes within [" + HeaderLayout.DATA_START + ", "
                        + h.fileEnd + ") and one alignment unit", "offset " + p);
                pagesComplete = false;
                break;
            }
            int magic = view.getInt(p + OverflowPageLayout.MAGIC_OFFSET);
            if (magic != OverflowPageLayout.MAGIC) {
                problems.report(p + OverflowPageLayout.MAGIC_OFFSET, "overflow page magic 0x" + Integer.toHexString(OverflowPageLayout.MAGIC)
                        + " (page linked from offset " + at + ")", "0x" + Integer.toHexString(magic));
                pagesComplete = false;
                break;
            }
            int count = view.getInt(p + OverflowPageLayout.BUCKET_COUNT_OFFSET);
            if (count != perPage) {
                problems.report(p + OverflowPageLayout.BUCKET_COUNT_OFFSET, perPage + " buckets in an overflow page of " + pageBytes + " bytes",
                        String.valueOf(count));
            }
            pages.add(p);
            addExtent(p, pageBytes, "overflow page");
            at = p + OverflowPageLayout.NEXT_PAGE_OFFSET;
            p = view.getLong(at);
        }
        if (!pagesComplete) {
            spaceComplete = false;
        } else if (pages.size() != h.ovfPageCount) {
            problems.report(headerAt + HeaderLayout.OVF_PAGE_COUNT_OFFSET, "ovfPageCount " + pages.size() + " (the length of the overflow page list)",
                    String.valueOf(h.ovfPageCount));
        }
        int headHandedOut = perPage;
        if (pages.isEmpty()) {
            if (h.ovfBumpNext != 0 || h.ovfBumpEnd != 0) {
                problems.report(headerAt + HeaderLayout.OVF_BUMP_NEXT_OFFSET, "an empty overflow bump range [0, 0) without overflow pages",
                        "[" + h.ovfBumpNext + ", " + h.ovfBumpEnd + ")");
            }
        } else {
            long base = pages.getFirst() + OverflowPageLayout.BUCKETS;
            long end = base + (long) perPage * bs;
            if (h.ovfBumpEnd != end || h.ovfBumpNext < base || h.ovfBumpNext > end || (h.ovfBumpNext - base) % bs != 0) {
                problems.report(headerAt + HeaderLayout.OVF_BUMP_NEXT_OFFSET, "an overflow bump range on a bucket boundary of the newest page, ending at "
                        + end, "[" + h.ovfBumpNext + ", " + h.ovfBumpEnd + ")");
            } else {
                headHandedOut = (int) ((h.ovfBumpNext - base) / bs);
            }
        }
        long[] arr = pages.stream().mapToLong(Long::longValue).toArray();
        space = new OverflowSpace(arr, headHandedOut, perPage, bs);
        chained = new BitSet((int) Math.min(Integer.MAX_VALUE, space.capacity()));
    }

    void checkFreeLists() {
        for (int c = 0; c < ExtentClasses.COUNT; c++) {
            long bytes = ExtentClasses.bytes(c, bs);
            long maxN = h.fileEnd / bytes;
            Set<Long> seen = new HashSet<>();
            long at = headerAt + HeaderLayout.FREE_LISTS_OFFSET + 16L * c;
            long e = h.freeHeads[c];
            long n = 0;
            boolean complete = true;
            while (e != 0) {
                if (n > maxN || !seen.add(e)) {
                    problems.report(at, "a free list of class " + c + " without cycles", "a link back to extent " + e);
                    complete = false;
                    break;
                }
                if (!isExtent(e, bytes)) {
                    problems.report(at, "a free extent of class " + c + " (" + bytes + " page-aligned bytes) within [" + HeaderLayout.DATA_START
                            + ", " + h.fileEnd + ")", "offset " + e);
                    complete = false;
                    break;
                }
                int magic = view.getInt(e + FreeExtentLayout.MAGIC_OFFSET);
                int cls = view.getInt(e + FreeExtentLayout.EXTENT_CLASS_OFFSET);
                if (magic != FreeExtentLayout.MAGIC || cls != c) {
                    problems.report(e + FreeExtentLayout.MAGIC_OFFSET, "a free extent of class " + c + " (magic 0x"
                            + Integer.toHexString(FreeExtentLayout.MAGIC) + ", linked from offset " + at + ")",
                            "magic 0x" + Integer.toHexString(magic) + ", class " + cls);
                    complete = false;
                    break;
                }
                addExtent(e, bytes, "free extent of class " + c);
                n++;
                at = e + FreeExtentLayout.NEXT_OFFSET;
                e = view.getLong(at);
            }
            if (!complete) {
                spaceComplete = false;
            } else if (n != h.freeCounts[c]) {
                problems.report(headerAt + HeaderLayout.FREE_LISTS_OFFSET + 16L * c + 8, "free extent count " + n + " for class " + c
                        + " (the length of its free list)", String.valueOf(h.freeCounts[c]));
            }
        }
    }

    /** Whether {@code [off, off + bytes)} is a place the allocator could have handed out. */
    boolean isExtent(long off, long bytes) {
        return off >= HeaderLayout.DATA_START && view.contains(off, bytes) && (off & (ExtentClasses.PAGE_SIZE - 1)) == 0
                && (bytes > unit || (off & (unit - 1)) + bytes <= unit);
    }

    void checkTiling() {
        extents.sort(Comparator.comparingLong(Extent::start));
        long cur = HeaderLayout.DATA_START;
        String prev = "the header slots";
        long wasted = 0;
        for (Extent e : extents) {
            if (e.start() < cur) {
                problems.report(e.start(), "no overlap: the " + e.what() + " at " + e.start() + " starts before the end (" + cur + ") of the " + prev,
                        (Math.min(cur, e.end()) - e.start()) + " bytes used twice");
            } else if (e.start() > cur) {
                long gap = e.start() - cur;
                if ((e.start() & (unit - 1)) != 0 || gap >= unit) {
                    problems.report(cur, "every byte of [" + HeaderLayout.DATA_START + ", " + h.fileEnd + ") in an extent or in an alignment gap",
                            gap + " bytes [" + cur + ", " + e.start() + ") that nothing accounts for");
                } else {
                    wasted += gap;
                }
            }
            if (e.end() > cur) {
                cur = e.end();
                prev = e.what();
            }
        }
        if (cur < h.fileEnd) {
            problems.report(cur, "every byte up to the allocation end " + h.fileEnd + " in an extent", (h.fileEnd - cur)
                    + " bytes [" + cur + ", " + h.fileEnd + ") that nothing accounts for");
        }
        if (wasted != h.wastedBytes) {
            problems.report(headerAt + HeaderLayout.WASTED_BYTES_OFFSET, "wastedBytes " + wasted + " (the alignment gaps between extents)",
                    String.valueOf(h.wastedBytes));
        }
    }
}
