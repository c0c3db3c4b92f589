package io.bucketdb.spi;

import java.io.IOException;
import java.nio.file.Path;

/**
 * The one door through which BucketDB changes anything on disk. Every byte written to an
 * index directory, every force, every size change, rename and delete passes through an
 * implementation of this interface, so that {@code CrashSimulator} can see all of it and
 * build the file images a power loss could leave behind.
 *
 * <p>Reads may go around it (a private or read-only mapping reads the file directly), but
 * writes never do: the table file is never mapped writable-shared (docs/DESIGN.md, "Rules no change may break"), and
 * the journal's appends through a shared mapping go through the {@link AppendWindow} a {@link DurableFile} hands out.
 */
public interface DurableIO {

    /** How {@link #open} treats a missing or an existing file. */
    enum Mode {
        /** Create the file (owner-only permissions); fail if it exists. */
        CREATE_NEW,
        /** Open the file if it exists, else create it (owner-only permissions). */
        CREATE_OR_OPEN,
        /** Open an existing file for reading and writing; fail if it is missing. */
        OPEN_EXISTING,
        /** Open an existing file for reading only; writes fail. */
        READ_ONLY
    }

    /**
     * Opens {@code file} as {@code mode} says.
     *
     * @param file the file to open
     * @param mode how a missing or an existing file is treated
     * @return the open file; the caller closes it
     * @throws IOException if the mode's condition fails (the file exists or is missing) or opening fails
     */
    DurableFile open(Path file, Mode mode) throws IOException;

    /**
     * Creates {@code dir} and missing parents, owner-only (rwx------) where the file system supports it.
     *
     * @param dir the directory to create
     * @throws IOException if a directory cannot be created
     */
    void createDirectories(Path dir) throws IOException;

    /**
     * Renames {@code source} to {@code target} atomically, replacing {@code target}. The rename is
     * durable only after {@link #syncDirectory} of the parent.
     *
     * @param source the file to rename
     * @param target its new name
     * @throws IOException if the rename fails
     */
    void rename(Path source, Path target) throws IOException;

    /**
     * Deletes {@code file} if it exists. Durable only after {@link #syncDirectory} of the parent.
     *
     * @param file the file to delete
     * @throws IOException if the delete fails
     */
    void delete(Path file) throws IOException;

    /**
     * Makes creations, renames and deletes in {@code dir} durable (fsync of the directory).
     *
     * @param dir the directory to sync
     * @throws IOException if the sync fails
     */
    void syncDirectory(Path dir) throws IOException;
}
