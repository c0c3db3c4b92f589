package io.bucketdb.storage;

import io.bucketdb.spi.CorruptIndexException;
import io.bucketdb.spi.DurableFile;
import io.bucketdb.spi.DurableIO;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.zip.CRC32C;

import static io.bucketdb.storage.PageChecksumsLayout.*;

/**
 * The CRC32C of every data page of the table file as the last checkpoint wrote it (issue 3), kept in
 * memory by the writer and written by every checkpoint to its page checksum file
 * ({@link PageChecksumsLayout}). A checkpoint writes only the pages dirtied since the last one, so the
 * table carries the other pages' checksums over from earlier checkpoints: it is loaded on open for the
 * header's generation, and rebuilt from the pages as they are when that file is lost.
 *
 * <p>Costs 4 bytes of memory per 4 KiB page (0.1 % of the table), and every checkpoint rewrites the
 * whole file (0.1 % of the table's size), which keeps the file simple: one generation, one image.
 *
 * <p>Not thread-safe: the writer thread (or whoever runs checkpoints) owns it.
 */
public final class PageChecksums {
    private static final int IO_CHUNK = 1 << 20;

    /** Entry {@code i} is the CRC32C of table page {@code FIRST_PAGE + i}; missing entries are {@link #NEVER_WRITTEN}. */
    private int[] crcs;
    /** Entries the table has: pages below the allocation end it was written, loaded or rebuilt for. */
    private int count;
    /** The generation of the file these were loaded from; -1 if they were not loaded. */
    private final long generation;

    /** Checksums of a new table: no page written yet. */
    public PageChecksums() {
        this(new int[0], 0, -1);
    }

    private PageChecksums(int[] crcs, int count, long generation) {
        this.crcs = crcs;
        this.count = count;
        this.generation = generation;
    }

    /** {@return the checkpoint generation of the file these checksums were loaded from, or -1 if not loaded} */
    public long generation() {
        return generation;
    }

    /**
     * {@return the CRC32C of the bytes {@code page} has remaining; its position does not move}
     *
     * @param page the page's bytes, from position to limit
     */
    public static int crc(ByteBuffer page) {
        CRC32C crc = new CRC32C();
        crc.update(page.duplicate());
        return (int) crc.getValue();
    }

    /**
     * Records {@code crc} for table page {@code page} (a page number: file offset {@code >>> PAGE_SHIFT}).
     *
     * @param page a data page number, at least {@link PageChecksumsLayout#FIRST_PAGE}
     * @param crc the page's CRC32C
     * @throws IllegalArgumentException if {@code page} is a header page or too large for the table
     */
    public void set(long page, int crc) {
        int i = index(page);
        if (i >= crcs.length) {
            crcs = Arrays.copyOf(crcs, Math.max(i + 1, crcs.length + (crcs.length >> 1) + 16));
        }
        crcs[i] = crc;
        count = Math.max(count, i + 1);
    }

    /**
     * Records the checksums of consecutive pages from {@code firstPage}, whose bytes are what {@code pages} has
     * remaining (a multiple of the page size); its position does not move.
     *
     * @param firstPage the page number of the first page, at least {@link PageChecksumsLayout#FIRST_PAGE}
     * @param pages the pages' bytes, from position to limit
     */
    public void record(long firstPage, ByteBuffer pages) {
        int n = pages.remaining() >>> ExtentClasses.PAGE_SHIFT;
        for (int k = 0; k < n; k++) {
            set(firstPage + k, crc(pages.slice(pages.position() + (k << ExtentClasses.PAGE_SHIFT), ExtentClasses.PAGE_SIZE)));
        }
    }

    /**
     * {@return the recorded CRC32C of table page {@code page}, or {@link PageChecksumsLayout#NEVER_WRITTEN}}
     *
     * @param page a data page number, at least {@link PageChecksumsLayout#FIRST_PAGE}
     * @throws IllegalArgumentException if {@code page} is a header page or too large for the table
     */
    public int get(long page) {
        int i = index(page);
        return i < crcs.length ? crcs[i] : NEVER_WRITTEN;
    }

