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
 * @param valueWidth 8, or the width of the values that carry the long
 */
record ChainShape(int valueWidth) {
    static final ChainShape LONGS = new ChainShape(8);
    static final ChainShape WIDE = new ChainShape(100);

    Options apply(Options o) {
        return valueWidth == 8 ? o : o.withValueWidth(valueWidth);
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
