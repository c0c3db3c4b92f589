package io.bucketdb.durability;

import io.bucketdb.BucketDB;
import io.bucketdb.Options;
import io.bucketdb.storage.testkit.Seeds;
import io.bucketdb.storage.sim.CrashMode;
import io.bucketdb.storage.sim.CrashSimulator;
import org.apache.commons.io.FileUtils;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.*;

/**
 * A failing disk: the Nth durable operation (write, force, allocation, rename, ...) of a workload fails, once or
 * persistently (every later data operation fails too), for N = 1, 2, ... until the workload completes without
 * meeting the failure. The failing call throws; no later write is acknowledged (they throw
 * {@link IllegalStateException} naming the failure); reads still answer; close does not hang; and a reopen on
 * real files recovers every acknowledged write. The same for a failure inside an open that replays a journal:
 * that open fails cleanly and the next one recovers.
 */
class NthFailureTest {
    static final long HASH_SEED = 0xFA11L;
    static final Duration CLOSE_LIMIT = Duration.ofSeconds(20);

    Path tmp;

    @org.junit.jupiter.api.BeforeEach
    void scratch() throws IOException {
        tmp = Fixtures.scratch("bucketdb-nth");
    }

    @org.junit.jupiter.api.AfterEach
    void deleteScratch() throws IOException {
        Fixtures.delete(tmp);
    }

    @Test
    void theNthOperationFailsOnceOrPersistently() throws Exception {
        long seed = Seeds.seed();
        int ops = Seeds.torture() ? 400 : 110;
        Seeds.run(seed, () -> {
            long total = runWorkload(seed, ops, 0, false).opsAtEnd;
            assertTrue(total > 50, "operations in the workload: " + total);
            long failures = 0;
            for (boolean persistent : new boolean[]{false, true}) {
                for (long n = 1; ; n++) {
                    Outcome o = runWorkload(seed, ops, n, persistent);
                    if (o.failure == null) {
                        assertTrue(n > total, "operation " + n + " of " + total + " failed but nobody noticed");
                        break;
                    }
                    failures++;
                }
            }
            System.out.printf("NthFailureTest: workload of %d durable operations, %d failure runs checked (seed %d)%n",
                    total, failures, seed);
        });
    }

    static final class Outcome {
        Throwable failure;
        long opsAtEnd;
    }

    private Outcome runWorkload(long seed, int ops, long n, boolean persistent) throws Exception {
        Path dir = tmp.resolve("w");
        FileUtils.deleteDirectory(dir.toFile());
        CrashSimulator sim = new CrashSimulator();
        if (n > 0) {
            sim.failOperation(n, persistent);
        }
        String where = "operation " + n + (persistent ? " failing persistently" : " failing once");
        Options opts = CrashRecoveryTest.crashOptions(sim, HASH_SEED);
        SplittableRandom rnd = new SplittableRandom(seed);
        CrashOracle oracle = new CrashOracle();
        Outcome outcome = new Outcome();
        BucketDB db = null;
        String step = "open";
        try {
            db = BucketDB.open(dir, opts);
            for (int op = 0; op < ops; op++) {
                long key = rnd.nextInt(150);
                int dice = rnd.nextInt(100);
                if (op == ops / 3) {
                    step = "checkpoint";
                    db.checkpoint();
                } else if (op == 2 * ops / 3) {
                    step = "reopen";
                    BucketDB closing = db;
                    db = null;
                    closing.close();
                    db = BucketDB.open(dir, opts);
                } else if (dice < 75) {
                    step = "put " + key;
                    long value = rnd.nextLong() & Long.MAX_VALUE;
                    oracle.begin(key, value);
                    db.putLong(key, value);
                    oracle.acknowledged();
                } else {
                    step = "delete " + key;
                    oracle.begin(key, null);
                    db.deleteLong(key);
                    oracle.acknowledged();
                }
            }
            step = "close";
            BucketDB closing = db;
            db = null;
            closing.close();
        } catch (UncheckedIOException | IOException e) {
            outcome.failure = e;
        } catch (IllegalStateException e) {
            // With the write pipeline, a checkpoint that fails after a batch (the batch's writes were forced
            // and acknowledged, correctly) surfaces on the next call as a read-only refusal naming the failure.
            if (db == null || e.getCause() == null) {
                throw e;
            }
            outcome.failure = e;
        }
        outcome.opsAtEnd = sim.operationCount();
        if (outcome.failure == null) {
            assertTrue(n == 0 || n > outcome.opsAtEnd, where + ": operation " + n + " failed silently");
            return outcome;
        }
        where += " (during " + step + ")";
        assertTrue(n > 0, "the workload failed without an injected failure: " + outcome.failure);
        assertInjected(outcome.failure, where);
        if (db != null) {
            // The failed index: nothing is acknowledged any more, reads still work.
            BucketDB failed = db;
            IllegalStateException ise = assertThrows(IllegalStateException.class, () -> failed.putLong(7, 7), where + ": put after failure");
            assertInjected(ise, where + ": put after failure names the failure");
            assertInjected(assertThrows(IllegalStateException.class, () -> failed.deleteLong(7), where + ": delete after failure"), where);
            assertInjected(assertThrows(IllegalStateException.class, failed::checkpoint, where + ": checkpoint after failure"), where);
            oracle.check(failed, where + ": reads of the failed index");
            assertTimeoutPreemptively(CLOSE_LIMIT, () -> {
                try {
                    failed.close();
                } catch (IOException expected) {
                    // closing a failed index may report the failure again
                }
            }, where + ": close after failure hangs");
        }
        try (BucketDB recovered = BucketDB.open(dir, Fixtures.realOptions())) {
            oracle.check(recovered, where + ": reopen on real files");
            Fixtures.checksumsKept(recovered, where + ": reopen on real files");
        } catch (IOException | RuntimeException e) {
            throw new AssertionError(where + ": reopen after the failure failed: " + e, e);
        }
        return outcome;
    }

