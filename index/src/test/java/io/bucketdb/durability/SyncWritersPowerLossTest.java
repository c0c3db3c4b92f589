package io.bucketdb.durability;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.bucketdb.BucketDB;
import io.bucketdb.Durability;
import io.bucketdb.Options;
import io.bucketdb.spi.DurableIO;
import io.bucketdb.storage.sim.CrashMode;
import io.bucketdb.storage.sim.CrashSimulator;
import io.bucketdb.storage.testkit.Seeds;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.locks.LockSupport;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code SYNC} with several writer threads, the writer role changing hands among them: a power loss right after any
 * acknowledgement keeps it, and the journal alone replays into exactly the live table through growth. (Written with
 * the SYNC force-overlap experiment of issue 16, branch {@code sync}; these two hold for any group commit.)
 */
class SyncWritersPowerLossTest {
    /** A hang guard for this test's threads; the assertions are about outcomes, not time. */
    private static final long GUARD_SECONDS = 60;

    @TempDir
    Path tmp;

    /** Threads of their own for the writers: the common pool may have one thread on a 2-core machine. */
    private final ExecutorService threads = Executors.newCachedThreadPool();

    @AfterEach
    void stopThreads() {
        threads.shutdownNow();
    }

    /** SYNC, no checkpoint (everything is replayed from the journal), segments no test load rolls. */
    private static Options syncOptions(DurableIO io) {
        return Options.defaults().withDurableIO(io).withDurability(Durability.SYNC).withHashSeed(11)
                .withCheckpointTriggers(1L << 40, 1L << 40, Duration.ofHours(1));
    }

    /**
     * A power loss right after an acknowledgement keeps it: several writers, images taken while they run, each right
     * after the imaging thread's own write returned.
     */
    @Test
    void everyAcknowledgedWriteSurvivesAPowerLossTakenWhileWritersRun() throws Exception {
        Seeds.run(random -> {
            CrashSimulator sim = new CrashSimulator();
            Path dir = tmp.resolve("idx-" + random.nextInt(1 << 30));
            ConcurrentHashMap<Long, Long> acknowledged = new ConcurrentHashMap<>();
            AtomicBoolean stop = new AtomicBoolean();
            // Writers pause while an image is recovered and checked (not while it is taken): every write adds to the
            // simulator's journal, which no checkpoint trims, and a slow machine once let the writers grow it without
            // bound while the checks ran (OutOfMemoryError at -Xmx2g, seed 6287632702038608123, load average 5–10).
            AtomicBoolean checking = new AtomicBoolean();
            BucketDB db = BucketDB.open(dir, syncOptions(sim));
            try {
                CompletableFuture<?>[] writers = new CompletableFuture<?>[6];
                for (int w = 0; w < writers.length; w++) {
                    long first = 10_000_000L * (w + 1);
                    long salt = random.nextLong();
                    writers[w] = CompletableFuture.runAsync(() -> {
                        Random r = new Random(salt);
                        for (long i = 0; !stop.get(); i++) {
                            while (checking.get() && !stop.get()) {
                                LockSupport.parkNanos(100_000); // off the cores the checks need
                            }
                            long k = first + r.nextInt(4_000); // overwrites too
                            long v = i * 31 + k;
                            db.putLong(k, v);
                            acknowledged.put(k, v); // only this thread writes k: the map holds k's last acknowledged value
                        }
                    }, threads);
                }
                for (int image = 0; image < 8; image++) {
                    Thread.sleep(random.nextInt(20));
                    // This thread writes too, and takes the image right after its own acknowledgement: mostly a follower
                    // completed by another thread's group, the narrowest window there is between an ack and its force.
                    long own = -1 - image;
                    db.putLong(own, image);
                    acknowledged.put(own, (long) image);
                    Map<Long, Long> before = new HashMap<>(acknowledged); // acknowledged before the power loss
                    Path at = tmp.resolve("image-" + image);
                    CrashMode mode = random.nextBoolean() ? CrashMode.DROP_ALL : null;
                    if (mode != null) {
                        sim.writeCrashImage(dir, at, mode);
                    } else {
                        sim.writeCrashImage(dir, at, random.nextLong());
                    }
                    checking.set(true);
                    try (BucketDB recovered = BucketDB.open(at, Fixtures.imageOptions())) {
                        for (Map.Entry<Long, Long> e : before.entrySet()) {
                            long v = recovered.getLong(e.getKey(), -1);
                            // A later write of the same key may have been forced since: only its own thread wrote it.
                            assertTrue(v != -1, "image " + image + ": acknowledged key " + e.getKey() + " lost");
                            assertTrue(v == e.getValue() || e.getKey() >= 0 && isLaterWrite(v, e.getValue(), e.getKey()),
                                    "image " + image + ": key " + e.getKey() + " holds " + v + ", acknowledged " + e.getValue());
                        }
                    }
                    Fixtures.delete(at);
                    checking.set(false);
                }
                stop.set(true);
                CompletableFuture.allOf(writers).get(GUARD_SECONDS, TimeUnit.SECONDS);
            } finally {
                stop.set(true);
                db.close();
            }
        });
    }

    /** Values are {@code i * 31 + k} with a growing {@code i}: whether {@code v} was written after {@code acked}. */
    private static boolean isLaterWrite(long v, long acked, long k) {
        return (v - k) % 31 == 0 && v > acked;
    }

    /**
     * The next group reaches the journal's mapping while the previous group's force runs; neither caller is
     * acknowledged before the force that covers it; both are kept by a power loss after. On main before issue 16's
     * SYNC part the second group waited in the ring behind the force, and the wait for its copy ran into the guard.
     */

    /** Writers from several threads through growths: replay of the journal alone rebuilds exactly the live table. */
    @Test
    void replayOfTheJournalGivesTheLiveTableThroughGrowth() throws Exception {
        Seeds.run(random -> {
            CrashSimulator sim = new CrashSimulator();
            Path dir = tmp.resolve("idx-" + random.nextInt(1 << 30));
            try (BucketDB db = BucketDB.open(dir, syncOptions(sim))) {
                CompletableFuture<?>[] writers = new CompletableFuture<?>[8];
                for (int w = 0; w < writers.length; w++) {
                    long salt = random.nextLong();
                    writers[w] = CompletableFuture.runAsync(() -> {
                        Random r = new Random(salt);
                        for (int i = 0; i < 1_500; i++) {
                            long k = r.nextInt(12_000);
                            if (r.nextInt(8) == 0) {
                                db.deleteLong(k);
                            } else {
                                db.putLong(k, r.nextLong());
                            }
                        }
                    }, threads);
                }
                CompletableFuture.allOf(writers).get(GUARD_SECONDS, TimeUnit.SECONDS);
                Map<Long, Long> live = new HashMap<>();
                for (long k = 0; k < 12_000; k++) {
                    long v = db.getLong(k, Long.MIN_VALUE);
                    if (v != Long.MIN_VALUE) {
                        live.put(k, v);
                    }
                }
                Path image = tmp.resolve("image");
                sim.writeCrashImage(dir, image, CrashMode.DROP_ALL);
                try (BucketDB recovered = BucketDB.open(image, Fixtures.imageOptions())) {
                    assertTrue(recovered.recovery().markersChecked() > 0, "the load grew the table: " + recovered.recovery());
                    assertEquals(live.size(), recovered.size());
                    live.forEach((k, v) -> assertEquals(v, recovered.getLong(k, Long.MIN_VALUE), "key " + k));
                }
                Fixtures.delete(image);
            }
        });
    }
}
