package io.bucketdb.tools;

import java.util.ArrayList;
import java.util.List;

/** Number formatting and aligned columns for human-readable output. */
final class Text {
    private Text() {
    }

    /** {@code n} with thousands separators: 5,000,000. */
    static String count(long n) {
        return String.format(java.util.Locale.ROOT, "%,d", n);
    }

    /** A byte count for people: 312.6 MiB. */
    static String bytes(long n) {
        if (n < 1024) {
            return n + " B";
        }
        String[] units = {"KiB", "MiB", "GiB", "TiB", "PiB"};
        double v = n;
        int u = -1;
        while (v >= 1024 && u < units.length - 1) {
            v /= 1024;
            u++;
        }
        return String.format(java.util.Locale.ROOT, "%.1f %s", v, units[u]);
    }

    /** Rows of cells printed as left-aligned columns separated by two spaces. */
    static final class Columns {
        private final List<String[]> rows = new ArrayList<>();

        Columns row(String... cells) {
            rows.add(cells);
            return this;
        }

        List<String> lines(String indent) {
            int cols = rows.stream().mapToInt(r -> r.length).max().orElse(0);
            int[] w = new int[cols];
            for (String[] r : rows) {
                for (int c = 0; c < r.length; c++) {
                    w[c] = Math.max(w[c], r[c].length());
                }
            }
            List<String> out = new ArrayList<>();
            for (String[] r : rows) {
                StringBuilder b = new StringBuilder(indent);
                for (int c = 0; c < r.length; c++) {
                    b.append(r[c]);
                    if (c < r.length - 1) {
                        b.append(" ".repeat(w[c] - r[c].length() + 2));
                    }
                }
                out.add(b.toString().stripTrailing());
            }
            return out;
        }
    }
}
