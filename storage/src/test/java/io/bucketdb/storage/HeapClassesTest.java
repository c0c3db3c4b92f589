package io.bucketdb.storage;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.api.Test;

import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.*;

/** The two size-class schemes of the value heap: the class of every length, and how the blocks tile a page. */
class HeapClassesTest {
    static Stream<HeapClasses> schemes() {
        return Stream.of(HeapClasses.POWERS_OF_TWO, HeapClasses.PAGE_FIT);
    }

    @ParameterizedTest
    @MethodSource("schemes")
    void everyLengthShouldTakeTheSmallestBlockThatHoldsIt(HeapClasses classes) {
        for (int length = 0; length <= HeapLayout.MAX_SMALL_BLOCK; length++) {
            int c = classes.classFor(length);
            assertTrue(c >= 0 && c < classes.count(), "length " + length + ": class " + c);
            assertTrue(classes.blockBytes(c) >= length, "length " + length + " fits class " + c);
            assertTrue(c == 0 || classes.blockBytes(c - 1) < length, "length " + length + ": class " + (c - 1) + " would hold it");
            assertEquals(classes.blockBytes(c), classes.blockBytesFor(length));
        }
        assertEquals(-1, classes.classFor(HeapLayout.MAX_SMALL_BLOCK + 1));
        assertEquals(-1, classes.classFor(1L << 40));
        assertEquals(HeapLayout.MAX_SMALL_BLOCK, classes.blockBytes(classes.count() - 1), "the largest class is the largest small block");
        assertEquals(ExtentClasses.PAGE_SIZE, classes.blockBytesFor(HeapLayout.MAX_SMALL_BLOCK + 1), "then a raw extent of a page");
    }

    @ParameterizedTest
    @MethodSource("schemes")
    void blocksShouldTileAPageWithoutStraddlingIt(HeapClasses classes) {
        assertTrue(classes.count() <= HeapClasses.MAX_CLASSES);
        for (int c = 0; c < classes.count(); c++) {
            int size = classes.blockBytes(c);
            int n = classes.blocksPerPage(c);
            assertTrue(size >= HeapLayout.SIZE && size % HeapClasses.STEP == 0, "class " + c + ": " + size + " bytes hold the link, 8-byte aligned");
            assertTrue(c == 0 || size > classes.blockBytes(c - 1), "classes grow");
            assertTrue(n >= 2 && (long) n * size <= HeapLayout.CARVE_PAGE && (long) (n + 1) * size > HeapLayout.CARVE_PAGE,
                    "class " + c + ": " + n + " blocks fill a page and one more would straddle it");
            long page = HeaderLayout.DATA_START + 3L * HeapLayout.CARVE_PAGE;
            for (int i = 0; i < n; i++) {
                assertTrue(classes.isBlockStart(page + (long) i * size, c), "block " + i + " of class " + c);
            }
            if ((long) n * size < HeapLayout.CARVE_PAGE) {
                assertFalse(classes.isBlockStart(page + (long) n * size, c), "class " + c + ": a block past the last would straddle the page");
            }
            assertFalse(classes.isBlockStart(page + HeapClasses.STEP, c) && size != HeapClasses.STEP, "class " + c + ": misaligned");
            assertFalse(classes.isBlockStart(HeaderLayout.SLOT_B, c), "the header slots are no heap");
        }
    }

    /** Each page-fit class is the largest multiple of 8 with its count per page, so no length pays for a page's rest. */
    @Test
    void pageFitClassesShouldNeverCostMorePageBytesThanThePowersOfTwo() {
        HeapClasses fine = HeapClasses.PAGE_FIT;
        assertEquals(43, fine.count());
        for (int c = 0; c < fine.count() - 1; c++) {
            int n = fine.blocksPerPage(c);
            assertTrue(n * (fine.blockBytes(c) + HeapClasses.STEP) > HeapLayout.CARVE_PAGE,
                    "class " + c + " (" + fine.blockBytes(c) + " B) could be 8 bytes larger at " + n + " per page");
            assertTrue(fine.blocksPerPage(c + 1) < n, "class " + (c + 1) + " fits fewer per page than class " + c);
        }
        long fineTotal = 0;
        long powTotal = 0;
        for (int length = 1; length <= HeapLayout.MAX_SMALL_BLOCK; length++) {
            double fineCost = (double) HeapLayout.CARVE_PAGE / fine.blocksPerPage(fine.classFor(length));
            double powCost = (double) HeapLayout.CARVE_PAGE / HeapClasses.POWERS_OF_TWO.blocksPerPage(HeapClasses.POWERS_OF_TWO.classFor(length));
            assertTrue(fineCost <= powCost, "length " + length + ": " + fineCost + " page bytes, against " + powCost);
            fineTotal += fine.blockBytesFor(length);
            powTotal += HeapClasses.POWERS_OF_TWO.blockBytesFor(length);
        }
        assertTrue(fineTotal * 100 < powTotal * 90, "the fine classes save more than a tenth: " + fineTotal + " against " + powTotal);
        assertEquals(104, fine.blockBytes(fine.classFor(100)));
        assertEquals(39, fine.blocksPerPage(fine.classFor(100)));
        assertEquals(128, HeapClasses.POWERS_OF_TWO.blockBytesFor(100));
    }

    @Test
    void theSchemeShouldFollowTheHeaderFlag() {
        assertSame(HeapClasses.PAGE_FIT, HeapClasses.of(HeaderLayout.FINE_HEAP_CLASSES | HeaderLayout.KEYED_HASH));
        assertSame(HeapClasses.POWERS_OF_TWO, HeapClasses.of(HeaderLayout.OUTLINE_VALUES | HeaderLayout.VAR_VALUES));
        assertEquals(8, HeapClasses.POWERS_OF_TWO.count());
        assertEquals(16, HeapClasses.POWERS_OF_TWO.blockBytes(0));
        assertEquals(0, HeapClasses.POWERS_OF_TWO.classFor(0));
        assertEquals(0, HeapClasses.POWERS_OF_TWO.classFor(16));
        assertEquals(1, HeapClasses.POWERS_OF_TWO.classFor(17));
    }
}
