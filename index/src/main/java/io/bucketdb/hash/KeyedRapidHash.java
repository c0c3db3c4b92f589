package io.bucketdb.hash;

import java.lang.foreign.MemorySegment;
import java.util.Objects;

/**
 * rapidhash V3 in its protected mode with secrets derived from the seed: the key hash of every
 * table created since format version 3 (hash kind 1, {@link KeyHash#of}).
 *
 * <p><b>Why.</b> {@link RapidHash} uses rapidhash's public secrets, and those admit
 * multicollisions that no seed breaks: a key of 8 to 16 bytes whose first 8 bytes equal
 * {@code secret[1]} zeroes one factor of the final multiply, so its hash depends on its length
 * alone, and an application that indexes keys its users choose can be driven into one overflow
 * chain (issue 15). Two changes close that door, and both are the reference's own options:
 * <ul>
 *   <li><b>Secrets derived from the seed.</b> The attack needs the secrets. Here all eight come
 *       from the file's 64-bit seed (drawn with {@code SecureRandom} at creation), so an attacker
 *       who cannot read the table file does not know them. This is how Go's runtime defends its map
 *       where it has no AES instructions ({@code memhashFallback}: wyhash, rapidhash's parent, with
 *       secret keys drawn at start-up).</li>
 *   <li><b>{@code RAPIDHASH_PROTECTED}.</b> The 128-bit multiply XORs its halves into the factors
 *       instead of replacing them ({@code rapid_mum}), so even a zero factor that a key hit by chance
 *       does not erase the other factor's bits.</li>
 * </ul>
 * The cost is a few XORs per multiply and secrets read from fields instead of constants; the seed's
 * first mixing step, which {@link RapidHash} repeats on every call, is done once here, at
 * construction. A keyed PRF such as SipHash-1-3 would give a proof where this gives the absence of a
 * known attack, but it runs five rounds of fourteen operations on an 8-byte key where this runs two
 * multiplies, on the path of every get (not implemented or measured here); the get benchmark before
 * and after this hash is in {@code bench/README.md} ("Key hash"). The defence assumes the attacker cannot read the table file (it holds the seed;
 * index files are created owner-only); tools that print the header show the seed.
 *
 * <p><b>Secret derivation</b> (our own; it fixes the file format, so it never changes): the
 * generator is rapidhash's {@code wyrand} (repository file {@code secret.h}: add
 * {@code 0x2d358dccaa6c78a5} to the state, return {@code rapid_mix(state, state ^ 0x8bb84b93962eacc9)}
 * with the plain, unprotected mix), seeded with the file's seed. Each secret, {@code secret[0]} to
 * {@code secret[7]} in order, is drawn as wyhash's {@code make_secret} draws one: eight bytes, low
 * byte first, each byte {@code c[wyrand() % 70]} from the 70 bytes with four bits set (so every
 * secret has 32 bits set and no zero byte), redrawn until it is odd. {@code make_secret}'s further
 * filters (pairwise Hamming distance 32, primality) are left out: they tune statistical quality for
 * secrets fixed once for everyone, need a search of about 10^5 candidates for the eighth secret on
 * every open, and do nothing against flooding, which only needs the secrets to be unknown.
 *
 * <p>Every method returns exactly what the reference's {@code rapidhash_internal(key, len, seed,
 * secret)} returns when compiled with {@code RAPIDHASH_PROTECTED} (and {@code RAPIDHASH_COMPACT})
 * and called with the derived secrets; the tests check vectors computed with the reference C.
 * Input is read as little-endian on every platform. Nothing here allocates after construction;
 * {@link #hashLong} equals hashing the key's 8 little-endian bytes.
 */
public final class KeyedRapidHash implements KeyHash {

    /** The 70 bytes with exactly four bits set, in ascending order (wyhash's {@code make_secret}). */
    private static final byte[] BALANCED_BYTES = balancedBytes();

    /** Bytes absorbed by one pass of the bulk loop: seven lanes of 16 bytes. */
    private static final int BLOCK = 112;

    /** The hash kind of this hash: files whose header has {@code HeaderLayout.KEYED_HASH}. */
    public static final int KIND = 1;

    private final long s0;
    private final long s1;
    private final long s2;
    private final long s3;
    private final long s4;
    private final long s5;
    private final long s6;
    private final long s7;
    /** The seed after the reference's first step, {@code seed ^= rapid_mix(seed ^ secret[2], secret[1])}. */
    private final long mixedSeed;

    /**
     * The hash of a table whose header holds {@code seed}.
     *
     * @param seed the table's hash seed; the secrets are derived from it
     */
    public KeyedRapidHash(long seed) {
        long[] s = secrets(seed);
        this.s0 = s[0];
        this.s1 = s[1];
        this.s2 = s[2];
        this.s3 = s[3];
        this.s4 = s[4];
        this.s5 = s[5];
        this.s6 = s[6];
        this.s7 = s[7];
        this.mixedSeed = seed ^ mix(seed ^ s2, s1);
    }

