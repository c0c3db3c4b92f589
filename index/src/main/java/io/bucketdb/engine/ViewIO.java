package io.bucketdb.engine;

import io.bucketdb.spi.DurableFile;
import io.bucketdb.spi.DurableIO;
import io.bucketdb.storage.InMemoryFile;

import java.io.IOException;
import java.nio.file.Path;

/**
 * The durable I/O of a read-only view: the table file is its copy in memory (opened in any mode, changed only
 * there), every other file is read through the index's own I/O, and anything that would change a file or a
 * directory is refused. So the code that opens and recovers a writable index (finishing an interrupted
 * checkpoint, opening the table, replaying the journal) builds a view without writing a byte, and a path that
 * tried would fail loudly instead of touching a live writer's files.
 */
final class ViewIO implements DurableIO {
    private final DurableIO files;
    private final Path table;
    private final InMemoryFile copy;

    ViewIO(DurableIO files, Path table, InMemoryFile copy) {
        this.files = files;
        this.table = table.toAbsolutePath().normalize();
        this.copy = copy;
    }

    @Override
    public DurableFile open(Path file, Mode mode) throws IOException {
        if (file.toAbsolutePath().normalize().equals(table)) {
            return copy;
        }
        if (mode != Mode.READ_ONLY) {
            throw refused("open " + file + " for writing");
        }
        return files.open(file, mode);
    }

    @Override
    public void createDirectories(Path dir) throws IOException {
        throw refused("create " + dir);
    }

    @Override
    public void rename(Path source, Path target) throws IOException {
        throw refused("rename " + source);
    }

    @Override
    public void delete(Path file) throws IOException {
        throw refused("delete " + file);
    }

    @Override
    public void syncDirectory(Path dir) throws IOException {
        throw refused("sync " + dir);
    }

    private static IOException refused(String what) {
        return new IOException("a read-only view writes nothing, so it may not " + what);
    }
}
