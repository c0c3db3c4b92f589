package io.bucketdb.durability;

import io.bucketdb.BucketDB;
import io.bucketdb.Durability;
import io.bucketdb.Options;
import io.bucketdb.storage.testkit.Seeds;
import io.bucketdb.engine.StagedIndex;
import io.bucketdb.WriteBatch;
import io.bucketdb.storage.sim.CrashSimulator;
import io.bucketdb.storage.sim.Fault;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.*;

/**
 * A full disk under the crash simulator's space limit, against a real index: a load of puts, deletes and
 * {@link WriteBatch}es that grows the table runs out of space at a random point (a short journal write, a
 * partly extended segment or table file, a checkpoint that cannot write). The failing write reports an error
 * caused by the {@code IOException} "No space left on device"; after space is freed, a reopen in the same boot
 * (the bytes of failed writes still in the page cache) holds every acknowledged write, takes new writes, and
 * a power loss after that loses none of them either.
 */
class SimulatedFaultsTest {
    static final long HASH_SEED = 0x5FACEL;

    Path tmp;

    @BeforeEach
    void scratch() throws IOException {
        tmp = Fixtures.scratch("bucketdb-faults");
    }

    @AfterEach
    void deleteScratch() throws IOException {
        Fixtures.delete(tmp);
    }

    @Test
    void everyAcknowledgedWriteSurvivesAFullDiskAndAPowerLossAfterSpaceIsFreed() throws Exception {
        long seed = Seeds.seed();
        int runs = Seeds.torture() ? 200 : 12;
        Seeds.run(seed, () -> {
            SplittableRandom seeds = new SplittableRandom(seed);
            int failed = 0;
            for (int run = 0; run < runs; run++) {
                failed += fillFreeAndCrash(seeds.nextLong(), "run " + run) ? 1 : 0;
            }
            System.out.printf("SimulatedFaultsTest: %d runs, the disk filled up in %d, each checked after a reopen and 4 "
                    + "crash images (seed %d)%n", runs, failed, seed);
            assertTrue(failed >= runs / 2, "the disk filled up in only " + failed + " of " + runs + " runs");
        });
    }

    /** Returns whether the disk filled up before the load ended. */
    private boolean fillFreeAndCrash(long seed, String name) throws Exception {
        String where = name + " (seed " + seed + ")";
        SplittableRandom rnd = new SplittableRandom(seed);
        Path dir = tmp.resolve("idx");
        Fixtures.delete(dir);
        CrashSimulator sim = new CrashSimulator(seed);
        Options opts = CrashRecoveryTest.crashOptions(sim, HASH_SEED);
        Model model = new Model();
        int keyRange = 2_000 + rnd.nextInt(6_000);
        BucketDB db = BucketDB.open(dir, opts);
        boolean filled = false;
        try {
            load(db, model, rnd, keyRange, 300);
            sim.limitSpace(sim.spaceUsed() + rnd.nextLong(192 * 1024));
            try {
                load(db, model, rnd, keyRange, 6_000);
            } catch (RuntimeException e) {
                filled = true;
                assertTrue(causedByNoSpace(e), where + ": the failed write names the full disk: " + e);
            }
            // A power loss while the disk is full.
            Path image = tmp.resolve("image");
            String kind = Fixtures.image(sim, dir, image, 2, rnd.nextLong());
            try (BucketDB recovered = BucketDB.open(image, Fixtures.imageOptions())) {
                model.check(recovered, where + ": " + kind + " while the disk was full");
            }
            Fixtures.delete(image);
        } finally {
            Fixtures.abandon(db);
        }
        sim.unlimitSpace();

        // Space is back; the same boot (the same simulator) reopens and must hold every acknowledged write.
        try (BucketDB reopened = BucketDB.open(dir, opts)) {
            model.check(reopened, where + ": reopened after space was freed");
            model.settle(reopened);
            BucketDB writing = reopened;
            load(writing, model, rnd, keyRange, 200);
            model.check(writing, where + ": after more writes");
            // A power loss now, without close: nothing acknowledged before or after the full disk may be lost.
            for (int i = 0; i < 3; i++) { // KEEP_ALL, DROP_ALL, seeded
                Path image = tmp.resolve("image");
                String kind = Fixtures.image(sim, dir, image, i, rnd.nextLong());
                try (BucketDB recovered = BucketDB.open(image, Fixtures.imageOptions())) {
                    model.check(recovered, where + ": " + kind + " after space was freed");
                }
                Fixtures.delete(image);
            }
            sim.crashAfter(sim.operationCount()); // the process dies: close must not write
        } catch (IOException | RuntimeException e) {
            if (!sim.crashed()) {
                throw new AssertionError(where + ": " + e, e);
            }
        }
        return filled;
    }

