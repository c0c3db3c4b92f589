package io.bucketdb.durability;

import io.bucketdb.BucketDB;
import io.bucketdb.Options;
import io.bucketdb.WriteBatch;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * How a crash chain stores its {@code long} keys and values: 8x8 through the allocation-free long paths, or 8-byte
 * keys to 100-byte values, which a new index keeps out of line in the value heap (issue 19). A wide value is the long
 * followed by bytes derived from it, so a torn or stale heap block cannot pass for a written value.
 *
 * <p>{@link #SPLITS} keeps 200-byte values inline: its 1680-byte buckets make pieces of 32 buckets at the crash tests'
 * 64 KiB alignment ({@code TableGeometry.pieceShift}), so a table of a few hundred entries already doubles by
 * splitting its buckets in place (format version 7), which the narrow shapes' 256-bucket pieces reach only past 1664
 * entries, more than a crash chain writes.
 *
 * @param valueWidth 8, or the width of the values that carry the long
 * @param inline     whether wide values stay in the slots (else a new index keeps them out of line)
 */
record ChainShape(int valueWidth, boolean inline) {
    static final ChainShape LONGS = new ChainShape(8, true);
    static final ChainShape WIDE = new ChainShape(100, false);
    static final ChainShape SPLITS = new ChainShape(200, true);
    /** log2 of the buckets in one piece of a {@link #SPLITS} table at 64 KiB alignment: 8 tophash + 8 overflow + 8 x (8 + 200). */
    static final int SPLITS_PIECE_SHIFT = io.bucketdb.storage.TableGeometry.pieceShift(8 + 8 + 8 * (8 + 200), 16);

    Options apply(Options o) {
        return valueWidth == 8 ? o : inline ? o.withValueWidth(valueWidth).withValuesOutOfLine(false) : o.withValueWidth(valueWidth);
    }

    private static byte[] key(long k) {
        return ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(k).array();
    }

    private byte[] value(long v) {
        ByteBuffer b = ByteBuffer.allocate(valueWidth).order(ByteOrder.LITTLE_ENDIAN).putLong(v);
        for (int i = 8; i < valueWidth; i++) {
            b.put((byte) (v * 31 + i));
        }
        return b.array();
    }

    /** The value of {@code key}, or {@code missing}; a wide value that is not one {@link #value} made fails. */
    long get(BucketDB db, long key, long missing) {
        if (valueWidth == 8) {
            return db.getLong(key, missing);
        }
        byte[] v = db.get(key(key));
        if (v == null) {
            return missing;
        }
        long got = ByteBuffer.wrap(v).order(ByteOrder.LITTLE_ENDIAN).getLong(0);
        if (!java.util.Arrays.equals(v, value(got))) {
            throw new AssertionError("key " + key + " holds a " + v.length + "-byte value that no put wrote (long " + got + ")");
        }
        return got;
    }

    void put(BucketDB db, long key, long value) {
        if (valueWidth == 8) {
            db.putLong(key, value);
        } else {
            db.put(key(key), value(value));
        }
    }

    void delete(BucketDB db, long key) {
        if (valueWidth == 8) {
            db.deleteLong(key);
        } else {
            db.delete(key(key));
        }
    }

    void put(WriteBatch batch, long key, long value) {
        if (valueWidth == 8) {
            batch.putLong(key, value);
        } else {
            batch.put(key(key), value(value));
        }
    }

    void delete(WriteBatch batch, long key) {
        if (valueWidth == 8) {
            batch.deleteLong(key);
        } else {
            batch.delete(key(key));
        }
    }
}
