package io.bucketdb.durability;

import io.bucketdb.BucketDB;
import io.bucketdb.Codec;
import io.bucketdb.Durability;
import io.bucketdb.Options;
import io.bucketdb.WriteBatch;
import io.bucketdb.inspect.IndexInspector;
import io.bucketdb.spi.CorruptIndexException;
import io.bucketdb.storage.IndexFileNames;
import io.bucketdb.storage.sim.CrashMode;
import io.bucketdb.storage.sim.CrashSimulator;
import io.bucketdb.storage.sim.Operation;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The crash-chain and failure defects of issue 15, each as the exact situation that lost writes or left an
 * index that would not open; each failed before recovery ended with a checkpoint and a new journal segment.
 * {@link CrashChainTest} explores the same space at random.
 */
class CrashChainScenariosTest {
    private static final long SEED = 0x5eed_c4a1_0bb5L;
    private Path tmp;

    @BeforeEach
    void scratch() throws IOException {
        tmp = Fixtures.scratch("bucketdb-chain-scenarios");
    }

    @AfterEach
    void deleteScratch() throws IOException {
        Fixtures.delete(tmp);
    }

    /** No checkpoint but the ones recovery takes: growth spans lives. */
    private static Options noCheckpoints(CrashSimulator sim) {
        return CrashRecoveryTest.crashOptions(sim, SEED).withCheckpointTriggers(1L << 40, 1L << 40, Duration.ofHours(1));
    }

    /** Power fails now: the image of {@code dir} as {@code mode} leaves it; the index is abandoned, not closed. */
    private Path crash(CrashSimulator sim, BucketDB db, Path dir, String name, CrashMode mode) throws IOException {
        Path image = tmp.resolve(name);
        sim.crashAfter(0);
        sim.writeCrashImage(dir, image, mode);
        Fixtures.abandon(db);
        return image;
    }

    /** Defect 1: the growth steps a replay takes were never journaled, so a second crash made the open fail. */
    @Test
    void growthStepsTakenByReplaySurviveASecondCrashBeforeAnyCheckpoint() throws Exception {
        CrashSimulator sim = new CrashSimulator();
        Path dir = tmp.resolve("life1");
        // 512 buckets: a doubling takes 256 puts, so the crashes below land inside it.
        BucketDB db = BucketDB.open(dir, noCheckpoints(sim).withExpectedEntries(3_000));
        long key = 0;
        while (!db.growth().growing()) {
            db.putLong(key, key * 3);
            key++;
        }
        for (int i = 0; i < 5; i++, key++) {
            // A few evacuation steps into the doubling. The last put's markers are journaled after its force
            // (apply follows the force), so the crash loses them while keeping the put.
            db.putLong(key, key * 3);
        }
        Path life2 = crash(sim, db, dir, "life2", CrashMode.DROP_ALL);

        CrashSimulator sim2 = new CrashSimulator();
        db = BucketDB.open(life2, noCheckpoints(sim2));
        assertTrue(db.recovery().recordsReplayed() > 0, "life 2 recovered from the journal: " + db.recovery());
        assertTrue(db.growth().growing(), "life 2 is inside the doubling: " + db.growth());
        for (int i = 0; i < 100; i++, key++) {
            db.putLong(key, key * 3); // more evacuation steps, journaled after the ones replay took
        }
        Path life3 = crash(sim2, db, life2, "life3", CrashMode.DROP_ALL);

        try (BucketDB recovered = BucketDB.open(life3, Fixtures.imageOptions())) {
            assertEquals(key, recovered.size());
            for (long k = 0; k < key; k++) {
                assertEquals(k * 3, recovered.getLong(k, -1), "key " + k);
            }
        }
    }

