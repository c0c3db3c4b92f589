package io.bucketdb.table;

import io.bucketdb.recovery.JournalRecord;

import java.io.IOException;
import java.io.UncheckedIOException;

/**
 * Turns growth steps into journal markers (docs/DESIGN.md, "Open: finish, replay, and end the recovery"). Live, each step is appended to
 * the journal (through its one writer, the engine's journaling stage, seen here as a {@link Sink})
 * right after the record whose apply caused it, by the same holder of the writer role, so the
 * journal holds them in exactly the order the table took them. An idle step (evacuation while writes
 * pause, which no record causes) is appended before it is taken and replayed from its marker. During replay nothing is appended:
 * the steps replay takes are queued, and each marker read from the journal must equal the next
 * queued step ({@link JournalReplayer} checks), so a journal that disagrees with the table image
 * is found instead of silently producing a different table.
 *
 * <p>Replay queues its steps as {@code long}s ({@link #step}), so a replay allocates nothing per step: a table loaded
 * from empty journals about one EVACUATED marker per four puts.
 */
public final class GrowthMarkers implements GrowthListener {
    /** {@link #step} of a grow end; a grow begin is {@code GROW_END + 1 + (newB << 1 | sameSize)}; an evacuation its bucket. */
    private static final long GROW_END = Long.MIN_VALUE;

    private Sink journal;
    /** Replay's steps not yet matched by a marker, as {@link #step}s: a ring of {@code size} from {@code head}. */
    private long[] replayed = new long[64];
    private int head;
    private int size;

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
        head = 0;
        size = 0;
    }

    /** {@return how many steps replay took that no marker has matched yet} */
    int pending() {
        return size;
    }

    /** {@return the oldest step replay took that no marker has matched yet, as a {@link #step}, and forgets it} */
    long poll() {
        long s = replayed[head];
        head = (head + 1) & (replayed.length - 1);
        size--;
        return s;
    }

    /**
     * {@return {@code marker} as a step: an evacuated bucket is itself (at least 0), a grow begin or end is negative}
     *
     * @param marker a growth marker (grow begin, evacuated, grow end)
     */
    static long step(JournalRecord marker) {
        return switch (marker) {
            case JournalRecord.Evacuated e -> e.oldBucket();
            case JournalRecord.GrowBegin g -> GROW_END + 1 + ((long) g.newB() << 1 | (g.sameSize() ? 1 : 0));
            case JournalRecord.GrowEnd g -> GROW_END;
            default -> throw new IllegalArgumentException("not a growth marker: " + marker);
        };
    }

    /**
     * {@return the growth marker {@code step} stands for, for messages}
     *
     * @param step a {@link #step}
     */
    static JournalRecord marker(long step) {
        if (step >= 0) {
            return new JournalRecord.Evacuated(step);
        }
        if (step == GROW_END) {
            return new JournalRecord.GrowEnd();
        }
        long v = step - GROW_END - 1;
        return new JournalRecord.GrowBegin((int) (v >>> 1), (v & 1) != 0);
    }

    private void queue(long step) {
        if (size == replayed.length) {
            long[] bigger = new long[replayed.length * 2];
            for (int i = 0; i < size; i++) {
                bigger[i] = replayed[(head + i) & (replayed.length - 1)];
            }
            replayed = bigger;
            head = 0;
        }
        replayed[(head + size) & (replayed.length - 1)] = step;
        size++;
    }

    private void emit(JournalRecord r) {
        if (journal == null) {
            queue(step(r));
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
            queue(oldBucket);
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
