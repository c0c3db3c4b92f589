package io.bucketdb.storage;

import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.lang.reflect.Field;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.*;

/**
 * Checks each layout class's hand-drawn byte diagram against its constants (Aeron's
 * LogBufferDescriptor shows how diagrams drift otherwise): fields are contiguous, each named
 * field's {@code NAME_OFFSET} constant equals the diagram's offset, and the end equals {@code SIZE}.
 */
class LayoutDiagramTest {
    private static final Pattern ROW = Pattern.compile("^\\s*\\*\\s+(\\S+)\\s+(\\S+)\\s+([a-z][A-Za-z]*)\\s*$");
    private static final Pattern END = Pattern.compile("^\\s*\\*\\s+(\\S+)\\s+\\(end\\)\\s*$");

    record Row(String offset, String size, String name) {
    }

    @Test
    void headerDiagramMatchesOffsets() throws Exception {
        checkFixed(HeaderLayout.class);
    }

    @Test
    void overflowPageDiagramMatchesOffsets() throws Exception {
        checkFixed(OverflowPageLayout.class);
    }

    @Test
    void directoryDiagramMatchesOffsets() throws Exception {
        checkFixed(PieceDirectoryLayout.class);
    }

    @Test
    void freeExtentDiagramMatchesOffsets() throws Exception {
        checkFixed(FreeExtentLayout.class);
    }

    @Test
    void pageChecksumsDiagramMatchesOffsets() throws Exception {
        checkFixed(PageChecksumsLayout.class);
    }

    @Test
    void heapBlockDiagramMatchesOffsets() throws Exception {
        checkFixed(HeapLayout.class);
    }

    @Test
    void varSlotDiagramMatchesLayoutForSeveralInlineWidths() throws Exception {
        List<Row> rows = diagram(VarSlotLayout.class);
        assertEquals(List.of("length", "body"), rows.stream().map(Row::name).toList());
        for (int inline : new int[]{VarSlotLayout.MIN_INLINE, 12, 28, VarSlotLayout.MAX_INLINE}) {
            // The diagram writes the inline width as I; evaluate it as the V term.
            long length = eval(rows.get(0).offset(), 0, 0);
            long body = eval(rows.get(1).offset(), 0, 0);
            assertEquals(VarSlotLayout.LENGTH_OFFSET, length);
            assertEquals(length + eval(rows.get(0).size(), 0, 0), body, "body follows length");
            assertEquals(VarSlotLayout.BODY_OFFSET, body);
            long end = body + eval(rows.get(1).size().replace('I', 'V'), 0, inline);
            assertEquals(VarSlotLayout.slotWidth(inline), end, "slot width for inline " + inline);
            assertEquals(end, eval(endOf(VarSlotLayout.class).replace('I', 'V'), 0, inline));
            assertEquals(inline, VarSlotLayout.inlineWidth((int) end));
        }
        assertEquals(VarSlotLayout.BODY_OFFSET, VarSlotLayout.HEAP_REF_OFFSET, "the heap reference starts the body");
        assertTrue(VarSlotLayout.MIN_INLINE >= Long.BYTES, "the body can hold a heap reference");
    }

    @Test
    void bucketDiagramMatchesLayoutForSeveralWidths() throws Exception {
        List<Row> rows = diagram(BucketLayout.class);
        assertEquals(List.of("tophash", "keys", "values", "overflow"), rows.stream().map(Row::name).toList());
        for (int[] kv : new int[][]{{8, 8}, {16, 8}, {32, 32}, {3, 5}, {1, 0}}) {
            BucketLayout l = BucketLayout.of(kv[0], kv[1]);
            long k = kv[0];
            long v = kv[1];
            long[] offsets = new long[rows.size() + 1];
            for (int i = 0; i < rows.size(); i++) {
                offsets[i] = eval(rows.get(i).offset(), k, v);
                if (i > 0) {
                    assertEquals(offsets[i - 1] + eval(rows.get(i - 1).size(), k, v), offsets[i], "contiguous at " + rows.get(i).name());
                }
            }
            assertEquals(BucketLayout.TOPHASH_OFFSET, offsets[0]);
            assertEquals(BucketLayout.KEYS_OFFSET, offsets[1]);
            assertEquals(l.valuesOffset(), offsets[2], "values for " + k + "/" + v);
            assertEquals(l.overflowOffset(), offsets[3], "overflow for " + k + "/" + v);
            assertEquals(l.size(), offsets[3] + eval(rows.get(3).size(), k, v), "size for " + k + "/" + v);
            assertEquals(l.size(), eval(endOf(BucketLayout.class), k, v));
        }
    }

    /** Evaluates diagram arithmetic such as "8+8K+8V" for key width K and value width V. */
    private static long eval(String expr, long k, long v) {
        long total = 0;
        for (String term : expr.split("\\+")) {
            long factor = 1;
            String t = term;
            if (t.endsWith("K")) {
                factor = k;
                t = t.substring(0, t.length() - 1);
            } else if (t.endsWith("V")) {
                factor = v;
                t = t.substring(0, t.length() - 1);
            }
            total += (t.isEmpty() ? 1 : Long.parseLong(t)) * factor;
        }
        return total;
    }

    private static void checkFixed(Class<?> layout) throws Exception {
        List<Row> rows = diagram(layout);
        assertFalse(rows.isEmpty(), "no diagram rows in " + layout.getSimpleName());
        long expected = 0;
        for (Row r : rows) {
            long off = Long.parseLong(r.offset());
            assertEquals(expected, off, layout.getSimpleName() + ": field " + r.name() + " does not follow the previous one");
            String constant = snake(r.name()) + "_OFFSET";
            Field f = layout.getField(constant);
            assertEquals(off, ((Number) f.get(null)).longValue(), layout.getSimpleName() + "." + constant);
            expected = off + Long.parseLong(r.size());
        }
        assertEquals(expected, Long.parseLong(endOf(layout)), layout.getSimpleName() + ": (end)");
        assertEquals(expected, ((Number) layout.getField("SIZE").get(null)).longValue(), layout.getSimpleName() + ".SIZE");
    }

    private static String snake(String camel) {
        return camel.replaceAll("([a-z0-9])([A-Z])", "$1_$2").toUpperCase(Locale.ROOT);
    }

    private static List<Row> diagram(Class<?> layout) throws IOException {
        List<Row> rows = new ArrayList<>();
        boolean in = false;
        for (String line : Files.readAllLines(source(layout))) {
            if (line.contains("offset  size  field")) {
                in = true;
                continue;
            }
            if (in) {
                Matcher m = ROW.matcher(line);
                if (m.matches()) {
                    rows.add(new Row(m.group(1), m.group(2), m.group(3)));
                } else {
                    break;
                }
            }
        }
        return rows;
    }

    private static String endOf(Class<?> layout) throws IOException {
        for (String line : Files.readAllLines(source(layout))) {
            Matcher m = END.matcher(line);
            if (m.matches()) {
                return m.group(1);
            }
        }
        throw new AssertionError("no (end) row in " + layout.getSimpleName());
    }

    private static Path source(Class<?> c) {
        return Path.of("src/main/java", c.getName().replace('.', '/') + ".java");
    }
}
