package io.bucketdb.storage.testkit;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

/**
 * The one reader of the byte diagrams in layout classes' Javadoc (Aeron's {@code LogBufferDescriptor} shows how
 * hand-drawn diagrams drift from the constants), for the tests of every module: storage's and recovery's layout
 * tests hold each diagram against the constants through it. It reads the layout's source file under
 * {@code src/main/java} of the module whose tests run. Layout classes draw one of two kinds of diagram:
 * <ul>
 *   <li>a table whose heading is {@code offset  size  field}, one row per field (offset and size may be sums such
 *       as {@code 8+8K}, in the key width {@code K} and value width {@code V}), ending with an {@code (end)} row:
 *       {@link #rows}, {@link #end}, {@link #eval}, and {@link #checkFixed} for a fixed layout whose fields have
 *       {@code NAME_OFFSET} constants and whose length is {@code SIZE};</li>
 *   <li>a box drawing, 32 bits a row (the first {@code <pre>} block): {@link #boxes}.</li>
 * </ul>
 */
public final class LayoutDiagram {
    private static final Pattern ROW = Pattern.compile("^\\s*\\*\\s+(\\S+)\\s+(\\S+)\\s+([a-z][A-Za-z]*)\\s*$");
    private static final Pattern END = Pattern.compile("^\\s*\\*\\s+(\\S+)\\s+\\(end\\)\\s*$");

    /**
     * A row of a table diagram, as written.
     *
     * @param offset the offset column (a number or a sum such as {@code 8+8K})
     * @param size the size column
     * @param name the field's name
     */
    public record Row(String offset, String size, String name) {
    }

    /**
     * A table diagram, as written: a layout class that has several arrangements (one per format version) draws one
     * table each.
     *
     * @param rows its rows, in order
     * @param end the offset column of its {@code (end)} row
     */
    public record Table(List<Row> rows, String end) {
    }

    /**
     * A field of a box diagram.
     *
     * @param name the field's name as drawn
     * @param after the variable-length field this one follows, or "" for the fixed start
     * @param offset byte offset from the start, or from the end of {@code after}
     * @param length bytes, or -1 for a variable-length field
     */
    public record Field(String name, String after, int offset, int length) {
    }

    private LayoutDiagram() {
    }

    /**
     * Checks a fixed layout's table diagram: fields are contiguous from offset 0, each field's {@code NAME_OFFSET}
     * constant (camelCase name in SNAKE_CASE) equals its diagram offset, and the end equals the {@code (end)} row
     * and the constant {@code SIZE}.
     *
     * @param layout the layout class
     * @throws Exception if its source cannot be read or a constant is missing
     */
    public static void checkFixed(Class<?> layout) throws Exception {
        List<Row> rows = rows(layout);
        assertFalse(rows.isEmpty(), "no diagram rows in " + layout.getSimpleName());
        long expected = 0;
        for (Row r : rows) {
            long off = Long.parseLong(r.offset());
            assertEquals(expected, off, layout.getSimpleName() + ": field " + r.name() + " does not follow the previous one");
            String constant = snake(r.name()) + "_OFFSET";
            java.lang.reflect.Field f = layout.getField(constant);
            assertEquals(off, ((Number) f.get(null)).longValue(), layout.getSimpleName() + "." + constant);
            expected = off + Long.parseLong(r.size());
        }
        assertEquals(expected, Long.parseLong(end(layout)), layout.getSimpleName() + ": (end)");
        assertEquals(expected, ((Number) layout.getField("SIZE").get(null)).longValue(), layout.getSimpleName() + ".SIZE");
    }

