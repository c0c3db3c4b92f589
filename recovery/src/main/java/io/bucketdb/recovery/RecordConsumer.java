package io.bucketdb.recovery;

import static io.bucketdb.storage.Layouts.BYTE;

import java.io.IOException;
import java.lang.foreign.MemorySegment;

/**
 * Receives the records a {@link JournalReader} replays, in LSN order.
 *
 * <p>PUT and DELETE records, nearly every record of a journal, arrive through their own methods with the key and
 * value read in place from the segment: {@link #putLong} and {@link #deleteLong} for 8-byte keys and values (the
 * {@code long → long} path, which writes them little-endian), {@link #put} and {@link #delete} with the bytes
 * where they lie in the reader's buffer for any other length. A consumer that overrides them replays without an
 * allocation per record, which is most of what a fresh JVM's first open after a crash costs. Their defaults build
 * the {@link JournalRecord} and hand it to {@link #accept}, so a consumer that takes records only (a lambda) sees
 * exactly what it saw before. The EVACUATED growth marker, which follows nearly every put while a table grows (about
 * one record in five of a journal that loaded a table from empty), arrives through {@link #evacuated}, with the same
 * default. The other markers (batch, grow begin and end, checkpoint) arrive through {@link #accept}.
 */
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

    /**
     * Takes a PUT of an 8-byte key and an 8-byte value, read little-endian (as the {@code long} path writes them).
     * The default hands {@link #accept} the {@link JournalRecord.Put} of their bytes.
     *
     * @param lsn   its LSN
     * @param key   the key
     * @param value the value
     * @throws IOException to stop the replay
     */
    default void putLong(long lsn, long key, long value) throws IOException {
        accept(lsn, new JournalRecord.Put(JournalPayloads.littleEndian(key), JournalPayloads.littleEndian(value)));
    }

    /**
     * Takes a DELETE of an 8-byte key, read little-endian. The default hands {@link #accept} the
     * {@link JournalRecord.Delete} of its bytes.
     *
     * @param lsn its LSN
     * @param key the key
     * @throws IOException to stop the replay
     */
    default void deleteLong(long lsn, long key) throws IOException {
        accept(lsn, new JournalRecord.Delete(JournalPayloads.littleEndian(key)));
    }

    /**
     * Takes a PUT whose key or value is not 8 bytes long, in place: the bytes are valid only during this call
     * (the reader's buffer moves on), so a consumer that keeps them copies them. The default hands
     * {@link #accept} the {@link JournalRecord.Put} of copies.
     *
     * @param lsn         its LSN
     * @param frame       memory holding the key and the value
     * @param keyOffset   where the key starts in {@code frame}
     * @param keyLength   the key's length in bytes
     * @param valueOffset where the value starts in {@code frame}
     * @param valueLength the value's length in bytes
     * @throws IOException to stop the replay
     */
    default void put(long lsn, MemorySegment frame, long keyOffset, int keyLength, long valueOffset, int valueLength)
            throws IOException {
        accept(lsn, new JournalRecord.Put(frame.asSlice(keyOffset, keyLength).toArray(BYTE),
                frame.asSlice(valueOffset, valueLength).toArray(BYTE)));
    }

    /**
     * Takes a DELETE whose key is not 8 bytes long, in place, valid only during this call as for {@link #put}.
     * The default hands {@link #accept} the {@link JournalRecord.Delete} of a copy.
     *
     * @param lsn       its LSN
     * @param frame     memory holding the key
     * @param keyOffset where the key starts in {@code frame}
     * @param keyLength the key's length in bytes
     * @throws IOException to stop the replay
     */
    default void delete(long lsn, MemorySegment frame, long keyOffset, int keyLength) throws IOException {
        accept(lsn, new JournalRecord.Delete(frame.asSlice(keyOffset, keyLength).toArray(BYTE)));
    }

    /**
     * Takes an EVACUATED growth marker, read in place. The default hands {@link #accept} the
     * {@link JournalRecord.Evacuated}.
     *
     * @param lsn       its LSN
     * @param oldBucket the old bucket the live writer evacuated, at least 0
     * @throws IOException to stop the replay
     */
    default void evacuated(long lsn, long oldBucket) throws IOException {
        accept(lsn, new JournalRecord.Evacuated(oldBucket));
    }

    /**
     * {@return a consumer that drops every record without building it} For walks that only judge the journal:
     * records are still checked (frame, CRC, payload shape) before they would be handed over.
     */
    static RecordConsumer discarding() {
        return Discarding.INSTANCE;
    }
}
