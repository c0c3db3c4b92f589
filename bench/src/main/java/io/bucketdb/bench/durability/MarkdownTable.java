package io.bucketdb.bench.durability;

import java.util.ArrayList;
import java.util.List;

/** A Markdown table: the first column left-aligned, the others (figures) right-aligned. */
final class MarkdownTable {
    private final List<String> header;
    private final List<List<String>> rows = new ArrayList<>();

    MarkdownTable(String... header) {
        this.header = List.of(header);
    }

    void row(Object... cells) {
        if (cells.length != header.size()) {
            throw new IllegalArgumentException(cells.length + " cells for " + header.size() + " columns");
        }
        List<String> row = new ArrayList<>();
        for (Object c : cells) {
            row.add(String.valueOf(c));
        }
        rows.add(row);
    }

    String render() {
        StringBuilder sb = new StringBuilder();
        line(sb, header);
        sb.append("|---|");
        sb.append("---:|".repeat(header.size() - 1)).append('\n');
        for (List<String> r : rows) {
            line(sb, r);
        }
        return sb.toString();
    }

    private static void line(StringBuilder sb, List<String> cells) {
        sb.append("| ").append(String.join(" | ", cells)).append(" |\n");
    }
}
