package io.bucketdb.bench.durability;

import io.bucketdb.BucketDB;
import io.bucketdb.bench.Keys;

import java.util.concurrent.CompletableFuture;
import java.util.function.LongUnaryOperator;

/**
 * Puts keys {@code Keys.key(0 .. count-1)} through a window of asynchronous puts in flight, as
 * {@code compare.BucketDbKv}'s preload does: the pipeline then batches them, so a SYNC index forces
 * once per batch (group commit) instead of once per put. The keys look random, so the pages they
 * touch are spread uniformly over the table.
 */
final class WindowedPuts {
    /** In-flight puts; four times the default ring, so the ring never runs dry waiting on a caller. */
    private static final int WINDOW = 4096;

    private WindowedPuts() {
    }

    /**
     * Puts every key with {@code value.applyAsLong(key)} and returns once all are acknowledged. The
     * last put is a blocking one, so on return every earlier put has been journaled too.
     */
    static void run(BucketDB db, long count, LongUnaryOperator value) {
        @SuppressWarnings("unchecked")
        CompletableFuture<Boolean>[] window = new CompletableFuture[WINDOW];
        for (long n = 0; n < count - 1; n++) {
            int w = (int) (n & (WINDOW - 1));
            if (window[w] != null) {
                window[w].join();
            }
            long k = Keys.key(n);
            window[w] = db.putLongAsync(k, value.applyAsLong(k));
        }
        if (count > 0) {
            long k = Keys.key(count - 1);
            db.putLong(k, value.applyAsLong(k));
        }
        for (CompletableFuture<Boolean> f : window) {
            if (f != null) {
                f.join();
            }
        }
    }
}