    /**
     * Defect 2: a batch cut at a segment roll (its first part forced into the old segment, the new segment
     * holding only its header) swallowed every acknowledged write after it, or made the next open fail.
     * Every durable operation of the batch is tried as the crash point.
     */
    @Test
    void aBatchCutByACrashSwallowsNoLaterWrite() throws Exception {
        // One run without a crash: which operations does the batch take?
        long[] span = batchAcrossARoll(new CrashSimulator(), tmp.resolve("count"));
        Fixtures.delete(tmp.resolve("count"));
        assertTrue(span[1] - span[0] > 3, "the batch rolls a segment: " + span[0] + ".." + span[1]);
        int cut = 0;
        for (long k = span[0]; k < span[1]; k++) {
            CrashSimulator sim = new CrashSimulator();
            sim.crashAfter(k);
            Path dir = tmp.resolve("life1");
            try {
                batchAcrossARoll(sim, dir);
            } catch (IOException | UncheckedIOException | IllegalStateException e) {
                assertTrue(sim.crashed(), "crash point " + k + ": " + e);
            }
            Path life2 = tmp.resolve("life2");
            sim.writeCrashImage(dir, life2, CrashMode.KEEP_ALL);
            CrashSimulator sim2 = new CrashSimulator();
            BucketDB db = BucketDB.open(life2, noCheckpoints(sim2));
            cut += db.recovery().batchDropped() ? 1 : 0;
            db.putLong(-1, 11);
            db.putLong(-2, 22);
            WriteBatch after = new WriteBatch();
            after.putLong(-3, 33);
            after.putLong(-4, 44);
            db.write(after);
            Path life3 = tmp.resolve("life3");
            sim2.crashAfter(0);
            sim2.writeCrashImage(life2, life3, CrashMode.DROP_ALL);
            Fixtures.abandon(db);
            try (BucketDB recovered = BucketDB.open(life3, Fixtures.imageOptions())) {
                String where = "batch cut after operation " + k + " (" + span[0] + ".." + span[1] + ")";
                assertEquals(11, recovered.getLong(-1, -1), where);
                assertEquals(22, recovered.getLong(-2, -1), where);
                assertEquals(33, recovered.getLong(-3, -1), where);
                assertEquals(44, recovered.getLong(-4, -1), where);
                long batchKeys = recovered.containsLong(1_000_000) ? 400 : 0;
                assertEquals(1_600 + batchKeys + 4, recovered.size(), where + ": the batch all or nothing");
            }
            for (String d : new String[]{"life1", "life2", "life3"}) {
                Fixtures.delete(tmp.resolve(d));
            }
        }
        assertTrue(cut > 0, "some crash points cut the batch");
    }

    /** Fills most of a 64 KiB segment, then writes a batch that rolls into the next; returns its operations. */
    private static long[] batchAcrossARoll(CrashSimulator sim, Path dir) throws IOException {
        BucketDB db = BucketDB.open(dir, noCheckpoints(sim).withExpectedEntries(4_000));
        try {
            for (long k = 0; k < 1_600; k++) {
                db.putLong(k, k);
            }
            WriteBatch batch = new WriteBatch();
            for (long k = 0; k < 400; k++) {
                batch.putLong(1_000_000 + k, k);
            }
            long before = sim.operationCount();
            db.write(batch);
            return new long[]{before, sim.operationCount()};
        } finally {
            if (!sim.crashed()) {
                sim.crashAfter(0);
            }
            Fixtures.abandon(db);
        }
    }

