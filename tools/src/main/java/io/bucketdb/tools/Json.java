package io.bucketdb.tools;

import java.lang.reflect.RecordComponent;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The little JSON the tool speaks: writing objects for {@code --json} and JSON Lines, and reading
 * one JSON Lines record for {@code import}. Hand-written because the tool needs only flat values
 * and a dependency would be bigger than this class.
 */
final class Json {
    private Json() {
    }

    /** {@code s} as a JSON string literal. */
    static String quote(String s) {
        StringBuilder b = new StringBuilder(s.length() + 2).append('"');
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '"' -> b.append("\\\"");
                case '\\' -> b.append("\\\\");
                case '\n' -> b.append("\\n");
                case '\r' -> b.append("\\r");
                case '\t' -> b.append("\\t");
                default -> {
                    if (c < 0x20) {
                        b.append(String.format("\\u%04x", (int) c));
                    } else {
                        b.append(c);
                    }
                }
            }
        }
        return b.append('"').toString();
    }

    /** A JSON value: strings quoted, numbers and booleans as they are, maps and lists nested, null as null. */
    static String value(Object v) {
        return switch (v) {
            case null -> "null";
            case String s -> quote(s);
            case Double d -> Double.isFinite(d) ? String.valueOf(Math.round(d * 1000) / 1000.0) : "null";
            case Number n -> n.toString();
            case Boolean bool -> bool.toString();
            case long[] a -> {
                List<Object> l = new ArrayList<>();
                for (long x : a) {
                    l.add(x);
                }
                yield value(l);
            }
            case Map<?, ?> m -> {
                StringBuilder b = new StringBuilder("{");
                for (var e : m.entrySet()) {
                    if (b.length() > 1) {
                        b.append(',');
                    }
                    b.append(quote(String.valueOf(e.getKey()))).append(':').append(value(e.getValue()));
                }
                yield b.append('}').toString();
            }
            case List<?> l -> {
                StringBuilder b = new StringBuilder("[");
                for (Object x : l) {
                    if (b.length() > 1) {
                        b.append(',');
                    }
                    b.append(value(x));
                }
                yield b.append(']').toString();
            }
            default -> throw new IllegalArgumentException("no JSON for " + v.getClass());
        };
    }

    /**
     * The components of {@code r} as an insertion-ordered map under their names, nested records as maps,
     * lists element by element, paths as strings: what {@link #value} prints and a text view reads.
     */
    static Map<String, Object> fields(Record r) {
        Map<String, Object> m = object();
        for (RecordComponent c : r.getClass().getRecordComponents()) {
            try {
                m.put(c.getName(), plain(c.getAccessor().invoke(r)));
            } catch (ReflectiveOperationException e) {
                throw new IllegalStateException(r.getClass().getSimpleName() + "." + c.getName(), e);
            }
        }
        return m;
    }

    private static Object plain(Object v) {
        return switch (v) {
            case Record r -> fields(r);
            case List<?> l -> l.stream().map(Json::plain).toList();
            case Path p -> p.toString();
            case null, default -> v;
        };
    }

    /** An insertion-ordered map, for building objects field by field. */
    static Map<String, Object> object() {
        return new LinkedHashMap<>();
    }

    /**
     * Parses one flat JSON object whose values are strings or integers (a JSON Lines record).
     * Strings come back as {@link String}, integers as {@link Long}.
     *
     * @throws IllegalArgumentException saying what is wrong and at which column
     */
    static Map<String, Object> parseFlatObject(String line) {
        return new Parser(line).object();
    }

    private static final class Parser {
        private final String s;
        private int i;

        Parser(String s) {
            this.s = s;
        }

        Map<String, Object> object() {
            Map<String, Object> out = new LinkedHashMap<>();
            skip();
            expect('{');
            skip();
            if (peek() == '}') {
                i++;
            } else {
                while (true) {
                    skip();
                    int at = i;
                    String name = string();
                    if (out.containsKey(name)) {
                        // Which of the two a reader takes is up to it (RFC 8259 4): refused, never a silent pick.
                        throw new IllegalArgumentException("column " + (at + 1) + ": the field " + quote(name) + " appears twice");
                    }
                    skip();
                    expect(':');
                    skip();
                    out.put(name, scalar());
                    skip();
                    char c = next();
                    if (c == '}') {
                        break;
                    }
                    if (c != ',') {
                        throw error("',' or '}'", c);
                    }
                }
            }
            skip();
            if (i < s.length()) {
                throw error("the end of the line", s.charAt(i));
            }
            return out;
        }

        private Object scalar() {
            char c = peek();
            if (c == '"') {
                return string();
            }
            if (c == '-' || (c >= '0' && c <= '9')) {
                int start = i;
                if (c == '-') {
                    i++;
                }
                while (i < s.length() && Character.isDigit(s.charAt(i))) {
                    i++;
                }
                if (i < s.length() && (s.charAt(i) == '.' || s.charAt(i) == 'e' || s.charAt(i) == 'E')) {
                    throw new IllegalArgumentException("column " + (start + 1) + ": expected an integer, found a fraction or exponent");
                }
                try {
                    return Long.parseLong(s.substring(start, i));
                } catch (NumberFormatException e) {
                    throw new IllegalArgumentException("column " + (start + 1) + ": integer out of the 64-bit range: " + s.substring(start, i));
                }
            }
            throw error("a string or an integer", c);
        }

        private String string() {
            expect('"');
            StringBuilder b = new StringBuilder();
            while (true) {
                char c = next();
                if (c == '"') {
                    return b.toString();
                }
                if (c != '\\') {
                    b.append(c);
                    continue;
                }
                char e = next();
                switch (e) {
                    case '"', '\\', '/' -> b.append(e);
                    case 'b' -> b.append('\b');
                    case 'f' -> b.append('\f');
                    case 'n' -> b.append('\n');
                    case 'r' -> b.append('\r');
                    case 't' -> b.append('\t');
                    case 'u' -> {
                        if (i + 4 > s.length()) {
                            throw new IllegalArgumentException("column " + (i + 1) + ": expected 4 hex digits after \\u");
                        }
                        try {
                            b.append((char) Integer.parseInt(s.substring(i, i + 4), 16));
                        } catch (NumberFormatException x) {
                            throw new IllegalArgumentException("column " + (i + 1) + ": expected 4 hex digits after \\u");
                        }
                        i += 4;
                    }
                    default -> throw error("an escape (\\\" \\\\ \\/ \\b \\f \\n \\r \\t \\u)", e);
                }
            }
        }

        private void skip() {
            while (i < s.length() && Character.isWhitespace(s.charAt(i))) {
                i++;
            }
        }

        private char peek() {
            if (i >= s.length()) {
                throw new IllegalArgumentException("column " + (i + 1) + ": unexpected end of the line");
            }
            return s.charAt(i);
        }

        private char next() {
            char c = peek();
            i++;
            return c;
        }

        private void expect(char c) {
            char got = next();
            if (got != c) {
                i--;
                throw error("'" + c + "'", got);
            }
        }

        private IllegalArgumentException error(String expected, char found) {
            return new IllegalArgumentException("column " + (i + 1) + ": expected " + expected + ", found '" + found + "'");
        }
    }
}
