package io.bucketdb.table;

import io.bucketdb.storage.testkit.Seeds;
import io.bucketdb.storage.BucketLayout;
import io.bucketdb.storage.Layouts;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.*;

/** Incremental growth: lookups and iteration while buckets are half evacuated, and what is left after. */
class GrowthTest {
    @TempDir
    Path tmp;

    @Test
    void lookupsDuringGrowthFindEveryKey() throws Exception {
        long seed = Seeds.seed();
        Seeds.run(seed, () -> {
            try (TableFixture f = new TableFixture(tmp, seed)) {
                SplittableRandom rnd = new SplittableRandom(seed);
                Map<Long, Long> model = new HashMap<>();
                int checkedWhileGrowing = 0;
                for (int i = 0; i < 200_000; i++) {
                    long k = rnd.nextLong();
                    f.table.putLong(k, i);
                    model.put(k, (long) i);
                    if (f.growing() && i % 97 == 0) {
                        // Mid-growth: some old buckets evacuated, some not; every key must still be found.
                        for (Map.Entry<Long, Long> e : model.entrySet()) {
                            if ((e.getKey() & 15) == 0) {
                                assertEquals(e.getValue(), f.table.getLong(e.getKey(), -1), "key " + e.getKey() + " during growth");
                                // A writable index's get (the batch stamp read with the bucket's stripe) finds the same.
                                assertEquals(e.getValue(), f.table.getLongBetweenBatches(e.getKey(), -1), "key " + e.getKey());
                            }
                        }
                        checkedWhileGrowing++;
                    }
                }
                assertTrue(f.doublings >= 10, "expected many doublings, saw " + f.events);
                assertTrue(checkedWhileGrowing > 20, "checked during growth only " + checkedWhileGrowing + " times");
                for (Map.Entry<Long, Long> e : model.entrySet()) {
                    assertEquals(e.getValue(), f.table.getLong(e.getKey(), -1));
                    assertEquals(e.getValue(), f.table.getLongBetweenBatches(e.getKey(), -1));
                }
                for (int i = 0; i < 10_000; i++) {
                    long absent = rnd.nextLong();
                    if (!model.containsKey(absent)) {
                        assertEquals(-1, f.table.getLongBetweenBatches(absent, -1), "absent key " + absent);
                    }
                }
            }
        });
    }

    @Test
    void iterationStartedBeforeGrowthReturnsEachKeyOnce() throws Exception {
        long seed = Seeds.seed();
        Seeds.run(seed, () -> {
            try (TableFixture f = new TableFixture(tmp, seed)) {
                SplittableRandom rnd = new SplittableRandom(seed);
                Set<Long> stable = new HashSet<>();
                for (int i = 0; i < 3000; i++) {
                    long k = rnd.nextLong();
                    f.table.putLong(k, k ^ 1);
                    stable.add(k);
                }
                int bAtStart = f.table.snapshot().b;
                TableIterator it = f.table.iterator(rnd.nextLong());
                Set<Long> seen = new HashSet<>();
                Set<Long> transientKeys = new HashSet<>();
                int steps = 0;
                while (it.next()) {
                    long k = it.keyLong();
                    assertTrue(seen.add(k), "key " + k + " returned twice");
                    if (stable.contains(k)) {
                        assertEquals(k ^ 1, it.valueLong());
                    }
                    // Keep writing while iterating (bounded: keys written now may be returned by later steps).
                    for (int w = 0; w < 40 && transientKeys.size() < 60_000; w++) {
                        long n = rnd.nextLong();
                        f.table.putLong(n, n ^ 1);
                        transientKeys.add(n);
                    }
                    if (++steps % 50 == 0 && !transientKeys.isEmpty()) {
                        long victim = transientKeys.iterator().next();
                        f.table.deleteLong(victim);
                        transientKeys.remove(victim);
                    }
                }
                assertTrue(f.table.snapshot().b >= bAtStart + 3, "table should have grown during iteration: B " + bAtStart
                        + " -> " + f.table.snapshot().b);
                assertTrue(seen.containsAll(stable), "missing " + (stable.size() - stable.stream().filter(seen::contains).count())
                        + " keys present for the whole iteration");
            }
        });
    }

