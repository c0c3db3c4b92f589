package io.bucketdb.inspect;

import io.bucketdb.storage.OverflowPageLayout;

import java.util.Arrays;

/**
 * The overflow buckets the allocator has handed out, numbered densely so the verifier can mark
 * them in bitsets: bucket {@code j} of the {@code k}-th page (in file order) is number
 * {@code k * perPage + j}. Every page but the newest (the list head) is fully handed out; the
 * newest is handed out up to the bump pointer ({@code ovfBumpNext}).
 */
final class OverflowSpace {
    /** {@link #index} result: not the start of a bucket inside any overflow page. */
    static final long NOT_A_BUCKET = -1;
    /** {@link #index} result: a bucket of the newest page beyond the bump pointer, never handed out. */
    static final long NOT_HANDED_OUT = -2;

    private final long[] starts;
    private final int[] handedOut;
    private final int perPage;
    private final int bucketSize;
    private final long total;

    /**
     * @param pages         page offsets, newest first (the header's list order)
     * @param headHandedOut buckets handed out from the newest page
     */
    OverflowSpace(long[] pages, int headHandedOut, int perPage, int bucketSize) {
        this.perPage = perPage;
        this.bucketSize = bucketSize;
        long head = pages.length > 0 ? pages[0] : -1;
        this.starts = pages.clone();
        Arrays.sort(starts);
        this.handedOut = new int[starts.length];
        long sum = 0;
        for (int k = 0; k < starts.length; k++) {
            handedOut[k] = starts[k] == head ? headHandedOut : perPage;
            sum += handedOut[k];
        }
        this.total = sum;
    }

    /** Buckets handed out from all pages. */
    long handedOut() {
        return total;
    }

    /** Size of the index space ({@code pages * perPage}); indexes are below it. */
    long capacity() {
        return (long) starts.length * perPage;
    }

    /** The number of the handed-out overflow bucket at file offset {@code ref}, or a negative reason. */
    long index(long ref) {
        int k = Arrays.binarySearch(starts, ref);
        if (k < 0) {
            k = -k - 2;
        }
        if (k < 0) {
            return NOT_A_BUCKET;
        }
        long rel = ref - starts[k] - OverflowPageLayout.BUCKETS;
        if (rel < 0 || rel % bucketSize != 0 || rel / bucketSize >= perPage) {
            return NOT_A_BUCKET;
        }
        long j = rel / bucketSize;
        if (j >= handedOut[k]) {
            return NOT_HANDED_OUT;
        }
        return (long) k * perPage + j;
    }

    /** The file offset of overflow bucket number {@code index}. */
    long offset(long index) {
        return starts[(int) (index / perPage)] + OverflowPageLayout.BUCKETS + (index % perPage) * bucketSize;
    }

    /** Whether number {@code index} is a bucket that was handed out. */
    boolean isHandedOut(long index) {
        return index % perPage < handedOut[(int) (index / perPage)];
    }
}
