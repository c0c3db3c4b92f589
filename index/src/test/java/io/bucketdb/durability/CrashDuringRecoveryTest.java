package io.bucketdb.durability;

import io.bucketdb.BucketDB;
import io.bucketdb.Options;
import io.bucketdb.storage.testkit.Seeds;
import io.bucketdb.storage.sim.CrashSimulator;
import io.bucketdb.storage.sim.Operation;
import org.apache.commons.io.FileUtils;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

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
     * A power loss at every operation of a reopen in the same boot as a failed force: of a journal segment (a put
     * fails), of the double-write file or of the table file (in place or its header; a checkpoint fails). The failed
     * force left bytes that only the page cache holds, and the reopen reads them: it must make what it builds on durable
     * before it relies on it, so that the index opens after the power loss with every acknowledged write.
     * <ul>
     *   <li>double-write file: the reopen finished the batch in place straight from the page cache; cut before the
     *       header, the table held the new pages under the old header with no batch on disk to finish them;</li>
     *   <li>journal: the recovery's checkpoint at the last LSN it read went in before the new segment was durable, and
     *       the journal on disk ended below it ("records up to LSN n, the checkpoint"), which no open accepts;</li>
     *   <li>table header (its third force in a checkpoint): the recovery's checkpoint overwrote the double-write batch of
     *       the header the reopen opened at, which the disk did not hold: cut before its own header, the older header
     *       described the pages no more.</li>
     * </ul>
     *
     * @param file     the name prefix of the file whose force fails
     * @param nthForce which of that file's forces fails, counted from the put that starts the failing step
     */
    @ParameterizedTest(name = "force {1} of {0}")
    @CsvSource({"journal-, 1", "doublewrite.bdb, 1", "table.bdb, 1", "table.bdb, 2", "table.bdb, 3"})
    void aPowerLossInASameBootRecoveryAfterAFailedForceLosesNothing(String file, int nthForce) throws Exception {
        long seed = Seeds.seed();
        Seeds.run(seed, () -> {
            SplittableRandom rnd = new SplittableRandom(seed);
            Path dir = tmp.resolve("w");
            Path image = tmp.resolve("image");
            SameBoot counted = failAForce(dir, seed, file, nthForce);
            long reopenOps;
            try (BucketDB reopened = BucketDB.open(dir, CrashRecoveryTest.crashOptions(counted.sim, seed))) {
                reopenOps = counted.sim.operationCount() - counted.failedAt;
            }
            int images = 0;
            for (long k = 0; k < reopenOps; k++) {
                SameBoot life = failAForce(dir, seed, file, nthForce);
                reopenCrashingAt(life, k, dir, seed);
                for (int i = 0; i < 4; i++) {
                    String kind = Fixtures.image(life.sim, dir, image, i, rnd.nextLong());
                    Fixtures.recoverAndCheck(image, life.oracle, i == 1, "force " + nthForce + " of " + file + " failed ("
                            + life.failure + "), then a power loss after operation " + k + " of " + reopenOps
                            + " of the reopen in the same boot, " + kind);
                    images++;
                }
            }
            Fixtures.delete(dir);
            Fixtures.delete(image);
            System.out.printf("CrashDuringRecoveryTest: force %d of %s failed, a same-boot recovery of %d operations, %d crash"
                    + " images recovered (seed %d)%n", nthForce, file, reopenOps, images, seed);
        });
    }

    /**
     * The same one life later: the put's journal force fails, the reopen's recovery fails at the force of the new
     * segment it starts (its checkpoint is in, the segment's header only in the page cache), and a power loss hits the
     * next reopen in the same boot at any operation. That reopen's recovery retired the header-less segment only after
     * the segment it started was durable: cut in between, the journal had a segment without a header (or without its
     * name: its creation was never synced) before a later one, which no open accepts.
     */
    @Test
    void aPowerLossInARecoveryAfterARecoveryWhoseNewSegmentFailedItsForceLosesNothing() throws Exception {
        long seed = Seeds.seed();
        Seeds.run(seed, () -> {
            SplittableRandom rnd = new SplittableRandom(seed);
            Path dir = tmp.resolve("w");
            Path image = tmp.resolve("image");
            SameBoot counted = failTwice(dir, seed);
            long reopenOps;
            try (BucketDB reopened = BucketDB.open(dir, CrashRecoveryTest.crashOptions(counted.sim, seed))) {
                reopenOps = counted.sim.operationCount() - counted.failedAt;
            }
            for (long k = 0; k < reopenOps; k++) {
                SameBoot life = failTwice(dir, seed);
                reopenCrashingAt(life, k, dir, seed);
                // Seeded images too: the segment's name is lost only where a later segment's creation is kept.
                for (int i = 0; i < 6; i++) {
                    String kind = Fixtures.image(life.sim, dir, image, i, rnd.nextLong());
                    Fixtures.recoverAndCheck(image, life.oracle, false, "a failed journal force, a reopen whose new segment"
                            + " failed its force (" + life.failure + "), then a power loss after operation " + k + " of "
                            + reopenOps + " of the next reopen in the same boot, " + kind);
                }
            }
            Fixtures.delete(dir);
            Fixtures.delete(image);
        });
    }

    /** {@link #failAForce} of the journal, then a reopen whose force of the segment its recovery starts fails. */
    private static SameBoot failTwice(Path dir, long seed) throws IOException {
        SameBoot first = failAForce(dir, seed, "journal-", 1);
        java.util.Set<Path> before;
        try (java.util.stream.Stream<Path> files = java.nio.file.Files.list(dir)) {
            before = files.map(p -> p.getFileName()).collect(java.util.stream.Collectors.toSet());
        }
        first.sim.failWhen(op -> op.kind() == Operation.Kind.FORCE && op.path().getFileName().toString().startsWith("journal-")
                && !before.contains(op.path().getFileName()));
        IOException failure = assertThrows(IOException.class, () -> BucketDB.open(dir, CrashRecoveryTest.crashOptions(first.sim, seed)),
                "the reopen's force of the segment its recovery starts fails");
        first.sim.clearFailures();
        return new SameBoot(first.sim, first.sim.operationCount(), first.oracle, failure);
    }

    /**
     * A life of the machine's boot: its simulator, the operation count when the failed index was abandoned, the oracle,
     * the failure.
     */
    private record SameBoot(CrashSimulator sim, long failedAt, CrashOracle oracle, Exception failure) {
    }

    /**
     * Puts, then a put and a checkpoint during which force {@code nth} of a file named {@code prefix}... fails (EIO);
     * abandons the failed index (no clean close).
     */
    private static SameBoot failAForce(Path dir, long seed, String prefix, int nth) throws IOException {
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
        int[] seen = {0};
        sim.failWhen(op -> op.kind() == Operation.Kind.FORCE && op.path().getFileName().toString().startsWith(prefix)
                && ++seen[0] == nth);
        Exception failure = null;
        long key = rnd.nextInt(400);
        oracle.begin(key, 7L);
        try {
            db.putLong(key, 7);
            oracle.acknowledged();
            db.checkpoint();
        } catch (UncheckedIOException | IllegalStateException e) {
            failure = e;
        }
        assertNotNull(failure, "force " + nth + " of " + prefix + " failed the put or the checkpoint");
        Fixtures.abandon(db);
        sim.clearFailures();
        return new SameBoot(sim, sim.operationCount(), oracle, failure);
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

    /** The same boot's reopen of {@code dir}, crashed at its {@code k}-th operation (or not, if it has fewer), and abandoned. */
    private static void reopenCrashingAt(SameBoot life, long k, Path dir, long seed) {
        life.sim.crashAfter(life.failedAt + k);
        BucketDB opened = null;
        try {
            opened = BucketDB.open(dir, CrashRecoveryTest.crashOptions(life.sim, seed));
        } catch (IOException | UncheckedIOException | IllegalStateException e) {
            assertTrue(life.sim.crashed(), "the reopen failed without a crash: " + e);
        }
        Fixtures.abandon(opened);
    }
}
