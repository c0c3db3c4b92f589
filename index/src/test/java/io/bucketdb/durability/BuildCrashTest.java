package io.bucketdb.durability;

import io.bucketdb.BucketDB;
import io.bucketdb.IndexBuild;
import io.bucketdb.Options;
import io.bucketdb.engine.StagedIndex;
import io.bucketdb.storage.IndexFileNames;
import io.bucketdb.storage.sim.CrashSimulator;
import io.bucketdb.storage.sim.Fault;
import io.bucketdb.storage.testkit.Seeds;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.*;

/**
 * A build of a new index ({@link IndexBuild}) on the crash simulator: a power loss after every operation of a small
 * build, from its first to its last, leaves either no index at the target or the complete one; and where it leaves
 * none, a new build of the same target succeeds (it clears what the crashed one left under the staging name), and so
 * does a writable open that creates the target instead.
 * Directory creations and renames count only once their parent is synced.
 */
class BuildCrashTest {
    private static final long KEYS = 2_000;

    Path tmp;

    @BeforeEach
    void scratch() throws IOException {
        tmp = Fixtures.scratch("bucketdb-build-crash");
    }

    @AfterEach
    void deleteScratch() throws IOException {
        Fixtures.delete(tmp);
    }

    @Test
    void aPowerLossAtEveryOperationOfABuildLeavesNoIndexOrTheCompleteOne() throws Exception {
        long seed = Seeds.seed();
        Seeds.run(seed, () -> {
            SplittableRandom rnd = new SplittableRandom(seed);
            CrashSimulator counter = new CrashSimulator();
            build(Files.createDirectories(tmp.resolve("count")), counter);
            assertFalse(counter.crashed());
            long operations = counter.operationCount();
            int none = 0;
            int complete = 0;
            for (long n = 0; n < operations; n++) {
                Path parent = Files.createDirectories(tmp.resolve("crash-" + n));
                CrashSimulator sim = new CrashSimulator();
                sim.crashAfter(n);
                try {
                    build(parent, sim);
                    fail("crash point " + n + " of " + operations + ": the build did not reach it");
                } catch (IOException | RuntimeException e) {
                    if (!sim.crashed()) {
                        throw new AssertionError("crash point " + n + ": " + e, e);
                    }
                }
                for (int which = 0; which < 4; which++) {
                    Path image = tmp.resolve("image");
                    String kind = Fixtures.image(sim, parent, image, which, rnd.nextLong());
                    String where = "crash after operation " + n + " of " + operations + ", " + kind;
                    Path dir = image.resolve("idx");
                    if (Files.exists(dir.resolve(IndexFileNames.TABLE))) {
                        assertComplete(dir, where);
                        complete++;
                    } else {
                        assertFalse(Files.exists(dir), where + ": a target without an index");
                        if (which < 2) { // the next build of the target clears what the crashed one left
                            build(image, new CrashSimulator());
                            assertComplete(dir, where + ", then built again");
                            assertFalse(Files.exists(StagedIndex.staging(dir)), where);
                        } else { // or a writable open that creates the target removes it (StagingLeftovers)
                            try (BucketDB db = BucketDB.open(dir, Fixtures.imageOptions())) {
                                assertEquals(0, db.size(), where + ": the crashed build's entries are not taken");
                            }
                            assertFalse(Files.exists(StagedIndex.staging(dir)), where + ": the crashed build's staging directory is left");
                        }
                        none++;
                    }
                    Fixtures.delete(image);
                }
                Fixtures.delete(parent);
            }
            System.out.printf("BuildCrashTest: a build of %d operations, crashed after each: %d images without an index, "
                    + "%d with the complete one%n", operations, none, complete);
            assertTrue(complete > 0 && none > 0, "both outcomes occur: " + none + " and " + complete);
        });
    }

    /**
     * A disk that fills up during a build: the commit throws an error caused by "No space left on device", leaves no
     * index at the target and no staging directory, and a build after space is freed succeeds.
     */
    @Test
    void aFullDiskFailsTheCommitAndLeavesNothing() throws Exception {
        CrashSimulator counter = new CrashSimulator();
        build(Files.createDirectories(tmp.resolve("size")), counter);
        long used = counter.spaceUsed();
        for (int quarter = 1; quarter <= 3; quarter++) {
            Path parent = Files.createDirectories(tmp.resolve("full-" + quarter));
            CrashSimulator sim = new CrashSimulator(quarter);
            sim.limitSpace(used * quarter / 4);
            Exception e = assertThrows(Exception.class, () -> build(parent, sim), "a disk of " + quarter + "/4 of " + used + " bytes");
            assertTrue(causedByFullDisk(e), "the cause is the full disk: " + e);
            Path dir = parent.resolve("idx");
            assertFalse(Files.exists(dir), "no index after a failed commit");
            assertFalse(Files.exists(StagedIndex.staging(dir)), "the staging directory is deleted");
            sim.unlimitSpace();
            build(parent, sim);
            assertComplete(dir, "built after space was freed");
        }
    }

