package io.bucketdb.bench.durability;

import io.bucketdb.spi.AppendWindow;
import io.bucketdb.spi.DurableFile;
import io.bucketdb.spi.DurableIO;
import io.bucketdb.storage.ForwardingAppendWindow;
import io.bucketdb.storage.ForwardingDurableFile;
import io.bucketdb.storage.ForwardingDurableIO;

import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.concurrent.atomic.AtomicLongArray;

/**
 * A {@link DurableIO} that passes everything to another one and counts, per {@link FileKind}, the
 * bytes written and the forces. Every byte BucketDB writes goes through
 * {@code DurableIO} (the table is mapped private, never shared; the journal's shared mapping is its
 * {@code AppendWindow}), so these counts are everything the index asks the OS to write. They are bytes
 * handed to {@code write} or put into the window, not bytes the device writes:
 * a force of a partly written page, the file system's journal and metadata come on top.
 *
 * <p>Thread-safe: the writer thread and the ASYNC force timer both write and force.
 */
final class CountingDurableIO extends ForwardingDurableIO {
    private final AtomicLongArray written = new AtomicLongArray(FileKind.values().length);
    private final AtomicLongArray forces = new AtomicLongArray(FileKind.values().length);

    CountingDurableIO(DurableIO delegate) {
        super(delegate);
    }

    /** The counters now. */
    IoTally tally() {
        IoTally t = IoTally.zero();
        for (FileKind k : FileKind.values()) {
            t.written()[k.ordinal()] = written.get(k.ordinal());
            t.forces()[k.ordinal()] = forces.get(k.ordinal());
        }
        return t;
    }

    @Override
    public DurableFile open(Path file, Mode mode) throws IOException {
        return new CountingFile(delegate.open(file, mode), FileKind.of(file).ordinal());
    }

    /**
     * One open file; its kind is fixed at open (a file renamed while open keeps the kind it had). Allocation
     * passes through uncounted: posix_fallocate (with native access, as the benchmark runs) reserves blocks
     * without writing data, so preallocation is not bytes written.
     */
    private final class CountingFile extends ForwardingDurableFile {
        private final int kind;

        CountingFile(DurableFile file, int kind) {
            super(file);
            this.kind = kind;
        }

        @Override
        public void write(long position, ByteBuffer src) throws IOException {
            int n = src.remaining();
            delegate.write(position, src);
            written.addAndGet(kind, n);
        }

        @Override
        public void force() throws IOException {
            delegate.force();
            forces.incrementAndGet(kind);
        }

        /** The journal's frames go through its append window: a put counts as bytes written, its force as a force. */
        @Override
        public AppendWindow mapAppendWindow(long position, long size) throws IOException {
            return new ForwardingAppendWindow(delegate.mapAppendWindow(position, size)) {
                @Override
                public void put(long at, MemorySegment src, long srcOffset, long length) throws IOException {
                    delegate.put(at, src, srcOffset, length);
                    written.addAndGet(kind, length);
                }

                @Override
                public void force(long from, long to) throws IOException {
                    delegate.force(from, to);
                    forces.incrementAndGet(kind);
                }
            };
        }
    }
}
