package io.bucketdb.storage.sim;

import java.nio.file.Path;

/**
 * One durable operation as a {@link CrashSimulator} counts it, for {@link CrashSimulator#failWhen}.
 *
 * @param index 1 for the first operation the simulator saw, counting every operation started
 * @param kind  what the operation does
 * @param path  the file or directory it acts on (for a rename, the source)
 */
public record Operation(long index, Kind kind, Path path) {

    /** The kinds of operation that change what is on disk. */
    public enum Kind {
        CREATE_FILE,
        CREATE_DIRECTORIES,
        WRITE,
        FORCE,
        ALLOCATE,
        TRUNCATE,
        RENAME,
        DELETE,
        SYNC_DIRECTORY;

        /** Whether it writes a file's bytes or size, or forces them: what a failing disk refuses. */
        public boolean touchesFileData() {
            return this == WRITE || this == FORCE || this == ALLOCATE || this == TRUNCATE;
        }
    }

    @Override
    public String toString() {
        return "operation " + index + " (" + kind + " " + path + ")";
    }
}