    /**
     * The eight secrets derived from {@code seed}, as described in the class comment.
     *
     * @param seed the table's hash seed
     * @return a new array of the eight secrets, {@code secret[0]} first
     */
    public static long[] secrets(long seed) {
        long[] secrets = new long[8];
        long state = seed;
        for (int i = 0; i < secrets.length; i++) {
            long secret;
            do {
                secret = 0;
                for (int shift = 0; shift < 64; shift += 8) {
                    state += 0x2d358dccaa6c78a5L;
                    long r = fastMix(state, state ^ 0x8bb84b93962eacc9L);
                    secret |= (BALANCED_BYTES[(int) Long.remainderUnsigned(r, BALANCED_BYTES.length)] & 0xFFL) << shift;
                }
            } while ((secret & 1) == 0);
            secrets[i] = secret;
        }
        return secrets;
    }

    @Override
    public int kind() {
        return KIND;
    }

    @Override
    public long hash(byte[] key, int off, int len) {
        Objects.checkFromIndexSize(off, len, key.length);
        return hash(LittleEndianInput.ArrayInput.INSTANCE, key, off, len);
    }

    @Override
    public long hash(MemorySegment seg, long off, long len) {
        Objects.checkFromIndexSize(off, len, seg.byteSize());
        return hash(LittleEndianInput.SegmentInput.INSTANCE, seg, off, len);
    }

    /** The 8-byte branch of the algorithm with both reads replaced by {@code key}. */
    @Override
    public long hashLong(long key) {
        return finish(key, key, mixedSeed ^ Long.BYTES, Long.BYTES);
    }

    private <T> long hash(LittleEndianInput<T> in, T src, long off, long len) {
        long seed = mixedSeed;
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
                    seed = mix(in.getLong(src, p) ^ s0, in.getLong(src, p + 8) ^ seed);
                    see1 = mix(in.getLong(src, p + 16) ^ s1, in.getLong(src, p + 24) ^ see1);
                    see2 = mix(in.getLong(src, p + 32) ^ s2, in.getLong(src, p + 40) ^ see2);
                    see3 = mix(in.getLong(src, p + 48) ^ s3, in.getLong(src, p + 56) ^ see3);
                    see4 = mix(in.getLong(src, p + 64) ^ s4, in.getLong(src, p + 72) ^ see4);
                    see5 = mix(in.getLong(src, p + 80) ^ s5, in.getLong(src, p + 88) ^ see5);
                    see6 = mix(in.getLong(src, p + 96) ^ s6, in.getLong(src, p + 104) ^ see6);
                    p += BLOCK;
                    rest -= BLOCK;
                } while (rest > BLOCK);
                seed ^= see1 ^ see2 ^ see3 ^ see4 ^ see5 ^ see6;
            }
            // 17..112 bytes remain. The reference nests these tests; the flat form is equivalent.
            if (rest > 16) {
                seed = mix(in.getLong(src, p) ^ s2, in.getLong(src, p + 8) ^ seed);
            }
            if (rest > 32) {
                seed = mix(in.getLong(src, p + 16) ^ s2, in.getLong(src, p + 24) ^ seed);
            }
            if (rest > 48) {
                seed = mix(in.getLong(src, p + 32) ^ s1, in.getLong(src, p + 40) ^ seed);
            }
            if (rest > 64) {
                seed = mix(in.getLong(src, p + 48) ^ s1, in.getLong(src, p + 56) ^ seed);
            }
            if (rest > 80) {
                seed = mix(in.getLong(src, p + 64) ^ s2, in.getLong(src, p + 72) ^ seed);
            }
            if (rest > 96) {
                seed = mix(in.getLong(src, p + 80) ^ s1, in.getLong(src, p + 88) ^ seed);
            }
            // The last 16 bytes of the key, which may overlap bytes already mixed.
            a = in.getLong(src, off + len - 16) ^ rest;
            b = in.getLong(src, off + len - 8);
        }
        return finish(a, b, seed, rest);
    }

    /** The reference's last steps, after {@code a} and {@code b} have been read; the protected {@code rapid_mum}. */
    private long finish(long a, long b, long seed, long rest) {
        a ^= s1;
        b ^= seed;
        long lo = a * b;
        long hi = Math.unsignedMultiplyHigh(a, b);
        a ^= lo;
        b ^= hi;
        return mix(a ^ s7, b ^ s1 ^ rest);
    }

    /** The protected {@code rapid_mix}: both factors XORed with the halves of their 128-bit product, then folded. */
    private static long mix(long a, long b) {
        return a ^ b ^ (a * b) ^ Math.unsignedMultiplyHigh(a, b);
    }

    /** The plain {@code rapid_mix}, as {@code wyrand} uses it. */
    private static long fastMix(long a, long b) {
        return (a * b) ^ Math.unsignedMultiplyHigh(a, b);
    }

    private static byte[] balancedBytes() {
        byte[] out = new byte[70];
        int n = 0;
        for (int v = 0; v < 256; v++) {
            if (Integer.bitCount(v) == 4) {
                out[n++] = (byte) v;
            }
        }
        return out;
    }
}
