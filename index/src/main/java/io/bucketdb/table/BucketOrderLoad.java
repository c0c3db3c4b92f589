package io.bucketdb.table;

import io.bucketdb.storage.Layouts;

import java.io.IOException;
import java.lang.foreign.MemorySegment;

/**
 * Puts the entries of an {@link EntryBuffer} into a new table in the order of their buckets, so that the puts walk
 * the bucket array from its start to its end instead of missing the cache (and the TLB) on every entry: the fast
 * part of a build of a new index ({@code IndexBuild}).
 *
 * <p><b>Order.</b> {@link #order} hashes every key with the table's own hash (its seed), and moves each record, in
 * one stable counting-sort pass, to the region of the bucket array its bucket lies in: a region is
 * {@link #REGION_BYTES} of buckets (at most 2^{@value #MAX_REGION_BITS} regions), which fits the core's L2 cache, so
 * the puts of one region hit cached lines after their first touch and the regions follow each other through the
 * array. Inside a region the records keep the order they were given, and a key's records all fall in one region:
 * a key given twice ends with its last value. With many entries and a second core, each of the two passes runs in
 * two halves at once (the second half's records follow the first's in every region, so the order is the same). On the benchmark VM a finer order (down to single buckets) put no
 * faster, and its counts outgrew the cache and slowed this pass several times over (docs/BENCHMARKS.md).
 *
 * <p><b>Apply.</b> {@link #applyNext} puts the next records through the table's own put path ({@link
 * HashTable#putLong}, {@link HashTable#put}), which the caller runs in the writer role, in steps, so the index's
 * checkpoint triggers run between steps and bound its dirty pages. Nothing is journaled here: the table is that of
 * an index no one else can see yet, which the build closes (a checkpoint of everything) before it makes it visible.
 * Each step allocates nothing.
 *
 * <p><b>First touches.</b> From {@link #order} on, a {@link BuildPageToucher} makes the array's pages private ahead of
 * the puts on a core the builder does not use; {@link #close} (or the last step) stops it.
 */
public final class BucketOrderLoad implements AutoCloseable {
    /** Bytes of bucket array per region: a quarter of a 1 MiB L2, which the region's overflow buckets share. */
    static final long REGION_BYTES = 1L << 18;
    /** At most 2^this many regions: the counts stay a small array. */
    static final int MAX_REGION_BITS = 20;
    /** Entries from which the order pass runs in two halves on two cores (below, a thread costs more than it saves). */
    static final long PARALLEL_MIN = 1L << 16;
    static final String ORDER_THREAD = "bucketdb-build-order";

    private final HashTable t;
    private final EntryBuffer entries;
    private final boolean longs;
    private final int keyWidth;
    private final int valueWidth;
    private final int recordBytes;
    private final long n;
    private MemorySegment sorted;
    private long applied;
    /** Takes the puts' first page faults ahead of them; null before {@link #order} and after the last step. */
    private BuildPageToucher toucher;

    /**
     * A load of {@code entries} into {@code table}, a new table (not growing) of the entries' widths.
     *
     * @param table   the table
     * @param entries the entries, which this load reads and whose arena holds its own buffers
     */
    public BucketOrderLoad(HashTable table, EntryBuffer entries) {
        this.t = table;
        this.entries = entries;
        this.keyWidth = entries.keyWidth();
        this.valueWidth = entries.valueWidth();
        this.recordBytes = entries.recordBytes();
        this.n = entries.size();
        if (table.varKeys() || keyWidth != table.keyWidth() || valueWidth != table.fixedValueWidth()) {
            throw new IllegalArgumentException("entries of " + keyWidth + "-byte keys and " + valueWidth
                    + "-byte values do not fit a table of " + table.keyWidth() + "-byte keys and values of width "
                    + table.fixedValueWidth());
        }
        this.longs = keyWidth == Long.BYTES && valueWidth == Long.BYTES && !table.varValues();
    }

    /**
     * Orders the entries by the region of their bucket (see the class comment). Any thread: it reads only the table's
     * hash and bucket count, which no write changes while it is not growing. Call once, before {@link #applyNext}.
     * Where a second core is there and the entries are many, each pass runs in two halves, the second on a thread of
     * its own ({@value #ORDER_THREAD}): the result is the same, byte for byte.
     */
    public void order() {
        order(n >= PARALLEL_MIN && Runtime.getRuntime().availableProcessors() >= 2);
    }

    /** {@link #order()}, in two halves or not (tests compare the two). */
    void order(boolean inTwo) {
        ArraySnapshot g = t.snapshot;
        if (g.growing) {
            throw new IllegalStateException("a bucket-order load needs a table that is not growing");
        }
        if (toucher == null) {
            toucher = new BuildPageToucher(g);
            toucher.start(); // from the array's start while the records are ordered: the puts begin there
        }
        int b = g.b;
        long mask = b >= 63 ? -1L : (1L << b) - 1;
        int regionShift = 63 - Long.numberOfLeadingZeros(Math.max(1, REGION_BYTES / t.bs));
        int shift = Math.max(Math.min(b, regionShift), b - MAX_REGION_BITS);
        int regions = 1 << (b - shift);
        long half = inTwo ? n / 2 : n;
        // Pass 1: each record's region, and each half's count per region.
        long[] first = new long[regions];
        long[] second = new long[regions];
        MemorySegment region = entries.allocate(n * Integer.BYTES);
        inHalves(half, (from, to, next) -> regionPass(from, to, region, next, mask, shift), first, second);
        // Stable: in each region the first half's records, then the second's, each in the order given.
        long start = 0;
        for (int p = 0; p < regions; p++) {
            long a = first[p];
            first[p] = start;
            start += a;
            long c = second[p];
            second[p] = start;
            start += c;
        }
        // Pass 2: each record to the next place of its region in its half's share.
        sorted = entries.allocate(n * recordBytes);
        inHalves(half, (from, to, next) -> movePass(from, to, region, next), first, second);
    }