    /**
     * The entries as they are now, for {@link VerifiedPages}: an entry in this array changes only when a checkpoint
     * records a page it writes (a page the writer dirtied), and growing the table copies to a new array, so the entries
     * of pages no one has written stay as they were for whoever holds this array.
     */
    int[] entries() {
        return crcs;
    }

    /** {@return the number of pages this table covers (from {@link PageChecksumsLayout#FIRST_PAGE} on)} */
    public long pages() {
        return count;
    }

    private static int index(long page) {
        long i = page - FIRST_PAGE;
        if (i < 0 || i > Integer.MAX_VALUE - 64) {
            throw new IllegalArgumentException("page " + page + " is not a data page of a table file");
        }
        return (int) i;
    }

    /**
     * {@return the path of the page checksum file of {@code generation} in index directory {@code dir}}
     *
     * @param dir the index directory
     * @param generation the checkpoint generation (the table header's)
     */
    public static Path path(Path dir, long generation) {
        return dir.resolve(fileName(generation));
    }

    /**
     * Writes the whole page checksum file of {@code generation}, covering every page below {@code fileEnd}, through
     * {@code io}, and forces it. A checkpoint calls this before it writes the head of its double-write batch (see
     * {@link PageChecksumsLayout} for why).
     *
     * @param generation the checkpoint generation the file belongs to
     * @param fileEnd the table's allocation end; pages below it are covered
     * @param io the durable I/O that writes the file
     * @param dir the index directory
     * @return the bytes written
     * @throws IOException if writing, forcing or syncing the directory fails
     */
    public long writeFor(long generation, long fileEnd, DurableIO io, Path dir) throws IOException {
        long pageCount = PageChecksumsLayout.pageCount(fileEnd);
        Path path = path(dir, generation);
        boolean existed = Files.exists(path);
        try (DurableFile out = io.open(path, DurableIO.Mode.CREATE_OR_OPEN)) {
            if (!existed) {
                io.syncDirectory(dir);
            }
            // Body first, header last (one force covers both; load checks both CRCs, so order is for readers' sake).
            CRC32C body = new CRC32C();
            ByteBuffer buf = ByteBuffer.allocate((int) Math.min(IO_CHUNK, Math.max(ENTRY, pageCount * ENTRY)))
                    .order(ByteOrder.LITTLE_ENDIAN);
            long pos = BODY;
            for (long i = 0; i < pageCount; ) {
                buf.clear();
                while (buf.hasRemaining() && i < pageCount) {
                    buf.putInt(i < crcs.length ? crcs[(int) i] : NEVER_WRITTEN);
                    i++;
                }
                buf.flip();
                body.update(buf.duplicate());
                out.write(pos, buf);
                pos += buf.limit();
            }
            ByteBuffer head = ByteBuffer.allocate(SIZE).order(ByteOrder.LITTLE_ENDIAN);
            head.putLong(MAGIC_OFFSET, MAGIC);
            head.putInt(FORMAT_VERSION_OFFSET, FORMAT_VERSION);
            head.putInt(PAGE_SHIFT_OFFSET, ExtentClasses.PAGE_SHIFT);
            head.putLong(GENERATION_OFFSET, generation);
            head.putLong(PAGE_COUNT_OFFSET, pageCount);
            head.putInt(BODY_CHECKSUM_OFFSET, (int) body.getValue());
            head.putInt(CHECKSUM_OFFSET, headerChecksum(head));
            out.write(0, head);
            out.force();
            return pos;
        }
    }

