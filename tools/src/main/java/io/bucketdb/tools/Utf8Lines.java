package io.bucketdb.tools;

import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CoderResult;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * The lines of a JSON Lines input, as bytes split at {@code \n} (a {@code \r} before it dropped), each decoded as strict
 * UTF-8 by {@link #decode}. An {@code InputStreamReader} replaces bytes that are not UTF-8 with U+FFFD, so
 * {@code import --format utf8} stored EF BF BD where the file held another byte, silently; and a strict reader fails
 * while it fills its buffer, up to 64 KiB ahead of the line being parsed, so the error named the wrong line. Splitting
 * the bytes first and decoding one line at a time names the line and the byte.
 */
final class Utf8Lines {
    private final InputStream in;
    private final byte[] buffer = new byte[1 << 16];
    private final CharsetDecoder decoder = StandardCharsets.UTF_8.newDecoder()
            .onMalformedInput(CodingErrorAction.REPORT).onUnmappableCharacter(CodingErrorAction.REPORT);
    private int pos;
    private int limit;
    private byte[] line = new byte[256];
    private int length;

    Utf8Lines(InputStream in) {
        this.in = in;
    }

    /** The bytes of the next line without its terminator (valid until the next call), or null at the end of the input. */
    ByteBuffer next() throws IOException {
        length = 0;
        boolean any = false;
        while (true) {
            if (pos == limit) {
                int n = in.read(buffer);
                if (n < 0) {
                    return any ? lineBytes() : null;
                }
                pos = 0;
                limit = n;
            }
            any = true;
            int start = pos;
            while (pos < limit && buffer[pos] != '\n') {
                pos++;
            }
            append(start, pos);
            if (pos < limit) {
                pos++; // the '\n'
                return lineBytes();
            }
        }
    }

    /**
     * The line as text.
     *
     * @throws IllegalArgumentException naming the first byte that is not UTF-8, by its number in the line
     */
    String decode(ByteBuffer bytes) {
        CharBuffer out = CharBuffer.allocate(bytes.remaining());
        decoder.reset();
        CoderResult r = decoder.decode(bytes, out, true);
        if (!r.isError()) {
            r = decoder.flush(out);
        }
        if (r.isError()) {
            int at = bytes.position();
            throw new IllegalArgumentException("byte " + (at + 1) + " (0x" + String.format("%02x", bytes.get(at) & 0xFF)
                    + ") is not valid UTF-8: the input must be UTF-8 text; write bytes that are not text in --format base64 or hex");
        }
        return out.flip().toString();
    }

    private ByteBuffer lineBytes() {
        int n = length > 0 && line[length - 1] == '\r' ? length - 1 : length;
        return ByteBuffer.wrap(line, 0, n);
    }

    private void append(int from, int to) {
        int n = to - from;
        if (length + n > line.length) {
            line = Arrays.copyOf(line, Math.max(line.length * 2, length + n));
        }
        System.arraycopy(buffer, from, line, length, n);
        length += n;
    }
}
