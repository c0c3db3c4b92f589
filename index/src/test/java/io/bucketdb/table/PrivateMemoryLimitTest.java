package io.bucketdb.table;

import io.bucketdb.storage.testkit.Seeds;
import io.bucketdb.recovery.Checkpointer;
import io.bucketdb.storage.DirtyPages;
import io.bucketdb.storage.FileDurableIO;
import io.bucketdb.storage.PageSet;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.SplittableRandom;
import java.util.function.BiConsumer;
import java.util.function.LongUnaryOperator;

import static org.junit.jupiter.api.Assertions.*;

/**
 * Checkpoints release written-back pages only as far as the table's private pages exceed the
 * private memory limit, and the count of private pages stays exact: a released page is private no
 * more, a page written again after its release is private again.
 */
class PrivateMemoryLimitTest {
    private static final int KEYS = 20_000;
    private static final long PAGE = 4096;

    @TempDir
    Path tmp;

    @Test
    void limitZeroReleasesEveryWrittenBackPage() throws Exception {
        checkpointWithLimit(keep -> 0L, (r, seed) ->
                assertEquals(r.pages(), r.released(), "seed " + seed + ": nothing changed meanwhile, so every page goes"));
    }

    @Test
    void aLimitAboveThePrivatePagesReleasesNothing() throws Exception {
        checkpointWithLimit(before -> 1L << 40, (r, seed) -> assertEquals(0, r.released(), "seed " + seed));
    }

    @Test
    void aLimitBelowThePrivatePagesReleasesTheExcess() throws Exception {
        checkpointWithLimit(before -> before / 3 * PAGE, (r, seed) -> assertTrue(r.released() > 0, "seed " + seed));
    }

    /**
     * Loads a table, checkpoints it with the private memory limit {@code limitFor} gives for the private pages
     * before, checks {@code result}, and that exactly the excess over the limit (as far as the checkpoint's
     * pages go) was released and no longer counts, and that every key reads back.
     */
    private void checkpointWithLimit(LongUnaryOperator limitFor, BiConsumer<Checkpointer.Result, Long> result)
            throws Exception {
        long seed = Seeds.seed();
        try (TableFixture f = new TableFixture(tmp, seed)) {
            load(f.table, seed);
            long before = f.file.dirty().privatePages().count();
            long limit = limitFor.applyAsLong(before);
            Checkpointer.Result r = new Checkpointer(FileDurableIO.INSTANCE, tmp, limit).checkpoint(f.file, 1, false);
            assertTrue(r.pages() > 0, "seed " + seed);
            result.accept(r, seed);
            assertEquals(Math.min(r.pages(), Math.max(0, before - limit / PAGE)), r.released(), "seed " + seed);
            assertEquals(before - r.released(), f.file.dirty().privatePages().count(), "seed " + seed);
            assertEquals(0, f.file.dirty().count(), "seed " + seed);
            assertAllThere(f.table, seed);
        }
    }

    @Test
    void aPageWrittenAgainAfterItsReleaseIsPrivateAgain() throws Exception {
        long seed = Seeds.seed();
        try (TableFixture f = new TableFixture(tmp, seed)) {
            load(f.table, seed);
            Checkpointer.Checkpoint c = new Checkpointer(FileDurableIO.INSTANCE, tmp, 0).begin(f.file, 1, false);
            Checkpointer.Result r = c.run();
            assertEquals(r.pages(), r.released(), "seed " + seed);
            // Before the writer finishes the checkpoint, it changes every value: each page it touches was released.
            SplittableRandom rnd = new SplittableRandom(seed);
            for (int i = 0; i < KEYS; i++) {
                long k = rnd.nextLong();
                f.table.putLong(k, ~k);
            }
            c.finish();
            DirtyPages dirty = f.file.dirty();
            PageSet priv = dirty.privatePages();
            assertTrue(dirty.count() > 0);
            for (long p : dirty.pages()) {
                assertTrue(priv.contains(p), "seed " + seed + ": page " + p + " was written after its release");
            }
            assertEquals(dirty.count(), priv.count(), "seed " + seed + ": the released pages not written again are not counted");
            rnd = new SplittableRandom(seed);
            for (int i = 0; i < KEYS; i++) {
                long k = rnd.nextLong();
                assertEquals(~k, f.table.getLong(k, 0), "seed " + seed + ": key " + i);
            }
        }
    }

    private static void load(HashTable t, long seed) throws Exception {
        SplittableRandom rnd = new SplittableRandom(seed);
        for (int i = 0; i < KEYS; i++) {
            long k = rnd.nextLong();
            t.putLong(k, k + 1);
        }
    }

    private static void assertAllThere(HashTable t, long seed) {
        SplittableRandom rnd = new SplittableRandom(seed);
        for (int i = 0; i < KEYS; i++) {
            long k = rnd.nextLong();
            assertEquals(k + 1, t.getLong(k, 0), "seed " + seed + ": key " + i);
        }
    }
}
