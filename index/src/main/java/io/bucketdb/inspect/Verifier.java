package io.bucketdb.inspect;

import io.bucketdb.recovery.JournalCheck;
import io.bucketdb.recovery.JournalOptions;
import io.bucketdb.storage.BucketLayout;
import io.bucketdb.spi.CorruptIndexException;
import io.bucketdb.storage.DirectoryLayout;
import io.bucketdb.storage.ExtentClasses;
import io.bucketdb.storage.FreeExtentLayout;
import io.bucketdb.storage.Header;
import io.bucketdb.storage.HeaderLayout;
import io.bucketdb.storage.HeapLayout;
import io.bucketdb.storage.OverflowPageLayout;
import io.bucketdb.storage.ValueHeap;
import io.bucketdb.storage.VarSlotLayout;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.List;
import java.util.function.LongConsumer;
import java.util.Map;
import java.util.Set;

import static io.bucketdb.storage.BucketLayout.*;

/**
 * The full structural check behind {@code bucketdb verify}, written against the invariants that
 * {@code ExtentAllocator} and {@code HashTable} keep:
 * <ul>
 *   <li><b>Header.</b> Both slots hold valid headers (an empty slot only before the second write-back),
 *       the older one generation − 1; while growing, {@code nevacuate < 2^oldB}; the bump range lies
 *       in the newest overflow page.</li>
 *   <li><b>Slots.</b> Every used slot's key hashes (the file's hash and seed, {@code KeyHash.of}) to the bucket holding it
 *       (old buckets: {@code hash & (2^oldB - 1)}) and its tophash byte matches; no key twice; empty
 *       slots hold zeroed keys and values (deletes and evacuation zero them); no used slot after an
 *       emptyRest slot in the same chain; evacuated states only in old buckets while growing.</li>
 *   <li><b>Growth.</b> Old buckets below {@code nevacuate} are evacuated; an evacuated old bucket has
 *       only evacuatedX/Y/Empty states (no Y in a same-size growth), no keys or values, no chain. New
 *       buckets whose old bucket is not evacuated are ignored: evacuation initializes them.</li>
 *   <li><b>Chains.</b> Every overflow reference points at a handed-out bucket inside an overflow page;
 *       no bucket is reachable twice; no cycles; walks are bounded by {@code overflowBuckets + 1}.</li>
 *   <li><b>Counts.</b> The header count equals the used slots of live chains; {@code overflowBuckets}
 *       equals the buckets handed out from pages minus the free ones, and the buckets reachable from
 *       chains; {@code noverflow} equals the overflow buckets of the current array (Go resets it when a
 *       growth begins and never decrements it; only evacuation frees overflow buckets); no overflow
 *       bucket is leaked; the overflow free list's length equals {@code ovfFreeCount}.</li>
 *   <li><b>Space.</b> The pieces of both arrays, their directories, the overflow pages, the free
 *       extents of every class's list and the alignment gaps tile {@code [DATA_START, fileEnd)} without
 *       overlap; gaps end at an alignment boundary and add up to {@code wastedBytes}; each free list's
 *       length equals its count.</li>
 *   <li><b>Heap.</b> In a table with variable-length keys or values, each slot's length fits its
 *       limit; an inline body is zero past the length; a heap reference points inside the file at a
 *       block of the class its length selects (small blocks aligned in a page of one class, large ones
 *       page-aligned raw extents), and no block is referred to twice or is also on a free list. Each
 *       small class's free list is bounded, acyclic and as long as its count; the pages of small blocks
 *       hold exactly the carved count; large blocks match {@code heapLargeBlocks}/{@code heapLargeBytes};
 *       heap pages and large blocks take part in the tiling.</li>
 *   <li><b>Pages.</b> Every data page below the allocation end has the CRC32C that checkpoints recorded
 *       for it ({@link PageChecksumCheck}), so damage at rest is found even where no structure looks.</li>
 *   <li><b>Journal.</b> The segments after the checkpoint LSN, as opening the index reads them
 *       ({@link IndexInspector#journalCheck}): a frame with a bad length, type or CRC32C that valid,
 *       forced records follow, a damaged segment header, a missing segment. A torn tail (what a crash
 *       leaves after the last force) is not a problem; {@code bucketdb verify} prints it as a note.</li>
 * </ul>
 * Every walk is bounded and every reference range-checked first, so damage becomes a {@link Problem},
 * never a hang or an exception.
 */
final class Verifier {
    /** Enough to describe any real damage; a file of random bytes would otherwise list millions. */
    static final int MAX_PROBLEMS = 1000;

