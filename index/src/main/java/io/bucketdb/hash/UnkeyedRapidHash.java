package io.bucketdb.hash;

import java.lang.foreign.MemorySegment;

/**
 * Hash kind 0: {@link RapidHash}, rapidhash V3 with its public secrets, bound to one file's seed.
 * Every table created before format version 3 placed its keys with it, so such a file is read
 * with it for as long as it exists. New tables use {@link KeyedRapidHash}: with public secrets,
 * keys can be chosen to collide whatever the seed (see {@link RapidHash}).
 */
public final class UnkeyedRapidHash implements KeyHash {
    /** The hash kind of this hash: files whose header lacks {@code HeaderLayout.KEYED_HASH}. */
    public static final int KIND = 0;

    private final long seed;

    /**
     * The hash of a table created before format version 3.
     *
     * @param seed the table's hash seed
     */
    public UnkeyedRapidHash(long seed) {
        this.seed = seed;
    }

    @Override
    public int kind() {
        return KIND;
    }

    @Override
    public long hash(byte[] key, int off, int len) {
        return RapidHash.hash(key, off, len, seed);
    }

    @Override
    public long hash(MemorySegment seg, long off, long len) {
        return RapidHash.hash(seg, off, len, seed);
    }

    @Override
    public long hashLong(long key) {
        return RapidHash.hashLong(key, seed);
    }
}
