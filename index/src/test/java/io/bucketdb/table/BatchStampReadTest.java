package io.bucketdb.table;

import io.bucketdb.storage.testkit.Seeds;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.atomic.AtomicLong;

import static org.junit.jupiter.api.Assertions.*;

/**
 * {@link HashTable#getLongBetweenBatches}: the same answers as {@link HashTable#getLong} (short path, chains, growth),
 * and a read that never shows a table the writer changed inside the batch stamp's odd window (issue 19: the batch gate
 * folded into the table's read).
 */
class BatchStampReadTest {
    @TempDir
    Path tmp;

    @Test
    void answersAsGetLongThroughGrowthAndChains() throws Exception {
        long seed = Seeds.seed();
        Seeds.run(seed, () -> {
            try (TableFixture f = new TableFixture(tmp, seed)) {
                SplittableRandom rnd = new SplittableRandom(seed);
                Map<Long, Long> model = new HashMap<>();
                int checkedWhileGrowing = 0;
                for (int i = 0; i < 100_000; i++) {
                    long k = rnd.nextLong();
                    f.table.putLong(k, i);
                    model.put(k, (long) i);
                    if (i % 89 == 0) {
                        checkedWhileGrowing += f.growing() ? 1 : 0;
                        for (Map.Entry<Long, Long> e : model.entrySet()) {
                            if ((e.getKey() & 31) == 0) {
                                assertEquals(e.getValue(), f.table.getLongBetweenBatches(e.getKey(), -1), "key " + e.getKey());
                            }
                        }
                        long absent = rnd.nextLong();
                        if (!model.containsKey(absent)) {
                            assertEquals(-1, f.table.getLongBetweenBatches(absent, -1), "absent key " + absent);
                        }
                    }
                }
                assertTrue(checkedWhileGrowing > 10, "checked during growth only " + checkedWhileGrowing + " times");
                for (Map.Entry<Long, Long> e : model.entrySet()) {
                    assertEquals(e.getValue(), f.table.getLongBetweenBatches(e.getKey(), -1));
                    assertEquals(e.getValue(), f.table.getLong(e.getKey(), -1));
                }
            }
        });
    }

    @Test
    void aReadDuringABatchShowsOnlyTheTableAfterIt() throws Exception {
        try (TableFixture f = new TableFixture(tmp, 42)) {
            for (long k = 1; k <= 1000; k++) {
                f.table.putLong(k, k);
            }
            StripedSeqLock batch = f.table.batchStamp();
            AtomicLong seen = new AtomicLong(Long.MIN_VALUE);
            batch.beginWrite(0);
            Thread reader = Thread.ofPlatform().start(() -> seen.set(f.table.getLongBetweenBatches(7, -1)));
            // The writer's own reads inside its batch are not gated (BatchApplier reads keys it is about to change).
            assertTimeoutPreemptively(Duration.ofMinutes(1), () -> assertEquals(7, f.table.getLong(7, -1)));
            reader.join(200); // gives a reader that ignored the stamp the chance to return the old value
            f.table.putLong(7, 700);
            f.table.deleteLong(8);
            batch.endWrite(0);
            reader.join();
            assertEquals(700, seen.get(), "a read that overlapped the batch returned a value from before it");
            assertEquals(-1, f.table.getLongBetweenBatches(8, -1));
        }
    }
}
