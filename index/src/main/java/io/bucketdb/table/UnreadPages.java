package io.bucketdb.table;

import io.bucketdb.spi.CorruptIndexException;
import io.bucketdb.storage.BucketLayout;
import io.bucketdb.storage.ExtentClasses;
import io.bucketdb.storage.Header;
import io.bucketdb.storage.HeaderLayout;
import io.bucketdb.storage.OverflowPageLayout;
import io.bucketdb.storage.PageChecksumsLayout;
import io.bucketdb.storage.PieceDirectoryLayout;
import io.bucketdb.storage.TableFile;
import io.bucketdb.storage.VerifiedPages;

import java.io.UncheckedIOException;
import java.util.Arrays;

import static io.bucketdb.storage.ExtentClasses.PAGE_SHIFT;
import static io.bucketdb.storage.ExtentClasses.PAGE_SIZE;

/**
 * At open, settles the pages of the table file that no get reads (issue 19, getpath), so that a reopened index
 * reaches {@link VerifiedPages#allTrusted} once its gets have verified the pages they do read, and its gets then skip
 * the page check and the bucket's file offset as a new index's do. Before this, such pages stayed unverified for the
 * whole open: a get never reads them, so nothing ever verified them. It also hands {@link VerifiedPages#watchBuckets}
 * the pages of the bucket arrays, so a get's first bucket needs no check once those are verified, even while pages of
 * overflow buckets or heap blocks that no get has read yet keep {@code allTrusted} false (gets of a sample of the keys
 * verify every page of a 10M array long before every overflow page).
 *
 * <p>Two kinds, and why each keeps what page checksums promise (a page is verified before its bytes are used as data):
 * <ul>
 *   <li><b>Trusted without reading</b>: the pages of each free extent after its first
 *       ({@link io.bucketdb.storage.ExtentAllocator#freeWholePages}), the very pages a checkpoint punches and trusts
 *       ({@code HolePuncher}). Nothing reads them as data while they are free, and an extent taken from a free list
 *       has unspecified content that its new owner writes before it is data: a piece's buckets are zeroed before they
 *       are published, a directory and an overflow page are written whole, a heap page is zeroed when carved, a large
 *       heap block is written with its value. The walk reads each extent's first page (the free-list link) through
 *       the page checks, so those pages are verified, not trusted.</li>
 *   <li><b>Verified now</b> ({@link VerifiedPages#verifyIfSound}): the pages whose zeros the writer relies on without
 *       writing them (the newest overflow page from its bump pointer on: a bucket taken from there is not zeroed
 *       again) and, in a table without a value heap, every page that no extent of the file covers (the alignment
 *       gaps, counted in {@code wastedBytes} and kept in no list). Verifying cannot weaken anything, so a page
 *       wrongly taken for one of these only costs a checksum at open; one that does not match stays unverified, and
 *       its reader, if any, raises the damage.</li>
 * </ul>
 * A table with a value heap does only the free extents and the bump range: its heap pages are in no list the open
 * could walk cheaply, so the rest of its file would be verified at open. Its gets of free heap blocks never happen
 * either, so such an index may stay short of {@code allTrusted}, as before.
 *
 * <p>A writer's open, or a read-only view's taking of its copy ({@code ReadOnlyView}), before replay and before any
 * reader: single-threaded, and the only cost is one checksum per verified page and a walk of the directories and the
 * overflow page list.
 */
public final class UnreadPages {
    private UnreadPages() {
    }

