package io.bucketdb.hash;

import java.lang.foreign.MemorySegment;
import java.util.Objects;

/**
 * rapidhash V3: the seeded 64-bit hash of BucketDB's table.
 *
 * <p>Algorithm: rapidhash V3 by Nicolas De Carli, the successor of wyhash
 * (<a href="https://github.com/Nicoshev/rapidhash">github.com/Nicoshev/rapidhash</a>,
 * {@code rapidhash.h}). Every method returns exactly what {@code rapidhash_withSeed(key, len, seed)}
 * returns in the reference's default build: the default secrets and {@code RAPIDHASH_FAST}, not
 * {@code RAPIDHASH_PROTECTED}. The reference's {@code RAPIDHASH_COMPACT} and
 * {@code RAPIDHASH_UNROLLED} builds give the same output; this class follows the compact loop.
 * Input is read as little-endian on every platform, as the reference does, so the output does not
 * depend on the platform. This is our own Java implementation of the algorithm and contains no
 * third-party code. The tests check it against vectors computed with the reference C and against
 * SMHasher3's verification value.
 *
 * <p>The output decides where entries live in a table file, so it is part of the file format.
 * Changing any output, even for one length, makes existing files unreadable.
 *
 * <p>Nothing here allocates. {@link #hashLong} is a fast path that returns the same value as hashing
 * the key's 8 little-endian bytes, so the {@code long → long} API and the byte API place a key in
 * the same bucket.
 *
 * <p><b>Not a defence against hash flooding.</b> With the public default secrets, rapidhash V3 has
 * multicollisions that do not depend on the seed. A key of 8 to 16 bytes whose first 8 bytes equal
 * {@code secret[1]} (or a longer key with the matching 8 bytes at {@code len - 16}) gives the final
 * 128-bit multiply a zero factor, so its hash depends only on its length. A random seed per file
 * does not stop an attacker who chooses the keys. This is therefore only the hash of files created
 * before format version 3 (hash kind 0, see {@link KeyHash#of}); new files use {@link KeyedRapidHash}.
 */
public final class RapidHash {

    /** The reference's {@code rapid_secret[0..7]}. */
    private static final long SECRET_0 = 0x2d358dccaa6c78a5L;
    private static final long SECRET_1 = 0x8bb84b93962eacc9L;
    private static final long SECRET_2 = 0x4b33a62ed433d4a3L;
    private static final long SECRET_3 = 0x4d5a2da51de1aa47L;
    private static final long SECRET_4 = 0xa0761d6478bd642fL;
    private static final long SECRET_5 = 0xe7037ed1a0b428dbL;
    private static final long SECRET_6 = 0x90ed1765281c388cL;
    private static final long SECRET_7 = 0xaaaaaaaaaaaaaaaaL;

    /** Bytes absorbed by one pass of the bulk loop: seven lanes of 16 bytes. */
    private static final int BLOCK = 112;


    private RapidHash() {
    }

    /**
     * Hashes {@code len} bytes of {@code key} starting at {@code off}.
     *
     * @throws IndexOutOfBoundsException if the range is not inside {@code key}
     */
    public static long hash(byte[] key, int off, int len, long seed) {
        Objects.checkFromIndexSize(off, len, key.length);
        return hash(LittleEndianInput.ArrayInput.INSTANCE, key, off, len, seed);
    }

    /**
     * Hashes {@code len} bytes of {@code seg} starting at {@code off}. Gives the same result as
     * {@link #hash(byte[], int, int, long)} for the same bytes.
     *
     * @throws IndexOutOfBoundsException if the range is not inside {@code seg}
     * @throws IllegalStateException if {@code seg}'s arena is closed or owned by another thread
     */
    public static long hash(MemorySegment seg, long off, long len, long seed) {
        Objects.checkFromIndexSize(off, len, seg.byteSize());
        return hash(LittleEndianInput.SegmentInput.INSTANCE, seg, off, len, seed);
    }

    /**
     * Hashes a {@code long} key. Equal to {@code hash(b, 0, 8, seed)} where {@code b} holds
     * {@code key} in little-endian order. This is the 8-byte branch of the algorithm with both
     * reads replaced by {@code key}.
     */
    public static long hashLong(long key, long seed) {
        return finish(key, key, mixSeed(seed) ^ Long.BYTES, Long.BYTES);
    }