    /**
     * An I/O error at any one operation of a build (EIO once, or a disk that stays full from there on): the commit either
     * returns with the complete index at the target, or throws and leaves neither an index at the target nor a staging
     * directory (the class comment of IndexBuild: after a failure there is no index at dir); and once the fault is gone
     * a build of the same target succeeds.
     */
    @Test
    void aFaultAtEveryOperationOfABuildLeavesNoIndexOrTheCompleteOne() throws Exception {
        CrashSimulator counter = new CrashSimulator();
        build(Files.createDirectories(tmp.resolve("count")), counter);
        long operations = counter.operationCount();
        for (Fault fault : Fault.values()) {
            int failed = 0;
            for (long n = 1; n <= operations; n++) { // operations are numbered from 1
                Path parent = Files.createDirectories(tmp.resolve("fault-" + fault + "-" + n));
                Path dir = parent.resolve("idx");
                String where = fault + " at operation " + n + " of " + operations;
                CrashSimulator sim = new CrashSimulator();
                sim.failOperation(n, fault == Fault.ENOSPC, fault);
                boolean threw = false;
                try {
                    build(parent, sim);
                } catch (IOException | RuntimeException e) {
                    threw = true;
                    failed++;
                    assertFalse(Files.exists(dir), where + ": the commit threw (" + e + ") and left an index at the target");
                    assertFalse(Files.exists(StagedIndex.staging(dir)), where + ": the staging directory is left");
                }
                sim.clearFailures();
                if (!threw) {
                    assertComplete(dir, where + ": the commit returned");
                } else {
                    build(parent, sim);
                    assertComplete(dir, where + ", then built again");
                }
                Fixtures.delete(parent);
            }
            assertTrue(failed > 0, fault + ": some commit failed");
        }
    }

    /** Once the commit returned, the index is durable: every image of a power loss right then holds all of it. */
    @Test
    void aPowerLossRightAfterTheCommitReturnedKeepsTheCompleteIndex() throws Exception {
        long seed = Seeds.seed();
        Seeds.run(seed, () -> {
            SplittableRandom rnd = new SplittableRandom(seed);
            Path parent = Files.createDirectories(tmp.resolve("returned"));
            CrashSimulator sim = new CrashSimulator();
            build(parent, sim);
            for (int which = 0; which < 8; which++) {
                Path image = tmp.resolve("image");
                String kind = Fixtures.image(sim, parent, image, which, rnd.nextLong());
                assertComplete(image.resolve("idx"), "a power loss after the commit returned, " + kind);
                Fixtures.delete(image);
            }
        });
    }

    private static boolean causedByFullDisk(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t.getMessage() != null && t.getMessage().contains("No space left on device")) {
                return true;
            }
            for (Throwable s : t.getSuppressed()) {
                if (causedByFullDisk(s)) {
                    return true;
                }
            }
        }
        return false;
    }

    private static void assertComplete(Path dir, String where) {
        try (BucketDB db = BucketDB.open(dir, Fixtures.realOptions().withCreateIfMissing(false))) {
            assertEquals(KEYS, db.size(), where);
            for (long k = 0; k < KEYS; k++) {
                assertEquals(~k, db.getLong(k * 31, -1), where + ": key " + k * 31);
            }
        } catch (IOException e) {
            throw new AssertionError(where + ": " + e, e);
        }
    }

    /** Builds {@code parent/idx}: keys {@code 31k → ~k}, the first ten given twice (first with another value). */
    private static void build(Path parent, CrashSimulator sim) throws IOException {
        Options o = CrashRecoveryTest.crashOptions(sim, SimulatedFaultsTest.HASH_SEED);
        try (IndexBuild b = BucketDB.build(parent.resolve("idx"), o)) {
            for (long k = 0; k < 10; k++) {
                b.putLong(k * 31, k);
            }
            for (long k = 0; k < KEYS; k++) {
                b.putLong(k * 31, ~k);
            }
            b.commit();
        }
    }
}
