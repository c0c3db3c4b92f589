package io.bucketdb.durability;

import io.bucketdb.BucketDB;
import io.bucketdb.Options;
import io.bucketdb.storage.testkit.Seeds;
import io.bucketdb.storage.sim.CrashSimulator;
import org.apache.commons.io.FileUtils;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.*;

/**
 * A power loss during recovery: a workload crashes at a random operation; each of several crash images of it
 * is opened on a new simulator that crashes after k operations of that open, for every k until the open
 * completes; crash images of that second crash are opened normally and the oracle of the first workload must
 * still hold. Workloads cross growths and checkpoints so that recovery finishes double-write batches and
 * replays growth markers.
 */
class CrashDuringRecoveryTest {
    Path tmp;

    @org.junit.jupiter.api.BeforeEach
    void scratch() throws IOException {
        tmp = Fixtures.scratch("bucketdb-recovery-crash");
    }

    @org.junit.jupiter.api.AfterEach
    void deleteScratch() throws IOException {
        Fixtures.delete(tmp);
    }

    @Test
    void aCrashAtAnyPointOfRecoveryLosesNothing() throws Exception {
        long seed = Seeds.seed();
        int workloads = Seeds.torture() ? 200 : 10;
        Seeds.run(seed, () -> {
            SplittableRandom rnd = new SplittableRandom(seed);
            long[] totals = new long[3];
            for (int w = 0; w < workloads; w++) {
                crashTwice(rnd.nextLong(), "workload " + w, totals);
            }
            System.out.printf("CrashDuringRecoveryTest: %d workloads, %d first crash images, %d recovery crash points,"
                    + " %d crash images of recovery recovered (seed %d)%n", workloads, totals[0], totals[1], totals[2], seed);
            assertTrue(totals[2] >= workloads * 10L, "recovery crash images: " + totals[2]);
        });
    }

    private void crashTwice(long seed, String name, long[] totals) throws Exception {
        SplittableRandom rnd = new SplittableRandom(seed);
        Path dir = tmp.resolve("w");
        CrashSimulator sim = new CrashSimulator();
        // Crash points spread over creation, first writes, checkpoints and growths.
        sim.crashAfter(1 + rnd.nextInt(1_500));
        Options opts = CrashRecoveryTest.crashOptions(sim, seed);
        CrashOracle oracle = new CrashOracle();
        int keyRange = 100 + rnd.nextInt(900);
        BucketDB db = null;
        try {
            db = BucketDB.open(dir, opts);
            for (int op = 0; op < 3_000; op++) {
                long key = rnd.nextInt(keyRange);
                int dice = rnd.nextInt(100);
                if (dice < 75) {
                    long value = rnd.nextLong() & Long.MAX_VALUE;
                    oracle.begin(key, value);
                    db.putLong(key, value);
                } else if (dice < 97) {
                    oracle.begin(key, null);
                    db.deleteLong(key);
                } else {
                    db.checkpoint();
                    continue;
                }
                oracle.acknowledged();
            }
        } catch (UncheckedIOException | IOException | IllegalStateException e) {
            if (!sim.crashed()) {
                throw e;
            }
        }
        String where0 = name + " (seed " + seed + ")";
        assertTrue(sim.crashed(), where0 + ": the workload ended before its crash point");
        Path first = tmp.resolve("first");
        Path rec = tmp.resolve("rec");
        Path second = tmp.resolve("second");
        for (int i = 0; i < 3; i++) {
            String kind1 = Fixtures.image(sim, dir, first, i, rnd.nextLong());
            totals[0]++;
            // How many operations does recovering this image take?
            Fixtures.delete(rec);
            FileUtils.copyDirectory(first.toFile(), rec.toFile());
            CrashSimulator counter = new CrashSimulator();
            BucketDB counted = BucketDB.open(rec, CrashRecoveryTest.crashOptions(counter, seed));
            long recoveryOps = counter.operationCount();
            String report = counted.recovery().toString();
            Fixtures.abandon(counted);
            for (long k = 0; k <= recoveryOps; k++) {
                Fixtures.delete(rec);
                FileUtils.copyDirectory(first.toFile(), rec.toFile());
                CrashSimulator sim2 = new CrashSimulator();
                sim2.crashAfter(k);
                BucketDB opened = null;
                try {
                    opened = BucketDB.open(rec, CrashRecoveryTest.crashOptions(sim2, seed));
                } catch (IOException | UncheckedIOException | IllegalStateException e) {
                    if (!sim2.crashed()) {
                        throw new AssertionError(where0 + ", " + kind1 + ": recovery failed without a crash: " + e, e);
                    }
                }
                String where1 = where0 + ", first image " + kind1 + " (recovery " + report + " takes " + recoveryOps
                        + " operations), recovery crashed after operation " + k;
                assertEquals(k < recoveryOps, sim2.crashed(), where1);
                totals[1]++;
                for (int j = 0; j < 3; j++) {
                    String kind2 = Fixtures.image(sim2, rec, second, j, rnd.nextLong());
                    Fixtures.recoverAndCheck(second, oracle, j == 1 && k % 3 == 0, where1 + ", second image " + kind2);
                    totals[2]++;
                }
                Fixtures.abandon(opened);
            }
        }
        Fixtures.abandon(db);
        for (Path p : new Path[]{dir, first, rec, second}) {
            Fixtures.delete(p);
        }
    }
}
