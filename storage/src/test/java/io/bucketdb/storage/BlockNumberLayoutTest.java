package io.bucketdb.storage;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.*;

/** The 4-byte block numbers of format version 8's value slots: every carved block has one, and it gives it back. */
class BlockNumberLayoutTest {
    @Test
    void everyBlockOfEveryWidthsClassRoundTripsThroughItsNumber() {
        for (int width = VarSlotLayout.MIN_INLINE + 1; width <= BucketLayout.MAX_WIDTH; width++) {
            BlockNumberLayout n = BlockNumberLayout.of(HeapClasses.PAGE_FIT, width);
            int c = HeapClasses.PAGE_FIT.classFor(width);
            int perPage = c < 0 ? 1 : HeapClasses.PAGE_FIT.blocksPerPage(c);
            assertEquals(c < 0 ? ExtentClasses.PAGE_SIZE : HeapClasses.PAGE_FIT.blockBytes(c), n.blockBytes(), "width " + width);
            // The first data page, a page in the middle, and the last page the numbers reach.
            long lastPage = (n.limit() >>> ExtentClasses.PAGE_SHIFT) - 1;
            for (long page : new long[]{HeaderLayout.DATA_START >>> ExtentClasses.PAGE_SHIFT, 12345, lastPage}) {
                for (int i = 0; i < perPage; i++) {
                    long off = (page << ExtentClasses.PAGE_SHIFT) + (long) i * n.blockBytes();
                    int number = n.number(off);
                    assertNotEquals(0, number, "no block has number 0, the empty slot's");
                    assertEquals(off, n.offset(number), "width " + width + ", block " + i + " of page " + page);
                }
            }
            assertEquals(0, n.offset(0));
            assertTrue(n.numbered(n.limit() - 1));
            assertFalse(n.numbered(n.limit()));
            assertThrows(IllegalArgumentException.class, () -> n.number(n.limit()));
        }
    }

    @Test
    void theLimitIsWhereTheNumbersRunOut() {
        // 100-byte values: 104-byte blocks, 39 to a page, 6 bits for the block in its page: 2^26 pages.
        assertEquals(256L << 30, BlockNumberLayout.of(HeapClasses.PAGE_FIT, 100).limit());
        // The smallest blocks: 16 bytes, 256 to a page: 2^24 pages, 2^32 blocks.
        assertEquals(64L << 30, BlockNumberLayout.of(HeapClasses.PAGE_FIT, 16).limit());
        // Two blocks a page, or a raw extent: capped at the page checksums' 2^31 pages.
        assertEquals(8L << 40, BlockNumberLayout.of(HeapClasses.PAGE_FIT, 2048).limit());
        assertEquals(8L << 40, BlockNumberLayout.of(HeapClasses.PAGE_FIT, 4000).limit());
        // The last block below the limit has the largest number in use, read unsigned; a number no block has (a torn or
        // damaged slot) decodes to an offset that is no block start, which readers bound and verify reports.
        BlockNumberLayout n = BlockNumberLayout.of(HeapClasses.PAGE_FIT, 100);
        long last = n.limit() - 4096 + 38 * 104;
        assertEquals(last, n.offset(n.number(last)));
        assertTrue(Integer.toUnsignedLong(n.number(last)) > Integer.MAX_VALUE);
        assertFalse(HeapClasses.PAGE_FIT.isBlockStart(n.offset(-1), HeapClasses.PAGE_FIT.classFor(100)));
    }

    @Test
    void onlyVersion8HeadersNumberTheirValues() {
        Header h = new Header();
        h.flags = HeaderLayout.FINE_HEAP_CLASSES | HeaderLayout.VAR_VALUES | HeaderLayout.OUTLINE_VALUES;
        h.outlineValueWidth = 100;
        assertNull(BlockNumberLayout.of(h));
        h.flags |= HeaderLayout.VALUE_BLOCK_NUMBERS;
        assertEquals(104, BlockNumberLayout.of(h).blockBytes());
    }
}
