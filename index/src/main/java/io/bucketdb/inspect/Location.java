package io.bucketdb.inspect;

/**
 * Where a key lives, and why there: {@code bucketdb dump --key} prints it.
 *
 * @param hash              the table's 64-bit hash of the key (seeded with the file's seed)
 * @param tophash           its tophash byte (top 8 bits, bumped above the slot states)
 * @param bucket            its bucket in the current array (the low B bits of the hash)
 * @param bucketOffset      that bucket's file offset
 * @param growing           whether a growth is in progress
 * @param oldBucket         its bucket in the old array while growing (the low old-B bits), else -1
 * @param oldBucketOffset   that bucket's file offset, else 0
 * @param oldEvacuated      whether the old bucket has been evacuated (lookups then use the new bucket)
 * @param found             whether the key is present
 * @param inOldArray        whether it was found in the old array
 * @param chainStart        the file offset of the chain that was searched
 * @param foundBucketOffset the file offset of the (array or overflow) bucket holding the key, else 0
 * @param chainPosition     that bucket's position in the chain (0 = array bucket), else -1
 * @param slot              the slot holding the key, else -1
 * @param value             the value, else null
 */
public record Location(long hash, int tophash, long bucket, long bucketOffset, boolean growing, long oldBucket,
                       long oldBucketOffset, boolean oldEvacuated, boolean found, boolean inOldArray, long chainStart,
                       long foundBucketOffset, int chainPosition, int slot, byte[] value) {
}