    @Test
    void theNthOperationOfARecoveringOpenFails() throws Exception {
        long seed = Seeds.seed();
        Seeds.run(seed, () -> {
            // An index abandoned with a journal to replay across a growth and a checkpoint.
            Path src = tmp.resolve("src");
            Path base = tmp.resolve("base");
            CrashSimulator sim = new CrashSimulator();
            CrashOracle oracle = new CrashOracle();
            SplittableRandom rnd = new SplittableRandom(seed);
            BucketDB db = BucketDB.open(src, CrashRecoveryTest.crashOptions(sim, HASH_SEED));
            for (int op = 0; op < 400; op++) {
                long key = rnd.nextInt(300);
                if (op == 150) {
                    db.checkpoint();
                }
                if (rnd.nextInt(100) < 80) {
                    long value = rnd.nextLong() & Long.MAX_VALUE;
                    oracle.begin(key, value);
                    db.putLong(key, value);
                } else {
                    oracle.begin(key, null);
                    db.deleteLong(key);
                }
                oracle.acknowledged();
            }
            sim.writeCrashImage(src, base, CrashMode.KEEP_ALL);
            Fixtures.abandon(db);

            Path dir = tmp.resolve("open");
            FileUtils.copyDirectory(base.toFile(), dir.toFile());
            CrashSimulator counter = new CrashSimulator();
            long openOps;
            try (BucketDB opened = BucketDB.open(dir, CrashRecoveryTest.crashOptions(counter, HASH_SEED))) {
                assertTrue(opened.recovery().recordsReplayed() > 0, "the open replays a journal: " + opened.recovery());
                openOps = counter.operationCount();
            }
            long checked = 0;
            for (boolean persistent : new boolean[]{false, true}) {
                for (long n = 1; n <= openOps; n++) {
                    String where = "open failing at operation " + n + " of " + openOps + (persistent ? " persistently" : " once");
                    Fixtures.delete(dir);
                    FileUtils.copyDirectory(base.toFile(), dir.toFile());
                    CrashSimulator failing = new CrashSimulator();
                    failing.failOperation(n, persistent);
                    Exception e = assertThrows(Exception.class, () -> {
                        BucketDB o = BucketDB.open(dir, CrashRecoveryTest.crashOptions(failing, HASH_SEED));
                        Fixtures.abandon(o);
                    }, where + ": open succeeded although its operation " + n + " failed");
                    assertTrue(e instanceof IOException || e instanceof UncheckedIOException, where + ": open fails with an I/O error, got " + e);
                    assertInjected(e, where);
                    try (BucketDB recovered = BucketDB.open(dir, Fixtures.realOptions())) {
                        oracle.check(recovered, where + ": the next open");
                        Fixtures.checksumsKept(recovered, where + ": the next open");
                    } catch (IOException | RuntimeException next) {
                        throw new AssertionError(where + ": the next open failed: " + next, next);
                    }
                    checked++;
                }
            }
            System.out.printf("NthFailureTest: recovering open of %d operations, %d failing opens checked%n", openOps, checked);
        });
    }

    private static void assertInjected(Throwable t, String where) {
        for (Throwable c = t; c != null; c = c.getCause()) {
            if (String.valueOf(c.getMessage()).contains("injected failure")) {
                return;
            }
            for (Throwable s : c.getSuppressed()) {
                if (String.valueOf(s.getMessage()).contains("injected failure")) {
                    return;
                }
            }
        }
        throw new AssertionError(where + ": the exception does not name the injected failure: " + t, t);
    }
}