    /**
     * The compaction swap ({@link StagedIndex}) on the crash simulator: a power loss at every operation from
     * the end of the build through the commit, and at a few random ones of the build, leaves an index under
     * the target's name (after the next writing open finishes an interrupted swap) that is the old one or the
     * new one, entirely; and that open leaves no staging directory (it removes a crashed build's). Directory renames and creations count only once their parent is synced.
     */
    @Test
    void aPowerLossDuringACompactionSwapLeavesTheOldOrTheNewIndex() throws Exception {
        long seed = Seeds.seed();
        Seeds.run(seed, () -> {
            SplittableRandom rnd = new SplittableRandom(seed);
            CrashSimulator counter = new CrashSimulator();
            long[] phases = swap(freshSource("count"), counter);
            assertFalse(counter.crashed());
            List<Long> points = new ArrayList<>();
            for (long n = phases[0]; n <= phases[1]; n++) {
                points.add(n);
            }
            for (int i = 0; i < 4; i++) {
                points.add(1 + rnd.nextLong(phases[0]));
            }
            int images = 0;
            for (long n : points) {
                Path parent = freshSource("crash-" + n);
                CrashSimulator sim = new CrashSimulator();
                sim.crashAfter(n);
                try {
                    swap(parent, sim);
                } catch (IOException | RuntimeException e) {
                    if (!sim.crashed()) {
                        throw new AssertionError("crash point " + n + ": " + e, e);
                    }
                }
                // A crash inside the commit gets more seeded images: what breaks the swap is a particular mix of
                // kept and lost directory operations (a kept rename of DIR with a lost creation of NEW).
                int imageCount = n > phases[0] ? 16 : 4;
                for (int which = 0; which < imageCount; which++) {
                    Path image = tmp.resolve("swap-image");
                    String kind = Fixtures.image(sim, parent, image, which, rnd.nextLong());
                    String where = "crash after operation " + n + " of " + phases[1] + ", " + kind;
                    try (BucketDB db = BucketDB.open(image.resolve("idx"), Fixtures.realOptions().withCreateIfMissing(false))) {
                        long offset = db.getLong(0, -1);
                        assertTrue(offset == 0 || offset == 1, where + ": key 0 holds " + offset);
                        assertEquals(SWAP_KEYS, db.size(), where);
                        for (long k = 0; k < SWAP_KEYS; k++) {
                            assertEquals(k + offset, db.getLong(k, -1), where + ": key " + k + " of the " + (offset == 0 ? "old" : "new") + " index");
                        }
                    } catch (IOException e) {
                        throw new AssertionError(where + ": " + e, e);
                    }
                    // The writing open either finished the swap (renaming NEW into place) or removed a partial build's NEW.
                    assertFalse(Files.exists(StagedIndex.staging(image.resolve("idx"))), where + ": a staging directory is left");
                    Fixtures.delete(image);
                    images++;
                }
                Fixtures.delete(parent);
            }
            System.out.printf("SimulatedFaultsTest: compaction swap of %d operations, %d crash points, %d images checked%n",
                    phases[1], points.size(), images);
        });
    }

