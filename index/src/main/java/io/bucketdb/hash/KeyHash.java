package io.bucketdb.hash;

import io.bucketdb.storage.Header;

import java.lang.foreign.MemorySegment;

/**
 * The key hash of one table file: the algorithm its header names, with its seed. The output
 * decides where every entry lives, so a file is read with the hash it was written with, always:
 * {@link #of(Header)} is the one place that picks it, and the table, the inspector, the verifier
 * and the tools all take it from there.
 *
 * <p>Hash kinds: 0, {@link UnkeyedRapidHash}, rapidhash V3 with its public secrets, for files
 * created before format version 3 (their keys can be chosen to collide whatever the seed);
 * 1, {@link KeyedRapidHash}, protected rapidhash V3 with secrets derived from the seed, for every
 * file created since. Implementations allocate nothing per call, and {@link #hashLong} equals
 * hashing the key's 8 little-endian bytes, so the {@code long} API and the byte API agree.
 */
public sealed interface KeyHash permits UnkeyedRapidHash, KeyedRapidHash {

    /**
     * The hash of the table whose header is {@code h}: {@link KeyedRapidHash} if the header has
     * {@code HeaderLayout.KEYED_HASH}, else {@link UnkeyedRapidHash}; both with the header's seed.
     *
     * @param h the table's header
     * @return the hash that placed the table's keys
     */
    static KeyHash of(Header h) {
        return of(h.keyedHash() ? KeyedRapidHash.KIND : UnkeyedRapidHash.KIND, h.hashSeed);
    }

    /**
     * The hash of a given kind and seed.
     *
     * @param kind {@link UnkeyedRapidHash#KIND} or {@link KeyedRapidHash#KIND}
     * @param seed the table's hash seed
     * @return the hash
     * @throws IllegalArgumentException if the kind is unknown
     */
    static KeyHash of(int kind, long seed) {
        return switch (kind) {
            case UnkeyedRapidHash.KIND -> new UnkeyedRapidHash(seed);
            case KeyedRapidHash.KIND -> new KeyedRapidHash(seed);
            default -> throw new IllegalArgumentException("unknown hash kind " + kind);
        };
    }

    /**
     * {@return the hash kind: {@link UnkeyedRapidHash#KIND} or {@link KeyedRapidHash#KIND}}
     */
    int kind();

    /**
     * Hashes {@code len} bytes of {@code key} starting at {@code off}.
     *
     * @param key the bytes
     * @param off the first byte's index
     * @param len the number of bytes
     * @return the 64-bit hash
     * @throws IndexOutOfBoundsException if the range is not inside {@code key}
     */
    long hash(byte[] key, int off, int len);

    /**
     * Hashes {@code len} bytes of {@code seg} starting at {@code off}; the same result as
     * {@link #hash(byte[], int, int)} for the same bytes.
     *
     * @param seg the bytes
     * @param off the first byte's offset
     * @param len the number of bytes
     * @return the 64-bit hash
     * @throws IndexOutOfBoundsException if the range is not inside {@code seg}
     * @throws IllegalStateException if {@code seg}'s arena is closed or owned by another thread
     */
    long hash(MemorySegment seg, long off, long len);

    /**
     * Hashes a {@code long} key: equal to hashing its 8 little-endian bytes, without reading memory.
     *
     * @param key the key
     * @return the 64-bit hash
     */
    long hashLong(long key);
}
