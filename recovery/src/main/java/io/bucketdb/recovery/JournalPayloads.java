package io.bucketdb.recovery;

import static io.bucketdb.recovery.JournalRecordLayout.PUT_KEY_LENGTH_OFFSET;
import static io.bucketdb.recovery.JournalRecordLayout.PUT_KEY_OFFSET;
import static io.bucketdb.recovery.JournalRecordLayout.TYPE_BATCH_BEGIN;
import static io.bucketdb.recovery.JournalRecordLayout.TYPE_BATCH_COMMIT;
import static io.bucketdb.recovery.JournalRecordLayout.TYPE_CHECKPOINT;
import static io.bucketdb.recovery.JournalRecordLayout.TYPE_DELETE;
import static io.bucketdb.recovery.JournalRecordLayout.TYPE_EVACUATED;
import static io.bucketdb.recovery.JournalRecordLayout.TYPE_GROW_BEGIN;
import static io.bucketdb.recovery.JournalRecordLayout.TYPE_GROW_END;
import static io.bucketdb.recovery.JournalRecordLayout.TYPE_PUT;
import static io.bucketdb.storage.Layouts.BYTE;
import static io.bucketdb.storage.Layouts.INT;
import static io.bucketdb.storage.Layouts.LONG;

import io.bucketdb.recovery.JournalRecord.BatchBegin;
import io.bucketdb.recovery.JournalRecord.BatchCommit;
import io.bucketdb.recovery.JournalRecord.Checkpoint;
import io.bucketdb.recovery.JournalRecord.Delete;
import io.bucketdb.recovery.JournalRecord.Evacuated;
import io.bucketdb.recovery.JournalRecord.GrowBegin;
import io.bucketdb.recovery.JournalRecord.GrowEnd;
import io.bucketdb.recovery.JournalRecord.Put;
import io.bucketdb.spi.CorruptIndexException;
import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.nio.file.Path;

/**
 * Payload encodings of the record types (table in {@link JournalRecordLayout}). The writer encodes PUT
 * and DELETE itself on its allocation-free paths; everything else goes through here.
 */
final class JournalPayloads {
    private JournalPayloads() {
    }

    static byte type(JournalRecord record) {
        return switch (record) {
            case Put p -> TYPE_PUT;
            case Delete d -> TYPE_DELETE;
            case BatchBegin b -> TYPE_BATCH_BEGIN;
            case BatchCommit c -> TYPE_BATCH_COMMIT;
            case GrowBegin g -> TYPE_GROW_BEGIN;
            case Evacuated e -> TYPE_EVACUATED;
            case GrowEnd g -> TYPE_GROW_END;
            case Checkpoint c -> TYPE_CHECKPOINT;
        };
    }

    /** Payload length of the records that are not PUT or DELETE. */
    static int markerPayloadLength(byte type) {
        return switch (type) {
            case TYPE_BATCH_BEGIN -> Integer.BYTES;
            case TYPE_GROW_BEGIN -> 2;
            case TYPE_EVACUATED, TYPE_CHECKPOINT -> Long.BYTES;
            case TYPE_BATCH_COMMIT, TYPE_GROW_END -> 0;
            default -> throw new IllegalArgumentException("not a marker type: " + type);
        };
    }

    /** Writes the payload of a record that is not PUT or DELETE at {@code offset}. */
    static void encodeMarker(JournalRecord record, MemorySegment dst, long offset) {
        switch (record) {
            case BatchBegin b -> dst.set(INT, offset, b.count());
            case GrowBegin g -> {
                dst.set(BYTE, offset, (byte) g.newB());
                dst.set(BYTE, offset + 1, (byte) (g.sameSize() ? 1 : 0));
            }
            case Evacuated e -> dst.set(LONG, offset, e.oldBucket());
            case Checkpoint c -> dst.set(LONG, offset, c.checkpointLsn());
            case BatchCommit c -> {
            }
            case GrowEnd g -> {
            }
            case Put p -> throw new IllegalArgumentException("not a marker: " + p);
            case Delete d -> throw new IllegalArgumentException("not a marker: " + d);
        }
    }

    /** {@return the 8 little-endian bytes of {@code v}, as the {@code long} path journals a key or value} */
    static byte[] littleEndian(long v) {
        byte[] bytes = new byte[Long.BYTES];
        MemorySegment.ofArray(bytes).set(LONG, 0, v);
        return bytes;
    }

