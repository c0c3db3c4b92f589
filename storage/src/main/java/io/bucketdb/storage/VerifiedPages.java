package io.bucketdb.storage;

import io.bucketdb.spi.CorruptIndexException;
import io.bucketdb.spi.DurableIO;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.foreign.MemorySegment;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.file.Path;
import java.util.zip.CRC32C;

import static io.bucketdb.storage.ExtentClasses.PAGE_SHIFT;
import static io.bucketdb.storage.ExtentClasses.PAGE_SIZE;

/**
 * The table pages that may be read as data (issue 15, defect 10): one bit per page of the table file, set once the
 * page's bytes matched the CRC32C that the checkpoint of the open image recorded for it ({@link PageChecksums}), or
 * once the writer changed the page. Every read of the mapping as table data calls {@link #check} first, so a damaged
 * page is never served: its first read raises a {@link CorruptIndexException} naming the page's offset.
 *
 * <p>Only a page's first read since open needs its checksum. Afterwards the page is either unchanged in the file (a
 * checkpoint writes only pages the writer dirtied) or it is the writer's own (copy-on-write, trusted; the next
 * checkpoint recomputes its checksum). Pages a checkpoint wrote and {@link PageRelease} then released come back from
 * the file the checkpoint just wrote and forced from this memory; they are not checked again, for the same reason
 * a verified page that the kernel evicted from the page cache is not: damage that appears in the file while an index
 * is open is beyond what a bit per page can see, and {@code bucketdb verify} (or the next open) finds it. Pages at or
 * beyond the checksummed range (the table grew since the checkpoint, or it was created by this open) are not checked:
 * no checkpoint has written them, and only this open's writer can have put anything there.
 *
 * <p>Memory ordering: readers test a bit with a plain load; bits are only ever set, with an atomic OR, so two
 * readers verifying pages of the same word lose nothing and two verifying the same page do the same work twice. The
 * writer calls {@link #claim} before it changes a page, which verifies the page first if no one has (its old bytes
 * must be sound: a write does not repair the rest of a damaged page) and then sets the bit with a volatile
 * read-modify-write, before the bytes change. A reader that finds a mismatch issues an acquire fence and tests the
 * bit again: set means the writer claimed the page while the reader computed its checksum (the same protocol as the
 * table's seqlock stamps), so the mismatch is the writer's change, not damage.
 *
 * <p>A table file read in place from a live index (the inspector's, through {@link #load}) maps the file itself, so a
 * page may change under it when the writer checkpoints in place. (A read-only view reads an in-memory copy instead.)
 * Such a reader passes the index directory: a mismatch is then judged against the newer page
 * checksum files on disk before it is called damage, and if the file changed on disk in a way they do not explain
 * the read fails with an {@link IOException} that says so, not with a damage report.
 */
public final class VerifiedPages {
    private static final VarHandle WORDS = MethodHandles.arrayElementVarHandle(long[].class);
    private static final VarHandle UNTRUSTED;
    private static final VarHandle WATCHED_UNTRUSTED;

