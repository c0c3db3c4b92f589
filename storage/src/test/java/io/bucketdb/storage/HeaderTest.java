package io.bucketdb.storage;

import org.junit.jupiter.api.Test;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.*;

/** Header encode/decode and every validation naming the right field offset. */
class HeaderTest {
    private static final Path FILE = Path.of("t.bdb");
    private static final long SIZE = 1 << 20;

    private static Header valid() {
        Header h = new Header();
        h.keyWidth = 8;
        h.valueWidth = 8;
        h.alignShift = 16;
        h.pieceShift = TableGeometry.pieceShift(h.bucketSize(), 16);
        h.hashSeed = 42;
        h.b = 3;
        h.count = 20;
        h.bucketDir = HeaderLayout.DATA_START;
        h.fileEnd = 1 << 19;
        h.generation = 7;
        return h;
    }

    @Test
    void roundTrips() throws Exception {
        Header h = valid();
        h.freeHeads[3] = HeaderLayout.DATA_START + 4096;
        h.freeCounts[3] = 2;
        Header d = Header.decode(FILE, 0, h.encode(), SIZE);
        assertEquals(h.generation, d.generation);
        assertEquals(h.hashSeed, d.hashSeed);
        assertEquals(h.freeHeads[3], d.freeHeads[3]);
        assertEquals(h.freeCounts[3], d.freeCounts[3]);
        assertEquals(h.count, d.count);
    }

    @Test
    void notAnIndexNamesTheMagic() {
        ByteBuffer buf = ByteBuffer.allocate(HeaderLayout.SLOT_SIZE);
        CorruptIndexException e = assertThrows(CorruptIndexException.class, () -> Header.decode(FILE, 4096, buf, SIZE));
        assertEquals(4096 + HeaderLayout.MAGIC_OFFSET, e.offset());
        assertTrue(e.getMessage().contains("not a BucketDB table file"), e.getMessage());
    }

    @Test
    void flippedBitFailsTheChecksum() {
        ByteBuffer buf = valid().encode();
        buf.put(HeaderLayout.COUNT_OFFSET, (byte) (buf.get(HeaderLayout.COUNT_OFFSET) ^ 4));
        CorruptIndexException e = assertThrows(CorruptIndexException.class, () -> Header.decode(FILE, 0, buf, SIZE));
        assertEquals(HeaderLayout.CHECKSUM_OFFSET, e.offset());
        assertTrue(e.getMessage().contains("CRC32C"));
    }

    @Test
    void impossibleValuesAreRejectedAtTheirField() {
        assertRejected(h -> h.b = 63, HeaderLayout.B_OFFSET, "B 0..62");
        assertRejected(h -> h.b = 40, HeaderLayout.B_OFFSET, "fit");
        assertRejected(h -> h.count = 1_000_000, HeaderLayout.COUNT_OFFSET, "count");
        assertRejected(h -> h.keyWidth = 0, HeaderLayout.KEY_WIDTH_OFFSET, "key width");
        assertRejected(h -> h.fileEnd = SIZE + 1, HeaderLayout.FILE_END_OFFSET, "allocation end");
        assertRejected(h -> h.bucketDir = 12, HeaderLayout.BUCKET_DIR_OFFSET, "bucket directory");
        assertRejected(h -> h.ovfFreeHead = SIZE * 2, HeaderLayout.OVF_FREE_HEAD_OFFSET, "overflow free list");
        assertRejected(h -> h.growFlags = 7, HeaderLayout.GROW_FLAGS_OFFSET, "grow flags");
        assertRejected(h -> {
            h.growFlags = HeaderLayout.GROWING;
            h.oldB = 1;
            h.oldBucketDir = HeaderLayout.DATA_START;
        }, HeaderLayout.OLD_B_OFFSET, "old B 2");
        assertRejected(h -> h.pieceShift = 1, HeaderLayout.PIECE_SHIFT_OFFSET, "piece shift");
    }

    @Test
    void newerFormatVersionIsNamed() {
        ByteBuffer buf = valid().encode().order(ByteOrder.LITTLE_ENDIAN);
        buf.putInt(HeaderLayout.FORMAT_VERSION_OFFSET, 99);
        buf.putInt(HeaderLayout.CHECKSUM_OFFSET, Header.checksum(buf));
        CorruptIndexException e = assertThrows(CorruptIndexException.class, () -> Header.decode(FILE, 0, buf, SIZE));
        assertTrue(e.getMessage().contains("newer BucketDB"), e.getMessage());
    }

    private static void assertRejected(java.util.function.Consumer<Header> damage, int field, String expected) {
        Header h = valid();
        damage.accept(h);
        CorruptIndexException e = assertThrows(CorruptIndexException.class, () -> Header.decode(FILE, 0, h.encode(), SIZE));
        assertEquals(field, e.offset(), e.getMessage());
        assertTrue(e.getMessage().contains(expected), e.getMessage() + " should mention " + expected);
        assertTrue(e.getMessage().startsWith(FILE.toString()), "names the file: " + e.getMessage());
    }
}
