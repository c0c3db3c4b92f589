package io.bucketdb.recovery;

import io.bucketdb.storage.IndexFileNames;

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
    /** Name of the double-write file in the index directory. */
    public static final String FILE_NAME = IndexFileNames.DOUBLE_WRITE;
    /** "BDBDWRT1" read as a little-endian long. */
    public static final long MAGIC = 0x3154525744424442L;
    /** The format version this code writes and reads. */
    public static final int FORMAT_VERSION = 1;

    /** Byte 0, 8 bytes: {@code magic}, always {@link #MAGIC}. */
    public static final int MAGIC_OFFSET = 0;
    /** Byte 8, 4 bytes: {@code formatVersion}, {@link #FORMAT_VERSION}. */
    public static final int FORMAT_VERSION_OFFSET = 8;
    /** Byte 12, 4 bytes: {@code pageCount}, the number of table pages in the batch. */
    public static final int PAGE_COUNT_OFFSET = 12;
    /** Byte 16, 8 bytes: {@code generation}, the generation of the header the batch installs. */
    public static final int GENERATION_OFFSET = 16;
    /** Byte 24, 8 bytes: {@code checkpointLsn}, the journal LSN that header's state includes. */
    public static final int CHECKPOINT_LSN_OFFSET = 24;
    /** Byte 32, 4 bytes: {@code headerSlot}, the table header slot the image goes to (0 = A, 1 = B). */
    public static final int HEADER_SLOT_OFFSET = 32;
    /** Byte 36, 4 bytes: {@code bodyChecksum}, CRC32C of the body's {@code bodyLength} bytes. */
    public static final int BODY_CHECKSUM_OFFSET = 36;
    /** Byte 40, 8 bytes: {@code bodyLength}, bytes of the body: page list, header image and page images. */
    public static final int BODY_LENGTH_OFFSET = 40;
    /** Byte 48, 4 bytes: {@code headerImageChecksum}, the header image's own CRC32C, repeated (see above). */
    public static final int HEADER_IMAGE_CHECKSUM_OFFSET = 48;
    /** Byte 52, 4 bytes: {@code checksum}, CRC32C of header bytes {@code [0, 52)}. */
    public static final int CHECKSUM_OFFSET = 52;
    /** Bytes of the file header's fields (56); the rest of the first page is zero. */
    public static final int SIZE = 56;
    /** Where the body starts. */
    public static final int BODY = 4096;
    /** Bytes of a page: of each page image and of the unit the page list is padded to. */
    public static final int PAGE = 4096;

    private DoubleWriteLayout() {
    }

    /**
     * {@return bytes of the page-number list for {@code pages} pages, padded to whole pages}
     *
     * @param pages the number of pages in the batch
     */
    public static long pageListBytes(long pages) {
        return (pages * 8 + PAGE - 1) / PAGE * PAGE;
    }
}
