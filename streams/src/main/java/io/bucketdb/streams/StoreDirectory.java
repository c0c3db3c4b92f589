package io.bucketdb.streams;

import io.bucketdb.BucketDB;
import io.bucketdb.Options;
import io.bucketdb.spi.DurableIO;
import org.apache.kafka.streams.errors.ProcessorStateException;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.stream.Stream;

/**
 * Where a store's index lives and how it is opened: {@code <task state dir>/bucketdb/<store name>}, beside
 * RocksDB's {@code rocksdb/<store name>}, with the store's IQ position in {@code <store name>.position} next to it.
 *
 * <p>A new index is created under a staging name and renamed into place only once it is complete, so a
 * directory with the store's name is always a whole index. That lets open tell an index from anything else:
 * an existing store directory that BucketDB cannot open is not silently replaced by an empty index (its
 * contents would be lost, and Kafka would believe its checkpointed offset); the store refuses to open with a
 * {@link ProcessorStateException} that names the directory.
 *
 * <p>Every change on disk (the staging directory, its rename, the deletes, the directory syncs) goes through the
 * store's {@link DurableIO}, as the index's own files do.
 */
final class StoreDirectory {
    /** The folder of all BucketDB stores of a task. */
    static final String PARENT = "bucketdb";
    private static final String STAGING_SUFFIX = ".creating";
    private static final String POSITION_SUFFIX = ".position";

    private final String storeName;
    private final Path index;
    private final DurableIO io;

    StoreDirectory(Path taskStateDir, String storeName, DurableIO io) {
        this.storeName = storeName;
        this.index = taskStateDir.resolve(PARENT).resolve(storeName);
        this.io = io;
    }

    /** Rejects a store name that cannot be one directory's name. */
    static void checkName(String name) {
        if (name.isEmpty() || name.equals(".") || name.equals("..") || name.contains("/") || name.contains("\\")
                || name.indexOf('\0') >= 0) {
            throw new IllegalArgumentException("store name '" + name + "' cannot name a directory: use a non-empty name "
                    + "without '/', '\\' or NUL that is not '.' or '..'");
        }
    }

    /** {@return the index directory} */
    Path index() {
        return index;
    }

    /** {@return the file that keeps the store's IQ position across restarts} */
    Path positionFile() {
        return index.resolveSibling(storeName + POSITION_SUFFIX);
    }

    /**
     * Opens the store's index, creating it if the directory does not exist.
     *
     * @throws ProcessorStateException if the directory exists and is not an index BucketDB can open, or on I/O failure
     */
    BucketDB open(Options options) {
        try {
            if (Files.exists(index) && !Files.isDirectory(index)) {
                throw notAnIndex("it is a file, not a directory", null);
            }
            if (Files.isDirectory(index) && isEmpty(index)) {
                // Nothing to lose: an empty directory (made by hand, or by a tool) becomes a new index.
                io.delete(index);
            }
            if (!Files.exists(index)) {
                create(options);
            }
        } catch (IOException | UncheckedIOException e) {
            throw new ProcessorStateException("cannot create the BucketDB index of store " + storeName + " in " + index
                    + ": " + e, e);
        }
        try {
            // createIfMissing(false): the directory exists, so it must already be an index (see the class comment).
            return BucketDB.open(index, options.withCreateIfMissing(false));
        } catch (IOException | RuntimeException e) {
            throw notAnIndex("BucketDB cannot open it: " + e.getMessage(), e);
        }
    }

    private ProcessorStateException notAnIndex(String why, Throwable cause) {
        return new ProcessorStateException("state store " + storeName + " cannot open its directory " + index
                + " as a BucketDB index: " + why + ". Nothing was changed. If the directory belongs to something else, "
                + "move it away; if it is a damaged store, delete it and Kafka Streams restores the store from its "
                + "changelog.", cause);
    }

    /**
     * Builds an empty index under the staging name, then renames it into place (atomically) and syncs the
     * {@code bucketdb} folder and the task directory that holds it: the folder may be new, and a crash must not
     * lose the store while Kafka's checkpoint file beside it survives (Kafka would then skip the restore).
     */
    private void create(Options options) throws IOException {
        Path staging = index.resolveSibling(storeName + STAGING_SUFFIX);
        deleteRecursively(staging); // left by a crash during an earlier creation: empty by construction
        io.createDirectories(staging);
        BucketDB.open(staging, options).close();
        io.rename(staging, index);
        io.syncDirectory(index.getParent());
        io.syncDirectory(index.getParent().getParent());
    }

    private static boolean isEmpty(Path dir) throws IOException {
        try (Stream<Path> entries = Files.list(dir)) {
            return entries.findAny().isEmpty();
        }
    }

    private void deleteRecursively(Path dir) throws IOException {
        if (!Files.exists(dir)) {
            return;
        }
        try (Stream<Path> all = Files.walk(dir)) {
            for (Path p : all.sorted(Comparator.reverseOrder()).toList()) {
                io.delete(p);
            }
        }
    }
}
