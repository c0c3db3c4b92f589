package io.bucketdb.tools;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.CharBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.HexFormat;

/**
 * How keys and values are written and read on the command line and in JSON Lines. Keys and values
 * are fixed-width byte strings in the index; {@code long} reads 8 bytes little-endian (as the
 * {@code putLong} API stores them), {@code utf8} pads with zero bytes on the way in and trims
 * trailing zero bytes on the way out, {@code hex} and {@code base64} are exact.
 */
enum Format {
    HEX, UTF8, LONG, BASE64;

    /** The lower-case name users type. */
    String label() {
        return name().toLowerCase(java.util.Locale.ROOT);
    }

    /** The width {@link #parse} takes for a variable-length key or value: any length. */
    static final int ANY_LENGTH = -1;

    /** The width to parse a key of the index with header {@code h} at: its key width, or {@link #ANY_LENGTH}. */
    static int keyWidth(io.bucketdb.storage.Header h) {
        return h.varKeys() ? ANY_LENGTH : h.keyWidth;
    }

    /**
     * The width to parse a value of the index with header {@code h} at: its value width (also of values kept out of
     * line), or {@link #ANY_LENGTH}.
     */
    static int valueWidth(io.bucketdb.storage.Header h) {
        return h.outlineValues() ? h.outlineValueWidth : h.varValues() ? ANY_LENGTH : h.valueWidth;
    }

    /** The default display format for an index: {@code long} where both widths are 8, else {@code hex}. */
    static Format displayDefault(int keyWidth, int valueWidth) {
        return keyWidth == 8 && valueWidth == 8 ? LONG : HEX;
    }

    /**
     * Readable text for a dump column; never fails. {@code long} applies to 8-byte fields only (others
     * show as hex); long hex strings are cut at 32 bytes.
     */
    String text(byte[] b) {
        return switch (this) {
            case LONG -> b.length == 8 ? Long.toString(asLong(b)) : shortHex(b);
            case HEX -> shortHex(b);
            case BASE64 -> Base64.getEncoder().encodeToString(b);
            case UTF8 -> printable(new String(b, 0, trimmedLength(b), StandardCharsets.UTF_8));
        };
    }

    /**
     * The JSON value for {@code b}: a number for {@code long}, else a string. Strict, because exports
     * must import back to the same bytes.
     *
     * @throws CliException if {@code b} cannot be written in this format without loss
     */
    Object json(byte[] b, String what) {
        return json(b, what, true);
    }

    /**
     * {@link #json(byte[], String)}; {@code padded} says whether trailing zero bytes are padding of a
     * fixed-width field ({@code utf8} drops them, as its parse adds them back) or part of a
     * variable-length one (kept: a key or value may end in zero bytes, and an export must not lose them).
     */
    Object json(byte[] b, String what, boolean padded) {
        return switch (this) {
            case LONG -> {
                if (b.length != 8) {
                    // Fixed widths other than 8 are refused before anything is read: this is a variable-length side.
                    throw CliException.usage("--format long needs 8-byte keys and values; this index has a " + what + " of "
                            + Text.count(b.length) + (b.length == 1 ? " byte" : " bytes") + " (variable-length " + what
                            + "s): use --format base64");
                }
                yield asLong(b);
            }
            case HEX -> HexFormat.of().formatHex(b);
            case BASE64 -> Base64.getEncoder().encodeToString(b);
            case UTF8 -> {
                try {
                    yield StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                            .onUnmappableCharacter(CodingErrorAction.REPORT)
                            .decode(ByteBuffer.wrap(b, 0, padded ? trimmedLength(b) : b.length)).toString();
                } catch (CharacterCodingException e) {
                    throw CliException.usage("a " + what + " is not valid UTF-8 (0x" + HexFormat.of().formatHex(b)
                            + "): use --format base64");
                }
            }
        };
    }

    /**
     * The exact text of a key or value as the key commands print it: {@link #json} as a string (so
     * {@code hex} and {@code base64} are never cut, and {@code long} needs 8 bytes), with control
     * characters of {@code utf8} text written as \xNN so one entry stays on one line.
     *
     * @throws CliException if {@code b} cannot be written in this format without loss
     */
    String exactText(byte[] b, String what, boolean padded) {
        Object v = json(b, what, padded);
        return this == UTF8 ? printable((String) v) : String.valueOf(v);
    }

