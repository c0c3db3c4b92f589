package io.bucketdb.recovery;

import static io.bucketdb.recovery.JournalSegmentLayout.FIRST_LSN_OFFSET;
import static io.bucketdb.recovery.JournalSegmentLayout.FORMAT_VERSION_OFFSET;
import static io.bucketdb.recovery.JournalSegmentLayout.HEADER_CRC_OFFSET;
import static io.bucketdb.recovery.JournalSegmentLayout.HEADER_LENGTH;
import static io.bucketdb.recovery.JournalSegmentLayout.MAGIC_OFFSET;
import static io.bucketdb.recovery.JournalSegmentLayout.PADDING_OFFSET;
import static io.bucketdb.recovery.JournalSegmentLayout.RESERVED_OFFSET;
import static io.bucketdb.recovery.JournalSegmentLayout.SALT_OFFSET;
import static io.bucketdb.recovery.JournalSegmentLayout.SEQUENCE_OFFSET;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.bucketdb.storage.testkit.LayoutDiagram;
import io.bucketdb.storage.testkit.LayoutDiagram.Field;
import io.bucketdb.spi.CorruptIndexException;
import io.bucketdb.spi.DurableFile;
import io.bucketdb.spi.DurableIO;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.zip.CRC32C;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class JournalSegmentLayoutTest {
    @TempDir
    Path dir;

    private final TestFileIO io = new TestFileIO();

    @Test
    void diagramMatchesOffsets() throws Exception {
        assertEquals(List.of(
                new Field("Magic", "", MAGIC_OFFSET, FORMAT_VERSION_OFFSET - MAGIC_OFFSET),
                new Field("Format Version", "", FORMAT_VERSION_OFFSET, RESERVED_OFFSET - FORMAT_VERSION_OFFSET),
                new Field("Reserved", "", RESERVED_OFFSET, SEQUENCE_OFFSET - RESERVED_OFFSET),
                new Field("Segment Sequence", "", SEQUENCE_OFFSET, SALT_OFFSET - SEQUENCE_OFFSET),
                new Field("Salt", "", SALT_OFFSET, FIRST_LSN_OFFSET - SALT_OFFSET),
                new Field("First LSN", "", FIRST_LSN_OFFSET, HEADER_CRC_OFFSET - FIRST_LSN_OFFSET),
                new Field("Header CRC32C", "", HEADER_CRC_OFFSET, PADDING_OFFSET - HEADER_CRC_OFFSET),
                new Field("Padding", "", PADDING_OFFSET, HEADER_LENGTH - PADDING_OFFSET)),
                LayoutDiagram.boxes(JournalSegmentLayout.class));
    }

    @Test
    void headerIsEightByteAlignedSoFramesAre() {
        assertEquals(0, HEADER_LENGTH % JournalRecordLayout.ALIGNMENT);
    }

    @Test
    void magicSpellsBucketJL() {
        byte[] bytes = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN)
                .putLong(JournalSegmentLayout.MAGIC).array();
        assertEquals("BucketJL", new String(bytes, StandardCharsets.US_ASCII));
    }

    @Test
    void headerRoundTrips() throws Exception {
        Path file = write(new SegmentHeader(7, 0x1234_5678_9abc_def0L, 4242).encode());
        try (DurableFile f = io.open(file, DurableIO.Mode.READ_ONLY)) {
            assertEquals(new SegmentHeader(7, 0x1234_5678_9abc_def0L, 4242), SegmentHeader.read(f, 7));
        }
    }

    @Test
    void headerCrcCoversEveryByteBeforeIt() throws Exception {
        byte[] good = bytes(new SegmentHeader(3, -1L, 99).encode());
        for (int i = 0; i < HEADER_CRC_OFFSET + Integer.BYTES; i++) {
            byte[] bad = good.clone();
            bad[i] ^= 0x10;
            try (DurableFile f = io.open(write(ByteBuffer.wrap(bad)), DurableIO.Mode.READ_ONLY)) {
                assertNull(SegmentHeader.read(f, 3), "flipped byte " + i + " must make the header invalid");
            }
        }
    }

    @Test
    void headerOfAnotherSequenceIsUnborn() throws Exception {
        Path file = write(new SegmentHeader(3, 1, 1).encode());
        try (DurableFile f = io.open(file, DurableIO.Mode.READ_ONLY)) {
            assertNull(SegmentHeader.read(f, 4));
        }
    }

    @Test
    void intactHeaderOfAnotherVersionIsRefused() throws Exception {
        ByteBuffer header = new SegmentHeader(1, 1, 1).encode().order(ByteOrder.LITTLE_ENDIAN);
        header.putInt(FORMAT_VERSION_OFFSET, 2);
        CRC32C crc = new CRC32C();
        crc.update(header.duplicate().clear().limit(HEADER_CRC_OFFSET));
        header.putInt(HEADER_CRC_OFFSET, (int) crc.getValue());
        Path file = write(header);
        try (DurableFile f = io.open(file, DurableIO.Mode.READ_ONLY)) {
            CorruptIndexException e = assertThrows(CorruptIndexException.class, () -> SegmentHeader.read(f, 1));
            assertEquals(file, e.file());
            assertEquals(FORMAT_VERSION_OFFSET, e.offset());
            assertTrue(e.getMessage().contains("version 1"), e.getMessage());
        }
    }

    @Test
    void segmentSizeMustHoldHeaderAndAFrame() {
        assertThrows(IllegalArgumentException.class, () -> JournalSegmentLayout.checkSegmentSize(HEADER_LENGTH));
        assertThrows(IllegalArgumentException.class, () -> JournalSegmentLayout.checkSegmentSize(4097));
        JournalSegmentLayout.checkSegmentSize(HEADER_LENGTH + JournalRecordLayout.MIN_ALIGNED_FRAME_LENGTH);
    }

    @Test
    void encodedHeaderHasZeroReservedAndPadding() {
        byte[] header = bytes(new SegmentHeader(1, -1L, -1L).encode());
        assertArrayEquals(new byte[4], java.util.Arrays.copyOfRange(header, RESERVED_OFFSET, RESERVED_OFFSET + 4));
        assertArrayEquals(new byte[4], java.util.Arrays.copyOfRange(header, PADDING_OFFSET, PADDING_OFFSET + 4));
    }

    private Path write(ByteBuffer header) throws Exception {
        Path file = dir.resolve("h" + System.nanoTime());
        try (DurableFile f = io.open(file, DurableIO.Mode.CREATE_NEW)) {
            f.write(0, header.clear());
        }
        return file;
    }

    private static byte[] bytes(ByteBuffer buffer) {
        byte[] bytes = new byte[buffer.capacity()];
        buffer.get(0, bytes);
        return bytes;
    }
}
