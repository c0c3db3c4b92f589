package io.bucketdb.durability;

import io.bucketdb.BucketDB;
import io.bucketdb.Durability;
import io.bucketdb.Options;
import io.bucketdb.storage.sim.CrashMode;
import io.bucketdb.storage.sim.CrashSimulator;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;

import static org.junit.jupiter.api.Assertions.*;

/**
 * {@link Durability#ASYNC}'s promise (README, {@code Durability}'s Javadoc): the journal is forced every
 * {@link Options#withAsyncForceInterval interval}, so a power loss loses at most the writes of the last interval. Here:
 * writes acknowledged before the timer's next force are all there after a power loss that keeps nothing unforced,
 * with no checkpoint and no close to make them durable otherwise.
 */
class AsyncIntervalPowerLossTest {
    @TempDir
    Path tmp;

    /** Waits for a journal force counted after {@code seen}; the test's {@link Timeout} ends a wait for one that never comes. */
    private static void awaitForceAfter(AtomicInteger forces, int seen) throws InterruptedException {
        while (forces.get() <= seen) {
            Thread.sleep(1);
        }
    }

    @Test
    @Timeout(60)
    void writesAcknowledgedBeforeTheTimersForceSurviveAPowerLoss() throws Exception {
        CrashSimulator sim = new CrashSimulator();
        AtomicInteger forces = new AtomicInteger();
        JournalForceHookIO io = new JournalForceHookIO(sim) {
            @Override
            void afterJournalForce() {
                forces.incrementAndGet();
            }
        };
        Options options = Options.defaults().withDurableIO(io).withDurability(Durability.ASYNC)
                .withAsyncForceInterval(Duration.ofMillis(5))
                .withCheckpointTriggers(1L << 40, 1L << 40, Duration.ofHours(1)) // only the timer makes writes durable
                .withIdleEvacuation(false);
        Path live = tmp.resolve("live");
        try (BucketDB db = BucketDB.open(live, options)) {
            for (long k = 0; k < 1_000; k++) {
                assertTrue(db.putLong(k, 3 * k)); // acknowledged after the journal write, before any force
            }
            // A force that returns after the last put may have begun before it. The timer forces one at a time and only
            // when something is unforced, so a write after that force makes the timer force again, and that force began
            // after the first returned, so after every put: it covers them all.
            awaitForceAfter(forces, forces.get());
            // Counted before the write: the timer may force it before the wait below begins, and then no force follows.
            int beforeTheWrite = forces.get();
            assertTrue(db.putLong(-1, -1));
            awaitForceAfter(forces, beforeTheWrite);
            Path image = tmp.resolve("image");
            sim.writeCrashImage(live, image, CrashMode.DROP_ALL);
            try (BucketDB after = BucketDB.open(image)) {
                assertTrue(after.recovery().recordsReplayed() >= 1_000, "the puts came back from the journal: " + after.recovery());
                for (long k = 0; k < 1_000; k++) {
                    assertEquals(3 * k, after.getLong(k, -1), "key " + k);
                }
            }
        }
    }
}