    /**
     * Defect 3: a batch whose apply fails during a growth (the table cannot grow its file) is rolled back
     * through ordinary puts and deletes, which take evacuation steps; the close after the failure wrote their
     * markers, and the next open refused the journal.
     */
    @Test
    void aBatchThatFailsDuringGrowthLeavesAnIndexThatOpens() throws Exception {
        CrashSimulator sim = new CrashSimulator();
        Path dir = tmp.resolve("idx");
        // 1,024 buckets: a doubling takes 512 writes. Values out of line, so the batch needs heap space.
        Options options = noCheckpoints(sim).withExpectedEntries(6_000).withKeyWidth(8).withVariableValues(16);
        BucketDB db = BucketDB.open(dir, options);
        long key = 0;
        while (!db.growth().growing()) {
            db.put(longKey(key), value(key, 8));
            key++;
        }
        long acked = key;
        sim.failWhen(op -> op.kind() == Operation.Kind.ALLOCATE && op.path().getFileName().toString().equals(IndexFileNames.TABLE));
        WriteBatch batch = new WriteBatch();
        for (long k = 0; k < 400; k++) {
            batch.put(longKey(10_000_000 + k), value(k, 8_192)); // 3.2 MiB of heap: the file must grow
        }
        assertThrows(UncheckedIOException.class, () -> db.write(batch), "the table could not grow its file");
        assertTrue(db.growth().growing(), "the batch failed inside the doubling: " + db.growth());
        try {
            db.close();
        } catch (IOException expected) {
            // the failure is reported again at close if no call saw it
        }
        sim.clearFailures();
        // Space is back, the same boot: the files are as the close left them.
        try (BucketDB reopened = BucketDB.open(dir, options)) {
            for (long k = 0; k < acked; k++) {
                assertTrue(java.util.Arrays.equals(value(k, 8), reopened.get(longKey(k))), "key " + k);
            }
            long batchKeys = reopened.size() - acked;
            assertTrue(batchKeys == 0 || batchKeys == 400, "the failed batch is all or nothing: " + batchKeys);
        }
    }

    private static byte[] longKey(long k) {
        return java.nio.ByteBuffer.allocate(8).putLong(k).array();
    }

    private static byte[] value(long k, int length) {
        byte[] v = new byte[length];
        new Random(k).nextBytes(v);
        return v;
    }

