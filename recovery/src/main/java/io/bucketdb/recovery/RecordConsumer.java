package io.bucketdb.recovery;

import java.io.IOException;

/** Receives the records a {@link JournalReader} replays, in LSN order. */
@FunctionalInterface
public interface RecordConsumer {
    void accept(long lsn, JournalRecord record) throws IOException;
}
