package io.bucketdb.pipeline;

import java.io.IOException;

/**
 * The journal side of the pipeline. Called by the holder of the writer role only (a leading
 * caller or the background thread, one at a time, ordered by the role), in sequence order:
 * {@link #append} once per write operation (never for writer tasks), then
 * {@link #endOfBatch} once when the Disruptor batch ends, so an implementation does one write
 * and, when {@code sync}, one force per batch (group commit).
 *
 * <p>Contract: an event passed to {@code append} is recycled after the batch ends; an
 * implementation copies what it needs and keeps no reference. Throwing fails every operation of
 * the current batch with that exception (none of them is applied or acknowledged) and turns the
 * pipeline read-only; after a throw the stage is not called again.
 */
public interface JournalStage {
    /** Encodes one operation of the current batch. */
    void append(WriteEvent event) throws IOException;

    /** Ends the batch: writes what {@link #append} encoded and, if {@code sync}, forces it. */
    void endOfBatch(boolean sync) throws IOException;

    /** A journal that records nothing, for tables without durability (and until the journal is wired). */
    JournalStage NONE = new JournalStage() {
        @Override
        public void append(WriteEvent event) {
        }

        @Override
        public void endOfBatch(boolean sync) {
        }

        @Override
        public String toString() {
            return "JournalStage.NONE";
        }
    };
}