    /**
     * Reads the page checksum file of {@code generation} from {@code dir}.
     *
     * @param io the durable I/O that reads the file
     * @param dir the index directory
     * @param generation the checkpoint generation the table header names
     * @return the checksums read
     * @throws CorruptIndexException if the file is missing, written for another generation or page size,
     *                               too short for its page count, or fails either CRC32C
     * @throws IOException if reading fails
     */
    public static PageChecksums load(DurableIO io, Path dir, long generation) throws IOException {
        Path path = path(dir, generation);
        if (!Files.exists(path)) {
            throw new CorruptIndexException(path, 0, "the page checksums of checkpoint generation " + generation
                    + ", found no file");
        }
        return read(io, path, generation);
    }

    /**
     * Reads the page checksum file {@code path} whatever generation it was written for (a read-only view of a live
     * index looks at the files of checkpoints newer than its own).
     *
     * @param io the durable I/O that reads the file
     * @param path the file, one of {@link #path}'s two
     * @return the checksums read, with their {@link #generation()}; null if there is no such file
     * @throws CorruptIndexException if the file is damaged (or being rewritten)
     * @throws IOException if reading fails
     */
    public static PageChecksums loadAny(DurableIO io, Path path) throws IOException {
        if (!Files.exists(path)) {
            return null;
        }
        return read(io, path, -1);
    }

    private static PageChecksums read(DurableIO io, Path path, long generation) throws IOException {
        try (DurableFile in = io.open(path, DurableIO.Mode.READ_ONLY)) {
            long size = in.size();
            if (size < SIZE) {
                throw new CorruptIndexException(path, size, "a page checksum file of at least " + SIZE + " bytes, found "
                        + size + " bytes");
            }
            ByteBuffer head = ByteBuffer.allocate(SIZE).order(ByteOrder.LITTLE_ENDIAN);
            in.read(0, head);
            if (head.getLong(MAGIC_OFFSET) != MAGIC) {
                throw new CorruptIndexException(path, MAGIC_OFFSET, "page checksum file magic 0x" + Long.toHexString(MAGIC)
                        + ", found 0x" + Long.toHexString(head.getLong(MAGIC_OFFSET)));
            }
            int headCrc = headerChecksum(head);
            if (head.getInt(CHECKSUM_OFFSET) != headCrc) {
                throw new CorruptIndexException(path, CHECKSUM_OFFSET, "header CRC32C " + hex(headCrc)
                        + " (of bytes [0, " + CHECKSUM_OFFSET + ")), found " + hex(head.getInt(CHECKSUM_OFFSET)));
            }
            if (head.getInt(FORMAT_VERSION_OFFSET) != FORMAT_VERSION) {
                throw new CorruptIndexException(path, FORMAT_VERSION_OFFSET, "format version " + FORMAT_VERSION
                        + ", found " + head.getInt(FORMAT_VERSION_OFFSET));
            }
            if (head.getInt(PAGE_SHIFT_OFFSET) != ExtentClasses.PAGE_SHIFT) {
                throw new CorruptIndexException(path, PAGE_SHIFT_OFFSET, "page shift " + ExtentClasses.PAGE_SHIFT
                        + ", found " + head.getInt(PAGE_SHIFT_OFFSET));
            }
            if (generation >= 0 && head.getLong(GENERATION_OFFSET) != generation) {
                throw new CorruptIndexException(path, GENERATION_OFFSET, "checkpoint generation " + generation
                        + " (the table header's), found " + head.getLong(GENERATION_OFFSET));
            }
            long pageCount = head.getLong(PAGE_COUNT_OFFSET);
            if (pageCount < 0 || pageCount > Integer.MAX_VALUE - 64 || BODY + pageCount * ENTRY > size) {
                throw new CorruptIndexException(path, PAGE_COUNT_OFFSET, "a page count whose " + ENTRY
                        + "-byte entries fit the file's " + size + " bytes, found " + pageCount);
            }
            int[] crcs = new int[(int) pageCount];
            CRC32C body = new CRC32C();
            ByteBuffer buf = ByteBuffer.allocate((int) Math.min(IO_CHUNK, Math.max(ENTRY, pageCount * ENTRY)))
                    .order(ByteOrder.LITTLE_ENDIAN);
            int i = 0;
            for (long pos = BODY; i < pageCount; ) {
                buf.clear().limit((int) Math.min(buf.capacity(), (pageCount - i) * ENTRY));
                in.read(pos, buf);
                buf.flip();
                body.update(buf.duplicate());
                pos += buf.limit();
                while (buf.hasRemaining()) {
                    crcs[i++] = buf.getInt();
                }
            }
            if ((int) body.getValue() != head.getInt(BODY_CHECKSUM_OFFSET)) {
                throw new CorruptIndexException(path, BODY_CHECKSUM_OFFSET, "body CRC32C " + hex(head.getInt(BODY_CHECKSUM_OFFSET))
                        + " (as recorded here) over the " + pageCount + " page checksums at [" + BODY + ", "
                        + (BODY + pageCount * ENTRY) + "), found " + hex((int) body.getValue()));
            }
            return new PageChecksums(crcs, (int) pageCount, head.getLong(GENERATION_OFFSET));
        }
    }

