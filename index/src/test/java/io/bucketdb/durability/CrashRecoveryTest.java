package io.bucketdb.durability;

import io.bucketdb.BucketDB;
import io.bucketdb.Durability;
import io.bucketdb.Options;
import io.bucketdb.storage.testkit.Seeds;
import io.bucketdb.inspect.IndexInspector;
import io.bucketdb.storage.sim.CrashSimulator;
import org.apache.commons.io.FileUtils;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.*;

/**
 * Power loss at any moment: a workload of puts, overwrites and deletes that grows the table,
 * checkpoints often (tiny limits) and reopens, runs on the crash simulator until a random durable
 * operation; then many images a power loss could leave are built from that moment, each is
 * recovered on real files and checked: every acknowledged write present with its last value, the
 * write in flight either way, no phantom keys, and a sound structure after recovery.
 */
class CrashRecoveryTest {
    /** On tmpfs where there is one: 20,000 recoveries on real files spent most of this test's time in disk syncs. */
    private Path tmp;

    @BeforeEach
    void scratch() throws IOException {
        tmp = Fixtures.scratch("bucketdb-crash-recovery");
    }

    @AfterEach
    void deleteScratch() throws IOException {
        Fixtures.delete(tmp);
    }

    static Options crashOptions(CrashSimulator sim, long seed) {
        return Options.defaults()
                .withDurableIO(sim)
                .withDurability(Durability.SYNC)
                .withHashSeed(seed)
                .withChunking(16, 16)
                .withJournalSegmentSize(64 * 1024).withJournalBufferSize(64 * 1024)
                .withPrivateMemoryLimit(0) // every checkpoint releases the pages it wrote back: that path is under test too
                .withCheckpointTriggers(48 * 1024, 48 * 1024, Duration.ofHours(1))
                // One deterministic order of durable operations for the tests that enumerate failure points;
                // this test's own workloads run checkpoints in the background (see runWorkload). Idle evacuation
                // would add steps (and the checkpoints they trigger) wherever a life pauses; IdleEvacuationCrashTest
                // covers it.
                .withCheckpointsInBackground(false)
                .withIdleEvacuation(false);
    }

    @Test
    void everyAcknowledgedWriteSurvivesPowerLossAtAnyPoint() throws Exception {
        String one = System.getProperty("bucketdb.crash.workload");
        if (one != null) {
            // Rerun a single failing workload, as printed in a failure message.
            crashAndRecover(Long.decode(one), 100, "workload " + one);
            return;
        }
        long seed = Seeds.seed();
        int workloads = Seeds.torture() ? 2_000 : 200;
        int imagesPerCrash = 100;
        Seeds.run(seed, () -> {
            SplittableRandom rnd = new SplittableRandom(seed);
            long states = 0;
            for (int w = 0; w < workloads; w++) {
                states += crashAndRecover(rnd.nextLong(), imagesPerCrash, "workload " + w);
            }
            assertTrue(states >= (Seeds.torture() ? 200_000 : 20_000), "crash states checked: " + states);
        });
    }

    /** Runs one workload to a random crash point and checks {@code images} crash images; returns how many. */
    private int crashAndRecover(long seed, int images, String name) throws Exception {
        SplittableRandom rnd = new SplittableRandom(seed);
        Path dir = tmp.resolve("w");
        CrashSimulator sim = new CrashSimulator();
        sim.crashAfter(1 + rnd.nextInt(2_500));
        Options opts = crashOptions(sim, seed).withCheckpointsInBackground(true);
        CrashOracle oracle = new CrashOracle();
        int keyRange = 50 + rnd.nextInt(1500);
        BucketDB db = null;
        try {
            db = BucketDB.open(dir, opts);
            for (int op = 0; op < 4_000; op++) {
                long key = rnd.nextInt(keyRange);
                int dice = rnd.nextInt(100);
                if (dice < 70) {
                    long value = rnd.nextLong() & Long.MAX_VALUE;
                    oracle.begin(key, value);
                    db.putLong(key, value);
                } else if (dice < 95) {
                    oracle.begin(key, null);
                    db.deleteLong(key);
                } else if (dice < 98) {
                    db.checkpoint();
                    continue;
                } else {
                    db.close();
                    db = BucketDB.open(dir, opts);
                    continue;
                }
                oracle.acknowledged();
            }
        } catch (UncheckedIOException | IOException | IllegalStateException e) {
            if (!sim.crashed()) {
                throw e;
            }
        }
        // The process "dies" here: the open index is abandoned, its files are what the simulator says.
        for (int i = 0; i < images; i++) {
            Path image = tmp.resolve("img");
            long imageSeed = rnd.nextLong();
            sim.writeCrashImage(dir, image, imageSeed);
            String where = name + " (seed " + seed + ") image " + i + " (image seed " + imageSeed + ")";
            // A fresh simulator adopts the image as durable and records forces instead of doing them.
            try (BucketDB recovered = BucketDB.open(image, Options.defaults().withDurability(Durability.ASYNC)
                    .withDurableIO(new CrashSimulator()))) {
                oracle.check(recovered, where);
                Fixtures.checksumsKept(recovered, where);
            } catch (IOException | RuntimeException e) {
                throw new AssertionError(where + ": recovery failed: " + e, e);
            }
            if (i % 25 == 0) {
                try (IndexInspector inspector = IndexInspector.open(image)) {
                    assertEquals(java.util.List.of(), inspector.verify(), where + ": structure and page checksums after recovery and close");
                }
            }
            FileUtils.deleteDirectory(image.toFile());
        }
        if (sim.crashed()) {
            Fixtures.abandon(db); // after the images: stops its timer and background threads, which leaked before
        } else if (db != null) {
            db.close();
        }
        FileUtils.deleteDirectory(dir.toFile());
        return images;
    }
}
