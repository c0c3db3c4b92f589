package io.bucketdb.table;

import io.bucketdb.recovery.JournalRecord;
import io.bucketdb.recovery.RecordConsumer;
import io.bucketdb.spi.CorruptIndexException;
import io.bucketdb.storage.Layouts;

import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Applies journal records to the table on open, through the same {@link HashTable#put} and
 * {@link HashTable#delete} the live writer uses, so replay gives the same bytes. Records of an
 * atomic batch are applied only when its commit record is read; a batch the journal ends inside
 * was never acknowledged and is dropped. Growth markers must match the steps replay takes.
 *
 * <p>Outside a batch, a PUT or DELETE is applied where the reader decoded it, with nothing allocated:
 * 8-byte keys and values of a table of 8-byte slots through {@link HashTable#putLong} and
 * {@link HashTable#deleteLong} (the live writer's {@code long} path, so replay also compiles the code the
 * writes after the open run), any other length straight from the reader's buffer: a record, two arrays and a
 * segment per record came to about 31 MB for 60,000 records, young-GC pauses during the open of a fresh JVM.
 * Records of a batch are kept as {@link JournalRecord}s until its commit: the reader's buffer moves on.
 *
 * <p>An evacuated marker that no replayed write explains (replay has no step of its own left to check it
 * against) is an idle step: the live writer evacuated at its mark while writes paused and journaled the step
 * before taking it. Replay takes the same step, which must be the one the table can take (growing, the mark at
 * that bucket); its consequences (a growth's end) are checked as a write's are. Live, every marker a write
 * causes is appended while that write's group is applied, before any idle step can run, so a marker read while
 * replay's own steps are pending is always a write's.
 */
public final class JournalReplayer implements RecordConsumer {
    private final HashTable table;
    private final GrowthMarkers markers;
    private final Path journalDir;
    /** Whether the table stores fixed 8-byte keys and values: then the {@code long} path takes 8-byte records. */
    private final boolean longs;
    /** An 8-byte record of a table with other slots goes through the byte path from here. */
    private final MemorySegment longScratch = MemorySegment.ofArray(new long[2]);
    private List<JournalRecord> batch;
    private long batchLsn;
    private long applied;
    private long markersChecked;
    private long idleSteps;

    /**
     * A replayer into {@code table}.
     *
     * @param table      the table the checkpoint image holds, to apply the journal to
     * @param markers    the growth markers the table's growth steps queue during replay
     * @param journalDir the directory holding the journal, named in errors
     */
    public JournalReplayer(HashTable table, GrowthMarkers markers, Path journalDir) {
        this.table = table;
        this.markers = markers;
        this.journalDir = journalDir;
        this.longs = !table.varKeys() && !table.varValues() && table.keyWidth() == Long.BYTES
                && table.valueWidth() == Long.BYTES;
    }

    @Override
    public void putLong(long lsn, long key, long value) throws IOException {
        if (batch != null) {
            RecordConsumer.super.putLong(lsn, key, value);
        } else if (longs) {
            table.putLong(key, value);
            applied++;
        } else {
            longScratch.set(Layouts.LONG, 0, key);
            longScratch.set(Layouts.LONG, Long.BYTES, value);
            put(lsn, longScratch, 0, Long.BYTES, Long.BYTES, Long.BYTES);
        }
    }

    @Override
    public void deleteLong(long lsn, long key) throws IOException {
        if (batch != null) {
            RecordConsumer.super.deleteLong(lsn, key);
        } else if (longs) {
            table.deleteLong(key);
            applied++;
        } else {
            longScratch.set(Layouts.LONG, 0, key);
            delete(lsn, longScratch, 0, Long.BYTES);
        }
    }

    @Override
    public void put(long lsn, MemorySegment frame, long keyOffset, int keyLength, long valueOffset, int valueLength)
            throws IOException {
        if (batch != null) {
            RecordConsumer.super.put(lsn, frame, keyOffset, keyLength, valueOffset, valueLength);
            return;
        }
        checkWidths(lsn, keyLength, valueLength);
        table.put(frame, keyOffset, keyLength, frame, valueOffset, valueLength);
        applied++;
    }

    @Override
    public void delete(long lsn, MemorySegment frame, long keyOffset, int keyLength) throws IOException {
        if (batch != null) {
            RecordConsumer.super.delete(lsn, frame, keyOffset, keyLength);
            return;
        }
        checkWidths(lsn, keyLength, -1);
        table.delete(frame, keyOffset, keyLength);
        applied++;
    }

    @Override
    public void accept(long lsn, JournalRecord record) throws IOException {
        switch (record) {
            case JournalRecord.Put p -> {
                if (batch != null) {
                    batch.add(p);
                } else {
                    apply(lsn, p);
                }
            }
            case JournalRecord.Delete d -> {
                if (batch != null) {
                    batch.add(d);
                } else {
                    apply(lsn, d);
                }
            }
            case JournalRecord.BatchBegin b -> {
                if (batch != null) {
                    throw corrupt(lsn, "a batch commit before the next batch begins, found a batch begin");
                }
                batch = new ArrayList<>(Math.min(b.count(), 1 << 16));
                batchLsn = lsn;
            }
            case JournalRecord.BatchCommit c -> {
                if (batch == null) {
                    throw corrupt(lsn, "a batch begin before a batch commit");
                }
                List<JournalRecord> ops = batch;
                batch = null;
                for (JournalRecord op : ops) {
                    apply(lsn, op);
                }
            }
            case JournalRecord.GrowBegin g -> checkMarker(lsn, GrowthMarkers.step(g));
            case JournalRecord.Evacuated e -> evacuated(lsn, e.oldBucket());
            case JournalRecord.GrowEnd e -> checkMarker(lsn, GrowthMarkers.step(e));
            case JournalRecord.Checkpoint c -> {
            }
        }
    }

    /**
     * An EVACUATED marker, in place: the next step replay took itself, or an idle step (replay has none pending).
     * Allocates nothing unless the marker is wrong.
     */
    @Override
    public void evacuated(long lsn, long oldBucket) throws IOException {
        if (markers.pending() == 0) {
            idleStep(lsn, oldBucket);
        } else {
            checkMarker(lsn, oldBucket);
        }
    }

    private void apply(long lsn, JournalRecord op) throws IOException {
        switch (op) {
            case JournalRecord.Put p -> {
                checkWidths(lsn, p.key().length, p.value().length);
                table.put(p.key(), p.value());
            }
            case JournalRecord.Delete d -> {
                checkWidths(lsn, d.key().length, -1);
                table.delete(d.key());
            }
            default -> throw corrupt(lsn, "a put or delete inside a batch, found " + op);
        }
        applied++;
    }

    /** {@code valueLength} is -1 for a delete, which has no value. */
    private void checkWidths(long lsn, int keyLength, int valueLength) throws CorruptIndexException {
        boolean keyOk = table.varKeys() || keyLength == table.keyWidth();
        int valueWidth = table.fixedValueWidth();
        boolean valueOk = valueLength < 0 || valueWidth < 0 || valueLength == valueWidth;
        if (!keyOk || !valueOk) {
            throw corrupt(lsn, "a record with a " + table.keyWidth() + "-byte key and a " + valueWidth
                    + "-byte value, found " + keyLength + " and " + (valueLength < 0 ? "-" : valueLength));
        }
    }

    /** {@code step}: the marker read, as a {@link GrowthMarkers#step}. */
    private void checkMarker(long lsn, long step) throws CorruptIndexException {
        if (markers.pending() == 0) {
            throw corrupt(lsn, "growth marker " + GrowthMarkers.marker(step) + " to match replay's next step, which is none");
        }
        long expected = markers.poll();
        if (step != expected) {
            throw corrupt(lsn, "growth marker " + GrowthMarkers.marker(step) + " to match replay's next step, which is "
                    + GrowthMarkers.marker(expected));
        }
        markersChecked++;
    }

    private void idleStep(long lsn, long oldBucket) throws IOException {
        if (batch != null) {
            throw corrupt(lsn, "a put or delete inside a batch, found " + new JournalRecord.Evacuated(oldBucket));
        }
        boolean reported = table.snapshot.inPlace; // Evacuator.replayIdleStep reports an in-place split's step
        if (!table.evacuator.replayIdleStep(oldBucket)) {
            long[] progress = table.growthProgress();
            throw corrupt(lsn, "growth marker " + new JournalRecord.Evacuated(oldBucket) + " to be a step of replay, or an idle "
                    + "step at the evacuation mark, "
                    + (progress[1] == 0 ? "but no growth is in progress" : "which is old bucket " + progress[0]));
        }
        if (reported && markers.poll() != oldBucket) {
            throw new IllegalStateException("an idle split of old bucket " + oldBucket + " queued another step first");
        }
        idleSteps++;
        markersChecked++;
    }

    private CorruptIndexException corrupt(long lsn, String expected) {
        return new CorruptIndexException(journalDir, lsn, "journal record LSN " + lsn + ": expected " + expected);
    }

    /** Operations applied. */
    public long applied() {
        return applied;
    }

    /** Growth markers checked against replay. */
    public long markersChecked() {
        return markersChecked;
    }

    /** Idle evacuation steps replayed (growth markers that no write caused; counted in {@link #markersChecked} too). */
    public long idleSteps() {
        return idleSteps;
    }

    /** Whether the journal ended inside a batch (that batch is dropped: it was never acknowledged). */
    public boolean endedInsideBatch() {
        return batch != null;
    }

    /** LSN of the batch begin the journal ended inside, or 0. */
    public long openBatchLsn() {
        return batch != null ? batchLsn : 0;
    }
}
