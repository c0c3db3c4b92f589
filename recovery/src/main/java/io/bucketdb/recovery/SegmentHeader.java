package io.bucketdb.recovery;

import static io.bucketdb.recovery.JournalSegmentLayout.FIRST_LSN_OFFSET;
import static io.bucketdb.recovery.JournalSegmentLayout.FORMAT_VERSION;
import static io.bucketdb.recovery.JournalSegmentLayout.FORMAT_VERSION_OFFSET;
import static io.bucketdb.recovery.JournalSegmentLayout.HEADER_CRC_OFFSET;
import static io.bucketdb.recovery.JournalSegmentLayout.HEADER_LENGTH;
import static io.bucketdb.recovery.JournalSegmentLayout.MAGIC;
import static io.bucketdb.recovery.JournalSegmentLayout.MAGIC_OFFSET;
import static io.bucketdb.recovery.JournalSegmentLayout.PADDING_OFFSET;
import static io.bucketdb.recovery.JournalSegmentLayout.RESERVED_OFFSET;
import static io.bucketdb.recovery.JournalSegmentLayout.SALT_OFFSET;
import static io.bucketdb.recovery.JournalSegmentLayout.SEQUENCE_OFFSET;
import static io.bucketdb.storage.Layouts.INT;
import static io.bucketdb.storage.Layouts.LONG;

import io.bucketdb.spi.CorruptIndexException;
import io.bucketdb.spi.DurableFile;
import io.bucketdb.spi.DurableIO;
import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.zip.CRC32C;

/** The decoded header of a segment file ({@link JournalSegmentLayout}). */
record SegmentHeader(long sequence, long salt, long firstLsn) {

    /** The header as the {@link JournalSegmentLayout#HEADER_LENGTH} bytes to write at offset 0. */
    ByteBuffer encode() {
        ByteBuffer buffer = ByteBuffer.allocateDirect(HEADER_LENGTH);
        MemorySegment m = MemorySegment.ofBuffer(buffer);
        m.set(LONG, MAGIC_OFFSET, MAGIC);
        m.set(INT, FORMAT_VERSION_OFFSET, FORMAT_VERSION);
        m.set(INT, RESERVED_OFFSET, 0);
        m.set(LONG, SEQUENCE_OFFSET, sequence);
        m.set(LONG, SALT_OFFSET, salt);
        m.set(LONG, FIRST_LSN_OFFSET, firstLsn);
        m.set(INT, HEADER_CRC_OFFSET, crc(buffer));
        m.set(INT, PADDING_OFFSET, 0);
        return buffer;
    }

    /**
     * Reads the header of {@code file}. Returns null for a segment that is not (yet) born: too short,
     * no magic, a CRC that does not match (a header write torn by a crash), or a sequence that
     * disagrees with {@code expectedSequence} from the file name (a recycled file whose new header was
     * not written yet).
     *
     * @throws CorruptIndexException for an intact header of a format version this build cannot read
     */
    static SegmentHeader read(DurableFile file, long expectedSequence) throws IOException {
        if (file.size() < HEADER_LENGTH) {
            return null;
        }
        ByteBuffer buffer = ByteBuffer.allocateDirect(HEADER_LENGTH);
        file.read(0, buffer);
        MemorySegment m = MemorySegment.ofBuffer(buffer.clear());
        if (m.get(LONG, MAGIC_OFFSET) != MAGIC || m.get(INT, HEADER_CRC_OFFSET) != crc(buffer)) {
            return null;
        }
        int version = m.get(INT, FORMAT_VERSION_OFFSET);
        if (version != FORMAT_VERSION || m.get(INT, RESERVED_OFFSET) != 0) {
            throw new CorruptIndexException(file.path(), FORMAT_VERSION_OFFSET, "journal format version "
                    + FORMAT_VERSION + " with zero reserved bytes, found version " + version
                    + " (written by another BucketDB version?)");
        }
        long sequence = m.get(LONG, SEQUENCE_OFFSET);
        if (sequence != expectedSequence) {
            return null;
        }
        return new SegmentHeader(sequence, m.get(LONG, SALT_OFFSET), m.get(LONG, FIRST_LSN_OFFSET));
    }

    /**
     * Why {@link #read} found no header in {@code file}, as the "found" half of an error: the first field
     * that is wrong, in the order {@link #read} checks them; null if the header is valid.
     */
    static String describeInvalid(DurableFile file, long expectedSequence) throws IOException {
        if (file.size() < HEADER_LENGTH) {
            return "a file of " + file.size() + " bytes, shorter than a " + HEADER_LENGTH + "-byte header";
        }
        ByteBuffer buffer = ByteBuffer.allocateDirect(HEADER_LENGTH);
        file.read(0, buffer);
        MemorySegment m = MemorySegment.ofBuffer(buffer.clear());
        if (m.get(LONG, MAGIC_OFFSET) != MAGIC) {
            return String.format("magic 0x%016x where a segment has 0x%016x", m.get(LONG, MAGIC_OFFSET), MAGIC);
        }
        if (m.get(INT, HEADER_CRC_OFFSET) != crc(buffer)) {
            return String.format("header bytes whose CRC32C is 0x%08x where the header records 0x%08x (at offset %d)",
                    crc(buffer), m.get(INT, HEADER_CRC_OFFSET), HEADER_CRC_OFFSET);
        }
        long sequence = m.get(LONG, SEQUENCE_OFFSET);
        return sequence != expectedSequence ? "sequence " + sequence + " in the header of the file named for "
                + expectedSequence : null;
    }

    /** Opens {@code path} read-only and {@link #read reads} its header. */
    static SegmentHeader read(DurableIO io, Path path, long expectedSequence) throws IOException {
        try (DurableFile file = io.open(path, DurableIO.Mode.READ_ONLY)) {
            return read(file, expectedSequence);
        }
    }

    private static int crc(ByteBuffer header) {
        CRC32C crc = new CRC32C();
        crc.update(header.duplicate().clear().limit(HEADER_CRC_OFFSET));
        return (int) crc.getValue();
    }
}