    /** One pass over records {@code [from, to)}, with the counts or places of their half. */
    @FunctionalInterface
    private interface RangePass {
        void run(long from, long to, long[] next);
    }

    /** Runs {@code pass} over {@code [0, half)} here and, on another thread, over {@code [half, n)}; then both are done. */
    private void inHalves(long half, RangePass pass, long[] first, long[] second) {
        if (half == n) {
            pass.run(0, n, first);
            return;
        }
        Throwable[] failed = new Throwable[1];
        Thread other = Thread.ofPlatform().name(ORDER_THREAD).daemon().start(() -> {
            try {
                pass.run(half, n, second);
            } catch (Throwable e) {
                failed[0] = e;
            }
        });
        try {
            pass.run(0, half, first);
        } finally {
            joinUninterruptibly(other);
        }
        if (failed[0] instanceof RuntimeException e) {
            throw e;
        }
        if (failed[0] instanceof Error e) {
            throw e;
        }
    }

    private static void joinUninterruptibly(Thread thread) {
        boolean interrupted = false;
        while (true) {
            try {
                thread.join();
                break;
            } catch (InterruptedException e) {
                interrupted = true; // the other half writes our buffers: it must end before they can be freed
            }
        }
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
    }

    /** Pass 1 over records {@code [from, to)}: the region of each, counted. */
    private void regionPass(long from, long to, MemorySegment region, long[] count, long mask, int shift) {
        long base = 0;
        for (int c = 0; c < entries.chunkCount() && base < to; c++) {
            MemorySegment chunk = entries.chunk(c);
            long records = entries.recordsIn(c);
            for (long i = Math.max(from, base), end = Math.min(to, base + records); i < end; i++) {
                int p = (int) ((t.lookup.hashKey(chunk, (i - base) * recordBytes) & mask) >>> shift);
                region.setAtIndex(Layouts.INT, i, p);
                count[p]++;
            }
            base += records;
        }
    }

    /** Pass 2 over records {@code [from, to)}: each to the next place of its region. */
    private void movePass(long from, long to, MemorySegment region, long[] next) {
        long base = 0;
        for (int c = 0; c < entries.chunkCount() && base < to; c++) {
            MemorySegment chunk = entries.chunk(c);
            long records = entries.recordsIn(c);
            for (long i = Math.max(from, base), end = Math.min(to, base + records); i < end; i++) {
                int p = region.getAtIndex(Layouts.INT, i);
                long dst = next[p]++ * recordBytes;
                long src = (i - base) * recordBytes;
                if (longs) {
                    sorted.set(Layouts.LONG, dst, chunk.get(Layouts.LONG, src));
                    sorted.set(Layouts.LONG, dst + Long.BYTES, chunk.get(Layouts.LONG, src + Long.BYTES));
                } else {
                    MemorySegment.copy(chunk, src, sorted, dst, recordBytes);
                }
            }
            base += records;
        }
    }

    /** {@return the ordered records (tests)} */
    MemorySegment sorted() {
        return sorted;
    }

    /**
     * Writer role: puts the next {@code max} ordered entries (fewer at the end).
     *
     * @param max the most entries to put
     * @return whether entries are left
     * @throws IOException if the table cannot allocate (an overflow bucket, a value heap block)
     */
    public boolean applyNext(int max) throws IOException {
        if (sorted == null) {
            throw new IllegalStateException("order() first");
        }
        if (applied == 0) {
            // As a growth's new array (GrowthReadAhead): the first touch of each 8 MiB would read ahead 8 MiB of zeros in
            // the put that faulted; without it a 10M build's puts took about a quarter less CPU (docs/BENCHMARKS.md).
            GrowthReadAhead.begin(t.mapping, t.snapshot);
        }
        long end = Math.min(n, applied + max);
        MemorySegment s = sorted;
        if (toucher != null && applied < n) {
            toucher.builderAt(t.lookup.hashKey(s, applied * recordBytes) & t.snapshot.mask);
        }
        for (long off = applied * recordBytes; applied < end; applied++, off += recordBytes) {
            if (longs) {
                t.putLong(s.get(Layouts.LONG, off), s.get(Layouts.LONG, off + Long.BYTES));
            } else {
                t.put(s, off, keyWidth, s, off + keyWidth, valueWidth);
            }
        }
        if (applied == n) {
            GrowthReadAhead.end(t.mapping, t.snapshot);
            close();
        }
        return applied < n;
    }

    /** Stops the page toucher, if it runs (without waiting for it); the load's buffers belong to its entries. */
    @Override
    public void close() {
        BuildPageToucher p = toucher;
        if (p != null) {
            toucher = null;
            p.stop();
        }
    }

    /** {@return the page toucher while it runs (tests)} */
    BuildPageToucher toucher() {
        return toucher;
    }

    /** {@return the entries put so far} */
    public long applied() {
        return applied;
    }
}
