package io.bucketdb.durability;

import io.bucketdb.spi.AppendWindow;
import io.bucketdb.spi.DurableFile;
import io.bucketdb.spi.DurableIO;
import io.bucketdb.storage.ForwardingAppendWindow;
import io.bucketdb.storage.ForwardingDurableFile;
import io.bucketdb.storage.ForwardingDurableIO;
import java.io.IOException;
import java.nio.file.Path;

/**
 * Test I/O that calls {@link #afterJournalForce} on the forcing thread after every force of a journal segment that
 * returned: a force of the file, or of its append window (where the journal's records are forced).
 */
abstract class JournalForceHookIO extends ForwardingDurableIO {

    JournalForceHookIO(DurableIO delegate) {
        super(delegate);
    }

    /** Runs on the thread that forced a journal segment, after the force returned. */
    abstract void afterJournalForce();

    @Override
    public DurableFile open(Path file, Mode mode) throws IOException {
        return new ForwardingDurableFile(delegate.open(file, mode)) {
            @Override
            public void force() throws IOException {
                delegate.force();
                afterForceOf(path());
            }

            @Override
            public AppendWindow mapAppendWindow(long position, long size) throws IOException {
                return new ForwardingAppendWindow(delegate.mapAppendWindow(position, size)) {
                    @Override
                    public void force(long from, long to) throws IOException {
                        delegate.force(from, to);
                        afterForceOf(path());
                    }
                };
            }
        };
    }

    private void afterForceOf(Path path) {
        if (isJournal(path)) {
            afterJournalForce();
        }
    }

    /** {@return whether {@code path} names a journal segment} */
    static boolean isJournal(Path path) {
        return path.getFileName().toString().startsWith("journal-");
    }
}