    /**
     * A failing disk at every operation of a compaction swap (EIO there once, or ENOSPC from there on; directory syncs
     * included), then the same boot opens the index for writing, writes, and loses power: the index under the target's
     * name opens every time, old or new entirely, and keeps the write. A failed sync of the parent after the first
     * rename (the index moved aside) used to end in the staged index being deleted as an unfinished build, leaving no
     * index under the name until the user renamed the old one back by hand.
     */
    @Test
    void aFaultAtAnyOperationOfACompactionSwapLeavesAnIndexThatOpens() throws Exception {
        CrashSimulator counter = new CrashSimulator();
        long[] phases = swap(freshSource("count"), counter);
        long total = phases[1];
        List<String> failures = new ArrayList<>();
        for (Fault fault : Fault.values()) {
            // Every operation of the begin and the commit; of the build between (an index's own life, which other
            // tests fail at every operation), every seventh.
            for (long n = 1; n <= total; n += n < 24 || n >= phases[0] - 8 ? 1 : 7) {
                String where = fault + (fault == Fault.ENOSPC ? " from" : " at") + " operation " + n + " of " + total;
                Path parent = freshSource("fault-" + n);
                CrashSimulator sim = new CrashSimulator(n);
                boolean persistent = fault == Fault.ENOSPC;
                long at = n;
                sim.failWhen(op -> op.index() == at || (persistent && op.index() > at && op.kind().touchesFileData()), fault);
                try {
                    swap(parent, sim);
                } catch (IOException | RuntimeException e) {
                    where += " (the swap threw " + e.getMessage() + ")";
                }
                sim.clearFailures();
                try {
                    try (BucketDB db = BucketDB.open(parent.resolve("idx"), Fixtures.realOptions().withDurability(Durability.SYNC).withDurableIO(sim))) {
                        checkSwapped(db, where + ", reopened in the same boot");
                        db.putLong(SWAP_KEYS, 7);
                        Path image = tmp.resolve("swap-image");
                        String kind = Fixtures.image(sim, parent, image, 1 + (int) (n % 2), n);
                        try (BucketDB recovered = BucketDB.open(image.resolve("idx"), Fixtures.imageOptions().withCreateIfMissing(false))) {
                            assertEquals(7, recovered.getLong(SWAP_KEYS, -1), where + ", then a power loss, " + kind);
                            checkSwapped(recovered, where + ", then a power loss, " + kind);
                        }
                        Fixtures.delete(image);
                    }
                } catch (IOException | RuntimeException | AssertionError e) {
                    failures.add(where + ": " + e);
                }
                Fixtures.delete(parent);
            }
        }
        assertEquals(List.of(), failures.subList(0, Math.min(8, failures.size())), failures.size() + " failures");
    }

    /** Keys 0..SWAP_KEYS-1 all of the old index (key to itself) or all of the new one (key to itself plus one). */
    private static void checkSwapped(BucketDB db, String where) {
        long offset = db.getLong(0, -1);
        assertTrue(offset == 0 || offset == 1, where + ": key 0 holds " + offset);
        for (long k = 0; k < SWAP_KEYS; k++) {
            assertEquals(k + offset, db.getLong(k, -1), where + ": key " + k + " of the " + (offset == 0 ? "old" : "new") + " index");
        }
    }

    private static final long SWAP_KEYS = 300;

    /** A parent directory holding {@code idx}, an index of keys 0..SWAP_KEYS-1 mapped to themselves, on real files. */
    private Path freshSource(String name) throws IOException {
        Path parent = tmp.resolve(name);
        try (BucketDB db = BucketDB.open(parent.resolve("idx"), Fixtures.realOptions().withChunking(16, 16))) {
            for (long k = 0; k < SWAP_KEYS; k++) {
                db.putLong(k, k);
            }
        }
        return parent;
    }

    /** Compacts {@code parent/idx} in place through {@code sim}, each value plus one; returns the operation counts before the commit and at the end. */
    private static long[] swap(Path parent, CrashSimulator sim) throws IOException {
        Path dir = parent.resolve("idx");
        Options opts = CrashRecoveryTest.crashOptions(sim, HASH_SEED);
        long beforeCommit;
        try (StagedIndex staged = StagedIndex.begin(dir, dir, sim)) {
            try (BucketDB src = staged.openSource(opts); BucketDB dst = staged.create(opts.withExpectedEntries(src.size()))) {
                for (long k = 0; k < SWAP_KEYS; k++) {
                    dst.putLong(k, src.getLong(k, -1) + 1);
                }
            }
            beforeCommit = sim.operationCount();
            staged.commit();
        }
        return new long[] {beforeCommit, sim.operationCount()};
    }

