package io.bucketdb.durability;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.bucketdb.BucketDB;
import io.bucketdb.Durability;
import io.bucketdb.Options;
import io.bucketdb.storage.sim.CrashMode;
import io.bucketdb.storage.sim.CrashSimulator;
import java.nio.file.Path;
import java.time.Duration;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Background checkpoints whose writer copies go into blocks kept across checkpoints (issue 16, {@code tailcopy}): a
 * block's old copies, from an earlier checkpoint, must never reach the table file. The same keys are rewritten with new
 * values while dozens of checkpoints run, so every block is reused with stale copies in it; then a power loss, and the
 * recovered index (the last installed checkpoint plus the journal after it) must hold every key's last value. A stale
 * page written by a checkpoint would bring back a value older than that.
 */
class PooledCopyBlocksCheckpointTest {
    private static final int KEYS = 20_000;
    private static final int CHECKPOINTS = 30;
    /** Puts before the test gives up waiting for the checkpoints (a hang guard). */
    private static final long GUARD_PUTS = 20_000_000;

    @TempDir
    Path tmp;

    @Test
    void aPowerLossAfterCheckpointsWithPooledCopiesLosesNoValue() throws Exception {
        long seed = Long.getLong("bucketdb.seed", System.nanoTime());
        CrashSimulator sim = new CrashSimulator();
        Path dir = tmp.resolve("idx");
        Options options = Options.defaults().withDurableIO(sim).withDurability(Durability.SYNC).withHashSeed(seed)
                .withCheckpointTriggers(1L << 40, 64 * 1024, Duration.ofHours(1))
                .withCheckpointsInBackground(true);
        long[] last = new long[KEYS];
        SplittableRandom rnd = new SplittableRandom(seed);
        long puts = 0;
        try (BucketDB db = BucketDB.open(dir, options)) {
            long seen = db.checkpoints();
            while (seen < CHECKPOINTS) {
                int k = rnd.nextInt(KEYS);
                long v = ++puts;
                db.putLong(k, v);
                last[k] = v;
                assertTrue(puts < GUARD_PUTS, "seed " + seed + ": " + seen + " checkpoints after " + puts + " puts");
                if (db.checkpoints() > seen) {
                    seen = db.checkpoints();
                    // A power loss after each checkpoint: the last one's pages, some of them copies the writer saved
                    // into reused blocks, plus the journal after it must give every key its last value.
                    Path image = tmp.resolve("image-" + seen);
                    sim.writeCrashImage(dir, image, CrashMode.DROP_ALL);
                    try (BucketDB recovered = BucketDB.open(image, Fixtures.imageOptions())) {
                        for (int j = 0; j < KEYS; j++) {
                            assertEquals(last[j] == 0 ? -1 : last[j], recovered.getLong(j, -1),
                                    "seed " + seed + ", checkpoint " + seen + ": key " + j);
                        }
                    }
                    Fixtures.delete(image);
                }
            }
            assertTrue(copyBlockThreadAlive(), "seed " + seed + ": no copy blocks were asked for");
        }
        assertFalse(copyBlockThreadAlive(), "seed " + seed + ": the close stops the copy blocks' thread");
    }

    private static boolean copyBlockThreadAlive() {
        return Thread.getAllStackTraces().keySet().stream().anyMatch(t -> t.getName().equals("bucketdb-copy-blocks") && t.isAlive());
    }
}