    /**
     * Defect 4: ASYNC's periodic force ran as a task in the ring; a ring full past the publish timeout threw out
     * of the scheduled task, which cancelled every later run, and ASYNC never forced again.
     */
    @Test
    @Timeout(value = 60, unit = TimeUnit.SECONDS)
    void asyncForcesGoOnAfterTheRingWasFull() throws Exception {
        CrashSimulator sim = new CrashSimulator();
        Path dir = tmp.resolve("idx");
        Options options = noCheckpoints(sim).withDurability(Durability.ASYNC)
                .withAsyncForceInterval(Duration.ofMillis(5))
                .withPipeline(8, Duration.ofMillis(1));
        try (BucketDB db = BucketDB.open(dir, options)) {
            CountDownLatch release = new CountDownLatch(1);
            CountDownLatch holding = new CountDownLatch(1);
            var map = db.asMap(Codec.LONG, Codec.LONG);
            // Holds the writer role, so the ring fills up behind it and the timer's task is rejected.
            CompletableFuture<Long> held = CompletableFuture.supplyAsync(() -> map.compute(1L, (k, v) -> {
                holding.countDown();
                try {
                    release.await();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
                return 1L;
            }));
            holding.await();
            int published = 0;
            while (true) {
                try {
                    db.putLongAsync(100 + published, 7);
                    published++;
                } catch (java.util.concurrent.RejectedExecutionException full) {
                    break;
                }
            }
            Thread.sleep(100); // twenty timer ticks against the full ring
            release.countDown();
            held.join();
            db.putLongAsync(42, 4242).join(); // acknowledged after the journal write, forced by the timer only
            while (true) {
                Path image = tmp.resolve("image");
                Fixtures.delete(image);
                sim.writeCrashImage(dir, image, CrashMode.DROP_ALL);
                boolean durable;
                try (BucketDB seen = BucketDB.open(image, Fixtures.imageOptions())) {
                    durable = seen.getLong(42, -1) == 4242;
                }
                Fixtures.delete(image);
                if (durable) {
                    break; // the timer forced it; without the fix the test times out here
                }
                Thread.sleep(5);
            }
            assertTrue(published > 0);
        }
    }

    /**
     * Defect 7: a cleanly closed index opens for writing and reads on a full disk (no journal space is taken
     * before a write needs it); a write then fails, and once space is back nothing acknowledged is lost.
     */
    @Test
    void aCleanIndexOpensAndReadsOnAFullDisk() throws Exception {
        Path dir = tmp.resolve("idx");
        try (BucketDB db = BucketDB.open(dir, noCheckpoints(new CrashSimulator()))) {
            for (long k = 0; k < 2_000; k++) {
                db.putLong(k, k + 1);
            }
        }
        CrashSimulator sim = new CrashSimulator();
        sim.failWhen(op -> op.kind() == Operation.Kind.ALLOCATE || op.kind() == Operation.Kind.CREATE_FILE);
        BucketDB db = BucketDB.open(dir, noCheckpoints(sim)); // before: the journal segment's preallocation failed
        assertEquals(2_000, db.size());
        assertEquals(6, db.getLong(5, -1));
        assertThrows(RuntimeException.class, () -> {
            for (long k = 0; k < 100_000; k++) {
                db.putLong(10_000 + k, k); // the journal needs space sooner or later
            }
        });
        try {
            db.close();
        } catch (IOException failedClose) {
            // a failure no call saw is reported at close
        }
        sim.clearFailures();
        try (BucketDB reopened = BucketDB.open(dir, noCheckpoints(sim))) {
            for (long k = 0; k < 2_000; k++) {
                assertEquals(k + 1, reopened.getLong(k, -1), "key " + k);
            }
        }
    }

    /**
     * Defect 9: an index halted without close said "closed cleanly", so a deleted or overwritten journal was
     * taken for an empty one and the writes since the checkpoint vanished without a word.
     */
    @Test
    void aLostJournalAfterAnUncleanStopIsDamage() throws Exception {
        CrashSimulator sim = new CrashSimulator();
        Path dir = tmp.resolve("idx");
        BucketDB db = BucketDB.open(dir, noCheckpoints(sim));
        for (long k = 0; k < 5_000; k++) {
            db.putLong(k, k);
        }
        Path halted = crash(sim, db, dir, "halted", CrashMode.KEEP_ALL);
        try (IndexInspector inspector = IndexInspector.open(halted)) {
            assertFalse(inspector.header().cleanClose, "the header says the index was open for writing");
        }
        List<Path> segments;
        try (Stream<Path> files = Files.list(halted)) {
            segments = files.filter(p -> p.getFileName().toString().endsWith(".log")).toList();
        }
        assertFalse(segments.isEmpty());

        Path deleted = tmp.resolve("deleted");
        org.apache.commons.io.FileUtils.copyDirectory(halted.toFile(), deleted.toFile());
        for (Path s : segments) {
            Files.delete(deleted.resolve(s.getFileName()));
        }
        CorruptIndexException e = assertThrows(CorruptIndexException.class, () -> BucketDB.open(deleted, Fixtures.imageOptions()));
        assertTrue(e.getMessage().contains("journal"), e.getMessage());
        try (IndexInspector inspector = IndexInspector.open(deleted)) {
            assertFalse(inspector.verify().isEmpty(), "verify reports the missing journal");
        }

        Path overwritten = tmp.resolve("overwritten");
        org.apache.commons.io.FileUtils.copyDirectory(halted.toFile(), overwritten.toFile());
        Random random = new Random(SEED);
        for (Path s : segments) {
            byte[] junk = new byte[(int) Files.size(s)];
            random.nextBytes(junk);
            Files.write(overwritten.resolve(s.getFileName()), junk);
        }
        assertThrows(CorruptIndexException.class, () -> BucketDB.open(overwritten, Fixtures.imageOptions()));

        // Asked to, an open accepts the loss.
        try (BucketDB truncated = BucketDB.open(deleted, Fixtures.imageOptions().withTruncateOnDamage(true))) {
            assertTrue(truncated.size() < 5_000);
        }
        try (BucketDB intact = BucketDB.open(halted, Fixtures.imageOptions())) {
            assertEquals(5_000, intact.size());
        }
    }
}
