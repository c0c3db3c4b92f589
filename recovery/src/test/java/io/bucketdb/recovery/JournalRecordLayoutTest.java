package io.bucketdb.recovery;

import static io.bucketdb.recovery.JournalRecordLayout.ALIGNMENT;
import static io.bucketdb.recovery.JournalRecordLayout.CRC_LENGTH;
import static io.bucketdb.recovery.JournalRecordLayout.FLAGS_OFFSET;
import static io.bucketdb.recovery.JournalRecordLayout.FLAG_AFTER_FORCE;
import static io.bucketdb.recovery.JournalRecordLayout.FRAME_LENGTH_OFFSET;
import static io.bucketdb.recovery.JournalRecordLayout.LSN_OFFSET;
import static io.bucketdb.recovery.JournalRecordLayout.MIN_ALIGNED_FRAME_LENGTH;
import static io.bucketdb.recovery.JournalRecordLayout.MIN_FRAME_LENGTH;
import static io.bucketdb.recovery.JournalRecordLayout.PAYLOAD_OFFSET;
import static io.bucketdb.recovery.JournalRecordLayout.RESERVED_OFFSET;
import static io.bucketdb.recovery.JournalRecordLayout.TYPE_OFFSET;
import static io.bucketdb.recovery.JournalRecordLayout.TYPE_PUT;
import static org.junit.jupiter.api.Assertions.assertEquals;

import io.bucketdb.storage.testkit.LayoutDiagram;
import io.bucketdb.storage.testkit.LayoutDiagram.Field;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.zip.CRC32C;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class JournalRecordLayoutTest {
    @TempDir
    Path dir;

    @Test
    void diagramMatchesOffsets() throws Exception {
        assertEquals(List.of(
                new Field("Frame Length", "", FRAME_LENGTH_OFFSET, TYPE_OFFSET - FRAME_LENGTH_OFFSET),
                new Field("Type", "", TYPE_OFFSET, FLAGS_OFFSET - TYPE_OFFSET),
                new Field("Flags", "", FLAGS_OFFSET, RESERVED_OFFSET - FLAGS_OFFSET),
                new Field("Reserved", "", RESERVED_OFFSET, LSN_OFFSET - RESERVED_OFFSET),
                new Field("LSN", "", LSN_OFFSET, PAYLOAD_OFFSET - LSN_OFFSET),
                new Field("Payload", "", PAYLOAD_OFFSET, -1),
                new Field("CRC32C", "Payload", 0, CRC_LENGTH),
                new Field("Padding", "Payload", CRC_LENGTH, -1)),
                LayoutDiagram.boxes(JournalRecordLayout.class));
    }

    @Test
    void framesAreEightByteAligned() {
        assertEquals(8, ALIGNMENT);
        assertEquals(20, MIN_FRAME_LENGTH);
        assertEquals(24, MIN_ALIGNED_FRAME_LENGTH);
        for (int length = MIN_FRAME_LENGTH; length < 200; length++) {
            int aligned = JournalRecordLayout.alignedLength(length);
            assertEquals(0, aligned % ALIGNMENT);
            assertEquals(true, aligned >= length && aligned - length < ALIGNMENT, "length " + length);
        }
    }

    @Test
    void writtenFrameHasTheDocumentedBytes() throws Exception {
        TestFileIO io = new TestFileIO();
        try (JournalWriter writer = JournalWriter.open(io, dir, Journals.SMALL, 0)) {
            writer.appendPut(new byte[] {1, 2, 3}, new byte[] {4, 5, 6, 7, 8});
            writer.appendPut(new byte[] {9}, new byte[] {10});
        }
        Path segment = Journals.lastSegment(dir);
        ByteBuffer file = ByteBuffer.wrap(Files.readAllBytes(segment)).order(ByteOrder.LITTLE_ENDIAN);
        long salt = file.getLong(JournalSegmentLayout.SALT_OFFSET);
        int at = JournalSegmentLayout.HEADER_LENGTH;
        int length = file.getInt(at + FRAME_LENGTH_OFFSET);
        assertEquals(PAYLOAD_OFFSET + 4 + 3 + 5 + CRC_LENGTH, length);
        assertEquals(TYPE_PUT, file.get(at + TYPE_OFFSET));
        assertEquals(FLAG_AFTER_FORCE, file.get(at + FLAGS_OFFSET), "first record after the (opening) force");
        assertEquals(0, file.getShort(at + RESERVED_OFFSET));
        assertEquals(1, file.getLong(at + LSN_OFFSET));
        assertEquals(3, file.getInt(at + PAYLOAD_OFFSET + JournalRecordLayout.PUT_KEY_LENGTH_OFFSET));
        assertEquals(1, file.get(at + PAYLOAD_OFFSET + JournalRecordLayout.PUT_KEY_OFFSET));
        assertEquals(8, file.get(at + PAYLOAD_OFFSET + JournalRecordLayout.PUT_KEY_OFFSET + 3 + 4));

        CRC32C crc = new CRC32C();
        crc.update(ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(0, salt));
        crc.update(file.duplicate().position(at).limit(at + length - CRC_LENGTH));
        assertEquals((int) crc.getValue(), file.getInt(at + length - CRC_LENGTH), "CRC covers salt and frame");
        for (int i = at + length; i < at + JournalRecordLayout.alignedLength(length); i++) {
            assertEquals(0, file.get(i), "padding byte " + i);
        }

        int next = at + JournalRecordLayout.alignedLength(length);
        assertEquals(2, file.getLong(next + LSN_OFFSET));
        assertEquals(0, file.get(next + FLAGS_OFFSET), "not the first record after a force");
    }
}
