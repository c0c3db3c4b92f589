package io.bucketdb.table;

import io.bucketdb.recovery.JournalRecord;
import io.bucketdb.recovery.JournalWriter;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayDeque;

/**
 * Turns growth steps into journal markers (DESIGN.md, section 3.5). Live, each step is appended to
 * the journal right after the record whose apply caused it, on the same writer thread, so the
 * journal holds them in exactly the order the table took them. During replay nothing is appended:
 * the steps replay takes are queued, and each marker read from the journal must equal the next
 * queued step ({@link JournalReplayer} checks), so a journal that disagrees with the table image
 * is found instead of silently producing a different table.
 */
public final class GrowthMarkers implements GrowthListener {
    private JournalWriter journal;
    private final ArrayDeque<JournalRecord> replayed = new ArrayDeque<>();

    /** From now on, append markers to {@code journal} (live mode). */
    public void live(JournalWriter journal) {
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
            journal.append(r);
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
