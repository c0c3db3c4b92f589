package io.bucketdb.recovery;

import java.lang.foreign.MemorySegment;

/** {@link RecordConsumer#discarding()}: drops every record, so a judging walk allocates nothing per record. */
final class Discarding implements RecordConsumer {
    static final Discarding INSTANCE = new Discarding();

    private Discarding() {
    }

    @Override
    public void accept(long lsn, JournalRecord record) {
    }

    @Override
    public void putLong(long lsn, long key, long value) {
    }

    @Override
    public void deleteLong(long lsn, long key) {
    }

    @Override
    public void evacuated(long lsn, long oldBucket) {
    }

    @Override
    public void put(long lsn, MemorySegment frame, long keyOffset, int keyLength, long valueOffset, int valueLength) {
    }

    @Override
    public void delete(long lsn, MemorySegment frame, long keyOffset, int keyLength) {
    }
}