    /**
     * Hands the record of a frame whose CRC matched to {@code consumer}: a PUT or DELETE in place (through the
     * consumer's {@code long} methods when key and value are 8 bytes, the {@code long} path's records), an EVACUATED
     * marker in place ({@link RecordConsumer#evacuated}), anything else decoded by {@link #decode}. The payload is checked exactly as {@link #decode} checks it, before the
     * consumer sees anything; what the consumer throws passes through unchanged.
     *
     * @param src         memory holding the payload
     * @param offset      where the payload starts in {@code src}
     * @param length      the payload's length
     * @param frameOffset where the frame starts in {@code file}, for the exception
     */
    static void deliver(byte type, MemorySegment src, long offset, int length, long lsn, RecordConsumer consumer,
                        Path file, long frameOffset) throws IOException {
        if (type == TYPE_PUT) {
            if (length < PUT_KEY_OFFSET) {
                throw corrupt(file, frameOffset, "PUT payload of at least 4 bytes");
            }
            long keyLength = Integer.toUnsignedLong(src.get(INT, offset + PUT_KEY_LENGTH_OFFSET));
            if (keyLength > length - PUT_KEY_OFFSET) {
                throw corrupt(file, frameOffset, "PUT key length <= " + (length - PUT_KEY_OFFSET)
                        + ", found " + keyLength);
            }
            long keyAt = offset + PUT_KEY_OFFSET;
            int valueLength = length - PUT_KEY_OFFSET - (int) keyLength;
            if (keyLength == Long.BYTES && valueLength == Long.BYTES) {
                consumer.putLong(lsn, src.get(LONG, keyAt), src.get(LONG, keyAt + Long.BYTES));
            } else {
                consumer.put(lsn, src, keyAt, (int) keyLength, keyAt + keyLength, valueLength);
            }
        } else if (type == TYPE_DELETE) {
            if (length == Long.BYTES) {
                consumer.deleteLong(lsn, src.get(LONG, offset));
            } else {
                consumer.delete(lsn, src, offset, length);
            }
        } else if (type == TYPE_EVACUATED && length == Long.BYTES) {
            long oldBucket = src.get(LONG, offset);
            if (oldBucket < 0) {
                throw corrupt(file, frameOffset, "a valid record: negative bucket index: " + oldBucket);
            }
            consumer.evacuated(lsn, oldBucket);
        } else {
            consumer.accept(lsn, decode(type, src.asSlice(offset, length), file, frameOffset));
        }
    }

    /**
     * Decodes the payload of a frame whose CRC matched. A CRC-valid payload that does not decode was
     * written wrong or by another version; that is never a torn write, so it is always an exception.
     *
     * @param frameOffset where the frame starts in {@code file}, for the exception
     */
    static JournalRecord decode(byte type, MemorySegment payload, Path file, long frameOffset)
            throws CorruptIndexException {
        long length = payload.byteSize();
        try {
            return switch (type) {
                case TYPE_PUT -> {
                    if (length < PUT_KEY_OFFSET) {
                        throw corrupt(file, frameOffset, "PUT payload of at least 4 bytes");
                    }
                    long keyLength = Integer.toUnsignedLong(payload.get(INT, PUT_KEY_LENGTH_OFFSET));
                    if (keyLength > length - PUT_KEY_OFFSET) {
                        throw corrupt(file, frameOffset, "PUT key length <= " + (length - PUT_KEY_OFFSET)
                                + ", found " + keyLength);
                    }
                    yield new Put(payload.asSlice(PUT_KEY_OFFSET, keyLength).toArray(BYTE),
                            payload.asSlice(PUT_KEY_OFFSET + keyLength).toArray(BYTE));
                }
                case TYPE_DELETE -> new Delete(payload.toArray(BYTE));
                default -> {
                    if (length != markerPayloadLength(type)) {
                        throw corrupt(file, frameOffset, "payload of " + markerPayloadLength(type)
                                + " bytes for record type " + type + ", found " + length);
                    }
                    yield switch (type) {
                        case TYPE_BATCH_BEGIN -> new BatchBegin(payload.get(INT, 0));
                        case TYPE_BATCH_COMMIT -> new BatchCommit();
                        case TYPE_GROW_BEGIN -> {
                            byte sameSize = payload.get(BYTE, 1);
                            if (sameSize != 0 && sameSize != 1) {
                                throw corrupt(file, frameOffset, "GROW_BEGIN same-size flag 0 or 1");
                            }
                            yield new GrowBegin(payload.get(BYTE, 0), sameSize == 1);
                        }
                        case TYPE_EVACUATED -> new Evacuated(payload.get(LONG, 0));
                        case TYPE_GROW_END -> new GrowEnd();
                        case TYPE_CHECKPOINT -> new Checkpoint(payload.get(LONG, 0));
                        default -> throw corrupt(file, frameOffset, "a known record type, found " + type);
                    };
                }
            };
        } catch (IllegalArgumentException e) {
            throw new CorruptIndexException(file, frameOffset, "a valid record: " + e.getMessage(), e);
        }
    }

    private static CorruptIndexException corrupt(Path file, long offset, String expected) {
        return new CorruptIndexException(file, offset, expected);
    }
}
