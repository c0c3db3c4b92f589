package io.bucketdb.storage;

import io.bucketdb.spi.AppendWindow;
import io.bucketdb.spi.DurableFile;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;

/**
 * A {@link DurableFile} that passes every call to another one, hole punching included (a wrapper that
 * forgot {@link #punchHole} would silently turn it off): the file half of {@link ForwardingDurableIO}. A
 * layer overrides only the calls it watches or changes.
 */
public class ForwardingDurableFile implements DurableFile {
    /** The file every call not overridden goes to. */
    protected final DurableFile delegate;

    /**
     * A layer over {@code delegate}.
     *
     * @param delegate the file every call not overridden goes to
     */
    public ForwardingDurableFile(DurableFile delegate) {
        this.delegate = delegate;
    }

    @Override
    public Path path() {
        return delegate.path();
    }

    @Override
    public long size() throws IOException {
        return delegate.size();
    }

    @Override
    public void read(long position, ByteBuffer dst) throws IOException {
        delegate.read(position, dst);
    }

    @Override
    public void write(long position, ByteBuffer src) throws IOException {
        delegate.write(position, src);
    }

    @Override
    public void force() throws IOException {
        delegate.force();
    }

    @Override
    public void allocate(long newSize) throws IOException {
        delegate.allocate(newSize);
    }

    @Override
    public boolean punchHole(long position, long length) throws IOException {
        return delegate.punchHole(position, length);
    }

    @Override
    public boolean canPunchHoles() {
        return delegate.canPunchHoles();
    }

    @Override
    public void startWriteback(long position, long length) {
        delegate.startWriteback(position, length);
    }

    @Override
    public void truncate(long newSize) throws IOException {
        delegate.truncate(newSize);
    }

    @Override
    public MemorySegment map(FileChannel.MapMode mode, long position, long size, Arena arena) throws IOException {
        return delegate.map(mode, position, size, arena);
    }

    @Override
    public AppendWindow mapAppendWindow(long position, long size) throws IOException {
        return delegate.mapAppendWindow(position, size);
    }

    @Override
    public void close() throws IOException {
        delegate.close();
    }
}