    /**
     * {@return the rows of the layout's table diagram, in order}
     *
     * @param layout the layout class
     * @throws IOException if its source cannot be read
     */
    public static List<Row> rows(Class<?> layout) throws IOException {
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

    /**
     * {@return every table diagram of the layout's Javadoc, in order: each heading {@code offset  size  field}
     * starts one, and its {@code (end)} row ends it}
     *
     * @param layout the layout class
     * @throws IOException if its source cannot be read
     */
    public static List<Table> tables(Class<?> layout) throws IOException {
        List<Table> tables = new ArrayList<>();
        List<Row> rows = null;
        for (String line : Files.readAllLines(source(layout))) {
            if (line.contains("offset  size  field")) {
                rows = new ArrayList<>();
                continue;
            }
            if (rows == null) {
                continue;
            }
            Matcher end = END.matcher(line);
            Matcher row = ROW.matcher(line);
            if (end.matches()) {
                tables.add(new Table(List.copyOf(rows), end.group(1)));
                rows = null;
            } else if (row.matches()) {
                rows.add(new Row(row.group(1), row.group(2), row.group(3)));
            } else {
                throw new IllegalStateException("a table diagram row or its (end) row expected: " + line);
            }
        }
        return tables;
    }

    /**
     * {@return the offset column of the table diagram's {@code (end)} row}
     *
     * @param layout the layout class
     * @throws IOException if its source cannot be read
     */
    public static String end(Class<?> layout) throws IOException {
        for (String line : Files.readAllLines(source(layout))) {
            Matcher m = END.matcher(line);
            if (m.matches()) {
                return m.group(1);
            }
        }
        throw new AssertionError("no (end) row in " + layout.getSimpleName());
    }

    /**
     * Evaluates diagram arithmetic such as {@code 8+8K+8V}.
     *
     * @param expr the expression as written in the diagram
     * @param k the key width {@code K}
     * @param v the value width {@code V}
     * @return its value
     */
    public static long eval(String expr, long k, long v) {
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

    /**
     * Reads a box diagram (the first {@code <pre>} block of the layout's source). Rows are 32 bits wide, each bit
     * two characters; a cell with a name starts a field, a blank cell continues the field before it, and a row
     * ending in {@code ...} is a variable-length field (a row starting with {@code ...} continues it).
     *
     * @param layout the layout class
     * @return its fields, in order
     * @throws IOException if its source cannot be read
     */
    public static List<Field> boxes(Class<?> layout) throws IOException {
        List<String> lines = Files.readAllLines(source(layout));
        int begin = indexOf(lines, "<pre>", 0);
        int end = indexOf(lines, "</pre>", begin);
        List<String> names = new ArrayList<>();
        List<Integer> bits = new ArrayList<>();
        for (String raw : lines.subList(begin + 1, end)) {
            String row = raw.substring(raw.indexOf('*') + 1).trim();
            if (row.startsWith("...")) {
                continue;
            }
            if (row.endsWith("...")) {
                names.add(row.substring(1, row.length() - 3).trim());
                bits.add(-1);
                continue;
            }
            if (!row.startsWith("|")) {
                continue;
            }
            int rowBits = 0;
            for (String cell : row.substring(1, row.length() - 1).split("\\|", -1)) {
                int cellBits = (cell.length() + 1) / 2;
                rowBits += cellBits;
                if (cell.isBlank()) {
                    int last = bits.size() - 1;
                    if (last < 0 || bits.get(last) < 0) {
                        throw new IllegalStateException("blank cell continues no field: " + raw);
                    }
                    bits.set(last, bits.get(last) + cellBits);
                } else {
                    names.add(cell.trim());
                    bits.add(cellBits);
                }
            }
            if (rowBits != 32) {
                throw new IllegalStateException("row is " + rowBits + " bits wide, not 32: " + raw);
            }
        }
        List<Field> fields = new ArrayList<>();
        String after = "";
        int offset = 0;
        for (int i = 0; i < names.size(); i++) {
            if (bits.get(i) < 0) {
                fields.add(new Field(names.get(i), after, offset, -1));
                after = names.get(i);
                offset = 0;
            } else {
                if (bits.get(i) % 8 != 0) {
                    throw new IllegalStateException(names.get(i) + " is " + bits.get(i) + " bits, not whole bytes");
                }
                fields.add(new Field(names.get(i), after, offset, bits.get(i) / 8));
                offset += bits.get(i) / 8;
            }
        }
        return fields;
    }

    private static int indexOf(List<String> lines, String marker, int from) {
        for (int i = from; i < lines.size(); i++) {
            if (lines.get(i).contains(marker)) {
                return i;
            }
        }
        throw new IllegalStateException("no " + marker + " in the layout's Javadoc");
    }

    private static String snake(String camel) {
        return camel.replaceAll("([a-z0-9])([A-Z])", "$1_$2").toUpperCase(Locale.ROOT);
    }

    private static Path source(Class<?> c) {
        return Path.of("src/main/java", c.getName().replace('.', '/') + ".java");
    }
}