    static {
        try {
            UNTRUSTED = MethodHandles.lookup().findVarHandle(VerifiedPages.class, "untrusted", long.class);
            WATCHED_UNTRUSTED = MethodHandles.lookup().findVarHandle(VerifiedPages.class, "watchedUntrusted", long.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    /** Checks nothing: a table without recorded page checksums (a new table, or tests of the table alone). */
    public static final VerifiedPages NONE = new VerifiedPages(null, null, 0, null, 0, null, null);

    private final ChunkedMapping mapping;
    private final Path file;
    private final long generation;
    /** Entry {@code i}: the recorded CRC32C of page {@code FIRST_PAGE + i} (see {@link PageChecksums#entries}). */
    private final int[] recorded;
    /** Pages {@code [FIRST_PAGE, end)} carry checksums; bit {@code p} of this set is page {@code p} (file offset {@code p << PAGE_SHIFT}). */
    private final long end;
    private final long[] words;
    /** Pages of {@code [FIRST_PAGE, end)} whose bit is not set yet; decremented atomically by whoever sets one. */
    @SuppressWarnings("unused") // through UNTRUSTED
    private long untrusted;
    /**
     * Every page is trusted (issue 19, misses): set once, when {@link #untrusted} reaches 0, and never cleared, since
     * bits are never cleared. Read plain: a reader that sees it late only tests the bits, which say the same. It lets
     * a get skip the bit tests, and the caller the file offset they need ({@link #allTrusted}).
     */
    private boolean allTrusted;
    /**
     * Every page of the bucket array the table was opened with is trusted, or every page is (issue 19, getpath); set
     * once, never cleared, read plain as {@link #allTrusted} is. See {@link #watchBuckets}: it lets a get of a reopened
     * index skip the page check of its first bucket once the array's pages are verified, whatever the pages of overflow
     * buckets, heap blocks and free space are.
     */
    private boolean bucketsTrusted;
    /** The pages {@link #watchBuckets} was given, as bits like {@link #words}; null until then. */
    private long[] watched;
    /** Pages of {@link #watched} whose bit is not set yet; decremented atomically by whoever sets one. */
    @SuppressWarnings("unused") // through WATCHED_UNTRUSTED
    private long watchedUntrusted;
    /** The index directory of a read-only view of a possibly live index; null for the writer's own table. */
    private final Path liveDir;
    private final DurableIO io;

    private VerifiedPages(ChunkedMapping mapping, Path file, long generation, int[] recorded, long end, Path liveDir,
                          DurableIO io) {
        this.mapping = mapping;
        this.file = file;
        this.generation = generation;
        this.recorded = recorded;
        this.end = end;
        this.liveDir = liveDir;
        this.io = io;
        this.words = new long[(int) ((end + 63) >>> 6)];
        // Header pages are not table data; pages past the checksummed range in the last word need no check.
        for (long p = 0; p < Math.min(PageChecksumsLayout.FIRST_PAGE, end); p++) {
            words[(int) (p >>> 6)] |= 1L << p;
        }
        for (long p = end; p < (long) words.length << 6; p++) {
            words[(int) (p >>> 6)] |= 1L << p;
        }
        this.untrusted = Math.max(0, end - PageChecksumsLayout.FIRST_PAGE);
        this.allTrusted = untrusted == 0;
        this.bucketsTrusted = allTrusted;
    }

    /**
     * {@return the pages of {@code table} to verify against {@code sums}, the page checksums of the checkpoint the table
     * was opened at}
     *
     * @param table the open table file; its header names the generation
     * @param sums the checksums recorded by that checkpoint; their entries are shared, not copied (4 bytes a page):
     *     the entries read here are those of pages no one has written since open, which checkpoints do not change
     * @param liveDir for a table file read in place from a live index, the index directory, whose newer checksum files
     *     explain pages a live writer checkpoints in place beneath the reader; null for a table opened for writing
     *     and for a read-only view's in-memory copy
     * @param io the durable I/O that reads those files
     */
    public static VerifiedPages of(TableFile table, PageChecksums sums, Path liveDir, DurableIO io) {
        int[] entries = sums.entries();
        long covered = Math.min(Math.min(sums.pages(), entries.length), PageChecksumsLayout.pageCount(table.header().fileEnd));
        long end = covered == 0 ? 0 : PageChecksumsLayout.FIRST_PAGE + covered;
        return new VerifiedPages(table.mapping(), table.path(), table.header().generation, entries, end, liveDir, io);
    }

    /**
     * {@return the pages of {@code table}, opened read-only from index directory {@code dir}, to verify against the
     * page checksums of its checkpoint; {@link #NONE} if that file is missing or damaged} Such a view cannot rebuild
     * the file as an open for writing does, and {@code bucketdb verify} reports it.
     *
     * @param io the durable I/O that reads the page checksum files
     * @param dir the index directory
     * @param table the table file, open read-only
     * @throws IOException if reading the page checksum file fails
     */
    public static VerifiedPages load(DurableIO io, Path dir, TableFile table) throws IOException {
        PageChecksums sums;
        try {
            sums = PageChecksums.load(io, dir, table.header().generation);
        } catch (CorruptIndexException lost) {
            return NONE;
        }
        return of(table, sums, dir, io);
    }

    /**
     * Makes sure the pages of {@code [off, off + len)} may be read as data: returns at once if each was verified or
     * written since open (one or two bit tests), else checks the others' CRC32C. Allocates nothing on the fast path.
     *
     * @param off the file offset of the first byte to be read, inside the mapping
     * @param len the number of bytes to be read, at least 1
     * @throws UncheckedIOException wrapping a {@link CorruptIndexException} that names the table file and the offset of
     *     a page whose bytes do not match its recorded checksum, or an {@link IOException} when a read-only view found
     *     a page changed on disk that no newer checksum file explains
     */
    public void check(long off, long len) {
        if (allTrusted) {
            return;
        }
        long first = off >>> PAGE_SHIFT;
        long last = (off + len - 1) >>> PAGE_SHIFT;
        if (last - first > 1 || !trusted(first) || !trusted(last)) {
            verifyRange(first, last);
        }
    }

    /**
     * {@return whether every page is trusted, so {@link #check} would return at once whatever it is given} A hot reader
     * tests this first and computes the file offset {@code check} needs only when it is false (issue 19: a get of the
     * long path then spends no instructions on pages, which lets the CPU overlap more gets). Once true it stays true;
     * a reader that sees it false calls {@code check}, which tests the bits.
     */
    public boolean allTrusted() {
        return allTrusted;
    }

    /**
     * {@return whether every page of the table's bucket array is trusted, so a get may read a bucket of the current
     * array without {@link #check}} True once {@link #allTrusted} is, or once every page {@link #watchBuckets} was
     * given is trusted; stays true.
     */
    public boolean bucketsTrusted() {
        return bucketsTrusted;
    }

    /**
     * At open, before any reader and any write: the pages of the bucket arrays the header names ({@code [start, end)}
     * file ranges as pairs), after which {@link #bucketsTrusted} turns true as soon as each of them is trusted, while
     * pages no get of the array reads (free space, overflow and heap pages) may stay unverified. The caller's promise:
     * every bucket array the table publishes later for a get outside a growth has only these pages and pages the writer
     * claimed (a growth zeroes every bucket of a new piece through {@link #claim} before the growth ends), so that
     * once true it stays true for every array. Call at most once.
     *
     * @param ranges file ranges {@code [start, end)} as pairs
     */
    public void watchBuckets(long[] ranges) {
        if (bucketsTrusted || watched != null) {
            return;
        }
        long[] bits = new long[words.length];
        long count = 0;
        for (int i = 0; i + 1 < ranges.length; i += 2) {
            for (long p = ranges[i] >>> PAGE_SHIFT; p < (ranges[i + 1] + PAGE_SIZE - 1) >>> PAGE_SHIFT; p++) {
                long w = p >>> 6;
                if (w < bits.length && !trusted(p) && (bits[(int) w] & (1L << p)) == 0) {
                    bits[(int) w] |= 1L << p;
                    count++;
                }
            }
        }
        watchedUntrusted = count;
        watched = bits;
        bucketsTrusted = count == 0;
    }

    /**
     * Writer role, before it changes {@code [off, off + len)}: verifies those pages if no one has yet, then marks
     * them trusted for every later read.
     *
     * @param off the file offset of the first byte to be changed
     * @param len the number of bytes to be changed
     * @throws UncheckedIOException wrapping a {@link CorruptIndexException} if one of the pages is damaged
     */
    public void claim(long off, long len) {
        if (len <= 0) {
            return;
        }
        long first = off >>> PAGE_SHIFT;
        long last = (off + len - 1) >>> PAGE_SHIFT;
        for (long p = first; p <= last; p++) {
            if (!trusted(p)) {
                verify(p);
            }
        }
    }

    /**
     * {@return whether page {@code page} needs no check: verified or written since open, or outside the checksummed
     * range}
     *
     * @param page a page number (file offset {@code >>> PAGE_SHIFT})
     */
    public boolean trusted(long page) {
        long w = page >>> 6;
        return w >= words.length || (words[(int) w] & (1L << page)) != 0;
    }

    /**
     * Writer role: marks {@code page} trusted without checking it, for a page of free space whose bytes nothing reads
     * as data and whose recorded checksum a checkpoint is about to change (it gives the page back to the file system,
     * after which it reads as zeros). The writer then overwrites whatever it reads there before it is data again.
     *
     * @param page a page number (file offset {@code >>> PAGE_SHIFT})
     */
    public void trust(long page) {
        set(page);
    }

    /**
     * At open, for a page no get reads (issue 19, getpath): verifies it now if it is not trusted yet, so that once the
     * gets have verified the pages they do read, {@link #allTrusted} can become true. A page whose bytes do not match is
     * left untrusted, as if this was never called: whoever reads it later as data raises the damage then, and an open
     * does not fail over damage in space nothing reads ({@code bucketdb verify} reports it).
     *
     * @param page a page number (file offset {@code >>> PAGE_SHIFT})
     * @return whether the page is trusted now
     */
    public boolean verifyIfSound(long page) {
        if (trusted(page)) {
            return true;
        }
        try {
            verify(page);
        } catch (UncheckedIOException damaged) {
            return false;
        }
        return trusted(page);
    }

    /** {@return the pages of {@code [FIRST_PAGE, end)} not trusted yet} For tests and the open's accounting. */
    public long untrustedPages() {
        return (long) UNTRUSTED.getVolatile(this);
    }

    private void verifyRange(long first, long last) {
        for (long p = first; p <= last; p++) {
            if (!trusted(p)) {
                verify(p);
            }
        }
    }

    private void verify(long page) {
        long off = page << PAGE_SHIFT;
        int index = mapping.chunkIndex(off);
        MemorySegment[] chunks = mapping.chunks();
        if (index < 0 || index >= chunks.length) {
            return; // not mapped (damage far beyond the file): the caller's bounds checks report it
        }
        MemorySegment seg = chunks[index];
        long local = off - mapping.chunkStart(index);
        if (local + PAGE_SIZE > seg.byteSize()) {
            return;
        }
        MemorySegment bytes = seg.asSlice(local, PAGE_SIZE);
        int found = crc(bytes);
        int recorded = this.recorded[(int) (page - PageChecksumsLayout.FIRST_PAGE)];
        if (found == recorded || (recorded == PageChecksumsLayout.NEVER_WRITTEN && isZero(bytes))) {
            set(page);
            return;
        }
        VarHandle.acquireFence();
        if (trusted(page)) {
            return; // the writer claimed it while the checksum was computed: its change, not damage
        }
        if (liveDir != null && explainedByNewerCheckpoint(page, found)) {
            set(page);
            return;
        }
        throw new UncheckedIOException(new CorruptIndexException(file, off, "a page whose CRC32C is " + hex(recorded)
                + " as the checkpoint of generation " + generation + " recorded"
                + (recorded == PageChecksumsLayout.NEVER_WRITTEN ? " (a page no checkpoint wrote, all zeros)" : "")
                + ", found " + hex(found)));
    }

    /**
     * A read-only view: whether a writer checkpointed this page in place after the view opened. Each checkpoint makes
     * its page checksum file durable before it writes a page in place, so such a page matches the newer file's entry.
     */
    private boolean explainedByNewerCheckpoint(long page, int found) {
        boolean newer = false;
        for (int parity = 0; parity < 2; parity++) {
            PageChecksums other;
            try {
                other = PageChecksums.loadAny(io, PageChecksums.path(liveDir, parity));
            } catch (IOException e) {
                newer = true; // being rewritten right now: a writer is checkpointing
                continue;
            }
            if (other == null || other.generation() <= generation) {
                continue;
            }
            newer = true;
            if (page - PageChecksumsLayout.FIRST_PAGE < other.pages() && other.get(page) == found) {
                return true;
            }
        }
        if (newer) {
            throw new UncheckedIOException(new IOException(file + " @ offset " + (page << PAGE_SHIFT) + ": the page changed on "
                    + "disk while it was read (a writer checkpointed after generation " + generation + "); open the index again"));
        }
        return false;
    }

    private void set(long page) {
        long w = page >>> 6;
        if (w < words.length) {
            long bit = 1L << page;
            long old = (long) WORDS.getAndBitwiseOr(words, (int) w, bit);
            // Only pages of [FIRST_PAGE, end) start unset, so each of them counts down exactly once.
            if ((old & bit) == 0) {
                if ((long) UNTRUSTED.getAndAdd(this, -1L) == 1) {
                    allTrusted = true;
                    bucketsTrusted = true;
                }
                long[] watch = watched;
                if (watch != null && (watch[(int) w] & bit) != 0 && (long) WATCHED_UNTRUSTED.getAndAdd(this, -1L) == 1) {
                    bucketsTrusted = true;
                }
            }
        }
    }

    private static int crc(MemorySegment page) {
        CRC32C crc = new CRC32C();
        crc.update(page.asByteBuffer());
        return (int) crc.getValue();
    }

    private static boolean isZero(MemorySegment page) {
        for (long i = 0; i < page.byteSize(); i += 8) {
            if (page.get(Layouts.LONG, i) != 0) {
                return false;
            }
        }
        return true;
    }

    private static String hex(int crc) {
        return String.format("0x%08x", crc);
    }
}
