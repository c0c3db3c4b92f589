package io.bucketdb.recovery;

import io.bucketdb.storage.testkit.LayoutDiagram;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class DoubleWriteLayoutTest {
    @Test
    void diagramMatchesOffsets() throws Exception {
        LayoutDiagram.checkFixed(DoubleWriteLayout.class);
    }

    @Test
    void headFitsBeforeTheBodyAndThePageListFillsWholePages() {
        assertTrue(DoubleWriteLayout.SIZE <= DoubleWriteLayout.BODY);
        assertEquals(0, DoubleWriteLayout.pageListBytes(0));
        assertEquals(DoubleWriteLayout.PAGE, DoubleWriteLayout.pageListBytes(1));
        assertEquals(DoubleWriteLayout.PAGE, DoubleWriteLayout.pageListBytes(DoubleWriteLayout.PAGE / 8));
        assertEquals(2L * DoubleWriteLayout.PAGE, DoubleWriteLayout.pageListBytes(DoubleWriteLayout.PAGE / 8 + 1));
    }
}
