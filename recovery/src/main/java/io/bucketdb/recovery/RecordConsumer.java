package io.bucketdb.recovery;

import java.io.IOException;

/** Receives the records a {@link JournalReader} replays, in LSN order. */
@FunctionalInterface
public interface RecordConsumer {
    /**
     * Takes one record.
     *
     * @param lsn    its LSN
     * @param record the record
     * @throws IOException to stop the replay
     */
    void accept(long lsn, JournalRecord record) throws IOException;
}