    /**
     * The whole algorithm, written once for both kinds of input. When the JIT does not inline this
     * into a caller, the read calls below see at most two receiver types, and C2 inlines both.
     */
    private static <T> long hash(LittleEndianInput<T> in, T src, long off, long len, long seed) {
        seed = mixSeed(seed);
        long a;
        long b;
        long rest = len; // the reference's i: bytes that the block loop leaves for the tail
        if (len <= 16) {
            if (len >= 8) {
                seed ^= len;
                a = in.getLong(src, off);
                b = in.getLong(src, off + len - 8);
            } else if (len >= 4) {
                seed ^= len;
                a = in.getUnsignedInt(src, off);
                b = in.getUnsignedInt(src, off + len - 4);
            } else if (len > 0) {
                a = (in.getUnsignedByte(src, off) << 45) | in.getUnsignedByte(src, off + len - 1);
                b = in.getUnsignedByte(src, off + (len >> 1));
            } else {
                a = 0;
                b = 0;
            }
        } else {
            long p = off;
            if (rest > BLOCK) {
                long see1 = seed;
                long see2 = seed;
                long see3 = seed;
                long see4 = seed;
                long see5 = seed;
                long see6 = seed;
                do {
                    seed = mix(in.getLong(src, p) ^ SECRET_0, in.getLong(src, p + 8) ^ seed);
                    see1 = mix(in.getLong(src, p + 16) ^ SECRET_1, in.getLong(src, p + 24) ^ see1);
                    see2 = mix(in.getLong(src, p + 32) ^ SECRET_2, in.getLong(src, p + 40) ^ see2);
                    see3 = mix(in.getLong(src, p + 48) ^ SECRET_3, in.getLong(src, p + 56) ^ see3);
                    see4 = mix(in.getLong(src, p + 64) ^ SECRET_4, in.getLong(src, p + 72) ^ see4);
                    see5 = mix(in.getLong(src, p + 80) ^ SECRET_5, in.getLong(src, p + 88) ^ see5);
                    see6 = mix(in.getLong(src, p + 96) ^ SECRET_6, in.getLong(src, p + 104) ^ see6);
                    p += BLOCK;
                    rest -= BLOCK;
                } while (rest > BLOCK);
                seed ^= see1 ^ see2 ^ see3 ^ see4 ^ see5 ^ see6;
            }
            // 17..112 bytes remain. The reference nests these tests; the flat form is equivalent.
            if (rest > 16) {
                seed = mix(in.getLong(src, p) ^ SECRET_2, in.getLong(src, p + 8) ^ seed);
            }
            if (rest > 32) {
                seed = mix(in.getLong(src, p + 16) ^ SECRET_2, in.getLong(src, p + 24) ^ seed);
            }
            if (rest > 48) {
                seed = mix(in.getLong(src, p + 32) ^ SECRET_1, in.getLong(src, p + 40) ^ seed);
            }
            if (rest > 64) {
                seed = mix(in.getLong(src, p + 48) ^ SECRET_1, in.getLong(src, p + 56) ^ seed);
            }
            if (rest > 80) {
                seed = mix(in.getLong(src, p + 64) ^ SECRET_2, in.getLong(src, p + 72) ^ seed);
            }
            if (rest > 96) {
                seed = mix(in.getLong(src, p + 80) ^ SECRET_1, in.getLong(src, p + 88) ^ seed);
            }
            // The last 16 bytes of the key, which may overlap bytes already mixed.
            a = in.getLong(src, off + len - 16) ^ rest;
            b = in.getLong(src, off + len - 8);
        }
        return finish(a, b, seed, rest);
    }

    /** The reference's first step: {@code seed ^= rapid_mix(seed ^ secret[2], secret[1])}. */
    private static long mixSeed(long seed) {
        return seed ^ mix(seed ^ SECRET_2, SECRET_1);
    }

    /** The reference's last steps, after {@code a} and {@code b} have been read. */
    private static long finish(long a, long b, long seed, long rest) {
        a ^= SECRET_1;
        b ^= seed;
        long lo = a * b; // rapid_mum: a becomes the low half of a * b, b the high half
        long hi = Math.unsignedMultiplyHigh(a, b);
        return mix(lo ^ SECRET_7, hi ^ SECRET_1 ^ rest);
    }

    /** {@code rapid_mix}: the 128-bit product of two 64-bit numbers, folded by XOR of its halves. */
    private static long mix(long a, long b) {
        return (a * b) ^ Math.unsignedMultiplyHigh(a, b);
    }
}