    /**
     * Parses a value typed on the command line or read from JSON (a {@link String} or a {@link Long})
     * into exactly {@code width} bytes.
     *
     * @throws IllegalArgumentException saying what was expected
     */
    byte[] parse(Object v, int width, String what) {
        if (this == LONG) {
            if (width != 8 && width != ANY_LENGTH) {
                throw new IllegalArgumentException("--format long needs 8-byte " + what + "s; this index has " + width + "-byte " + what + "s");
            }
            long x;
            if (v instanceof Long l) {
                x = l;
            } else {
                String s = String.valueOf(v).trim();
                try {
                    x = s.startsWith("0x") || s.startsWith("0X") ? Long.parseUnsignedLong(s.substring(2), 16) : Long.parseLong(s);
                } catch (NumberFormatException e) {
                    throw new IllegalArgumentException(what + " '" + s + "' is not a 64-bit integer (decimal, or hex with 0x)");
                }
            }
            return ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(0, x).array();
        }
        if (this == UTF8) {
            byte[] out = utf8(string(v, what), what);
            if (width == ANY_LENGTH) {
                return out;
            }
            if (out.length > width) {
                throw new IllegalArgumentException(what + " '" + v + "' is " + out.length + " bytes in UTF-8; this index takes "
                        + width + "-byte " + what + "s");
            }
            return java.util.Arrays.copyOf(out, width);
        }
        byte[] out = exact(v, what);
        if (width != ANY_LENGTH && out.length != width) {
            throw new IllegalArgumentException(what + " '" + v + "' is " + out.length + " bytes; this index takes " + width + "-byte " + what + "s");
        }
        return out;
    }

    /** The bytes of a {@code hex} or {@code base64} value, whatever their number (a new index learns its widths from them). */
    byte[] exact(Object v, String what) {
        String s = string(v, what);
        return switch (this) {
            case HEX -> {
                try {
                    yield HexFormat.of().parseHex(s.startsWith("0x") || s.startsWith("0X") ? s.substring(2) : s);
                } catch (IllegalArgumentException e) {
                    throw new IllegalArgumentException(what + " '" + s + "' is not hex");
                }
            }
            case BASE64 -> {
                try {
                    yield Base64.getDecoder().decode(s);
                } catch (IllegalArgumentException e) {
                    throw new IllegalArgumentException(what + " '" + s + "' is not base64");
                }
            }
            default -> throw new IllegalStateException(label() + " has no exact byte count");
        };
    }

    /**
     * The UTF-8 bytes of {@code s}. {@code String.getBytes} writes '?' for a lone surrogate (a JSON escape of U+D800 without its
     * pair), which would store a byte nobody wrote; such text has no UTF-8 and is refused instead.
     *
     * @throws IllegalArgumentException naming the lone surrogate
     */
    static byte[] utf8(String s, String what) {
        try {
            ByteBuffer b = StandardCharsets.UTF_8.newEncoder().onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT).encode(CharBuffer.wrap(s));
            return java.util.Arrays.copyOfRange(b.array(), b.arrayOffset() + b.position(), b.arrayOffset() + b.limit());
        } catch (CharacterCodingException e) {
            int at = 0;
            while (at < s.length()) {
                char c = s.charAt(at);
                if (Character.isHighSurrogate(c) && at + 1 < s.length() && Character.isLowSurrogate(s.charAt(at + 1))) {
                    at += 2;
                } else if (Character.isSurrogate(c)) {
                    break;
                } else {
                    at++;
                }
            }
            throw new IllegalArgumentException(what + " holds a lone surrogate" + (at < s.length()
                    ? String.format(" (U+%04X, character %d)", (int) s.charAt(at), at + 1) : "")
                    + ", which has no UTF-8 bytes: give valid Unicode text, or the bytes in --format base64 or hex");
        }
    }

    private String string(Object v, String what) {
        if (!(v instanceof String s)) {
            throw new IllegalArgumentException(what + " must be a JSON string in --format " + label() + ", found the number " + v);
        }
        return s;
    }

    static long asLong(byte[] b) {
        return ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN).getLong();
    }

    private static String shortHex(byte[] b) {
        return b.length <= 32 ? HexFormat.of().formatHex(b) : HexFormat.of().formatHex(b, 0, 32) + "…";
    }

    private static int trimmedLength(byte[] b) {
        int n = b.length;
        while (n > 0 && b[n - 1] == 0) {
            n--;
        }
        return n;
    }

    /** Control characters as \xNN so a dump never moves the cursor. */
    private static String printable(String s) {
        StringBuilder b = new StringBuilder(s.length());
        CharBuffer.wrap(s).chars().forEach(c -> {
            if (c < 0x20 || c == 0x7F) {
                b.append(String.format("\\x%02x", c));
            } else {
                b.append((char) c);
            }
        });
        return b.toString();
    }
}
