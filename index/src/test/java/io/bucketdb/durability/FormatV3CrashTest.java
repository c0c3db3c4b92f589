package io.bucketdb.durability;

import io.bucketdb.BucketDB;
import io.bucketdb.inspect.IndexInspector;
import io.bucketdb.storage.sim.CrashSimulator;
import io.bucketdb.storage.testkit.Seeds;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.SplittableRandom;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Power loss while a format-version-3 index (buckets ending with their overflow reference, issue 19) finishes the
 * doubling it was closed in and grows again: the test resource {@code table/format-v3/growing} (made by the code of
 * commit {@code d4f4aac}) is written to under the crash simulator, crashed after operation n for n spread over the
 * whole workload (every n under {@code -Dbucketdb.torture=true}), and every crash image must recover every
 * acknowledged write, keep the old layout (version 3) and pass {@code verify}.
 */
class FormatV3CrashTest {
    private static final long MIX = 0x9E3779B97F4A7C15L;
    /** The fixture's keys: {@code k * MIX -> ~k} for k below this. */
    private static final int FIXTURE_KEYS = 224;

    private Path tmp;

    @BeforeEach
    void scratch() throws IOException {
        tmp = Fixtures.scratch("bucketdb-v3-crash");
    }

    @AfterEach
    void deleteScratch() throws IOException {
        Fixtures.delete(tmp);
    }

    @Test
    void aVersion3IndexGrowingUnderPowerLossRecoversEveryAcknowledgedWrite() throws Exception {
        long seed = Seeds.seed();
        Seeds.run(seed, () -> {
            long total = run(seed, Long.MAX_VALUE, 0, "count");
            assertTrue(total > 100, "durable operations in the workload: " + total);
            int points = Seeds.torture() ? (int) total - 1 : 40;
            SplittableRandom rnd = new SplittableRandom(seed);
            long states = 0;
            for (int p = 0; p < points; p++) {
                long n = Seeds.torture() ? p + 1 : 1 + (total * p) / points + rnd.nextLong(Math.max(1, total / points));
                n = Math.min(n, total - 1); // after the last operation nothing is left to crash
                states += run(seed, n, rnd.nextLong(), "crash after operation " + n + " of " + total + " (seed " + seed + ")");
            }
            System.out.printf("FormatV3CrashTest: %d crash points, %d images checked (seed %d)%n", points, states, seed);
        });
    }

    /**
     * Copies the fixture, runs the workload crashing after operation {@code n}, and checks two crash images; returns
     * the images checked, or the operation count of a workload that did not crash.
     */
    private long run(long seed, long n, long imageSeed, String where) throws IOException, URISyntaxException {
        Path dir = tmp.resolve("idx");
        Fixtures.delete(dir);
        copyFixture(dir);
        CrashSimulator sim = new CrashSimulator(seed);
        if (n != Long.MAX_VALUE) {
            sim.crashAfter(n);
        }
        CrashOracle oracle = new CrashOracle();
        for (long k = 0; k < FIXTURE_KEYS; k++) {
            oracle.begin(k * MIX, ~k);
            oracle.acknowledged();
        }
        SplittableRandom rnd = new SplittableRandom(seed);
        BucketDB db = null;
        try {
            db = BucketDB.open(dir, CrashRecoveryTest.crashOptions(sim, seed));
            // Up to 2.5x the fixture's keys: the doubling from B=5 finishes, and the next one (B=6 to 7) starts.
            for (int op = 0; op < 400; op++) {
                long key = rnd.nextInt(FIXTURE_KEYS * 5 / 2) * MIX;
                if (rnd.nextInt(10) < 8) {
                    long value = rnd.nextLong() & Long.MAX_VALUE;
                    oracle.begin(key, value);
                    db.putLong(key, value);
                } else {
                    oracle.begin(key, null);
                    db.deleteLong(key);
                }
                oracle.acknowledged();
            }
            BucketDB open = db;
            db = null;
            open.close(); // its checkpoint is under the crash points too
        } catch (UncheckedIOException | IOException | IllegalStateException e) {
            if (!sim.crashed()) {
                throw e;
            }
        }
        if (!sim.crashed()) {
            assertEquals(Long.MAX_VALUE, n, where + ": the workload ended before the crash point");
            long ops = sim.operationCount();
            Fixtures.delete(dir);
            return ops;
        }
        if (db != null) {
            Fixtures.abandon(db);
        }
        Path image = tmp.resolve("image");
        for (int which = 1; which <= 2; which++) {
            String what = where + ", " + Fixtures.image(sim, dir, image, which, imageSeed);
            Fixtures.recoverAndCheck(image, oracle, true, what);
            try (IndexInspector in = IndexInspector.open(image)) {
                assertEquals(3, in.header().formatVersion(), what + ": the file keeps format version 3");
                assertFalse(in.layout().overflowFirst(), what);
            }
        }
        Fixtures.delete(image);
        Fixtures.delete(dir);
        return 2;
    }

    private static void copyFixture(Path dir) throws IOException, URISyntaxException {
        Path src = Path.of(FormatV3CrashTest.class.getResource("/io/bucketdb/table/format-v3/growing").toURI());
        Files.createDirectories(dir);
        try (Stream<Path> files = Files.list(src)) {
            for (Path f : (Iterable<Path>) files::iterator) {
                Files.copy(f, dir.resolve(f.getFileName()));
            }
        }
    }
}
