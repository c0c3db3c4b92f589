package io.bucketdb.hash;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;

/** Provisional stand-in with the final signatures; replaced by the reference-checked rapidhash. */
public final class RapidHash {
    private static final ValueLayout.OfByte B = ValueLayout.JAVA_BYTE;

    private RapidHash() {
    }

    private static long mix(long a, long b) {
        long lo = a * b;
        long hi = Math.unsignedMultiplyHigh(a, b);
        return lo ^ hi;
    }

    public static long hash(MemorySegment seg, long off, long len, long seed) {
        long h = seed ^ 0x2d358dccaa6c78a5L ^ len;
        for (long i = 0; i < len; i++) {
            h = mix(h ^ (seg.get(B, off + i) & 0xFF), 0x8bb84b93962eacc9L);
        }
        return mix(h, 0x4b33a62ed433d4a3L);
    }

    public static long hash(byte[] key, int off, int len, long seed) {
        return hash(MemorySegment.ofArray(key), off, len, seed);
    }

    public static long hashLong(long key, long seed) {
        long h = seed ^ 0x2d358dccaa6c78a5L ^ 8;
        for (int i = 0; i < 8; i++) {
            h = mix(h ^ ((key >>> (8 * i)) & 0xFF), 0x8bb84b93962eacc9L);
        }
        return mix(h, 0x4b33a62ed433d4a3L);
    }
}
