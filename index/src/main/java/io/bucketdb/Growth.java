package io.bucketdb;

/**
 * Where the table's growth stands, read from the header in O(1) (unlike {@link Stats}, which walks
 * every chain). Component names match {@link Stats}.
 *
 * @param b               log2 of the buckets of the current array
 * @param growing         whether a growth is in progress
 * @param sameSizeGrowth  whether that growth keeps B (packs overflow chains)
 * @param evacuated       the evacuation mark: every old bucket below it is evacuated
 * @param oldBuckets      buckets of the old array while growing, else 0
 * @param overflowBuckets overflow buckets in use
 */
public record Growth(int b, boolean growing, boolean sameSizeGrowth, long evacuated, long oldBuckets, long overflowBuckets) {
}