    private final IndexInspector in;
    private final Path file;
    private final Header h;
    private final BucketLayout layout;
    private final FileView view;
    private final int bs;
    private final int kw;
    private final int vw;
    private final int ovfOff;
    private final long unit;
    private final long headerAt;
    private final boolean varKeys;
    private final boolean varValues;
    private final int keyInline;
    private final int valueInline;
    /** Heap block → file offset of the slot that refers to it. */
    private final Map<Long, Long> heapRefs = new HashMap<>();
    /** Small-block heap page → its class, from references and free lists. */
    private final Map<Long, Integer> heapPages = new HashMap<>();
    private final Set<Long> heapFree = new HashSet<>();
    private final long[] heapInUse = new long[HeapLayout.SMALL_CLASSES];
    private long largeBlocks;
    private long largeBytes;
    private boolean tableWalked;
    private final List<Problem> problems = new ArrayList<>();
    private long suppressed;

    private final List<Extent> extents = new ArrayList<>();
    private boolean spaceComplete = true;
    private OverflowSpace space = new OverflowSpace(new long[0], 0, 1, 1);
    private boolean pagesComplete = true;
    private BitSet chained = new BitSet();

    private long entries;
    private long reachable;
    private long reachableFromCurrent;

    // Per-chain scratch for the duplicate-key check.
    private long[] chainHashes = new long[64];
    private long[] chainKeys = new long[64];
    /** Key lengths of the chain (the key width, or a variable-length key's length). */
    private long[] chainLens = new long[64];
    private long[] chainBuckets = new long[16];

    private record Extent(long start, long bytes, String what) {
        long end() {
            return start + bytes;
        }
    }

    Verifier(IndexInspector in, Path file, Header h, BucketLayout layout, FileView view, LongConsumer bucketsWalked) {
        this.in = in;
        this.bucketsWalked = bucketsWalked;
        this.file = file;
        this.h = h;
        this.layout = layout;
        this.view = view;
        this.bs = layout.size();
        this.kw = layout.keyWidth();
        this.vw = layout.valueWidth();
        this.ovfOff = layout.overflowOffset();
        this.unit = 1L << h.alignShift;
        this.headerAt = HeaderLayout.slotOffset(in.activeSlot());
        this.varKeys = h.varKeys();
        this.varValues = h.varValues();
        this.keyInline = VarSlotLayout.inlineWidth(kw);
        this.valueInline = VarSlotLayout.inlineWidth(vw);
    }

    /** Buckets of both arrays whose chains have been walked, for a progress display. */
    private final LongConsumer bucketsWalked;
    private long walked;

    /** Counts one walked bucket and reports every {@code 2^16}th. */
    private void walked() {
        if ((++walked & 0xFFFF) == 0) {
            bucketsWalked.accept(walked);
        }
    }

    List<Problem> run() {
        try {
            checkHeaderSlots();
            checkHeaderFields();
            long[] cur = readArray(h.bucketDir, h.b, "bucket directory", "current array");
            long[] old = h.growing() ? readArray(h.oldBucketDir, h.oldB, "old bucket directory", "old array") : null;
            checkOverflowPages();
            checkFreeLists();
            checkHeapFreeLists();
            if (cur != null && (old != null || !h.growing())) {
                walkTable(cur, old);
                checkOverflowFreeList();
                tableWalked = true;
                checkHeapCounts();
            }
            // Heap blocks are known only from the slots that refer to them: tile only after the walk.
            boolean heapKnown = tableWalked || (h.heapLargeBlocks == 0 && java.util.Arrays.stream(h.heapBlocks).allMatch(b -> b == 0));
            if (spaceComplete && heapKnown) {
                checkTiling();
            }
        } catch (RuntimeException | StackOverflowError e) {
            // A reader bug, not damage: say so instead of throwing, and keep what was found.
            report(0, "a file the verifier reads to the end", "the verifier stopped with " + e);
        }
        try {
            PageChecksumCheck.run(in.directory(), file, h, view, this::add);
        } catch (RuntimeException e) {
            report(0, "page checksums the verifier reads to the end", "the verifier stopped with " + e);
        }
        try {
            JournalCheck journal = in.journalCheck();
            if (journal.damaged()) {
                add(Problem.of(journal.damage()));
            }
        } catch (IOException e) {
            add(new Problem(in.directory(), 0, "readable journal segments", e.toString()));
        } catch (RuntimeException e) {
            report(0, "journal segments the verifier reads to the end", "the verifier stopped with " + e);
        }
        if (suppressed > 0) {
            problems.add(new Problem(file, 0, "at most " + MAX_PROBLEMS + " problems listed", suppressed + " more not listed"));
        }
        return List.copyOf(problems);
    }

    // ------------------------------------------------------------------ header

