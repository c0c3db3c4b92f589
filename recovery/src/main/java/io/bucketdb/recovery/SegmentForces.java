package io.bucketdb.recovery;

import java.io.IOException;
import java.util.concurrent.locks.ReentrantLock;

/**
 * The forces of a {@link JournalWriter}'s segments and the LSN they made durable. The writer's role forces here (a
 * {@code SYNC} commit, a checkpoint, a roll), and so does {@code ASYNC}'s periodic force, beside the role on another
 * thread ({@link JournalWriter#forceWritten()}, issue 16), while the role goes on appending and writing.
 *
 * <p>Every force, and every change of which file is current (a roll, a close), holds {@link #lock}, so a force beside
 * the role always forces the file that holds the bytes up to the written LSN it read (a file rolled meanwhile was
 * forced completely by the roll, under the lock, before the switch) and never a file that was closed. Holding the
 * lock across the force also orders a failed force before any later one: on Linux a failed fsync reports its error
 * once, and a second fsync of the same file racing it could return success for pages the kernel has just marked clean
 * without writing them. Writes take no lock: a put into the segment's mapping and a force of the same range may run at
 * once, and a force covers every put that returned before it began (a page changed while it is written back stays
 * dirty for the next force).
 *
 * <p>It also keeps the writer's failure and closed state, which the force beside the role shares: a failed force
 * fails the writer for good, and a closed writer forces nothing.
 */
final class SegmentForces {
    /** Held by every force and every change of the current file. */
    final ReentrantLock lock = new ReentrantLock();
    /** Written only under {@link #lock}, after the force it reports returned; read by any thread. */
    private volatile long durableLsn;
    /** Bytes appended up to {@link #durableLsn}, for the JFR event's bytes per force; under {@link #lock}. */
    private long bytesAtForce;

    /** The first write or force failure; set once. Volatile: a failed force beside the role sets it while the role appends. */
    private volatile IOException failure;
    /** Set under {@link #lock}, so that a force beside the role never forces a closed file. */
    private volatile boolean closed;

    /** {@return whether a write or force failed} */
    boolean failed() {
        return failure != null;
    }

    /** {@return whether the writer is closed} */
    boolean closed() {
        return closed;
    }

    /** Marks the writer closed; under {@link #lock} once a force beside the role may run. */
    void markClosed() {
        closed = true;
    }

    /** Fails the writer for good with {@code e}, unless it failed before; returns {@code e}. */
    IOException fail(IOException e) {
        if (failure == null) {
            failure = e;
        }
        return e;
    }

    /** Throws if the writer failed earlier or is closed. */
    void checkUsable() throws IOException {
        IOException f = failure;
        if (f != null) {
            throw new IOException("journal failed earlier: " + f.getMessage(), f);
        }
        if (closed) {
            throw new IOException("journal writer is closed");
        }
    }

    /** {@return the LSN of the last record covered by a successful force} */
    long durableLsn() {
        return durableLsn;
    }

    /** Sets the durable LSN without a force: at open, and after a roll forced the full segment. Under {@link #lock}. */
    void durable(long lsn, long bytes) {
        durableLsn = lsn;
        bytesAtForce = bytes;
    }

    /**
     * Forces the current segment if records up to {@code written} ({@code bytes} appended up to it) are not all durable
     * yet; holds {@link #lock}. Read {@code written} before calling: every write it reports returned before, so the
     * force covers it.
     *
     * @return whether it forced
     * @throws IOException if the force fails; the writer is then failed for good and {@link #durableLsn()} never
     *                     advances again
     */
    boolean forceTo(JournalSegments segments, long written, long bytes) throws IOException {
        long durable = durableLsn;
        if (durable >= written) {
            return false;
        }
        // JfrEvents: creating the first event would bring up Flight Recorder in a JVM that records nothing
        JournalForceEvent event = JfrEvents.wanted() ? new JournalForceEvent() : null;
        if (event != null) {
            event.begin();
        }
        try {
            segments.force();
        } catch (IOException e) {
            throw fail(e); // never retried: a later fsync could report success for pages this one lost
        }
        if (event != null) {
            event.end();
            if (event.shouldCommit()) {
                event.bytes = bytes - bytesAtForce;
                event.records = written - durable;
                event.durableLsn = written;
                event.commit();
            }
        }
        durable(written, bytes);
        return true;
    }
}
