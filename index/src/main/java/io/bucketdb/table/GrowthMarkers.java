package io.bucketdb.table;

import io.bucketdb.recovery.JournalRecord;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayDeque;

/**
 * Turns growth steps into journal markers (docs/DESIGN.md, "Open: finish, replay, and end the recovery"). Live, each step is appended to
 * the journal (through its one writer, the engine's journaling stage, seen here as a {@link Sink})
 * right after the record whose apply caused it, by the same holder of the writer role, so the
 * journal holds them in exactly the order the table took them. An idle step (evacuation while writes
 * pause, which no record causes) is appended before it is taken and replayed from its marker. During replay nothing is appended:
 * the steps replay takes are queued, and each marker read from the journal must equal the next
 * queued step ({@link JournalReplayer} checks), so a journal that disagrees with the table image
 * is found instead of silently producing a different table.
 */
public final class GrowthMarkers implements GrowthListener {
    private Sink journal;
    private final ArrayDeque<JournalRecord> replayed = new ArrayDeque<>();

    /** Where live markers go: the journal's one writer. */
    public interface Sink {
        /**
         * Appends a grow-begin or grow-end marker.
         *
         * @param marker the marker
         * @throws IOException if the journal cannot take it
         */
        void appendMarker(JournalRecord marker) throws IOException;

        /**
         * Appends an evacuated-bucket marker; allocates nothing.
         *
         * @param oldBucket the old bucket evacuated
         * @throws IOException if the journal cannot take it
         */
        void appendEvacuated(long oldBucket) throws IOException;
    }

    /** From now on, append markers to {@code journal} (live mode). */
    public void live(Sink journal) {
        this.journal = journal;
        replayed.clear();
    }

    ArrayDeque<JournalRecord> replayed() {
        return replayed;
    }

    private void emit(JournalRecord r) {
        if (journal == null) {
            replayed.add(r);
            return;
        }
        try {
            journal.appendMarker(r);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Override
    public void growBegin(int newB, boolean sameSize) {
        emit(new JournalRecord.GrowBegin(newB, sameSize));
    }

    /** Live, allocates nothing: one of these follows nearly every put while the table grows. */
    @Override
    public void evacuated(long oldBucket) {
        if (journal == null) {
            replayed.add(new JournalRecord.Evacuated(oldBucket));
            return;
        }
        try {
            journal.appendEvacuated(oldBucket);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Override
    public void growEnd() {
        emit(new JournalRecord.GrowEnd());
    }
}