    private void checkHeaderSlots() {
        int active = in.activeSlot();
        for (int slot = 0; slot < 2; slot++) {
            if (slot == active) {
                continue;
            }
            long at = HeaderLayout.slotOffset(slot);
            if (view.isZero(at, HeaderLayout.SLOT_SIZE)) {
                if (h.generation > 1) {
                    report(at, "a header in slot " + slotName(slot) + " (generation " + (h.generation - 1)
                            + "; the index was written back " + h.generation + " times)", "an empty slot");
                }
                continue;
            }
            try {
                // The file size bound is the active header's business: an older header may describe a longer file.
                Header other = in.decodeSlot(slot, Long.MAX_VALUE);
                if (other.generation != h.generation - 1) {
                    report(at + HeaderLayout.GENERATION_OFFSET, "generation " + (h.generation - 1) + " in the older header slot "
                            + slotName(slot), String.valueOf(other.generation));
                }
            } catch (CorruptIndexException e) {
                add(Problem.of(e));
            }
        }
    }

    private void checkHeaderFields() {
        if ((h.fileEnd & (ExtentClasses.PAGE_SIZE - 1)) != 0) {
            report(headerAt + HeaderLayout.FILE_END_OFFSET, "a page-aligned allocation end", String.valueOf(h.fileEnd));
        }
        if (h.growing() && h.nevacuate >= 1L << h.oldB) {
            report(headerAt + HeaderLayout.NEVACUATE_OFFSET, "nevacuate below " + (1L << h.oldB)
                    + " while growing (the growth ends when every old bucket is evacuated)", String.valueOf(h.nevacuate));
        }
        if (!h.growing() && (h.oldB != 0 || h.nevacuate != 0)) {
            report(headerAt + HeaderLayout.OLD_B_OFFSET, "old B 0 and nevacuate 0 when not growing",
                    "old B " + h.oldB + ", nevacuate " + h.nevacuate);
        }
    }

    // ------------------------------------------------------------------ space

    private long[] readArray(long dir, int b, String what, String array) {
        long[] pieces = in.readDirectory(view, dir, b, what, problems);
        if (problems.size() > MAX_PROBLEMS) {
            suppressed += problems.size() - MAX_PROBLEMS;
            problems.subList(MAX_PROBLEMS, problems.size()).clear();
        }
        long count = 1L << Math.max(0, b - h.pieceShift);
        long dirBytes = ExtentClasses.bytes(ExtentClasses.rawClassFor(DirectoryLayout.bytes(count)), bs);
        if (dir >= HeaderLayout.DATA_START && view.contains(dir, dirBytes)) {
            extents.add(new Extent(dir, dirBytes, what));
        } else {
            spaceComplete = false;
        }
        if (pieces == null) {
            spaceComplete = false;
            return null;
        }
        long pieceBytes = ExtentClasses.bytes(ExtentClasses.pieceClass(Math.min(b, h.pieceShift)), bs);
        for (int p = 0; p < pieces.length; p++) {
            extents.add(new Extent(pieces[p], pieceBytes, "piece " + p + " of the " + array));
        }
        return pieces;
    }

