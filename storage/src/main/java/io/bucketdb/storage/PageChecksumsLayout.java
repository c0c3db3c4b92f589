package io.bucketdb.storage;

/**
 * Byte layout of a page checksum file: the CRC32C of every data page of the table file as one
 * checkpoint left it, so that damage to the table file at rest (a flipped bit, a torn sector, a
 * stray write) can be found later by {@code bucketdb verify}, page by page.
 *
 * <p>There are two files in the index directory, {@code page-checksums-0.bdb} and
 * {@code page-checksums-1.bdb}; the checkpoint of generation {@code g} rewrites file {@code g % 2}
 * completely and forces it <em>before</em> it writes the head of its double-write batch. So the file
 * of the header in use is never the one being rewritten (a crash before header {@code g} is installed
 * leaves header {@code g - 1} and file {@code (g - 1) % 2} intact), and whenever recovery can finish a
 * batch of generation {@code g}, the checksums of generation {@code g} are durable already.
 *
 * <pre>
 *  offset  size  field
 *       0     8  magic
 *       8     4  formatVersion
 *      12     4  pageShift
 *      16     8  generation
 *      24     8  pageCount
 *      32     4  bodyChecksum
 *      36     4  checksum
 *      40        (end)
 * </pre>
 *
 * The body follows at {@link #BODY}: {@code pageCount} 4-byte CRC32C values, entry {@code i} for the
 * table page at {@code DATA_START + i * 2^pageShift}; {@code pageCount} covers every page below the
 * header's allocation end ({@code fileEnd}). {@code bodyChecksum} is CRC32C of the body,
 * {@code checksum} CRC32C of header bytes {@code [0, CHECKSUM)}. All integers little-endian. Bytes
 * after the body are ignored (a file written for a smaller table is overwritten, not truncated).
 *
 * <p>An entry of {@link #NEVER_WRITTEN} (0) means no checkpoint has written that page since the file
 * was created, so it must still read as zeros (the allocator grows the file with zeros). A page whose
 * real CRC32C happens to be 0 is recorded as 0 too; verify therefore accepts a page for entry 0 if its
 * CRC32C is 0 <em>or</em> it is all zeros. The one damage this cannot see is such a page (1 in 2^32)
 * turned into all zeros.
 *
 * <p>A page of free space that a checkpoint gave back to the file system (a punched hole, issue 19) is recorded
 * as {@link #NEVER_WRITTEN} as well: it reads as zeros, exactly what that entry promises, so every reader of
 * this format (also older ones) accepts it and still calls any other content damage. The checkpoint records
 * the entry in the file of the generation whose header covers the page as free, punches the page after its
 * double-write batch is forced and before that header is written, and recovery punches every
 * {@link #NEVER_WRITTEN} page again when it finishes such a batch: whenever the entry is in force, the page
 * reads as zeros. No format change: the entry meant "must read as zeros" already.
 */
public final class PageChecksumsLayout {
    /** "BDBPGCRC" read as a little-endian long. */
    public static final long MAGIC = 0x4352434750424442L;
    /** The format version this code writes and reads. */
    public static final int FORMAT_VERSION = 1;

    /** Byte 0, 8 bytes: {@code magic}, always {@link #MAGIC}. */
    public static final int MAGIC_OFFSET = 0;
    /** Byte 8, 4 bytes: {@code formatVersion}, {@link #FORMAT_VERSION}. */
    public static final int FORMAT_VERSION_OFFSET = 8;
    /**
     * Byte 12, 4 bytes: {@code pageShift}, log2 of the page size the entries cover ({@link ExtentClasses#PAGE_SHIFT}).
     */
    public static final int PAGE_SHIFT_OFFSET = 12;
    /** Byte 16, 8 bytes: {@code generation}, the checkpoint generation (the table header's) that wrote the file. */
    public static final int GENERATION_OFFSET = 16;
    /** Byte 24, 8 bytes: {@code pageCount}, the number of body entries. */
    public static final int PAGE_COUNT_OFFSET = 24;
    /** Byte 32, 4 bytes: {@code bodyChecksum}, CRC32C of the body's {@code pageCount * ENTRY} bytes. */
    public static final int BODY_CHECKSUM_OFFSET = 32;
    /** Byte 36, 4 bytes: {@code checksum}, CRC32C of header bytes {@code [0, 36)}. */
    public static final int CHECKSUM_OFFSET = 36;
    /** Bytes of the file's header (40); the body follows. */
    public static final int SIZE = 40;
    /** Where the body starts. */
    public static final int BODY = SIZE;
    /** Bytes per body entry. */
    public static final int ENTRY = 4;

    /** The body entry of a page no checkpoint has written: the page must be all zeros. */
    public static final int NEVER_WRITTEN = 0;

    /** The table page of body entry 0: the first page after both header slots. */
    public static final long FIRST_PAGE = HeaderLayout.DATA_START >>> ExtentClasses.PAGE_SHIFT;

    private PageChecksumsLayout() {
    }

    /**
     * {@return the name of the file the checkpoint of {@code generation} writes: {@code page-checksums-(generation %
     * 2).bdb}}
     *
     * @param generation the checkpoint generation
     */
    public static String fileName(long generation) {
        return IndexFileNames.pageChecksums(generation);
    }

    /**
     * {@return the byte offset in the file of the entry for table page {@code page}}
     *
     * @param page a data page number, at least {@link #FIRST_PAGE}
     */
    public static long entryOffset(long page) {
        return BODY + (page - FIRST_PAGE) * ENTRY;
    }

    /**
     * {@return the number of entries for a table whose allocation end is {@code fileEnd}}
     *
     * @param fileEnd the table header's allocation end, a file offset
     */
    public static long pageCount(long fileEnd) {
        return Math.max(0, fileEnd - HeaderLayout.DATA_START) >>> ExtentClasses.PAGE_SHIFT;
    }
}
