package io.bucketdb.streams;

import java.util.Arrays;

/**
 * Which keys an ordered call returns, in Kafka's key order (unsigned lexicographic bytes, as
 * {@link org.apache.kafka.common.utils.Bytes#compareTo} orders them): between two inclusive bounds, either
 * of which may be open (null), or those starting with a prefix.
 *
 * @param from   the least key returned, or null for no lower bound
 * @param to     the greatest key returned, or null for no upper bound
 * @param prefix the prefix every key returned starts with, or null
 */
record KeyRange(byte[] from, byte[] to, byte[] prefix) {
    /** Every key. */
    static final KeyRange ALL = new KeyRange(null, null, null);

    static KeyRange between(byte[] from, byte[] to) {
        return new KeyRange(from, to, null);
    }

    static KeyRange withPrefix(byte[] prefix) {
        return new KeyRange(null, null, prefix);
    }

    /** {@return true if no key can lie in this range (the lower bound is above the upper)} */
    boolean isEmpty() {
        return from != null && to != null && Arrays.compareUnsigned(from, to) > 0;
    }

    boolean contains(byte[] key) {
        return (from == null || Arrays.compareUnsigned(key, from) >= 0)
                && (to == null || Arrays.compareUnsigned(key, to) <= 0)
                && (prefix == null || Arrays.equals(key, 0, Math.min(prefix.length, key.length), prefix, 0, prefix.length));
    }
}