    /**
     * Settles the pages of {@code tf} that no get reads against its page checks ({@link TableFile#pages}).
     *
     * Never fails over damage: it settles less, and the table's open and reads report it.
     *
     * @param tf the table file (the writer's, or a view's copy), its page checks set
     */
    public static void settle(TableFile tf) {
        VerifiedPages pages = tf.pages();
        if (pages.allTrusted()) {
            return;
        }
        Header h = tf.header();
        int bs = BucketLayout.of(h).size();
        // Extents that hold data a get or the writer reads: ranges [start, end) as pairs.
        Ranges used = new Ranges();
        tf.allocator().freeWholePages((start, end) -> {
            for (long p = start >>> PAGE_SHIFT; p < (end + PAGE_SIZE - 1) >>> PAGE_SHIFT; p++) {
                pages.trust(p);
            }
            used.add(start, end);
        });
        Ranges arrays = new Ranges();
        try {
            addArray(tf, arrays, h.bucketDir, h.b, bs);
            if (h.growing() && h.oldBucketDir != 0) {
                addArray(tf, arrays, h.oldBucketDir, h.oldB, bs);
            }
        } catch (CorruptIndexException | UncheckedIOException damaged) {
            return; // the table's open reads the same directories next and reports the damage in its own terms
        }
        // A get's first bucket then needs no check once these pages are verified, whatever the rest of the file is.
        pages.watchBuckets(arrays.sorted());
        used.addAll(arrays);
        long ovfBytes = ExtentClasses.bytes(ExtentClasses.pieceClass(h.pieceShift), bs);
        if (!addOverflowPages(tf, used, ovfBytes)) {
            return; // damage that the gets reading those buckets, and verify, report; nothing more is settled
        }
        if (h.ovfPageHead != 0 && h.ovfBumpNext >= h.ovfPageHead && h.ovfBumpNext < h.ovfPageHead + ovfBytes) {
            verifyRange(pages, h.ovfBumpNext, h.ovfPageHead + ovfBytes);
        }
        if (h.varKeys() || h.varValues()) {
            return;
        }
        long from = HeaderLayout.DATA_START;
        long[] r = used.sorted();
        for (int i = 0; i < r.length; i += 2) {
            if (r[i] > from) {
                verifyRange(pages, from, r[i]);
            }
            from = Math.max(from, r[i + 1]);
        }
        verifyRange(pages, from, h.fileEnd);
    }

    private static void addArray(TableFile tf, Ranges used, long dir, int b, int bs) throws CorruptIndexException {
        if (dir == 0) {
            return;
        }
        Header h = tf.header();
        long[] pieces = BucketArrays.readDirectory(tf, dir, b);
        used.add(dir, dir + PieceDirectoryLayout.bytes(pieces.length));
        long pieceBytes = ExtentClasses.bytes(ExtentClasses.pieceClass(Math.min(b, h.pieceShift)), bs);
        for (long p : pieces) {
            used.add(p, p + pieceBytes);
        }
    }

    /** Adds the overflow pages' extents, walking their list from the header; false if it meets damage. */
    private static boolean addOverflowPages(TableFile tf, Ranges used, long ovfBytes) {
        Header h = tf.header();
        long page = h.ovfPageHead;
        try {
            for (long n = h.ovfPageCount; n > 0 && page != 0; n--) {
                if (page < HeaderLayout.DATA_START || page + ovfBytes > h.fileEnd
                        || tf.getInt(page + OverflowPageLayout.MAGIC_OFFSET) != OverflowPageLayout.MAGIC) {
                    return false;
                }
                used.add(page, page + ovfBytes);
                page = tf.getLong(page + OverflowPageLayout.NEXT_PAGE_OFFSET);
            }
        } catch (UncheckedIOException damaged) {
            return false; // a damaged page under the link: its buckets' gets raise it
        }
        return true;
    }

    /** Verifies the untrusted pages that overlap {@code [start, end)}, leaving damaged ones untrusted. */
    private static void verifyRange(VerifiedPages pages, long start, long end) {
        for (long p = Math.max(start >>> PAGE_SHIFT, PageChecksumsLayout.FIRST_PAGE); p < (end + PAGE_SIZE - 1) >>> PAGE_SHIFT; p++) {
            pages.verifyIfSound(p);
        }
    }

    /** A growable list of ranges {@code [start, end)}. */
    private static final class Ranges {
        private long[] pairs = new long[64];
        private int n;

        void addAll(Ranges other) {
            for (int i = 0; i < other.n; i += 2) {
                add(other.pairs[i], other.pairs[i + 1]);
            }
        }

        void add(long start, long end) {
            if (n == pairs.length) {
                pairs = Arrays.copyOf(pairs, n * 2);
            }
            pairs[n++] = start;
            pairs[n++] = end;
        }

        /** {@return the ranges as pairs, sorted by start} */
        long[] sorted() {
            long[][] rs = new long[n / 2][];
            for (int i = 0; i < n; i += 2) {
                rs[i / 2] = new long[] {pairs[i], pairs[i + 1]};
            }
            Arrays.sort(rs, (x, y) -> Long.compare(x[0], y[0]));
            long[] out = new long[n];
            for (int i = 0; i < rs.length; i++) {
                out[2 * i] = rs[i][0];
                out[2 * i + 1] = rs[i][1];
            }
            return out;
        }
    }
}