    @Test
    void iterationStartedDuringGrowthReturnsEachKeyOnce() throws Exception {
        long seed = Seeds.seed();
        Seeds.run(seed, () -> {
            try (TableFixture f = new TableFixture(tmp, seed)) {
                SplittableRandom rnd = new SplittableRandom(seed);
                Set<Long> keys = new HashSet<>();
                while (!(f.growing() && f.table.snapshot().b >= 8)) {
                    long k = rnd.nextLong();
                    f.table.putLong(k, k);
                    keys.add(k);
                }
                TableIterator it = f.table.iterator(rnd.nextLong());
                Set<Long> seen = new HashSet<>();
                int written = 0;
                while (it.next()) {
                    assertTrue(seen.add(it.keyLong()), "returned twice");
                    if (written++ < 50_000) {
                        long n = rnd.nextLong();
                        f.table.putLong(n, n);
                    }
                }
                assertTrue(seen.containsAll(keys));
            }
        });
    }

    @Test
    void afterGrowthNoOldBucketIsReferenced() throws Exception {
        long seed = Seeds.seed();
        Seeds.run(seed, () -> {
            try (TableFixture f = new TableFixture(tmp, seed)) {
                SplittableRandom rnd = new SplittableRandom(seed);
                int n = 0;
                while (f.growEnds < 9) {
                    f.table.putLong(rnd.nextLong(), n++);
                }
                f.table.finishGrowthNow();
                ArraySnapshot g = f.table.snapshot();
                assertFalse(g.growing);
                assertNull(g.oldPieces);
                assertEquals(0, f.file.header().oldBucketDir);
                assertEquals(0, f.file.header().nevacuate);
                // Every bucket of the live array holds only used or empty slots, never evacuation marks.
                for (long b = 0; b <= g.mask; b++) {
                    for (int s = 0; s < BucketLayout.SLOTS; s++) {
                        int t = g.bucketSeg(b).get(Layouts.BYTE, g.bucketLocal(b) + s) & 0xFF;
                        assertFalse(BucketLayout.isEvacuated(t) || t == BucketLayout.EVACUATED_EMPTY,
                                "bucket " + b + " slot " + s + " holds " + BucketLayout.stateName(t));
                    }
                }
                assertEquals(n, f.table.size());
            }
        });
    }

    @Test
    void churnTriggersSameSizeGrowthAndKeepsOverflowBounded() throws Exception {
        long seed = Seeds.seed();
        Seeds.run(seed, () -> {
            try (TableFixture f = new TableFixture(tmp, seed)) {
                SplittableRandom rnd = new SplittableRandom(seed);
                long[] live = new long[800];
                for (int i = 0; i < live.length; i++) {
                    live[i] = rnd.nextLong();
                    f.table.putLong(live[i], i);
                }
                int b = f.table.snapshot().b;
                long maxOverflow = 0;
                for (int round = 0; round < 400_000; round++) {
                    int i = rnd.nextInt(live.length);
                    assertTrue(f.table.deleteLong(live[i]));
                    live[i] = rnd.nextLong();
                    f.table.putLong(live[i], round);
                    maxOverflow = Math.max(maxOverflow, f.file.header().overflowBuckets);
                }
                assertEquals(b, f.table.snapshot().b, "churn at a constant count must not double the table");
                assertTrue(f.sameSizeGrowths > 0, "churn should trigger same-size growth: " + f.events);
                long buckets = 1L << b;
                // Same-size growth packs the chains; in use there are never more than about two arrays' worth.
                assertTrue(maxOverflow <= 3 * buckets, "overflow buckets peaked at " + maxOverflow + " for " + buckets + " buckets");
                assertTrue(f.file.header().ovfPageCount <= 8, "overflow pages kept growing: " + f.file.header().ovfPageCount);
                for (int i = 0; i < live.length; i++) {
                    assertNotEquals(-1, f.table.getLong(live[i], -1));
                }
                assertEquals(live.length, f.table.size());
            }
        });
    }
}
