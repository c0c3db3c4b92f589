package io.bucketdb.spi;

import java.io.IOException;
import java.nio.file.Path;

/**
 * A file of an index does not hold what it must. Always names the file, the byte offset
 * and what was expected there, so a user can tell damage from a bug and find it with
 * {@code bucketdb dump}.
 */
public final class CorruptIndexException extends IOException {
    /** The damaged file. */
    private final Path file;
    /** The byte offset of the damage in {@link #file}. */
    private final long offset;

    /**
     * Damage in {@code file} at {@code offset}.
     *
     * @param file     the damaged file
     * @param offset   the byte offset in it
     * @param expected what must be there
     */
    public CorruptIndexException(Path file, long offset, String expected) {
        super(file + " @ offset " + offset + ": " + expected);
        this.file = file;
        this.offset = offset;
    }

    /**
     * Damage in {@code file} at {@code offset}, found through {@code cause}.
     *
     * @param file     the damaged file
     * @param offset   the byte offset in it
     * @param expected what must be there
     * @param cause    the failure that revealed the damage
     */
    public CorruptIndexException(Path file, long offset, String expected, Throwable cause) {
        this(file, offset, expected);
        initCause(cause);
    }

    /** {@return the file that is damaged} */
    public Path file() {
        return file;
    }

    /** {@return the byte offset in {@link #file()} where the damage was found} */
    public long offset() {
        return offset;
    }
}
