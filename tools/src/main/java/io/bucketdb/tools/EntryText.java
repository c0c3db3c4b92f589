package io.bucketdb.tools;

/**
 * Keys and values of one index as the key commands read and print them: the formats chosen by
 * {@link EntryFormats} and the widths of the index ({@link Format#ANY_LENGTH} for a variable-length side,
 * which then takes up to its maximum length). Every input error is a {@link CliException} of exit code 2
 * whose message is the one line the user sees.
 *
 * @param keyFormat      how keys are typed and printed
 * @param valueFormat    how values are typed and printed
 * @param keyWidth       the key width, or {@link Format#ANY_LENGTH}
 * @param valueWidth     the value width, or {@link Format#ANY_LENGTH}
 * @param maxKeyLength   the longest variable-length key the index takes
 * @param maxValueLength the longest variable-length value the index takes
 */
record EntryText(Format keyFormat, Format valueFormat, int keyWidth, int valueWidth, int maxKeyLength, int maxValueLength) {

    /** The bytes of a key typed on the command line. */
    byte[] key(String text) {
        return parse(keyFormat, text, keyWidth, maxKeyLength, "key");
    }

    /** The bytes of a value typed on the command line. */
    byte[] value(String text) {
        return parse(valueFormat, text, valueWidth, maxValueLength, "value");
    }

    /** A stored key as it is printed. */
    String key(byte[] key) {
        return keyFormat.exactText(key, "key", keyWidth != Format.ANY_LENGTH);
    }

    /** A stored value as it is printed. */
    String value(byte[] value) {
        return valueFormat.exactText(value, "value", valueWidth != Format.ANY_LENGTH);
    }

    /**
     * The bytes a key must start with for {@code scan --prefix}: the bytes typed, not padded to the key width
     * (so {@code utf8} "user:" matches every key that starts with those five bytes).
     */
    byte[] prefix(String text) {
        return switch (keyFormat) {
            case LONG -> throw CliException.usage("--prefix needs keys in utf8, hex or base64 (--key-format): a long key has no byte prefix");
            case UTF8, HEX, BASE64 -> {
                try {
                    yield keyFormat == Format.UTF8 ? Format.utf8(text, "--prefix") : keyFormat.exact(text, "--prefix");
                } catch (IllegalArgumentException e) {
                    throw CliException.usage(e.getMessage());
                }
            }
        };
    }

    /** Refuses {@code long} for a fixed side that is not 8 bytes wide, before anything is read or written. */
    void checkLong(Format f, int width, String what, String option) {
        if (f == Format.LONG && width != Format.ANY_LENGTH && width != 8) {
            throw CliException.usage(option + " long needs 8-byte " + what + "s; this index has " + width + "-byte " + what
                    + "s: use " + option + " hex, utf8 or base64");
        }
    }

    private static byte[] parse(Format f, String text, int width, int max, String what) {
        byte[] b;
        try {
            b = f.parse(text, width, what);
        } catch (IllegalArgumentException e) {
            throw CliException.usage(e.getMessage());
        }
        if (width == Format.ANY_LENGTH && b.length > max) {
            throw CliException.usage(what + " of " + Text.count(b.length) + " bytes is longer than the " + Text.count(max)
                    + " bytes this index takes; nothing was written");
        }
        return b;
    }
}
