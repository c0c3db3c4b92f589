package io.bucketdb.durability;

import io.bucketdb.BucketDB;
import io.bucketdb.BulkLoad;
import io.bucketdb.pipeline.BulkFlush;
import io.bucketdb.storage.sim.CrashSimulator;
import io.bucketdb.storage.testkit.Seeds;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * A bulk load cut by a power loss at every durable operation (each journal write, force and segment roll of
 * every group, and the checkpoints between groups): {@link BulkLoad}'s promise is that recovery holds every
 * entry of the flushes acknowledged before the crash and a <em>prefix</em> of the entries of the one in flight,
 * in order, with a key repeated in the flush holding the value of the last entry of that prefix. The workload
 * (SYNC, the crash options: 64 KiB segments and checkpoints every 48 KiB of journal) mixes single puts, small
 * flushes, flushes of several groups with repeated keys, and {@code putAllLong} from the caller's arrays.
 * {@code -Dbucketdb.torture=true} runs more workloads.
 */
class BulkLoadCrashTest {
    private Path tmp;

    @BeforeEach
    void scratch() throws IOException {
        tmp = Fixtures.scratch("bucketdb-bulk-crash");
    }

    @AfterEach
    void deleteScratch() throws IOException {
        Fixtures.delete(tmp);
    }

    @Test
    void aCrashAtAnyOperationOfABulkLoadLeavesThePrefixOfWhatWasWritten() throws Exception {
        long seed = Seeds.seed();
        int workloads = Seeds.torture() ? 8 : 1;
        Seeds.run(seed, () -> {
            SplittableRandom rnd = new SplittableRandom(seed);
            long states = 0;
            for (int w = 0; w < workloads; w++) {
                long workSeed = rnd.nextLong();
                long total = run(workSeed, Long.MAX_VALUE, "count").opsAtEnd;
                for (long n = 1; n <= total; n++) {
                    states += run(workSeed, n, "workload " + w + " (seed " + workSeed + "), crash after operation " + n
                            + " of " + total).states;
                }
            }
            System.out.printf("BulkLoadCrashTest: %d workloads, %d crash states checked (seed %d)%n", workloads, states, seed);
            assertTrue(states >= 100, "crash states: " + states);
        });
    }

    private record Outcome(long opsAtEnd, int states) {
    }

    /** The entries written in order; {@link #acked} of them acknowledged, {@link #attempted} handed to the index. */
    private static final class PrefixOracle {
        final List<long[]> log = new ArrayList<>();
        final Set<Long> touched = new HashSet<>();
        int acked;
        int attempted;

        void attempt(long[] keys, long[] values, int from, int to) {
            for (int i = from; i < to; i++) {
                log.add(new long[]{keys[i], values[i]});
                touched.add(keys[i]);
            }
            attempted = log.size();
        }

        void acknowledged() {
            acked = attempted;
        }

        /** Checks that {@code db} holds the state after some prefix of the log between acked and attempted. */
        void check(BucketDB db, String where) {
            Map<Long, Long> expected = new HashMap<>();
            for (int i = 0; i < acked; i++) {
                expected.put(log.get(i)[0], log.get(i)[1]);
            }
            Map<Long, Long> got = new HashMap<>();
            for (long k : touched) {
                long v = db.getLong(k, Long.MIN_VALUE);
                if (v != Long.MIN_VALUE) {
                    got.put(k, v);
                }
            }
            assertEquals(got.size(), db.size(), where + ": size counts exactly the keys written (no phantoms)");
            int mismatches = 0;
            for (long k : touched) {
                mismatches += java.util.Objects.equals(expected.get(k), got.get(k)) ? 0 : 1;
            }
            for (int k = acked; ; k++) {
                if (mismatches == 0) {
                    return;
                }
                if (k == attempted) {
                    break;
                }
                long key = log.get(k)[0];
                boolean before = java.util.Objects.equals(expected.get(key), got.get(key));
                expected.put(key, log.get(k)[1]);
                boolean after = java.util.Objects.equals(expected.get(key), got.get(key));
                mismatches += (before ? 1 : 0) - (after ? 1 : 0);
            }
            fail(where + ": the recovered index is no prefix of the entries: " + acked + " acknowledged, " + attempted
                    + " written, " + got.size() + " keys present");
        }
    }

    private Outcome run(long workSeed, long crashAfter, String where) throws IOException {
        Path dir = tmp.resolve("idx");
        Fixtures.delete(dir);
        CrashSimulator sim = new CrashSimulator(workSeed);
        sim.crashAfter(crashAfter);
        SplittableRandom rnd = new SplittableRandom(workSeed);
        PrefixOracle oracle = new PrefixOracle();
        BucketDB db = null;
        try {
            db = BucketDB.open(dir, CrashRecoveryTest.crashOptions(sim, workSeed));
            workload(db, oracle, rnd);
        } catch (IOException | UncheckedIOException | IllegalStateException e) {
            if (!sim.crashed()) {
                throw e;
            }
        }
        long ops = sim.operationCount();
        Fixtures.abandon(db);
        if (crashAfter == Long.MAX_VALUE) {
            Fixtures.delete(dir);
            return new Outcome(ops, 0);
        }
        int states = 0;
        Path image = tmp.resolve("image");
        for (int which : new int[]{0, 2}) { // KEEP_ALL (cut right there) and a seeded image (unforced writes kept, dropped or torn)
            String kind = Fixtures.image(sim, dir, image, which, rnd.nextLong());
            String at = where + ", " + kind;
            try (BucketDB recovered = BucketDB.open(image, Fixtures.imageOptions())) {
                oracle.check(recovered, at + " (recovery " + recovered.recovery() + ")");
            } catch (IOException | RuntimeException e) {
                throw new AssertionError(at + ": recovery failed: " + e, e);
            }
            states++;
        }
        Fixtures.delete(image);
        Fixtures.delete(dir);
        return new Outcome(ops, states);
    }

    /** Single puts, a small flush, a flush of two groups and a bit with repeated keys, a putAllLong of a group and one. */
    private static void workload(BucketDB db, PrefixOracle oracle, SplittableRandom rnd) {
        int keyRange = 3_000;
        try (BulkLoad load = db.bulkLoad(3 * BulkFlush.GROUP)) {
            int[] sizes = {5, 2 * BulkFlush.GROUP + 300, 1};
            for (int size : sizes) {
                long[] keys = new long[size];
                long[] values = new long[size];
                for (int i = 0; i < size; i++) {
                    keys[i] = rnd.nextInt(keyRange);
                    values[i] = rnd.nextLong() & Long.MAX_VALUE;
                }
                long single = rnd.nextInt(keyRange);
                long singleValue = rnd.nextLong() & Long.MAX_VALUE;
                oracle.attempt(new long[]{single}, new long[]{singleValue}, 0, 1);
                db.putLong(single, singleValue);
                oracle.acknowledged();
                oracle.attempt(keys, values, 0, size);
                for (int i = 0; i < size; i++) {
                    load.putLong(keys[i], values[i]);
                }
                load.flush();
                oracle.acknowledged();
            }
            int size = BulkFlush.GROUP + 1;
            long[] keys = new long[size + 3];
            long[] values = new long[size + 3];
            for (int i = 0; i < keys.length; i++) {
                keys[i] = rnd.nextInt(keyRange);
                values[i] = rnd.nextLong() & Long.MAX_VALUE;
            }
            oracle.attempt(keys, values, 2, 2 + size);
            load.putAllLong(keys, values, 2, 2 + size);
            oracle.acknowledged();
        }
    }
}
