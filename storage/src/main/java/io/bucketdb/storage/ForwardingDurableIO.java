package io.bucketdb.storage;

import io.bucketdb.spi.DurableIO;
import io.bucketdb.spi.DurableFile;
import java.io.IOException;
import java.nio.file.Path;

/**
 * A {@link DurableIO} that passes every call to another one, as Lucene's {@code FilterDirectory} does: a
 * counting, recording or failing layer (in tests and benchmarks) extends it and overrides only what it
 * changes. To see the calls on each file, override {@link #open} and wrap the file in a
 * {@link ForwardingDurableFile} that overrides the calls it watches.
 */
public class ForwardingDurableIO implements DurableIO {
    /** The I/O every call not overridden goes to. */
    protected final DurableIO delegate;

    /**
     * A layer over {@code delegate}.
     *
     * @param delegate the I/O every call not overridden goes to
     */
    public ForwardingDurableIO(DurableIO delegate) {
        this.delegate = delegate;
    }

    @Override
    public DurableFile open(Path file, Mode mode) throws IOException {
        return delegate.open(file, mode);
    }

    @Override
    public void createDirectories(Path dir) throws IOException {
        delegate.createDirectories(dir);
    }

    @Override
    public void rename(Path source, Path target) throws IOException {
        delegate.rename(source, target);
    }

    @Override
    public void delete(Path file) throws IOException {
        delegate.delete(file);
    }

    @Override
    public void syncDirectory(Path dir) throws IOException {
        delegate.syncDirectory(dir);
    }
}
