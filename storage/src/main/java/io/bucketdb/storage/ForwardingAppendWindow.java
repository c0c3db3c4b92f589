package io.bucketdb.storage;

import io.bucketdb.spi.AppendWindow;
import java.io.IOException;
import java.lang.foreign.MemorySegment;

/**
 * An {@link AppendWindow} that passes every call to another one: the window half of {@link ForwardingDurableFile}. A
 * counting, failing or pausing layer (in tests) overrides {@link ForwardingDurableFile#mapAppendWindow} to wrap the
 * window in one of these, overriding only the calls it watches.
 */
public class ForwardingAppendWindow implements AppendWindow {
    /** The window every call not overridden goes to. */
    protected final AppendWindow delegate;

    /**
     * A layer over {@code delegate}.
     *
     * @param delegate the window every call not overridden goes to
     */
    public ForwardingAppendWindow(AppendWindow delegate) {
        this.delegate = delegate;
    }

    @Override
    public long start() {
        return delegate.start();
    }

    @Override
    public long end() {
        return delegate.end();
    }

    @Override
    public void put(long position, MemorySegment src, long srcOffset, long length) throws IOException {
        delegate.put(position, src, srcOffset, length);
    }

    @Override
    public void force(long from, long to) throws IOException {
        delegate.force(from, to);
    }

    @Override
    public void close() {
        delegate.close();
    }
}