    /** {@code ops} acknowledged puts, deletes and batches (1 to 40 operations), recorded in {@code model}. */
    private static void load(BucketDB db, Model model, SplittableRandom rnd, int keyRange, int ops) {
        for (int op = 0; op < ops; op++) {
            int dice = rnd.nextInt(100);
            List<long[]> batch = new ArrayList<>();
            int size = dice < 25 ? 1 + rnd.nextInt(40) : 1;
            for (int i = 0; i < size; i++) {
                long key = rnd.nextInt(keyRange);
                boolean delete = rnd.nextInt(100) < 15;
                batch.add(delete ? new long[] {key} : new long[] {key, rnd.nextLong() & Long.MAX_VALUE});
            }
            model.inFlight(batch);
            if (dice < 25) {
                WriteBatch wb = new WriteBatch();
                for (long[] o : batch) {
                    if (o.length == 1) {
                        wb.deleteLong(o[0]);
                    } else {
                        wb.putLong(o[0], o[1]);
                    }
                }
                db.write(wb);
            } else if (batch.getFirst().length == 1) {
                db.deleteLong(batch.getFirst()[0]);
            } else {
                db.putLong(batch.getFirst()[0], batch.getFirst()[1]);
            }
            model.acknowledged();
        }
    }

    private static boolean causedByNoSpace(Throwable t) {
        for (Throwable c = t; c != null; c = c.getCause()) {
            if (c instanceof IOException && String.valueOf(c.getMessage()).contains("No space left on device")) {
                return true;
            }
            for (Throwable s : c.getSuppressed()) {
                if (causedByNoSpace(s)) {
                    return true;
                }
            }
        }
        return false;
    }

    /**
     * What must hold: every acknowledged write, and the one write in flight at the failure (a put, delete or
     * whole batch) applied entirely or not at all, the same way in every later check once settled.
     */
    private static final class Model {
        private final Map<Long, Long> acked = new HashMap<>();
        private final Set<Long> touched = new HashSet<>();
        private List<long[]> inFlight = List.of();

        void inFlight(List<long[]> ops) {
            inFlight = ops;
            ops.forEach(o -> touched.add(o[0]));
        }

        void acknowledged() {
            apply(acked, inFlight);
            inFlight = List.of();
        }

        /** After a check, the in-flight write's outcome is known: take the one the index shows. */
        void settle(BucketDB db) {
            Map<Long, Long> with = new HashMap<>(acked);
            apply(with, inFlight);
            if (!inFlight.isEmpty() && matches(db, with) == null) {
                acked.clear();
                acked.putAll(with);
            }
            inFlight = List.of();
        }

        void check(BucketDB db, String where) {
            Map<Long, Long> with = new HashMap<>(acked);
            apply(with, inFlight);
            String without = matches(db, acked);
            if (without != null && (inFlight.isEmpty() || matches(db, with) != null)) {
                fail(where + ": " + without + (inFlight.isEmpty() ? "" : " (nor does it hold the write in flight, "
                        + inFlight.size() + " operations, entirely: " + matches(db, with) + ")"));
            }
        }

        /** Null if {@code db} holds exactly {@code expected} on every key ever touched, else the first difference. */
        private String matches(BucketDB db, Map<Long, Long> expected) {
            long present = 0;
            for (long key : touched) {
                long got = db.getLong(key, Long.MIN_VALUE);
                Long value = expected.get(key);
                long exp = value == null ? Long.MIN_VALUE : value;
                if (got != exp) {
                    return "key " + key + " holds " + got + ", expected " + exp;
                }
                present += got == Long.MIN_VALUE ? 0 : 1;
            }
            return present == db.size() ? null : "size " + db.size() + ", expected " + present + " (phantoms)";
        }

        private static void apply(Map<Long, Long> state, List<long[]> ops) {
            for (long[] o : ops) {
                if (o.length == 1) {
                    state.remove(o[0]);
                } else {
                    state.put(o[0], o[1]);
                }
            }
        }
    }
}
