package io.bucketdb.durability;

import io.bucketdb.BucketDB;
import io.bucketdb.inspect.IndexInspector;
import io.bucketdb.spi.DurableFile;
import io.bucketdb.storage.ForwardingDurableFile;
import io.bucketdb.storage.ForwardingDurableIO;
import io.bucketdb.storage.IndexFileNames;
import io.bucketdb.storage.sim.CrashSimulator;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Crashes around the background thread's preparation of the next doubling (issue 16: it extends and maps the table
 * file past the allocation end before the doubling needs the space). A crash just before its extension, just after
 * it, or later, once a doubling took part of the prepared space, leaves a file that may hold an extended region no
 * header names: recovery must accept it as free space, keep every acknowledged (SYNC) write, and the recovered index
 * must verify clean. Each case is a fresh index (64 KiB chunks, so every array past 2^9 buckets needs new chunks),
 * crashed at the {@code n}-th preparation, its image taken with every unforced change kept and with every one dropped.
 */
class PreparedGrowthCrashTest {
    /** Where the crash falls relative to the chosen preparation's extension of the table file. */
    private enum Step { BEFORE_EXTENSION, AFTER_EXTENSION, AFTER_THE_DOUBLING }

    private static final int MAX_KEYS = 60_000;
    private Path tmp;

    @BeforeEach
    void scratch() throws IOException {
        tmp = Fixtures.scratch("bucketdb-prepared-growth");
    }

    @AfterEach
    void deleteScratch() throws IOException {
        Fixtures.delete(tmp);
    }

    @Test
    void aCrashAroundThePreparationOfADoublingRecoversEveryAcknowledgedWriteAndVerifies() throws Exception {
        int cases = 0;
        for (int preparation = 1; preparation <= 3; preparation++) {
            for (Step step : Step.values()) {
                String where = "crash " + step + " of the background thread's extension number " + preparation;
                if (crashAndRecover(preparation, step, 7 + preparation, where)) {
                    cases++;
                }
            }
        }
        assertEquals(9, cases, "every case met its preparation and crashed there");
    }

    /** One case; returns whether the crash came where it was meant to. */
    private boolean crashAndRecover(int preparation, Step step, long seed, String where) throws Exception {
        CrashSimulator sim = new CrashSimulator();
        AtomicInteger extensions = new AtomicInteger();
        CrashingIO io = new CrashingIO(sim, preparation, step, extensions);
        Path dir = tmp.resolve("index");
        BucketDB db = null;
        long acknowledged = 0;
        try {
            db = BucketDB.open(dir, CrashRecoveryTest.crashOptions(sim, seed).withIdleEvacuation(true).withDurableIO(io));
            boolean growthSeen = false;
            for (long k = 0; k < MAX_KEYS && !sim.crashed(); k++) {
                db.putLong(k, ~k);
                acknowledged = k + 1;
                if (step == Step.AFTER_THE_DOUBLING && extensions.get() >= preparation) {
                    // The preparation is done: crash once a doubling began after it, evacuating into its space.
                    growthSeen |= db.growth().growing();
                    if (growthSeen && db.growth().evacuated() > 0) {
                        sim.crashAfter(sim.operationCount());
                    }
                }
            }
        } catch (IOException | UncheckedIOException | IllegalStateException e) {
            if (!sim.crashed()) {
                throw new AssertionError(where + ": failed without a crash: " + e, e);
            }
        }
        boolean crashed = sim.crashed();
        if (!crashed) {
            sim.crashAfter(0);
        }
        for (int which = 0; which < 2; which++) {
            Path image = tmp.resolve("image");
            String mode = Fixtures.image(sim, dir, image, which, seed);
            String at = where + ", " + mode + " (" + acknowledged + " puts acknowledged)";
            try (BucketDB recovered = BucketDB.open(image, Fixtures.imageOptions())) {
                assertTrue(recovered.size() >= acknowledged, at + ": size " + recovered.size());
                for (long k = 0; k < acknowledged; k++) {
                    assertEquals(~k, recovered.getLong(k, 0), at + ": key " + k);
                }
            } catch (IOException | RuntimeException e) {
                throw new AssertionError(at + ": recovery failed: " + e, e);
            }
            try (IndexInspector inspector = IndexInspector.open(image)) {
                assertEquals(List.of(), inspector.verify(), at + ": structure after recovery and close");
            }
            Fixtures.delete(image);
        }
        Fixtures.abandon(db);
        Fixtures.delete(dir);
        return crashed;
    }

    /**
     * Crashes the simulator around the {@code preparation}-th extension of the table file by the background thread:
     * before it (the extension is the crashed operation) or right after it.
     */
    private static final class CrashingIO extends ForwardingDurableIO {
        private final CrashSimulator sim;
        private final int preparation;
        private final Step step;
        private final AtomicInteger extensions;

        CrashingIO(CrashSimulator sim, int preparation, Step step, AtomicInteger extensions) {
            super(sim);
            this.sim = sim;
            this.preparation = preparation;
            this.step = step;
            this.extensions = extensions;
        }

        @Override
        public DurableFile open(Path file, Mode mode) throws IOException {
            DurableFile f = super.open(file, mode);
            if (!file.getFileName().toString().equals(IndexFileNames.TABLE)) {
                return f;
            }
            return new ForwardingDurableFile(f) {
                @Override
                public void allocate(long newSize) throws IOException {
                    boolean background = Thread.currentThread().getName().equals("bucketdb-background");
                    int n = background && newSize > size() ? extensions.incrementAndGet() : 0;
                    if (n == preparation && step == Step.BEFORE_EXTENSION) {
                        sim.crashAfter(sim.operationCount());
                    }
                    super.allocate(newSize);
                    if (n == preparation && step == Step.AFTER_EXTENSION) {
                        sim.crashAfter(sim.operationCount());
                    }
                }
            };
        }
    }
}
