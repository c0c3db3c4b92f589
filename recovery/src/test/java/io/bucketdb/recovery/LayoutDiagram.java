package io.bucketdb.recovery;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Reads the byte diagram in a layout class's Javadoc (the first {@code <pre>} block of its source), so a
 * test can hold it against the offset constants. Rows are 32 bits wide, each bit two characters; a cell
 * with a name starts a field, a blank cell continues the field above it, and a row ending in {@code ...}
 * is a variable-length field (a row starting with {@code ...} continues it).
 */
final class LayoutDiagram {
    /**
     * A field of the diagram.
     *
     * @param after  the variable-length field this one follows, or "" for the fixed start
     * @param offset byte offset from the start, or from the end of {@code after}
     * @param length bytes, or -1 for a variable-length field
     */
    record Field(String name, String after, int offset, int length) {
    }

    private LayoutDiagram() {
    }

    static List<Field> parse(Class<?> layout) throws IOException {
        Path source = Path.of("src/main/java", layout.getName().replace('.', '/') + ".java");
        List<String> lines = Files.readAllLines(source);
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
}
