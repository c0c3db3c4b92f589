package io.bucketdb.durability;

import io.bucketdb.BucketDB;
import io.bucketdb.Options;
import io.bucketdb.storage.testkit.Seeds;
import io.bucketdb.storage.sim.CrashSimulator;
import io.bucketdb.storage.sim.Operation;
import io.bucketdb.recovery.DoubleWriteLayout;
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

    /**
     * A power loss during a recovery in the same boot as a failed force of the double-write file: the checkpoint that
     * wrote the batch failed at that force, so the batch is complete in the page cache but not on disk, and the reopen
     * finishes it in place. A power loss at any operation of that reopen must leave an index that opens with every
     * acknowledged write. It did not while the reopen wrote the batch's pages in place straight from the page cache:
     * cut before the header, the table held the new checkpoint's pages under the old header, and no durable batch
     * was left to finish them, so replay ran over pages the journal did not describe.
     */
    @Test
    void aPowerLossInARecoveryAfterAFailedDoubleWriteForceLosesNothing() throws Exception {
        long seed = Seeds.seed();
        Seeds.run(seed, () -> {
            SplittableRandom rnd = new SplittableRandom(seed);
            Path dir = tmp.resolve("w");
            Path image = tmp.resolve("image");
            SameBoot counted = failADoubleWriteForce(dir, seed);
            long reopenOps;
            try (BucketDB reopened = BucketDB.open(dir, CrashRecoveryTest.crashOptions(counted.sim, seed))) {
                assertTrue(reopened.recovery().checkpointFinished(), "the reopen finished the batch: " + reopened.recovery());
                reopenOps = counted.sim.operationCount() - counted.failedAt;
            }
            int images = 0;
            for (long k = 0; k < reopenOps; k++) {
                SameBoot life = failADoubleWriteForce(dir, seed);
                life.sim.crashAfter(life.failedAt + k);
                BucketDB opened = null;
                try {
                    opened = BucketDB.open(dir, CrashRecoveryTest.crashOptions(life.sim, seed));
                } catch (IOException | UncheckedIOException | IllegalStateException e) {
                    assertTrue(life.sim.crashed(), "the reopen failed without a crash: " + e);
                }
                Fixtures.abandon(opened);
                for (int i = 0; i < 4; i++) {
                    String kind = Fixtures.image(life.sim, dir, image, i, rnd.nextLong());
                    Fixtures.recoverAndCheck(image, life.oracle, i == 1, "a failed force of the double-write file, then a power "
                            + "loss after operation " + k + " of " + reopenOps + " of the reopen in the same boot, " + kind);
                    images++;
                }
            }
            Fixtures.delete(dir);
            Fixtures.delete(image);
            System.out.printf("CrashDuringRecoveryTest: a same-boot recovery of %d operations after a failed double-write force, "
                    + "%d crash images recovered (seed %d)%n", reopenOps, images, seed);
        });
    }

    /** A life of the machine's boot: its simulator, the operation count when the failed index was abandoned, the oracle. */
    private record SameBoot(CrashSimulator sim, long failedAt, CrashOracle oracle) {
    }

    /** Writes and checkpoints, then a checkpoint whose force of the double-write file fails (EIO); abandons the index. */
    private static SameBoot failADoubleWriteForce(Path dir, long seed) throws IOException {
        FileUtils.deleteDirectory(dir.toFile());
        SplittableRandom rnd = new SplittableRandom(seed);
        CrashSimulator sim = new CrashSimulator();
        CrashOracle oracle = new CrashOracle();
        BucketDB db = BucketDB.open(dir, CrashRecoveryTest.crashOptions(sim, seed));
        for (int op = 0; op < 600; op++) {
            long key = rnd.nextInt(400);
            long value = rnd.nextLong() & Long.MAX_VALUE;
            oracle.begin(key, value);
            db.putLong(key, value);
            oracle.acknowledged();
        }
        sim.failWhen(op -> op.kind() == Operation.Kind.FORCE && op.path().endsWith(DoubleWriteLayout.FILE_NAME));
        assertThrows(UncheckedIOException.class, db::checkpoint, "the checkpoint's force of the double-write file fails");
        Fixtures.abandon(db);
        sim.clearFailures();
        return new SameBoot(sim, sim.operationCount(), oracle);
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
