package io.bucketdb;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicBoolean;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@link BucketDB#batchSizes()}: what a group commit counts, and the snapshot's arithmetic and immutability. */
class BatchSizesTest {
    @TempDir
    Path dir;

    private BucketDB open(String name) throws Exception {
        return BucketDB.open(dir.resolve(name), Options.defaults().withDurability(Durability.ASYNC));
    }

    @Test
    void shouldCountEachBlockingPutOfOneThreadAsABatchOfOne() throws Exception {
        try (BucketDB db = open("one")) {
            assertEquals(BatchSizes.NONE, db.batchSizes());
            for (long k = 0; k < 100; k++) {
                db.putLong(k, k); // the next put is published only after this one's batch was applied
            }
            db.checkpoint(); // a task alone is not a batch of writes
            BatchSizes s = db.batchSizes();
            assertEquals(100, s.batches());
            assertEquals(100, s.writes());
            assertEquals(100, s.count(0));
            assertEquals(1.0, s.mean());
            assertEquals(1, s.percentile(0.99));
        }
    }

    @Test
    void shouldCountWritesPublishedWhileTheWriterIsBusyAsOneBatchAndAWriteBatchAsOneWrite() throws Exception {
        try (BucketDB db = open("group")) {
            var map = db.asMap(Codec.LONG, Codec.LONG);
            CountDownLatch entered = new CountDownLatch(1);
            CountDownLatch release = new CountDownLatch(1);
            // compute's function runs on the writer thread: while it waits, writes pile up in the ring.
            CompletableFuture<Long> busy = CompletableFuture.supplyAsync(() -> map.compute(-1L, (k, v) -> {
                entered.countDown();
                try {
                    release.await();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
                return null;
            }));
            entered.await();
            BatchSizes before = db.batchSizes();
            List<CompletableFuture<?>> pending = new ArrayList<>();
            for (long k = 0; k < 9; k++) {
                pending.add(db.putLongAsync(k, k));
            }
            pending.add(db.writeAsync(new WriteBatch().putLong(100, 1).putLong(101, 1).deleteLong(5)));
            release.countDown();
            busy.join();
            pending.forEach(CompletableFuture::join);
            BatchSizes d = db.batchSizes().since(before);
            assertEquals(1, d.batches(), () -> "one group commit expected: " + d);
            assertEquals(10, d.writes(), "nine puts and one WriteBatch");
            assertEquals(1, d.count(3), "a batch of 8 to 15 writes");
            assertEquals(15, d.percentile(0.5));
            assertEquals(10.0, d.mean());
            assertEquals(8 + 2, db.size());
        }
    }

    @Test
    void shouldTakeConsistentSnapshotsThatNeverGoBackWhileTheWriterRecords() throws Exception {
        try (BucketDB db = open("race")) {
            AtomicBoolean done = new AtomicBoolean();
            Thread writer = Thread.ofPlatform().start(() -> {
                for (long k = 0; k < 20_000; k++) {
                    db.putLong(k, k);
                }
                done.set(true);
            });
            BatchSizes last = BatchSizes.NONE;
            long snapshots = 0;
            while (!done.get()) {
                BatchSizes s = db.batchSizes(); // the constructor rejects counts that do not add up
                BatchSizes grew = s.since(last); // and since() rejects a count that went down
                assertTrue(grew.batches() >= 0 && grew.writes() >= grew.batches(), grew::toString);
                last = s;
                snapshots++;
            }
            writer.join();
            assertEquals(20_000, db.batchSizes().writes());
            assertTrue(snapshots > 0);
        }
    }

    @Test
    void shouldBeNoneForAReadOnlyOpenAndRefuseAClosedIndex() throws Exception {
        BucketDB db = open("ro");
        db.putLong(1, 1);
        db.close();
        assertThrows(IllegalStateException.class, db::batchSizes);
        try (BucketDB ro = BucketDB.open(dir.resolve("ro"), Options.defaults().withReadOnly(true))) {
            assertSame(BatchSizes.NONE, ro.batchSizes());
        }
    }

    @Test
    void shouldComputeMeanPercentilesAndDifferencesFromTheBuckets() {
        long[] c = new long[BatchSizes.BUCKETS];
        c[0] = 50; // size 1
        c[2] = 40; // sizes 4-7
        c[6] = 10; // sizes 64-127
        BatchSizes s = new BatchSizes(c, 100, 50 + 40 * 5 + 10 * 100);
        assertEquals(12.5, s.mean());
        assertEquals(1, s.percentile(0.5));
        assertEquals(7, s.percentile(0.51));
        assertEquals(7, s.percentile(0.9));
        assertEquals(127, s.percentile(0.99));
        assertEquals(127, s.percentile(1));
        assertEquals("100 batches, 1250 writes, mean 12.5; 1: 50, 4-7: 40, 64-127: 10", s.toString());
        assertEquals(0, BatchSizes.NONE.percentile(0.5));
        assertEquals(0.0, BatchSizes.NONE.mean());
        assertThrows(IllegalArgumentException.class, () -> s.percentile(0));
        assertThrows(IllegalArgumentException.class, () -> s.percentile(1.5));

        long[] earlier = new long[BatchSizes.BUCKETS];
        earlier[0] = 20;
        BatchSizes d = s.since(new BatchSizes(earlier, 20, 20));
        assertEquals(80, d.batches());
        assertEquals(1230, d.writes());
        assertEquals(30, d.count(0));

        assertEquals(0, BatchSizes.bucketOf(1));
        assertEquals(1, BatchSizes.bucketOf(3));
        assertEquals(10, BatchSizes.bucketOf(1024));
        assertEquals(BatchSizes.BUCKETS - 1, BatchSizes.bucketOf(Long.MAX_VALUE));
    }

    @Test
    void shouldBeImmutableAndRejectInconsistentCounts() {
        long[] c = new long[BatchSizes.BUCKETS];
        c[1] = 2;
        BatchSizes s = new BatchSizes(c, 2, 5);
        c[1] = 99;
        s.counts()[1] = 99;
        assertEquals(2, s.count(1), "neither the array passed in nor the one handed out changes the snapshot");
        long[] expected = new long[BatchSizes.BUCKETS];
        expected[1] = 2;
        assertArrayEquals(expected, s.counts());
        assertEquals(new BatchSizes(expected, 2, 5), s);
        assertThrows(IllegalArgumentException.class, () -> new BatchSizes(expected, 3, 5), "counts do not sum to batches");
        assertThrows(IllegalArgumentException.class, () -> new BatchSizes(expected, 2, 1), "fewer writes than batches");
        assertThrows(IllegalArgumentException.class, () -> new BatchSizes(new long[3], 0, 0), "wrong bucket count");
    }
}
