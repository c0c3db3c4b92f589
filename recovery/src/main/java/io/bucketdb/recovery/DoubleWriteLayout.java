package io.bucketdb.recovery;

/**
 * Byte layout of the double-write file {@value #FILE_NAME}, where a checkpoint first writes every
 * page it is about to write in place, plus the header it will install, and forces them. A crash
 * while pages are written in place (a torn page) or while the header is written is then repaired
 * on open by writing the batch again: a complete batch (both checksums valid) whose generation is
 * newer than the table's best header is finished; any other batch is ignored.
 *
 * <pre>
 *  offset  size  field
 *       0     8  magic
 *       8     4  formatVersion
 *      12     4  pageCount
 *      16     8  generation
 *      24     8  checkpointLsn
 *      32     4  headerSlot
 *      36     4  bodyChecksum
 *      40     8  bodyLength
 *      48     4  headerImageChecksum
 *      52     4  checksum
 *      56        (end)
 * </pre>
 *
 * The header occupies the first {@link #BODY} bytes. The body follows: {@code pageCount} 8-byte
 * page numbers padded to a multiple of 4096, the 4096-byte header slot image, then the page
 * images in the order of the numbers. {@code bodyChecksum} is CRC32C of the body,
 * {@code checksum} CRC32C of header bytes {@code [0, CHECKSUM)}. All integers little-endian.
 *
 * <p>{@code headerImageChecksum} repeats the header image's own CRC32C. It is needed because the
 * header image ends with that CRC, and a CRC over "data followed by its own CRC" is a constant (the
 * CRC residue): the body checksum alone cannot tell one valid header image from another of the
 * same length. The crash simulator found this: a dropped header-image write left the previous
 * checkpoint's header in the batch, the body checksum still matched, and recovery installed an
 * older header over newer pages.
 */
public final class DoubleWriteLayout {
    public static final String FILE_NAME = "doublewrite.bdb";
    /** "BDBDWRT1" read as a little-endian long. */
    public static final long MAGIC = 0x3154525744424442L;
    public static final int FORMAT_VERSION = 1;

    public static final int MAGIC_OFFSET = 0;
    public static final int FORMAT_VERSION_OFFSET = 8;
    public static final int PAGE_COUNT_OFFSET = 12;
    public static final int GENERATION_OFFSET = 16;
    public static final int CHECKPOINT_LSN_OFFSET = 24;
    public static final int HEADER_SLOT_OFFSET = 32;
    public static final int BODY_CHECKSUM_OFFSET = 36;
    public static final int BODY_LENGTH_OFFSET = 40;
    public static final int HEADER_IMAGE_CHECKSUM_OFFSET = 48;
    public static final int CHECKSUM_OFFSET = 52;
    public static final int SIZE = 56;
    /** Where the body starts. */
    public static final int BODY = 4096;
    public static final int PAGE = 4096;

    private DoubleWriteLayout() {
    }

    /** Bytes of the page-number list, padded to whole pages. */
    public static long pageListBytes(long pages) {
        return (pages * 8 + PAGE - 1) / PAGE * PAGE;
    }
}
