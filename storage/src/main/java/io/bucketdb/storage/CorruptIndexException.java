package io.bucketdb.storage;

import java.io.IOException;
import java.nio.file.Path;

/**
 * A file of an index does not hold what it must. Always names the file, the byte offset
 * and what was expected there, so a user can tell damage from a bug and find it with
 * {@code bucketdb dump}.
 */
public final class CorruptIndexException extends IOException {
    private final Path file;
    private final long offset;

    public CorruptIndexException(Path file, long offset, String expected) {
        super(file + " @ offset " + offset + ": " + expected);
        this.file = file;
        this.offset = offset;
    }

    public CorruptIndexException(Path file, long offset, String expected, Throwable cause) {
        this(file, offset, expected);
        initCause(cause);
    }

    /** The file that is damaged. */
    public Path file() {
        return file;
    }

    /** The byte offset in {@link #file()} where the damage was found. */
    public long offset() {
        return offset;
    }
}
