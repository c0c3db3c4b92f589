package io.bucketdb.table;

import io.bucketdb.storage.BucketLayout;
import io.bucketdb.storage.Layouts;

import java.lang.foreign.MemorySegment;

/**
 * Walks every live chain of a table once to measure it (chain-length histogram). Reads happen
 * on the caller's thread without stamps, so run it where no writer is active (in the writer role,
 * or a read-only open); it never follows more than {@code overflowBuckets + 1} links per chain.
 */
public final class TableScan {
    private TableScan() {
    }

    /**
     * The chain-length histogram: element {@code k} counts live chains of {@code k + 1} buckets;
     * chains longer than the array are counted in the last element.
     */
    public static long[] chainHistogram(HashTable t, int maxLength) {
        long[] hist = new long[maxLength];
        ArraySnapshot g = t.snapshot();
        long limit = t.file().header().overflowBuckets + 1;
        for (long nb = 0; nb <= g.mask; nb++) {
            long bucket = g.bucketOffset(nb);
            if (g.inPlace) {
                long i = nb & g.oldMask;
                if (i >= t.file().header().nevacuate) { // not split yet: bucket i holds its sibling's keys too
                    if (nb == i) {
                        hist[Math.min(maxLength, chainLength(t, bucket, limit)) - 1]++;
                    }
                    continue;
                }
            } else if (g.growing) {
                long i = nb & g.oldMask;
                if (!BucketLayout.isEvacuated(g.oldBucketSeg(i).get(Layouts.BYTE, g.oldBucketLocal(i)) & 0xFF)) {
                    if (g.sameSize || nb == i) {
                        hist[Math.min(maxLength, chainLength(t, g.oldBucketOffset(i), limit)) - 1]++;
                    }
                    continue;
                }
            }
            hist[Math.min(maxLength, chainLength(t, bucket, limit)) - 1]++;
        }
        return hist;
    }

    /** Old buckets already evacuated while growing (0 when not growing). */
    public static long evacuatedOldBuckets(HashTable t) {
        ArraySnapshot g = t.snapshot();
        if (!g.growing) {
            return 0;
        }
        if (g.inPlace) {
            return t.file().header().nevacuate; // split in order: exactly those below the mark
        }
        long evacuated = 0;
        for (long i = 0; i <= g.oldMask; i++) {
            if (BucketLayout.isEvacuated(g.oldBucketSeg(i).get(Layouts.BYTE, g.oldBucketLocal(i)) & 0xFF)) {
                evacuated++;
            }
        }
        return evacuated;
    }

    private static int chainLength(HashTable t, long bucket, long limit) {
        int len = 0;
        var mapping = t.file().mapping();
        long end = t.file().header().fileEnd;
        while (bucket != 0 && len <= limit) {
            len++;
            if (bucket < io.bucketdb.storage.HeaderLayout.DATA_START || bucket + t.bucketSize() > end) {
                break; // damage: verify reports it; a histogram just stops here
            }
            MemorySegment seg = mapping.segment(bucket);
            bucket = seg.get(Layouts.LONG, mapping.local(bucket) + t.overflowOffset());
        }
        return len;
    }
}
