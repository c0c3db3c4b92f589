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
    void blockNumberSlotDiagramMatchesOffsets() throws Exception {
        LayoutDiagram.checkFixed(BlockNumberLayout.class);
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

    /**
     * {@link BucketLayout} draws two tables: format version 4's (overflow after the tophash bytes, the layout of
     * {@link BucketLayout#of(int, int)}) and then versions 1 to 3's (overflow at the end). Each is held against the
     * offsets of its arrangement.
     */
    @Test
    void bucketDiagramsMatchBothLayoutsForSeveralWidths() throws Exception {
        List<LayoutDiagram.Table> tables = LayoutDiagram.tables(BucketLayout.class);
        assertEquals(2, tables.size(), "one table per arrangement");
        assertEquals(List.of("tophash", "overflow", "keys", "values"), tables.get(0).rows().stream().map(LayoutDiagram.Row::name).toList());
        assertEquals(List.of("tophash", "keys", "values", "overflow"), tables.get(1).rows().stream().map(LayoutDiagram.Row::name).toList());
        for (int[] kv : new int[][]{{8, 8}, {16, 8}, {32, 32}, {3, 5}, {1, 0}}) {
            checkBucketTable(tables.get(0), BucketLayout.of(kv[0], kv[1], true));
            checkBucketTable(tables.get(1), BucketLayout.of(kv[0], kv[1], false));
            assertTrue(BucketLayout.of(kv[0], kv[1]).overflowFirst(), "new tables take format version 4's layout");
        }
    }

    private static void checkBucketTable(LayoutDiagram.Table table, BucketLayout l) {
        List<LayoutDiagram.Row> rows = table.rows();
        long k = l.keyWidth();
        long v = l.valueWidth();
        String what = (l.overflowFirst() ? "version 4" : "versions 1-3") + ", " + k + "/" + v;
        long next = 0;
        for (LayoutDiagram.Row r : rows) {
            long off = LayoutDiagram.eval(r.offset(), k, v);
            assertEquals(next, off, "contiguous at " + r.name() + ", " + what);
            long expected = switch (r.name()) {
                case "tophash" -> BucketLayout.TOPHASH_OFFSET;
                case "overflow" -> l.overflowOffset();
                case "keys" -> l.keysOffset();
                case "values" -> l.valuesOffset();
                default -> throw new AssertionError("unknown field " + r.name());
            };
            assertEquals(expected, off, r.name() + ", " + what);
            long size = LayoutDiagram.eval(r.size(), k, v);
            long expectedSize = switch (r.name()) {
                case "tophash" -> BucketLayout.SLOTS;
                case "overflow" -> BucketLayout.OVERFLOW_SIZE;
                case "keys" -> BucketLayout.SLOTS * k;
                default -> BucketLayout.SLOTS * v;
            };
            assertEquals(expectedSize, size, "size of " + r.name() + ", " + what);
            next = off + size;
        }
        assertEquals(l.size(), next, "size, " + what);
        assertEquals(l.size(), LayoutDiagram.eval(table.end(), k, v), "(end), " + what);
        assertEquals(l.keyOffset(0), l.keysOffset(), what);
        assertEquals(l.valueOffset(0), l.valuesOffset(), what);
    }
}
