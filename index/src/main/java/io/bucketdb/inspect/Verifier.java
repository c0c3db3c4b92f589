package io.bucketdb.inspect;

import io.bucketdb.recovery.JournalCheck;
import io.bucketdb.recovery.JournalOptions;
import io.bucketdb.storage.BucketLayout;
import io.bucketdb.spi.CorruptIndexException;
import io.bucketdb.storage.ExtentClasses;
import io.bucketdb.storage.Header;
import io.bucketdb.storage.HeaderLayout;
import io.bucketdb.storage.PieceDirectoryLayout;
import io.bucketdb.storage.VarSlotLayout;

import java.io.IOException;
import java.nio.file.Path;
import java.util.BitSet;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.function.LongConsumer;
import java.util.Map;

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
    private final IndexInspector in;
    private final Path file;
    private final Header h;
    private final BucketLayout layout;
    private final FileView view;
    private final int bs;
    private final int kw;
    private final int vw;
    private final int ovfOff;
    private final long headerAt;
    private final boolean varKeys;
    private final boolean varValues;
    private final int keyInline;
    private final int valueInline;
    /** The numbering of block-number value slots (format version 8), else null. */
    private final io.bucketdb.storage.BlockNumberLayout numbers;
    private boolean tableWalked;
    private final ProblemList problems;
    /** Directories, overflow pages, free lists and the tiling of the file's space. */
    private final SpaceCheck space;
    /** Slot lengths, heap references and the heap's free lists and counts. */
    private final HeapCheck heap;

    private long entries;
    private long reachable;
    private long reachableFromCurrent;

    // Per-chain scratch for the duplicate-key check.
    private long[] chainHashes = new long[64];
    private long[] chainKeys = new long[64];
    /** Key lengths of the chain (the key width, or a variable-length key's length). */
    private long[] chainLens = new long[64];
    private long[] chainBuckets = new long[16];

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
        this.headerAt = HeaderLayout.slotOffset(in.activeSlot());
        this.varKeys = h.varKeys();
        this.varValues = h.varValues();
        this.keyInline = VarSlotLayout.inlineWidth(kw);
        this.valueInline = VarSlotLayout.inlineWidth(vw);
        this.numbers = io.bucketdb.storage.BlockNumberLayout.of(h);
        this.problems = new ProblemList(file);
        this.space = new SpaceCheck(h, view, problems, bs, headerAt);
        this.heap = new HeapCheck(h, view, problems, space, headerAt);
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
            long[] cur = space.readArray(h.bucketDir, h.b, "bucket directory", "current array");
            // An in-place split's old array is the current array's lower half: its directory owns no pieces of its own.
            long[] old = h.growing() ? space.readArray(h.oldBucketDir, h.oldB, "old bucket directory", "old array", !h.splittingInPlace()) : null;
            if (old != null && cur != null && h.splittingInPlace()) {
                checkLowerHalf(cur, old);
            }
            space.checkOverflowPages();
            space.checkFreeLists();
            heap.checkHeapFreeLists();
            if (cur != null && (old != null || !h.growing())) {
                walkTable(cur, old);
                checkOverflowFreeList();
                tableWalked = true;
                heap.checkHeapCounts();
            }
            // Heap blocks are known only from the slots that refer to them: tile only after the walk.
            boolean heapKnown = tableWalked || (h.heapLargeBlocks == 0 && java.util.Arrays.stream(h.heapBlocks).allMatch(b -> b == 0));
            if (space.complete() && heapKnown) {
                space.checkTiling();
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
        return problems.finish();
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

    // ------------------------------------------------------------------ buckets and chains

    /** An in-place split's old directory must list exactly the current array's first pieces. */
    private void checkLowerHalf(long[] cur, long[] old) {
        for (int p = 0; p < old.length; p++) {
            if (p >= cur.length || old[p] != cur[p]) {
                report(h.oldBucketDir + PieceDirectoryLayout.PIECES + 8L * p, "piece " + p + " of the current array ("
                        + (p < cur.length ? cur[p] : "none") + ") in the old directory of an in-place split", String.valueOf(old[p]));
                return;
            }
        }
    }

    /**
     * During an in-place split (format version 7) old bucket {@code i} is current bucket {@code i}: below the mark it
     * is split (its keys select it in the new array, and its sibling {@code i + 2^oldB} holds the rest); at or past
     * the mark its keys select it in the old array, and its sibling is not initialized yet.
     */
    private void walkSplitTable(long[] cur) {
        long oldN = 1L << h.oldB;
        long n = 1L << h.b;
        for (long j = 0; j < n; j++) {
            walked();
            long i = j & (oldN - 1);
            if (i < h.nevacuate) {
                walkChain(in.bucketOffset(cur, j), j, n - 1, "bucket " + j, true);
            } else if (j < oldN) {
                walkChain(in.bucketOffset(cur, j), j, oldN - 1, "bucket " + j + " (not split yet)", true);
            } // else: the split of bucket i initializes it
        }
        checkCounts();
    }

    private void walkTable(long[] cur, long[] old) {
        if (h.splittingInPlace()) {
            walkSplitTable(cur);
            return;
        }
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
        if (!view.isZero(off + layout.keysOffset(), (long) SLOTS * (kw + vw))) {
            report(off + layout.keysOffset(), "zeroed keys and values in evacuated old bucket " + i, "leftover bytes");
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
                if (numbers != null) {
                    heap.checkNumberedValue(voff, numbers, label);
                } else if (varValues) {
                    // Fixed-width values kept out of line: every slot holds the one width (never inline, as it is wider).
                    if (h.outlineValues() && heap.fieldLength(voff) != h.outlineValueWidth) {
                        report(voff, "a value of the index's " + h.outlineValueWidth + " bytes (kept out of line) in " + label,
                                "length " + heap.fieldLength(voff));
                    }
                    heap.checkField(voff, valueInline, JournalOptions.DEFAULT_MAX_VALUE_LENGTH, "value", label);
                }
                long hash;
                long keyAt = koff;
                long keyLen = kw;
                if (varKeys) {
                    keyAt = heap.checkField(koff, keyInline, JournalOptions.DEFAULT_MAX_KEY_LENGTH, "key", label);
                    if (keyAt < 0) {
                        continue;
                    }
                    keyLen = heap.fieldLength(koff);
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
            long idx = space.overflowSpace().index(next);
            if (idx == OverflowSpace.NOT_A_BUCKET) {
                report(linkAt, "a reference to a bucket inside an overflow page in the chain of " + label, "reference " + next
                        + (space.pagesComplete() ? " (no overflow page has a bucket there)" : " (the overflow page list is damaged)"));
                break;
            }
            if (idx == OverflowSpace.NOT_HANDED_OUT) {
                report(linkAt, "a reference to an overflow bucket the allocator handed out (below ovfBumpNext " + h.ovfBumpNext + ")",
                        "reference " + next);
                break;
            }
            if (space.chained().get((int) idx)) {
                int back = indexOf(chainBuckets, pos + 1, next);
                if (back >= 0) {
                    report(linkAt, "an overflow chain without cycles from " + label, "a link back to chain position " + back + " (offset " + next + ")");
                } else {
                    report(linkAt, "an overflow bucket reachable from one chain only", "reference " + next + ", which another chain reaches too");
                }
                break;
            }
            space.chained().set((int) idx);
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
            long idx = b >= HeaderLayout.DATA_START && view.contains(b, bs) ? space.overflowSpace().index(b) : OverflowSpace.NOT_A_BUCKET;
            if (idx < 0) {
                report(at, "a free overflow bucket the allocator handed out from an overflow page", "reference " + b);
                complete = false;
                break;
            }
            if (freed.get((int) idx) || n > space.overflowSpace().capacity()) {
                report(at, "an overflow free list without cycles", "a link back to bucket " + b);
                complete = false;
                break;
            }
            freed.set((int) idx);
            n++;
            if (space.chained().get((int) idx)) {
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
        if (!space.pagesComplete()) {
            return;
        }
        long free = complete ? n : h.ovfFreeCount;
        long expected = space.overflowSpace().handedOut() - free;
        if (h.overflowBuckets != expected) {
            report(headerAt + HeaderLayout.OVERFLOW_BUCKETS_OFFSET, "overflowBuckets " + expected + " (" + space.overflowSpace().handedOut()
                    + " handed out from overflow pages − " + free + " free)", String.valueOf(h.overflowBuckets));
        } else if (h.overflowBuckets != reachable) {
            report(headerAt + HeaderLayout.OVERFLOW_BUCKETS_OFFSET, "overflowBuckets " + reachable + " (the overflow buckets in live chains)",
                    String.valueOf(h.overflowBuckets));
        }
        if (complete) {
            int leaks = 0;
            for (long i = 0; i < space.overflowSpace().capacity() && leaks < 10; i++) {
                if (space.overflowSpace().isHandedOut(i) && !space.chained().get((int) i) && !freed.get((int) i)) {
                    report(space.overflowSpace().offset(i), "an overflow bucket in a chain or on the overflow free list", "a leaked bucket");
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
        problems.report(offset, expected, found);
    }

    private void add(Problem p) {
        problems.add(p);
    }
}
