package io.bucketdb.engine;

import io.bucketdb.Recovery;
import io.bucketdb.recovery.JfrEvents;

import java.nio.file.Path;

/**
 * Times the phases of an open that recovers ({@link IndexOpener}) and reports them as a {@link RecoveryEvent}. The
 * event is created only if Flight Recorder is up when the open begins ({@link JfrEvents}): loading the first event
 * class would otherwise add 60-100 ms of JFR start-up to every open.
 */
final class RecoveryPhases {
    /** The event, begun with the open; null when Flight Recorder was down then. */
    private final RecoveryEvent event;
    /** When the phase now running began ({@link System#nanoTime}). */
    private long phaseStart;

    /** Nanoseconds finishing a checkpoint a crash interrupted. */
    long finishing;
    /** Nanoseconds opening the table file, its page checksums and the table. */
    long tableOpening;
    /** Nanoseconds replaying the journal. */
    long replaying;
    /** Nanoseconds in the checkpoint that ends the recovery (or marks a cleanly closed index open). */
    long endingCheckpoint;
    /** Nanoseconds opening the journal for appending. */
    long journalOpening;
    /** Table pages the ending checkpoint wrote. */
    long pagesWritten;

    /** Begins the open's first phase (and its event, if Flight Recorder is up). */
    RecoveryPhases() {
        event = JfrEvents.wanted() ? new RecoveryEvent() : null;
        if (event != null) {
            event.begin();
        }
        phaseStart = System.nanoTime();
    }

    /** {@return the nanoseconds since the last phase ended (or the open began), and starts the next phase} */
    long phase() {
        long now = System.nanoTime();
        long took = now - phaseStart;
        phaseStart = now;
        return took;
    }

    /** Ends the event and commits it with the phases and what {@code recovery} reports, if a recording wants it. */
    void report(Path dir, Recovery recovery) {
        if (event == null) {
            return;
        }
        event.end();
        if (event.shouldCommit()) {
            event.directory = dir.toString();
            event.recordsReplayed = recovery.recordsReplayed();
            event.tornBytes = recovery.tornBytes();
            event.checkpointFinished = recovery.checkpointFinished();
            event.checkpointLsn = recovery.checkpointLsn();
            event.lastLsn = recovery.lastLsn();
            event.finishing = finishing;
            event.tableOpening = tableOpening;
            event.replaying = replaying;
            event.endingCheckpoint = endingCheckpoint;
            event.journalOpening = journalOpening;
            event.pagesWritten = pagesWritten;
            event.commit();
        }
    }
}