    private void checkOverflowPages() {
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
                report(at, "an overflow page list without cycles", "a link back to page " + p);
                pagesComplete = false;
                break;
            }
            if (!isExtent(p, pageBytes)) {
                report(at, "an overflow page of " + pageBytes + " page-aligned bytes within [" + HeaderLayout.DATA_START + ", "
                        + h.fileEnd + ") and one alignment unit", "offset " + p);
                pagesComplete = false;
                break;
            }
            int magic = view.getInt(p + OverflowPageLayout.MAGIC_OFFSET);
            if (magic != OverflowPageLayout.MAGIC) {
                report(p + OverflowPageLayout.MAGIC_OFFSET, "overflow page magic 0x" + Integer.toHexString(OverflowPageLayout.MAGIC)
                        + " (page linked from offset " + at + ")", "0x" + Integer.toHexString(magic));
                pagesComplete = false;
                break;
            }
            int count = view.getInt(p + OverflowPageLayout.BUCKET_COUNT_OFFSET);
            if (count != perPage) {
                report(p + OverflowPageLayout.BUCKET_COUNT_OFFSET, perPage + " buckets in an overflow page of " + pageBytes + " bytes",
                        String.valueOf(count));
            }
            pages.add(p);
            extents.add(new Extent(p, pageBytes, "overflow page"));
            at = p + OverflowPageLayout.NEXT_PAGE_OFFSET;
            p = view.getLong(at);
        }
        if (!pagesComplete) {
            spaceComplete = false;
        } else if (pages.size() != h.ovfPageCount) {
            report(headerAt + HeaderLayout.OVF_PAGE_COUNT_OFFSET, "ovfPageCount " + pages.size() + " (the length of the overflow page list)",
                    String.valueOf(h.ovfPageCount));
        }
        int headHandedOut = perPage;
        if (pages.isEmpty()) {
            if (h.ovfBumpNext != 0 || h.ovfBumpEnd != 0) {
                report(headerAt + HeaderLayout.OVF_BUMP_NEXT_OFFSET, "an empty overflow bump range [0, 0) without overflow pages",
                        "[" + h.ovfBumpNext + ", " + h.ovfBumpEnd + ")");
            }
        } else {
            long base = pages.getFirst() + OverflowPageLayout.BUCKETS;
            long end = base + (long) perPage * bs;
            if (h.ovfBumpEnd != end || h.ovfBumpNext < base || h.ovfBumpNext > end || (h.ovfBumpNext - base) % bs != 0) {
                report(headerAt + HeaderLayout.OVF_BUMP_NEXT_OFFSET, "an overflow bump range on a bucket boundary of the newest page, ending at "
                        + end, "[" + h.ovfBumpNext + ", " + h.ovfBumpEnd + ")");
            } else {
                headHandedOut = (int) ((h.ovfBumpNext - base) / bs);
            }
        }
        long[] arr = pages.stream().mapToLong(Long::longValue).toArray();
        space = new OverflowSpace(arr, headHandedOut, perPage, bs);
        chained = new BitSet((int) Math.min(Integer.MAX_VALUE, space.capacity()));
    }

    private void checkFreeLists() {
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
                    report(at, "a free list of class " + c + " without cycles", "a link back to extent " + e);
                    complete = false;
                    break;
                }
                if (!isExtent(e, bytes)) {
                    report(at, "a free extent of class " + c + " (" + bytes + " page-aligned bytes) within [" + HeaderLayout.DATA_START
                            + ", " + h.fileEnd + ")", "offset " + e);
                    complete = false;
                    break;
                }
                int magic = view.getInt(e + FreeExtentLayout.MAGIC_OFFSET);
                int cls = view.getInt(e + FreeExtentLayout.EXTENT_CLASS_OFFSET);
                if (magic != FreeExtentLayout.MAGIC || cls != c) {
                    report(e + FreeExtentLayout.MAGIC_OFFSET, "a free extent of class " + c + " (magic 0x"
                            + Integer.toHexString(FreeExtentLayout.MAGIC) + ", linked from offset " + at + ")",
                            "magic 0x" + Integer.toHexString(magic) + ", class " + cls);
                    complete = false;
                    break;
                }
                extents.add(new Extent(e, bytes, "free extent of class " + c));
                n++;
                at = e + FreeExtentLayout.NEXT_OFFSET;
                e = view.getLong(at);
            }
            if (!complete) {
                spaceComplete = false;
            } else if (n != h.freeCounts[c]) {
                report(headerAt + HeaderLayout.FREE_LISTS_OFFSET + 16L * c + 8, "free extent count " + n + " for class " + c
                        + " (the length of its free list)", String.valueOf(h.freeCounts[c]));
            }
        }
    }

    /** Whether {@code [off, off + bytes)} is a place the allocator could have handed out. */
    private boolean isExtent(long off, long bytes) {
        return off >= HeaderLayout.DATA_START && view.contains(off, bytes) && (off & (ExtentClasses.PAGE_SIZE - 1)) == 0
                && (bytes > unit || (off & (unit - 1)) + bytes <= unit);
    }

    private void checkTiling() {
        extents.sort(Comparator.comparingLong(Extent::start));
        long cur = HeaderLayout.DATA_START;
        String prev = "the header slots";
        long wasted = 0;
        for (Extent e : extents) {
            if (e.start() < cur) {
                report(e.start(), "no overlap: the " + e.what() + " at " + e.start() + " starts before the end (" + cur + ") of the " + prev,
                        (Math.min(cur, e.end()) - e.start()) + " bytes used twice");
            } else if (e.start() > cur) {
                long gap = e.start() - cur;
                if ((e.start() & (unit - 1)) != 0 || gap >= unit) {
                    report(cur, "every byte of [" + HeaderLayout.DATA_START + ", " + h.fileEnd + ") in an extent or in an alignment gap",
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
            report(cur, "every byte up to the allocation end " + h.fileEnd + " in an extent", (h.fileEnd - cur)
                    + " bytes [" + cur + ", " + h.fileEnd + ") that nothing accounts for");
        }
        if (wasted != h.wastedBytes) {
            report(headerAt + HeaderLayout.WASTED_BYTES_OFFSET, "wastedBytes " + wasted + " (the alignment gaps between extents)",
                    String.valueOf(h.wastedBytes));
        }
    }

    // ------------------------------------------------------------------ buckets and chains

    private void walkTable(long[] cur, long[] old) {
        if (h.growing()) {
            long oldN = 1L << h.oldB;
            long oldMask = oldN - 1;
            for (long i = 0; i < oldN; i++) {
                walked();
                long off = in.bucketOffset(old, i);
                int first = view.getByte(off);
                if (isEvacuated(first)) {
                    checkEvacuated(off, i);
                } else {
                    if (i < h.nevacuate) {
                        report(off, "old bucket " + i + " evacuated (it is below the evacuation mark nevacuate=" + h.nevacuate + ")",
                                "first tophash " + stateName(first));
                    }
                    walkChain(off, i, oldMask, "old bucket " + i, false);
                }
            }
        }
        long n = 1L << h.b;
        for (long j = 0; j < n; j++) {
            walked();
            if (h.growing() && !isEvacuated(view.getByte(in.bucketOffset(old, j & ((1L << h.oldB) - 1))))) {
                continue; // its old bucket still holds the entries; evacuation initializes this one
            }
            walkChain(in.bucketOffset(cur, j), j, n - 1, "bucket " + j, true);
        }
        checkCounts();
    }

    private void checkEvacuated(long off, long i) {
        for (int s = 0; s < SLOTS; s++) {
            int t = view.getByte(off + s);
            if (t != EVACUATED_X && t != EVACUATED_Y && t != EVACUATED_EMPTY) {
                report(off + s, "evacuatedX, evacuatedY or evacuatedEmpty in evacuated old bucket " + i, stateName(t));
            } else if (t == EVACUATED_Y && h.sameSizeGrow()) {
                report(off + s, "evacuatedX or evacuatedEmpty in old bucket " + i + " (a same-size growth has no Y half)", "evacuatedY");
            }
        }
        if (!view.isZero(off + KEYS_OFFSET, (long) SLOTS * (kw + vw))) {
            report(off + KEYS_OFFSET, "zeroed keys and values in evacuated old bucket " + i, "leftover bytes");
        }
        long next = view.getLong(off + ovfOff);
        if (next != 0) {
            report(off + ovfOff, "no overflow chain on evacuated old bucket " + i + " (evacuation frees it)", "reference " + next);
        }
    }

    /**
     * Checks the chain of bucket {@code index} (of the current array if {@code current}, else of the
     * old one), whose keys must satisfy {@code hash & mask == index}.
     */
    private void walkChain(long start, long index, long mask, String label, boolean current) {
        long b = start;
        int pos = 0;
        int n = 0;
        boolean rest = false;
        long restAt = 0;
        chainBuckets[0] = start;
        while (true) {
            for (int s = 0; s < SLOTS; s++) {
                int t = view.getByte(b + s);
                long koff = b + layout.keyOffset(s);
                long voff = b + layout.valueOffset(s);
                if (t == EMPTY_REST || t == EMPTY_ONE) {
                    if (t == EMPTY_REST && !rest) {
                        rest = true;
                        restAt = b + s;
                    }
                    if (!view.isZero(koff, kw) || !view.isZero(voff, vw)) {
                        report(koff, "a zeroed key and value in empty slot " + s + " (" + stateName(t) + ") of " + label, "leftover bytes");
                    }
                    continue;
                }
                if (t < MIN_TOPHASH) {
                    report(b + s, "a used or empty slot in " + label + (h.growing() ? "" : " (no growth in progress)"), stateName(t));
                    continue;
                }
                if (rest) {
                    report(b + s, "no used slot after the emptyRest slot at offset " + restAt + " in the chain of " + label,
                            "tophash " + stateName(t));
                }
                if (varValues) {
                    checkField(voff, valueInline, JournalOptions.DEFAULT_MAX_VALUE_LENGTH, "value", label);
                }
                long hash;
                long keyAt = koff;
                long keyLen = kw;
                if (varKeys) {
                    keyAt = checkField(koff, keyInline, JournalOptions.DEFAULT_MAX_KEY_LENGTH, "key", label);
                    if (keyAt < 0) {
                        continue;
                    }
                    keyLen = fieldLength(koff);
                }
                hash = view.hashKey(keyAt, (int) keyLen, in.keyHash());
                if ((hash & mask) != index) {
                    report(koff, "a key whose hash selects " + label, "key " + hex(koff, kw) + ", whose hash selects bucket " + (hash & mask));
                } else if (BucketLayout.tophash(hash) != t) {
                    report(b + s, "tophash " + stateName(BucketLayout.tophash(hash)) + " for key " + hex(koff, kw) + " in " + label,
                            stateName(t));
                }
                if (n == chainHashes.length) {
                    chainHashes = java.util.Arrays.copyOf(chainHashes, n * 2);
                    chainKeys = java.util.Arrays.copyOf(chainKeys, n * 2);
                    chainLens = java.util.Arrays.copyOf(chainLens, n * 2);
                }
                chainHashes[n] = hash;
                chainLens[n] = keyLen;
                chainKeys[n++] = keyAt;
                entries++;
            }
            long linkAt = b + ovfOff;
            long next = view.getLong(linkAt);
            if (next == 0) {
                break;
            }
            if (pos + 1 > h.overflowBuckets) {
                report(linkAt, "a chain of at most overflowBuckets + 1 = " + (h.overflowBuckets + 1) + " buckets from " + label,
                        "a longer chain");
                break;
            }
            if (next < HeaderLayout.DATA_START || !view.contains(next, bs)) {
                report(linkAt, "an overflow bucket reference within [" + HeaderLayout.DATA_START + ", " + (h.fileEnd - bs) + "] in the chain of "
                        + label, "reference " + next);
                break;
            }
            long idx = space.index(next);
            if (idx == OverflowSpace.NOT_A_BUCKET) {
                report(linkAt, "a reference to a bucket inside an overflow page in the chain of " + label, "reference " + next
                        + (pagesComplete ? " (no overflow page has a bucket there)" : " (the overflow page list is damaged)"));
                break;
            }
            if (idx == OverflowSpace.NOT_HANDED_OUT) {
                report(linkAt, "a reference to an overflow bucket the allocator handed out (below ovfBumpNext " + h.ovfBumpNext + ")",
                        "reference " + next);
                break;
            }
            if (chained.get((int) idx)) {
                int back = indexOf(chainBuckets, pos + 1, next);
                if (back >= 0) {
                    report(linkAt, "an overflow chain without cycles from " + label, "a link back to chain position " + back + " (offset " + next + ")");
                } else {
                    report(linkAt, "an overflow bucket reachable from one chain only", "reference " + next + ", which another chain reaches too");
                }
                break;
            }
            chained.set((int) idx);
            reachable++;
            if (current) {
                reachableFromCurrent++;
            }
            pos++;
            if (pos == chainBuckets.length) {
                chainBuckets = java.util.Arrays.copyOf(chainBuckets, pos * 2);
            }
            chainBuckets[pos] = next;
            b = next;
        }
        checkDuplicates(n, label);
    }

    private long fieldLength(long off) {
        return view.getInt(off + VarSlotLayout.LENGTH_OFFSET) & 0xFFFFFFFFL;
    }

    /**
     * Checks the variable-length {@code what} slot at {@code off} of {@code label} and records its heap
     * block; returns the file offset of its bytes, or -1 if they cannot be read.
     */
    private long checkField(long off, int inline, long max, String what, String label) {
        long len = fieldLength(off);
        long body = off + VarSlotLayout.BODY_OFFSET;
        if (len > max) {
            report(off, "a " + what + " length of at most " + max + " bytes in " + label, String.valueOf(len));
            return -1;
        }
        if (len <= inline) {
            if (!view.isZero(body + len, inline - len)) {
                report(body + len, "zeros after the " + len + " inline " + what + " bytes in " + label, "leftover bytes");
            }
            return body;
        }
        if (!view.isZero(body + 8, inline - 8)) {
            report(body + 8, "zeros after the heap reference of the " + what + " in " + label, "leftover bytes");
        }
        long ref = view.getLong(body);
        int c = HeapLayout.smallClassFor(len);
        long bytes = ValueHeap.blockBytes(len);
        boolean aligned = c >= 0 ? (ref & (HeapLayout.smallBlockBytes(c) - 1)) == 0 : isExtent(ref, bytes);
        if (ref < HeaderLayout.DATA_START || !view.contains(ref, len) || !aligned) {
            report(body, "a reference to a heap block of " + bytes + " bytes for a " + len + "-byte " + what + " within ["
                    + HeaderLayout.DATA_START + ", " + h.fileEnd + ") in " + label, "reference " + ref);
            return -1;
        }
        Long other = heapRefs.putIfAbsent(ref, body);
        if (other != null) {
            report(body, "a heap block referred to by one slot only (" + what + " in " + label + ")",
                    "block " + ref + ", also referred to from offset " + other);
            return ref;
        }
        if (heapFree.contains(ref)) {
            report(body, "a heap block in use or free, not both (" + what + " in " + label + ")", "block " + ref + " is on the free list of class " + c);
        }
        if (c >= 0) {
            heapInUse[c]++;
            notePage(ref, c, body);
        } else {
            largeBlocks++;
            largeBytes += bytes;
            extents.add(new Extent(ref, bytes, "heap block of " + len + " bytes"));
        }
        return ref;
    }

    /** Records that small-class {@code c} has a block in the page of {@code block}; a page holds one class only. */
    private void notePage(long block, int c, long at) {
        long page = block & -(long) HeapLayout.CARVE_PAGE;
        Integer prev = heapPages.putIfAbsent(page, c);
        if (prev != null && prev != c) {
            report(at, "heap blocks of one class per page (page " + page + " holds class " + prev + ")", "a block of class " + c + " at " + block);
        }
    }

    /** Walks each small heap class's free list: bounded, acyclic, aligned blocks inside the file, as long as its count. */
    private void checkHeapFreeLists() {
        for (int c = 0; c < HeapLayout.SMALL_CLASSES; c++) {
            int size = HeapLayout.smallBlockBytes(c);
            long at = headerAt + HeaderLayout.HEAP_CLASSES_OFFSET + 24L * c;
            long b = h.heapFreeHeads[c];
            long n = 0;
            while (b != 0) {
                if (n >= h.heapBlocks[c] || !heapFree.add(b)) {
                    report(at, "a heap free list of class " + c + " without cycles, at most " + h.heapBlocks[c] + " blocks long",
                            "a longer list (block " + b + ")");
                    spaceComplete = false;
                    break;
                }
                if (b < HeaderLayout.DATA_START || !view.contains(b, size) || (b & (size - 1)) != 0) {
                    report(at, "a free heap block of " + size + " aligned bytes within the file", "offset " + b);
                    spaceComplete = false;
                    break;
                }
                if (!view.isZero(b + HeapLayout.SIZE, size - HeapLayout.SIZE)) {
                    report(b + HeapLayout.SIZE, "a zeroed free heap block (class " + c + ")", "leftover bytes");
                }
                notePage(b, c, at);
                n++;
                at = b + HeapLayout.NEXT_OFFSET;
                b = view.getLong(at);
            }
            if (b == 0 && n != h.heapFreeCounts[c]) {
                report(headerAt + HeaderLayout.HEAP_CLASSES_OFFSET + 24L * c + 8, "free heap block count " + n + " for class " + c
                        + " (the length of its free list)", String.valueOf(h.heapFreeCounts[c]));
            }
        }
    }

    /** After the walk: small pages hold exactly the carved blocks, in use + free = carved, large blocks add up. */
    private void checkHeapCounts() {
        long[] pages = new long[HeapLayout.SMALL_CLASSES];
        for (Map.Entry<Long, Integer> e : heapPages.entrySet()) {
            pages[e.getValue()]++;
            extents.add(new Extent(e.getKey(), HeapLayout.CARVE_PAGE, "heap page of class " + e.getValue()));
        }
        for (int c = 0; c < HeapLayout.SMALL_CLASSES; c++) {
            long at = headerAt + HeaderLayout.HEAP_CLASSES_OFFSET + 24L * c + 16;
            long perPage = HeapLayout.CARVE_PAGE / HeapLayout.smallBlockBytes(c);
            if (pages[c] * perPage != h.heapBlocks[c]) {
                report(at, "heap blocks carved of class " + c + " = " + pages[c] + " pages x " + perPage + " (pages holding its blocks)",
                        String.valueOf(h.heapBlocks[c]));
            }
            if (heapInUse[c] + h.heapFreeCounts[c] != h.heapBlocks[c]) {
                report(at, "heap blocks of class " + c + " either referred to (" + heapInUse[c] + ") or free (" + h.heapFreeCounts[c]
                        + "), " + h.heapBlocks[c] + " in all", (h.heapBlocks[c] - heapInUse[c] - h.heapFreeCounts[c]) + " leaked or double-counted");
            }
        }
        if (largeBlocks != h.heapLargeBlocks) {
            report(headerAt + HeaderLayout.HEAP_LARGE_BLOCKS_OFFSET, "heapLargeBlocks " + largeBlocks + " (large heap blocks referred to)",
                    String.valueOf(h.heapLargeBlocks));
        }
        if (largeBytes != h.heapLargeBytes) {
            report(headerAt + HeaderLayout.HEAP_LARGE_BYTES_OFFSET, "heapLargeBytes " + largeBytes + " (bytes of large heap blocks referred to)",
                    String.valueOf(h.heapLargeBytes));
        }
    }

    /** No key twice in one chain; with every key in the chain its hash selects, that means no key twice at all. */
    private void checkDuplicates(int n, String label) {
        if (n < 2) {
            return;
        }
        if (n <= 32) {
            for (int a = 1; a < n; a++) {
                for (int c = 0; c < a; c++) {
                    if (chainHashes[a] == chainHashes[c] && sameKey(a, c)) {
                        reportDuplicate(chainKeys[c], chainKeys[a], label);
                        break;
                    }
                }
            }
            return;
        }
        Map<Long, Integer> first = new HashMap<>();
        for (int a = 0; a < n; a++) {
            Integer c = first.putIfAbsent(chainHashes[a], a);
            if (c != null && sameKey(a, c)) {
                reportDuplicate(chainKeys[c], chainKeys[a], label);
            }
        }
    }

    /** Whether chain keys {@code a} and {@code c} are the same bytes (a variable-length key may live inline or in the heap). */
    private boolean sameKey(int a, int c) {
        return chainLens[a] == chainLens[c] && view.equalBytes(chainKeys[a], chainKeys[c], (int) chainLens[a]);
    }

    private void reportDuplicate(long firstAt, long againAt, String label) {
        report(againAt, "each key once in the chain of " + label, "key " + hex(againAt, kw) + " again (first at offset " + firstAt + ")");
    }

    private void checkCounts() {
        if (entries != h.count) {
            report(headerAt + HeaderLayout.COUNT_OFFSET, "count " + entries + " (the used slots of live chains)", String.valueOf(h.count));
        }
        if (h.noverflow != reachableFromCurrent) {
            report(headerAt + HeaderLayout.NOVERFLOW_OFFSET, "noverflow " + reachableFromCurrent
                    + " (overflow buckets in the chains of the current array)", String.valueOf(h.noverflow));
        }
    }

    private void checkOverflowFreeList() {
        BitSet freed = new BitSet();
        long at = headerAt + HeaderLayout.OVF_FREE_HEAD_OFFSET;
        long b = h.ovfFreeHead;
        long n = 0;
        boolean complete = true;
        while (b != 0) {
            long idx = b >= HeaderLayout.DATA_START && view.contains(b, bs) ? space.index(b) : OverflowSpace.NOT_A_BUCKET;
            if (idx < 0) {
                report(at, "a free overflow bucket the allocator handed out from an overflow page", "reference " + b);
                complete = false;
                break;
            }
            if (freed.get((int) idx) || n > space.capacity()) {
                report(at, "an overflow free list without cycles", "a link back to bucket " + b);
                complete = false;
                break;
            }
            freed.set((int) idx);
            n++;
            if (chained.get((int) idx)) {
                report(at, "a free overflow bucket that no chain uses", "bucket " + b + ", which a chain uses");
            } else if (!view.isZero(b, bs - 8)) {
                report(b, "a zeroed free overflow bucket", "leftover bytes");
            }
            at = b + bs - 8;
            b = view.getLong(at);
        }
        if (complete && n != h.ovfFreeCount) {
            report(headerAt + HeaderLayout.OVF_FREE_COUNT_OFFSET, "ovfFreeCount " + n + " (the length of the overflow free list)",
                    String.valueOf(h.ovfFreeCount));
        }
        if (!pagesComplete) {
            return;
        }
        long free = complete ? n : h.ovfFreeCount;
        long expected = space.handedOut() - free;
        if (h.overflowBuckets != expected) {
            report(headerAt + HeaderLayout.OVERFLOW_BUCKETS_OFFSET, "overflowBuckets " + expected + " (" + space.handedOut()
                    + " handed out from overflow pages − " + free + " free)", String.valueOf(h.overflowBuckets));
        } else if (h.overflowBuckets != reachable) {
            report(headerAt + HeaderLayout.OVERFLOW_BUCKETS_OFFSET, "overflowBuckets " + reachable + " (the overflow buckets in live chains)",
                    String.valueOf(h.overflowBuckets));
        }
        if (complete) {
            int leaks = 0;
            for (long i = 0; i < space.capacity() && leaks < 10; i++) {
                if (space.isHandedOut(i) && !chained.get((int) i) && !freed.get((int) i)) {
                    report(space.offset(i), "an overflow bucket in a chain or on the overflow free list", "a leaked bucket");
                    leaks++;
                }
            }
        }
    }

    // ------------------------------------------------------------------ helpers

    private static int indexOf(long[] a, int n, long v) {
        for (int i = 0; i < n; i++) {
            if (a[i] == v) {
                return i;
            }
        }
        return -1;
    }

    private String hex(long off, int len) {
        int shown = Math.min(len, 32);
        return "0x" + HexFormat.of().formatHex(view.bytes(off, shown)) + (shown < len ? "…" : "");
    }

    private static String slotName(int slot) {
        return slot == 0 ? "A" : "B";
    }

    private void report(long offset, String expected, String found) {
        add(new Problem(file, offset, expected, found));
    }

    private void add(Problem p) {
        if (problems.size() < MAX_PROBLEMS) {
            problems.add(p);
        } else {
            suppressed++;
        }
    }
}
