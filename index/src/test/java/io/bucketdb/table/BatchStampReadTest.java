package io.bucketdb.table;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;

import static org.junit.jupiter.api.Assertions.*;

/**
 * {@link HashTable#getLongBetweenBatches} never shows a table the writer changed inside the batch stamp's odd window
 * (issue 19: the batch gate folded into the table's read). That it answers as {@link HashTable#getLong} does, through
 * growth and chains, {@link GrowthTest} checks beside {@code getLong}.
 */
class BatchStampReadTest {
    @TempDir
    Path tmp;

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
