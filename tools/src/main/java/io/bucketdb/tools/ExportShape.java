package io.bucketdb.tools;

import io.bucketdb.BucketDB;
import io.bucketdb.Options;
import io.bucketdb.storage.TableGeometry;
import io.bucketdb.storage.VarSlotLayout;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The first line of an export: the shape of the index it came from, so that {@code import} into a new directory
 * recreates exactly that shape. It is a flat JSON object like the records after it, so the file stays JSON Lines
 * ({@code jq} and the like read it), and it is told apart from a record by its {@value #MARKER} field:
 *
 * <pre>{@code
 * {"bucketdb-export":1,"format":"base64","keys":"fixed","keyWidth":8,"values":"variable","valueInline":28,
 *  "maxKeyLength":65536,"maxValueLength":268435456,"alignShift":16,"entries":10000}
 * {"bucketdb-export":1,"format":"hex","keys":"fixed","keyWidth":16,"values":"fixed","valueWidth":100,
 *  "valuePlacement":"heap","maxKeyLength":65536,"maxValueLength":268435456,"alignShift":16,"entries":533}
 * }</pre>
 *
 * <ul>
 * <li>{@value #MARKER}: the version of this line's syntax, {@value #VERSION}; an import refuses a newer one
 *     rather than guess at fields it does not know.</li>
 * <li>{@code format}: how the records' keys and values are written ({@link Format}).</li>
 * <li>{@code keys}/{@code values}: {@code fixed} with {@code keyWidth}/{@code valueWidth} bytes, or
 *     {@code variable} with {@code keyInline}/{@code valueInline} bytes kept in the slot.</li>
 * <li>{@code valuePlacement}: with fixed-width values wider than {@link VarSlotLayout#MIN_INLINE} bytes only (narrower
 *     ones are always inline), {@code inline} (in the bucket's slots) or {@code heap}
 *     (kept out of line in the value heap, {@link Options#withValuesOutOfLine}); a choice made at creation that the
 *     records do not show, so an import repeats it. Exports written before this field existed have none, and their
 *     import takes the default placement for the width.</li>
 * <li>{@code maxKeyLength}/{@code maxValueLength}: the length limits the export read with (the index file
 *     stores none: they are options of each open, and the export's are what an import must accept).</li>
 * <li>{@code alignShift}: the mapping chunk alignment chosen at creation.</li>
 * <li>{@code entries}: how many records follow, when the export knows it ({@code --salvage} does not); an import
 *     that reads another number refuses the file as truncated or extended.</li>
 * </ul>
 *
 * Exports written before this line existed have none and import as they always did.
 */
record ExportShape(Format format, boolean varKeys, int keyWidth, boolean varValues, int valueWidth, Boolean valuesOutOfLine,
                   int maxKeyLength, int maxValueLength, int alignShift, Long entries) {
    /** The field that marks the shape line. */
    static final String MARKER = "bucketdb-export";
    /**
     * The version of the shape line this build writes and the newest it reads. {@code valuePlacement} did not change
     * it: a bucketdb that does not know the field ignores it and imports with its default placement, losing no record.
     */
    static final int VERSION = 1;
    private static final String HEAP = "heap";
    private static final String INLINE = "inline";

    /**
     * The shape of {@code db}, written in {@code format}.
     *
     * @param choices what the index was created with (its header's chunk alignment and value placement)
     * @param entries records that will follow, or null if not known
     */
    static ExportShape of(BucketDB db, Format format, IndexChoices choices, Long entries) {
        return new ExportShape(format, db.variableKeys(), db.variableKeys() ? VarSlotLayout.inlineWidth(db.keyWidth()) : db.keyWidth(),
                db.variableValues(), db.variableValues() ? VarSlotLayout.inlineWidth(db.valueWidth()) : db.valueWidth(),
                placement(db.variableValues(), db.valueWidth(), choices.valuesOutOfLine()), db.maxKeyLength(), db.maxValueLength(), choices.alignShift(), entries);
    }

    /**
     * The shape of the index whose checkpoint header is {@code h}, written in {@code format}, with the length limits
     * of a default open (the most an index accepts).
     */
    static ExportShape of(io.bucketdb.storage.Header h, Format format, Long entries) {
        int valueWidth = Format.valueWidth(h); // values kept out of line are fixed-width to the records
        return new ExportShape(format, h.varKeys(), h.varKeys() ? VarSlotLayout.inlineWidth(h.keyWidth) : h.keyWidth,
                valueWidth == Format.ANY_LENGTH, valueWidth == Format.ANY_LENGTH ? VarSlotLayout.inlineWidth(h.valueWidth) : valueWidth,
                placement(valueWidth == Format.ANY_LENGTH, valueWidth, h.outlineValues()), Options.defaults().maxKeyLength(),
                Options.defaults().maxValueLength(), h.alignShift, entries);
    }

    /** The line, without its newline. */
    String line() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put(MARKER, VERSION);
        m.put("format", format.label());
        m.put("keys", varKeys ? "variable" : "fixed");
        m.put(varKeys ? "keyInline" : "keyWidth", keyWidth);
        m.put("values", varValues ? "variable" : "fixed");
        m.put(varValues ? "valueInline" : "valueWidth", valueWidth);
        if (valuesOutOfLine != null) {
            m.put("valuePlacement", valuesOutOfLine ? HEAP : INLINE);
        }
        m.put("maxKeyLength", maxKeyLength);
        m.put("maxValueLength", maxValueLength);
        m.put("alignShift", alignShift);
        if (entries != null) {
            m.put("entries", entries);
        }
        return Json.value(m);
    }

    /** Whether a parsed line is a shape line rather than a record. */
    static boolean isShape(Map<String, Object> line) {
        return line.containsKey(MARKER);
    }

    /**
     * Reads a shape line.
     *
     * @throws IllegalArgumentException saying which field is missing or wrong
     */
    static ExportShape parse(Map<String, Object> m) {
        long version = number(m, MARKER);
        if (version < 1 || version > VERSION) {
            throw new IllegalArgumentException("the export's first line has version " + version + " of the shape line; this bucketdb reads "
                    + "versions 1.." + VERSION + " (a newer bucketdb wrote it)");
        }
        Format format;
        try {
            format = Format.valueOf(text(m, "format").toUpperCase(java.util.Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("the export's first line names the unknown format '" + m.get("format") + "'");
        }
        boolean varKeys = variable(m, "keys");
        boolean varValues = variable(m, "values");
        Object entries = m.get("entries");
        if (entries != null && !(entries instanceof Long)) {
            throw new IllegalArgumentException("the export's first line has \"entries\": " + Json.value(entries) + ", not a number");
        }
        return new ExportShape(format, varKeys, (int) number(m, varKeys ? "keyInline" : "keyWidth"), varValues,
                (int) number(m, varValues ? "valueInline" : "valueWidth"), placement(m, varValues), (int) number(m, "maxKeyLength"),
                (int) number(m, "maxValueLength"), (int) number(m, "alignShift"), (Long) entries);
    }

    /**
     * Options that create an index of this shape.
     *
     * @throws IllegalArgumentException if a width, inline width or limit is outside what an index takes
     */
    Options apply(Options o) {
        Options r = varKeys ? o.withVariableKeys(keyWidth) : o.withKeyWidth(keyWidth);
        r = varValues ? r.withVariableValues(valueWidth) : r.withValueWidth(valueWidth);
        if (valuesOutOfLine != null) {
            r = r.withValuesOutOfLine(valuesOutOfLine);
        }
        io.bucketdb.storage.BucketLayout.of(varKeys ? VarSlotLayout.slotWidth(keyWidth) : keyWidth,
                varValues ? VarSlotLayout.slotWidth(valueWidth) : valueWidth); // refuses widths no bucket can hold
        return r.withMaxLengths(maxKeyLength, maxValueLength)
                .withChunking(alignShift, Math.max(TableGeometry.DEFAULT_MAX_CHUNK_SHIFT, alignShift));
    }

    /** Why {@code db} cannot take the records of this shape, or null if it can (same widths, or any length where these vary in length). */
    String misfit(BucketDB db) {
        String keys = side(varKeys, keyWidth, db.variableKeys(), db.keyWidth(), "key");
        String values = side(varValues, valueWidth, db.variableValues(), db.valueWidth(), "value");
        return keys != null ? keys : values;
    }

    private static String side(boolean var, int width, boolean dbVar, int dbSlot, String what) {
        if (dbVar) {
            return null; // any length fits
        }
        if (var) {
            return "the export holds variable-length " + what + "s; the index takes " + dbSlot + "-byte " + what + "s";
        }
        return width == dbSlot ? null : "the export holds " + width + "-byte " + what + "s; the index takes " + dbSlot + "-byte " + what + "s";
    }

    /** How the shape reads for people: "8-byte keys and variable-length values (28 bytes inline)". */
    String describe() {
        return (varKeys ? "variable-length keys (" + keyWidth + " bytes inline)" : keyWidth + "-byte keys") + " and "
                + (varValues ? "variable-length values (" + valueWidth + " bytes inline)" : valueWidth + "-byte values")
                + (Boolean.TRUE.equals(valuesOutOfLine) ? " kept out of line" : "");
    }

    /** The placement to record: none where there is no choice (variable-length values, or too narrow to move). */
    private static Boolean placement(boolean varValues, int valueWidth, boolean outOfLine) {
        return varValues || valueWidth <= VarSlotLayout.MIN_INLINE ? null : outOfLine;
    }

    /** The {@code valuePlacement} field: null if absent, else whether values are kept in the heap. */
    private static Boolean placement(Map<String, Object> m, boolean varValues) {
        if (!m.containsKey("valuePlacement")) {
            return null;
        }
        if (varValues) {
            throw new IllegalArgumentException("the export's first line has \"valuePlacement\" with variable-length values; "
                    + "only fixed-width values have a placement");
        }
        String s = text(m, "valuePlacement");
        return switch (s) {
            case HEAP -> true;
            case INLINE -> false;
            default -> throw new IllegalArgumentException("the export's first line has \"valuePlacement\": \"" + s + "\", not \""
                    + INLINE + "\" or \"" + HEAP + "\"");
        };
    }

    private static boolean variable(Map<String, Object> m, String field) {
        String s = text(m, field);
        return switch (s) {
            case "variable" -> true;
            case "fixed" -> false;
            default -> throw new IllegalArgumentException("the export's first line has \"" + field + "\": \"" + s + "\", not \"fixed\" or \"variable\"");
        };
    }

    private static long number(Map<String, Object> m, String field) {
        if (!(m.get(field) instanceof Long n)) {
            throw new IllegalArgumentException("the export's first line " + (m.containsKey(field) ? "has \"" + field + "\": "
                    + Json.value(m.get(field)) + ", not an integer" : "lacks the field \"" + field + "\""));
        }
        if (n < Integer.MIN_VALUE || n > Integer.MAX_VALUE) {
            throw new IllegalArgumentException("the export's first line has \"" + field + "\": " + n + ", out of range");
        }
        return n;
    }

    private static String text(Map<String, Object> m, String field) {
        if (!(m.get(field) instanceof String s)) {
            throw new IllegalArgumentException("the export's first line " + (m.containsKey(field) ? "has \"" + field + "\": "
                    + Json.value(m.get(field)) + ", not a string" : "lacks the field \"" + field + "\""));
        }
        return s;
    }
}
