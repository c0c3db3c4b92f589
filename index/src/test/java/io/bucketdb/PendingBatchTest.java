package io.bucketdb;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentMap;
import java.util.concurrent.CountDownLatch;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

/**
 * A {@link WriteBatch} passed to {@code writeAsync} may be changed or reused while its write is pending: the index
 * writes the operations the batch held when it was passed. The writer role is held by a map function waiting for a
 * latch, so the write is surely still pending when the batch changes. (The index kept the caller's list: an operation
 * added meanwhile skipped the checks, reached the journal with the wrong width, turned the index read-only for every
 * thread and made it unopenable.)
 */
class PendingBatchTest {
    @TempDir
    Path tmp;

    @Test
    void aBatchChangedWhileItsWriteIsPendingChangesNothingOfThatWrite() throws Exception {
        Path dir = tmp.resolve("b");
        try (BucketDB db = BucketDB.open(dir)) {
            ConcurrentMap<Long, Long> map = db.asMap(Codec.LONG, Codec.LONG);
            CountDownLatch holding = new CountDownLatch(1);
            CountDownLatch release = new CountDownLatch(1);
            Thread holder = Thread.ofPlatform().start(() -> map.compute(-1L, (k, v) -> {
                holding.countDown();
                try {
                    release.await();
                } catch (InterruptedException e) {
                    throw new IllegalStateException(e);
                }
                return -1L;
            }));
            holding.await();
            WriteBatch batch = new WriteBatch().putLong(1, 10).putLong(2, 20);
            CompletableFuture<Void> pending = db.writeAsync(batch);
            batch.put(new byte[3], new byte[8]).deleteLong(1).putLong(3, 30); // a key the index would refuse, then more
            release.countDown();
            holder.join();
            pending.join();
            assertEquals(10, db.getLong(1, -1), "the write is the batch as it was passed");
            assertEquals(20, db.getLong(2, -1));
            assertEquals(-1, db.getLong(3, -1), "an operation added after the call is not part of it");
            db.putLong(4, 40); // still writable
            // The changed batch, written now, is checked as a whole and refused: nothing of it is applied.
            assertThrows(IllegalArgumentException.class, () -> db.write(batch));
            assertEquals(10, db.getLong(1, -1));
        }
        try (BucketDB db = BucketDB.open(dir)) {
            assertEquals(4, db.size(), "the index opens and holds every acknowledged write");
            assertEquals(40, db.getLong(4, -1));
        }
    }
}
