package io.bucketdb.table;

import io.bucketdb.recovery.JournalRecord;
import io.bucketdb.recovery.RecordConsumer;
import io.bucketdb.spi.CorruptIndexException;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Applies journal records to the table on open, through the same {@link HashTable#put} and
 * {@link HashTable#delete} the live writer uses, so replay gives the same bytes. Records of an
 * atomic batch are applied only when its commit record is read; a batch the journal ends inside
 * was never acknowledged and is dropped. Growth markers must match the steps replay takes.
 */
public final class JournalReplayer implements RecordConsumer {
    private final HashTable table;
    private final GrowthMarkers markers;
    private final Path journalDir;
    private List<JournalRecord> batch;
    private long batchLsn;
    private long applied;
    private long markersChecked;

    public JournalReplayer(HashTable table, GrowthMarkers markers, Path journalDir) {
        this.table = table;
        this.markers = markers;
        this.journalDir = journalDir;
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
            case JournalRecord.GrowBegin g -> checkMarker(lsn, g);
            case JournalRecord.Evacuated e -> checkMarker(lsn, e);
            case JournalRecord.GrowEnd e -> checkMarker(lsn, e);
            case JournalRecord.Checkpoint c -> {
            }
        }
    }

    private void apply(long lsn, JournalRecord op) throws IOException {
        switch (op) {
            case JournalRecord.Put p -> {
                checkWidths(lsn, p.key(), p.value());
                table.put(p.key(), p.value());
            }
            case JournalRecord.Delete d -> {
                checkWidths(lsn, d.key(), null);
                table.delete(d.key());
            }
            default -> throw corrupt(lsn, "a put or delete inside a batch, found " + op);
        }
        applied++;
    }

    private void checkWidths(long lsn, byte[] key, byte[] value) throws CorruptIndexException {
        boolean keyOk = table.varKeys() || key.length == table.keyWidth();
        boolean valueOk = value == null || table.varValues() || value.length == table.valueWidth();
        if (!keyOk || !valueOk) {
            throw corrupt(lsn, "a record with a " + table.keyWidth() + "-byte key and a " + table.valueWidth()
                    + "-byte value, found " + key.length + " and " + (value == null ? "-" : value.length));
        }
    }

    private void checkMarker(long lsn, JournalRecord marker) throws CorruptIndexException {
        JournalRecord expected = markers.replayed().poll();
        if (!marker.equals(expected)) {
            throw corrupt(lsn, "growth marker " + marker + " to match replay's next step, which is "
                    + (expected == null ? "none" : expected.toString()));
        }
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

    /** Whether the journal ended inside a batch (that batch is dropped: it was never acknowledged). */
    public boolean endedInsideBatch() {
        return batch != null;
    }

    /** LSN of the batch begin the journal ended inside, or 0. */
    public long openBatchLsn() {
        return batch != null ? batchLsn : 0;
    }
}
