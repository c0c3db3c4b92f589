package io.bucketdb;

/**
 * A snapshot of an index's numbers, as {@code bucketdb stat} prints them.
 *
 * @param count            entries
 * @param b                log2 of the number of buckets
 * @param buckets          buckets in the current array ({@code 2^b})
 * @param overflowBuckets  overflow buckets in use
 * @param loadFactor       entries per bucket of the current array (Go grows above 6.5)
 * @param growing          whether a growth is in progress
 * @param sameSizeGrowth   whether that growth keeps B (packs overflow chains)
 * @param evacuated        the evacuation mark: old buckets below it are evacuated
 * @param oldBuckets       buckets of the old array while growing, else 0
 * @param chainHistogram   element {@code k} counts chains of {@code k + 1} buckets (last: that many or more)
 * @param fileBytes        bytes of the table file on disk
 * @param allocatedBytes   bytes of the table file in use by the allocator (the rest is preallocated)
 * @param keyWidth         key width in bytes
 * @param valueWidth       value width in bytes
 * @param generation       header generation of the last write-back
 * @param cleanClose       whether the index was closed cleanly before this open
 */
public record Stats(long count, int b, long buckets, long overflowBuckets, double loadFactor, boolean growing,
                    boolean sameSizeGrowth, long evacuated, long oldBuckets, long[] chainHistogram, long fileBytes,
                    long allocatedBytes, int keyWidth, int valueWidth, long generation, boolean cleanClose) {

    /** Bytes on disk per entry (0 for an empty index). */
    public double bytesPerEntry() {
        return count == 0 ? 0 : (double) fileBytes / count;
    }
}
