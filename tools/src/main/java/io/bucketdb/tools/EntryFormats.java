package io.bucketdb.tools;

import io.bucketdb.BucketDB;
import picocli.CommandLine.Option;

/**
 * The {@code --format}, {@code --key-format} and {@code --value-format} options of the key commands
 * ({@code get}, {@code put}, {@code delete}, {@code scan}): one format for both sides, or one per side,
 * as an index of long keys and text values needs.
 */
final class EntryFormats {
    @Option(names = "--format", paramLabel = "FORMAT",
            description = "How keys and values are typed and printed: long (8 bytes little-endian, as putLong stores them; "
                    + "decimal, or hex with 0x), utf8 (zero-padded to a fixed width, trailing zero bytes not printed, control "
                    + "characters printed as \\xNN), hex or base64 (exact bytes). Default: long for an index of 8-byte keys "
                    + "and values, else hex.")
    Format format;

    @Option(names = "--key-format", paramLabel = "FORMAT", description = "The format of keys only (overrides --format).")
    Format keyFormat;

    @Option(names = "--value-format", paramLabel = "FORMAT", description = "The format of values only (overrides --format).")
    Format valueFormat;

    /**
     * The formats for the keys and values of {@code db}, checked against its widths before anything is
     * read or written: {@code long} on a fixed side of another width than 8 is a usage error.
     */
    EntryText bind(BucketDB db) {
        Format fallback = format != null ? format
                : Format.displayDefault(db.variableKeys() ? -1 : db.keyWidth(), db.variableValues() ? -1 : db.valueWidth());
        Format k = keyFormat != null ? keyFormat : fallback;
        Format v = valueFormat != null ? valueFormat : fallback;
        EntryText t = new EntryText(k, v, db.variableKeys() ? Format.ANY_LENGTH : db.keyWidth(),
                db.variableValues() ? Format.ANY_LENGTH : db.valueWidth(), db.maxKeyLength(), db.maxValueLength());
        t.checkLong(k, t.keyWidth(), "key", keyFormat != null ? "--key-format" : "--format");
        t.checkLong(v, t.valueWidth(), "value", valueFormat != null ? "--value-format" : "--format");
        return t;
    }
}
