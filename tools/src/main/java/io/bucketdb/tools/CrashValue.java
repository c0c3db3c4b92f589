package io.bucketdb.tools;

/**
 * The values {@code crashtest} writes: every value names its key and the version (the writer's sequence
 * number) that wrote it, so the checker can tell the acknowledged version from an older one, from a
 * version that belongs to another key, and from bytes nobody wrote.
 *
 * <pre>
 *   bytes 0..7   tag = seq &lt;&lt; 24 | key, little-endian (as putLong stores a long)
 *   bytes 8..B-1 filler: mix64(tag, block) per 8-byte block, little-endian, cut at B
 * </pre>
 * The filler makes a torn or partly stale value of any width detectable, not only its first 8 bytes.
 * Keys are 8-byte little-endian longs, so the long API and the byte[] API address the same entries.
 */
final class CrashValue {
    /** Bits of the tag that hold the key; keys stay below {@code 2^KEY_BITS}. */
    static final int KEY_BITS = 24;
    static final long KEY_LIMIT = 1L << KEY_BITS;
    /** The smallest value width: the tag alone. */
    static final int MIN_WIDTH = 8;
    /** Sequence numbers stay below this, so a tag is never negative and -1 can mean "absent". */
    static final long SEQ_LIMIT = 1L << (63 - KEY_BITS);

    private CrashValue() {
    }

    /** The tag of version {@code seq} of {@code key}: the whole value when values are 8 bytes. */
    static long tag(long key, long seq) {
        return seq << KEY_BITS | key;
    }

    static long keyOf(long tag) {
        return tag & (KEY_LIMIT - 1);
    }

    static long seqOf(long tag) {
        return tag >>> KEY_BITS;
    }

    /** The full value of version {@code seq} of {@code key}, {@code width} bytes. */
    static byte[] bytes(long key, long seq, int width) {
        byte[] v = new byte[width];
        long tag = tag(key, seq);
        putLong(v, 0, tag);
        for (int block = 1; block * 8 < width; block++) {
            putLong(v, block * 8, mix64(tag, block));
        }
        return v;
    }

    /**
     * The tag of a stored value if every byte is what {@link #bytes} writes for it, else -1 (bytes no
     * version of any key has: torn, stale filler or garbage).
     */
    static long tagOf(byte[] value) {
        if (value.length < MIN_WIDTH) {
            return -1;
        }
        long tag = getLong(value, 0);
        if (tag <= 0) {
            return -1;
        }
        for (int block = 1; block * 8 < value.length; block++) {
            long want = mix64(tag, block);
            for (int i = 0; i < 8 && block * 8 + i < value.length; i++) {
                if (value[block * 8 + i] != (byte) (want >>> (8 * i))) {
                    return -1;
                }
            }
        }
        return tag;
    }

    /** An 8-byte key as the index stores it (little-endian, as putLong does). */
    static byte[] keyBytes(long key) {
        byte[] k = new byte[8];
        putLong(k, 0, key);
        return k;
    }

    static long keyOf(byte[] key) {
        return getLong(key, 0);
    }

    /** How a report names what a key holds: a tag (or 0: absent, -1: bytes no writer wrote). */
    static String describe(long key, long tag) {
        if (tag == 0) {
            return "absent";
        }
        if (tag < 0) {
            return "bytes no writer wrote (torn or garbage)";
        }
        return "version " + seqOf(tag) + (keyOf(tag) == key ? "" : " of key " + keyOf(tag));
    }

    private static long mix64(long tag, int block) {
        // SplitMix64's finalizer: consecutive blocks of one tag, and neighbouring tags, share no bytes.
        long z = tag * 0x9E3779B97F4A7C15L + block;
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return z ^ (z >>> 31);
    }

    private static void putLong(byte[] b, int off, long v) {
        for (int i = 0; i < 8 && off + i < b.length; i++) {
            b[off + i] = (byte) (v >>> (8 * i));
        }
    }

    private static long getLong(byte[] b, int off) {
        long v = 0;
        for (int i = 7; i >= 0; i--) {
            v = v << 8 | (b[off + i] & 0xFF);
        }
        return v;
    }
}
