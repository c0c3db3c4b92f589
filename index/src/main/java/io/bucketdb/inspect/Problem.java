package io.bucketdb.inspect;

import io.bucketdb.spi.CorruptIndexException;

import java.nio.file.Path;

/**
 * One thing {@link IndexInspector#verify()} found wrong: where it is and what should have been there,
 * in the words {@code bucketdb verify} prints, so a user can find the bytes with {@code bucketdb dump}.
 *
 * @param file     the damaged file
 * @param offset   the byte offset in {@code file} of the field that is wrong
 * @param expected what the structure requires there
 * @param found    what the file holds instead
 */
public record Problem(Path file, long offset, String expected, String found) {

    /** A problem from a {@link CorruptIndexException}, splitting its "…, found …" text where it has one. */
    public static Problem of(CorruptIndexException e) {
        String msg = e.getMessage();
        String prefix = e.file() + " @ offset " + e.offset() + ": ";
        String text = msg != null && msg.startsWith(prefix) ? msg.substring(prefix.length()) : String.valueOf(msg);
        int cut = text.lastIndexOf(", found ");
        if (cut < 0) {
            return new Problem(e.file(), e.offset(), text, "something else");
        }
        return new Problem(e.file(), e.offset(), text.substring(0, cut), text.substring(cut + ", found ".length()));
    }

    @Override
    public String toString() {
        return file + " @ " + offset + ": expected " + expected + ", found " + found;
    }
}
