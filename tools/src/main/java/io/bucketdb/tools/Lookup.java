package io.bucketdb.tools;

import io.bucketdb.BucketDB;

import java.lang.foreign.MemorySegment;

/**
 * Key lookups for the tools that are right for every shape of index. {@code BucketDB.get(byte[])} on a read-only
 * view of an index with variable-length keys and fixed-width values hashes the key slot's width instead of the key's
 * length (its fixed-value branch calls the table's fixed-key {@code get}): a key shorter than the slot throws
 * {@link IndexOutOfBoundsException}, a longer one is reported absent. The length-taking {@code get} is right for all.
 */
final class Lookup {
    private Lookup() {
    }

    /** The value of {@code key} in {@code db} (a copy), or null if absent. */
    static byte[] value(BucketDB db, byte[] key) {
        for (; ; ) {
            long n = db.get(key, MemorySegment.NULL);
            if (n < 0) {
                return null;
            }
            byte[] out = new byte[(int) n];
            if (db.get(key, MemorySegment.ofArray(out)) == n) {
                return out; // else the value changed length between the two reads: ask again
            }
        }
    }
}
