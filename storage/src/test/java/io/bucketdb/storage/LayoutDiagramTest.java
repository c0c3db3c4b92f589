package io.bucketdb.storage;

import io.bucketdb.storage.testkit.LayoutDiagram;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.*;

/**
 * Checks each storage layout class's hand-drawn byte diagram against its constants through {@link LayoutDiagram}
 * (recovery's layouts are checked the same way in recovery's tests).
 */
class LayoutDiagramTest {
    @Test
    void headerDiagramMatchesOffsets() throws Exception {
        LayoutDiagram.checkFixed(HeaderLayout.class);
    }

    @Test
    void overflowPageDiagramMatchesOffsets() throws Exception {
        LayoutDiagram.checkFixed(OverflowPageLayout.class);
    }

    @Test
    void directoryDiagramMatchesOffsets() throws Exception {
        LayoutDiagram.checkFixed(PieceDirectoryLayout.class);
    }

    @Test
    void freeExtentDiagramMatchesOffsets() throws Exception {
        LayoutDiagram.checkFixed(FreeExtentLayout.class);
    }

    @Test
    void pageChecksumsDiagramMatchesOffsets() throws Exception {
        LayoutDiagram.checkFixed(PageChecksumsLayout.class);
    }

    @Test
    void heapBlockDiagramMatchesOffsets() throws Exception {
        LayoutDiagram.checkFixed(HeapLayout.class);
    }

    @Test
    void varSlotDiagramMatchesLayoutForSeveralInlineWidths() throws Exception {
        List<LayoutDiagram.Row> rows = LayoutDiagram.rows(VarSlotLayout.class);
        assertEquals(List.of("length", "body"), rows.stream().map(LayoutDiagram.Row::name).toList());
        for (int inline : new int[]{VarSlotLayout.MIN_INLINE, 12, 28, VarSlotLayout.MAX_INLINE}) {
            // The diagram writes the inline width as I; evaluate it as the V term.
            long length = LayoutDiagram.eval(rows.get(0).offset(), 0, 0);
            long body = LayoutDiagram.eval(rows.get(1).offset(), 0, 0);
            assertEquals(VarSlotLayout.LENGTH_OFFSET, length);
            assertEquals(length + LayoutDiagram.eval(rows.get(0).size(), 0, 0), body, "body follows length");
            assertEquals(VarSlotLayout.BODY_OFFSET, body);
            long end = body + LayoutDiagram.eval(rows.get(1).size().replace('I', 'V'), 0, inline);
            assertEquals(VarSlotLayout.slotWidth(inline), end, "slot width for inline " + inline);
            assertEquals(end, LayoutDiagram.eval(LayoutDiagram.end(VarSlotLayout.class).replace('I', 'V'), 0, inline));
            assertEquals(inline, VarSlotLayout.inlineWidth((int) end));
        }
        assertEquals(VarSlotLayout.BODY_OFFSET, VarSlotLayout.HEAP_REF_OFFSET, "the heap reference starts the body");
        assertTrue(VarSlotLayout.MIN_INLINE >= Long.BYTES, "the body can hold a heap reference");
    }

    @Test
    void bucketDiagramMatchesLayoutForSeveralWidths() throws Exception {
        List<LayoutDiagram.Row> rows = LayoutDiagram.rows(BucketLayout.class);
        assertEquals(List.of("tophash", "keys", "values", "overflow"), rows.stream().map(LayoutDiagram.Row::name).toList());
        for (int[] kv : new int[][]{{8, 8}, {16, 8}, {32, 32}, {3, 5}, {1, 0}}) {
            BucketLayout l = BucketLayout.of(kv[0], kv[1]);
            long k = kv[0];
            long v = kv[1];
            long[] offsets = new long[rows.size() + 1];
            for (int i = 0; i < rows.size(); i++) {
                offsets[i] = LayoutDiagram.eval(rows.get(i).offset(), k, v);
                if (i > 0) {
                    assertEquals(offsets[i - 1] + LayoutDiagram.eval(rows.get(i - 1).size(), k, v), offsets[i], "contiguous at " + rows.get(i).name());
                }
            }
            assertEquals(BucketLayout.TOPHASH_OFFSET, offsets[0]);
            assertEquals(BucketLayout.KEYS_OFFSET, offsets[1]);
            assertEquals(l.valuesOffset(), offsets[2], "values for " + k + "/" + v);
            assertEquals(l.overflowOffset(), offsets[3], "overflow for " + k + "/" + v);
            assertEquals(l.size(), offsets[3] + LayoutDiagram.eval(rows.get(3).size(), k, v), "size for " + k + "/" + v);
            assertEquals(l.size(), LayoutDiagram.eval(LayoutDiagram.end(BucketLayout.class), k, v));
        }
    }
}
