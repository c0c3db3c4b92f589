package io.bucketdb.tools;

import io.bucketdb.BucketDB;
import io.bucketdb.Options;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;

/**
 * An index opened for writing by a command, closed cleanly even when the user presses Ctrl-C: a shutdown hook
 * closes it (the close drains the writes already published and checkpoints, so the next open replays nothing)
 * and says so on stderr. Closing this closes the index first and removes the hook after, so an interrupt
 * during that close still finds the hook.
 */
final class CloseOnInterrupt implements AutoCloseable {
    private final BucketDB db;
    private final Thread hook;

    private CloseOnInterrupt(BucketDB db, PrintWriter err, String command) {
        this.db = db;
        this.hook = new Thread(() -> closeInterrupted(db, err, command), "bucketdb close on interrupt");
        Runtime.getRuntime().addShutdownHook(hook);
    }

    /**
     * Opens the existing index in {@code dir} for writing (taking its writer lock: a held index is refused with
     * an {@link IOException} naming the holder), never creating one.
     *
     * @throws IOException if there is no index, it is locked, or it cannot be opened
     */
    static CloseOnInterrupt open(Path dir, PrintWriter err, String command) throws IOException {
        BucketDB db = BucketDB.open(dir, Options.defaults().withCreateIfMissing(false));
        try {
            return new CloseOnInterrupt(db, err, command);
        } catch (RuntimeException e) { // the JVM is shutting down already
            db.close();
            throw e;
        }
    }

    BucketDB db() {
        return db;
    }

    /** What the hook does: closes {@code db} and says whether that was clean. */
    static void closeInterrupted(BucketDB db, PrintWriter err, String command) {
        err.println(command + ": interrupted: closing " + db.directory() + " cleanly");
        err.flush();
        try {
            db.close();
            err.println(command + ": closed " + db.directory() + " cleanly");
        } catch (IOException | RuntimeException e) {
            err.println(command + ": closing " + db.directory() + " failed (" + e.getMessage()
                    + "); the next open recovers every acknowledged write from the journal");
        }
        err.flush();
    }

    @Override
    public void close() throws IOException {
        try {
            db.close();
        } finally {
            try {
                Runtime.getRuntime().removeShutdownHook(hook);
            } catch (IllegalStateException shuttingDown) {
                // the hook runs or ran: it closes (closed) the index
            }
        }
    }
}
