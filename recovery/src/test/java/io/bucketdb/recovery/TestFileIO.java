package io.bucketdb.recovery;

import io.bucketdb.spi.AppendWindow;
import io.bucketdb.spi.DurableFile;
import io.bucketdb.storage.FileDurableIO;
import io.bucketdb.storage.ForwardingAppendWindow;
import io.bucketdb.storage.ForwardingDurableFile;
import io.bucketdb.storage.ForwardingDurableIO;

import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * {@link FileDurableIO} with a recorder in front, for the journal's tests: it records every write (a put into an
 * {@link AppendWindow} is one),
 * counts forces and directory syncs, and can be told to fail the next write or force. Forces and
 * directory syncs are counted but not passed to the disk: these tests build crashed files by hand
 * and never lose power, and thousands of fsyncs would only make them slow. Everything else is the
 * real implementation.
 */
final class TestFileIO extends ForwardingDurableIO {
    /** One call to {@link DurableFile#write} or {@link AppendWindow#put}. */
    record Write(Path file, long position, int length) {
    }

    final List<Write> writes = new ArrayList<>();
    /** Every write and force that reached the file, in order: a force is a {@link Write} of length -1. */
    final List<Write> durableOps = new ArrayList<>();
    /**
     * Every {@link DurableFile#startWriteback} hint, in order, as a {@link Write} of the range; {@code afterOps} in
     * {@link Hint} is how many {@link #durableOps} came before it. Recorded, not passed to the disk, as forces are not.
     */
    final List<Hint> writebacks = new ArrayList<>();
    int forces;
    int directorySyncs;
    /** Bytes asked for by {@link DurableFile#read}, to bound how much an open reads. */
    long bytesRead;
    /** Writes still to succeed before one fails; -1 for none. */
    private int writesBeforeFailure = -1;
    /** Forces still to succeed before one fails; -1 for none. */
    private int forcesBeforeFailure = -1;
    /** Whether writes save what they overwrite (see {@link #keepUndo}). */
    private boolean keepUndo;
    /** Per file, what the writes since its last successful force overwrote, oldest first. */
    private final Map<Path, Deque<Undo>> undo = new HashMap<>();

    /** A write-back hint for {@code range}, given after the first {@code afterOps} entries of {@link #durableOps}. */
    record Hint(Write range, int afterOps) {
    }

    /** The bytes a write overwrote at {@code position}, and the file's size before it. */
    private record Undo(long position, byte[] old, long sizeBefore) {
    }

    /** After {@code successes} more writes, the next {@link DurableFile#write} throws instead of writing. */
    void failWriteAfter(int successes) {
        writesBeforeFailure = successes;
    }

    /** After {@code successes} more forces, the next {@link DurableFile#force} throws instead of forcing. */
    void failForceAfter(int successes) {
        forcesBeforeFailure = successes;
    }

    /**
     * From now on, each write first saves the bytes it overwrites, until its file's next successful force, so that
     * {@link #loseUnforcedWrites} can take it back.
     */
    void keepUndo() {
        keepUndo = true;
    }

    /**
     * A power loss that keeps none of the writes not yet forced: puts back, newest first, the bytes each write since
     * its file's last successful force overwrote (and the file's length where the write extended it). The other
     * extreme, a crash that keeps every write, is what the files hold without this.
     */
    void loseUnforcedWrites() throws IOException {
        for (var e : undo.entrySet()) {
            try (FileChannel ch = FileChannel.open(e.getKey(), StandardOpenOption.WRITE)) {
                for (Undo u = e.getValue().pollLast(); u != null; u = e.getValue().pollLast()) {
                    ch.write(ByteBuffer.wrap(u.old()), u.position());
                    if (u.position() + u.old().length > u.sizeBefore()) {
                        ch.truncate(u.sizeBefore()); // the write made the file longer
                    }
                }
            }
        }
        undo.clear();
    }

    /** Writes at or after {@code position} (record data, not segment headers at offset 0). */
    long writesFrom(long position) {
        return writes.stream().filter(w -> w.position() >= position).count();
    }

    TestFileIO() {
        super(FileDurableIO.INSTANCE);
    }

    @Override
    public DurableFile open(Path file, Mode mode) throws IOException {
        return new TestFile(delegate.open(file, mode));
    }

    @Override
    public void syncDirectory(Path dir) throws IOException {
        if (!Files.isDirectory(dir)) {
            throw new IOException("not a directory: " + dir);
        }
        directorySyncs++;
    }

    private final class TestFile extends ForwardingDurableFile {
        TestFile(DurableFile real) {
            super(real);
        }

        @Override
        public void read(long position, ByteBuffer dst) throws IOException {
            bytesRead += dst.remaining();
            delegate.read(position, dst);
        }

        @Override
        public void write(long position, ByteBuffer src) throws IOException {
            int length = src.remaining();
            beforeWrite(position, length);
            delegate.write(position, src);
            afterWrite(position, length);
        }

        @Override
        public void force() throws IOException {
            recordForce();
        }

        @Override
        public void startWriteback(long position, long length) {
            writebacks.add(new Hint(new Write(path(), position, (int) length), durableOps.size()));
        }

        /** Puts and forces of the window count as writes and forces of this file, and fail as they do. */
        @Override
        public AppendWindow mapAppendWindow(long position, long size) throws IOException {
            return new ForwardingAppendWindow(delegate.mapAppendWindow(position, size)) {
                @Override
                public void put(long at, MemorySegment src, long srcOffset, long length) throws IOException {
                    beforeWrite(at, (int) length);
                    delegate.put(at, src, srcOffset, length);
                    afterWrite(at, (int) length);
                }

                @Override
                public void force(long from, long to) throws IOException {
                    recordForce(); // counted, not performed, like the file's force
                }
            };
        }

        private void beforeWrite(long position, int length) throws IOException {
            if (writesBeforeFailure >= 0 && writesBeforeFailure-- == 0) {
                throw new IOException("injected write failure: " + path());
            }
            if (keepUndo) {
                byte[] old = new byte[length];
                long size;
                try (FileChannel ch = FileChannel.open(path(), StandardOpenOption.READ)) {
                    size = ch.size();
                    ByteBuffer b = ByteBuffer.wrap(old);
                    while (b.hasRemaining() && ch.read(b, position + b.position()) > 0) {
                        // zeros stay where the file ends
                    }
                }
                undo.computeIfAbsent(path(), k -> new ArrayDeque<>()).addLast(new Undo(position, old, size));
            }
        }

        private void afterWrite(long position, int length) {
            writes.add(new Write(path(), position, length));
            durableOps.add(new Write(path(), position, length));
        }

        private void recordForce() throws IOException {
            if (forcesBeforeFailure >= 0 && forcesBeforeFailure-- == 0) {
                throw new IOException("injected force failure: " + path());
            }
            forces++;
            durableOps.add(new Write(path(), 0, -1));
            undo.remove(path());
        }
    }
}