    /**
     * Computes the checksums of every page of {@code table} below its allocation end from the file as it
     * is (not the mapping): what to carry on with when the page checksum file was lost. The table file
     * is then trusted as it stands; only damage after this can be found.
     *
     * @param table the open table file
     * @return checksums of every data page below the allocation end, as the file holds them
     * @throws IOException if the table is too large for page checksums or reading fails
     */
    public static PageChecksums rebuild(TableFile table) throws IOException {
        long pageCount = PageChecksumsLayout.pageCount(table.header().fileEnd);
        if (pageCount > Integer.MAX_VALUE - 64) {
            throw new IOException(table.path() + ": a table of " + pageCount + " pages is too large for page checksums");
        }
        PageChecksums sums = new PageChecksums(new int[(int) pageCount], (int) pageCount, table.header().generation);
        ByteBuffer buf = ByteBuffer.allocate(IO_CHUNK);
        for (long page = FIRST_PAGE; page < FIRST_PAGE + pageCount; ) {
            int n = (int) Math.min(IO_CHUNK >>> ExtentClasses.PAGE_SHIFT, FIRST_PAGE + pageCount - page);
            buf.clear().limit(n << ExtentClasses.PAGE_SHIFT);
            table.readRaw(page << ExtentClasses.PAGE_SHIFT, buf);
            sums.record(page, buf.flip());
            page += n;
        }
        return sums;
    }

    /**
     * {@return the checkpoint generation the page checksum file at {@code path} claims in an intact head, or -1 if
     * the file is missing, shorter than its head or its head is damaged} Reads only the head: a read-only view
     * compares these claims before and after it copies the table to know no checkpoint began meanwhile (a checkpoint
     * rewrites its checksum file before it writes any page in place).
     *
     * @param io the durable I/O to read through
     * @param path a page checksum file ({@link #path})
     * @throws IOException if an existing file cannot be read
     */
    public static long claimedGeneration(DurableIO io, Path path) throws IOException {
        if (!Files.exists(path)) {
            return -1;
        }
        try (DurableFile in = io.open(path, DurableIO.Mode.READ_ONLY)) {
            if (in.size() < SIZE) {
                return -1;
            }
            ByteBuffer head = ByteBuffer.allocate(SIZE).order(ByteOrder.LITTLE_ENDIAN);
            in.read(0, head);
            return head.getLong(MAGIC_OFFSET) == MAGIC && head.getInt(CHECKSUM_OFFSET) == headerChecksum(head)
                    ? head.getLong(GENERATION_OFFSET) : -1;
        } catch (java.nio.file.NoSuchFileException gone) {
            return -1; // deleted between the check and the open: as missing
        }
    }

    static int headerChecksum(ByteBuffer head) {
        CRC32C crc = new CRC32C();
        crc.update(head.duplicate().position(0).limit(CHECKSUM_OFFSET));
        return (int) crc.getValue();
    }

    private static String hex(int crc) {
        return String.format("0x%08x", crc);
    }
}
