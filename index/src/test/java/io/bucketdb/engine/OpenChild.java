package io.bucketdb.engine;

import io.bucketdb.BucketDB;
import io.bucketdb.Durability;
import io.bucketdb.Options;

import java.nio.file.Path;
import java.time.Duration;

/**
 * The child JVM of {@link OpenLoadsNoJfrTest}: opens the index in {@code args[0]} for writing (a recovery: replay,
 * growth, the ending checkpoint), makes 100 SYNC puts (journal forces), prints what the open replayed, and halts at once, so that the
 * class-load log the parent asked for holds what the open and the forced writes loaded and nothing after them.
 */
public final class OpenChild {
    private OpenChild() {
    }

    public static void main(String[] args) throws Exception {
        BucketDB db = BucketDB.open(Path.of(args[0]), Options.defaults().withDurability(Durability.SYNC)
                .withCheckpointTriggers(Long.MAX_VALUE, Long.MAX_VALUE, Duration.ofDays(1)));
        long replayed = db.recovery().recordsReplayed();
        for (long k = 1L << 40; k < (1L << 40) + 100; k++) { // SYNC: each put waits for a journal force
            db.putLong(k, k);
        }
        System.out.println("replayed " + replayed + " size " + db.size());
        System.out.flush();
        Runtime.getRuntime().halt(0);
    }
}
