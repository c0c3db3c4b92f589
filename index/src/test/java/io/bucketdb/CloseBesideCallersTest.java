package io.bucketdb;

import io.bucketdb.storage.testkit.Seeds;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ConcurrentMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code close()} on one thread while others put, put asynchronously (with dependent actions that read the index),
 * write batches, bulk load, merge through the map view and walk cursors: every call either completes or throws an
 * {@link IllegalStateException} saying the index is closed, nothing hangs, the close is clean (the next open replays
 * nothing), and every write acknowledged before or during the close is there after a reopen. The close comes once a
 * seeded number of writes were acknowledged, on a thread that is interrupted in half of the seeds.
 */
class CloseBesideCallersTest {
    @TempDir
    Path tmp;

    @Test
    void everyCallBesideACloseCompletesOrSaysClosedAndNothingAcknowledgedIsLost() throws Exception {
        long seed = Seeds.seed();
        Seeds.run(seed, () -> {
            for (int round = 0; round < 3; round++) {
                closeBeside(new SplittableRandom(seed + round), tmp.resolve("r" + round));
            }
        });
    }

    private static void closeBeside(SplittableRandom rnd, Path dir) throws Exception {
        Map<Long, Long> acked = new ConcurrentHashMap<>();
        ConcurrentLinkedQueue<Throwable> unexpected = new ConcurrentLinkedQueue<>();
        CountDownLatch enough = new CountDownLatch(200 + rnd.nextInt(2_000));
        boolean interruptCloser = rnd.nextBoolean();
        BucketDB db = BucketDB.open(dir);
        ConcurrentMap<Long, Long> map = db.asMap(Codec.LONG, Codec.LONG);
        List<Thread> callers = new ArrayList<>();
        for (int t = 0; t < 6; t++) {
            int kind = t;
            long base = (t + 1) * 10_000_000L;
            callers.add(Thread.ofPlatform().start(() -> {
                try {
                    for (long k = base; ; k++) {
                        switch (kind) {
                            case 0 -> {
                                db.putLong(k, -k);
                                ack(acked, enough, k, -k);
                            }
                            case 1 -> {
                                long key = k;
                                db.putLongAsync(key, -key).whenComplete((r, e) -> {
                                    if (e == null) {
                                        ack(acked, enough, key, -key);
                                        db.getLong(key, 0); // may find the index closed: the action's own business
                                    } else if (!saysClosed(e.getCause() != null ? e.getCause() : e)) {
                                        unexpected.add(e);
                                    }
                                });
                            }
                            case 2 -> {
                                db.write(new WriteBatch().putLong(k, -k).putLong(-k, k));
                                ack(acked, enough, k, -k);
                                ack(acked, enough, -k, k);
                            }
                            case 3 -> {
                                try (BulkLoad load = db.bulkLoad(64)) {
                                    for (long i = 0; i < 100; i++) {
                                        load.putLong(k + i, -(k + i));
                                    }
                                }
                                for (long i = 0; i < 100; i++) {
                                    ack(acked, enough, k + i, -(k + i));
                                }
                                k += 99;
                            }
                            case 4 -> {
                                long key = base + (k % 16); // only this thread writes these keys
                                ack(acked, enough, key, map.merge(key, 1L, Long::sum));
                            }
                            default -> {
                                Cursor c = db.cursor();
                                while (c.next()) {
                                    c.keyLong();
                                }
                            }
                        }
                    }
                } catch (Throwable e) {
                    if (!saysClosed(e)) {
                        unexpected.add(e);
                    }
                }
            }));
        }
        enough.await();
        if (interruptCloser) {
            Thread.currentThread().interrupt();
        }
        db.close();
        assertEquals(interruptCloser, Thread.interrupted(), "close keeps the caller's interrupt status");
        for (Thread c : callers) {
            c.join(TimeUnit.MINUTES.toMillis(2)); // a deadlock guard, not a speed check
            assertFalse(c.isAlive(), () -> c + " still runs after the close: " + stack(c));
        }
        assertTrue(unexpected.isEmpty(), () -> unexpected.size() + " calls failed otherwise, first: " + unexpected.peek());
        try (BucketDB again = BucketDB.open(dir)) {
            assertEquals(0, again.recovery().recordsReplayed(), "the close beside the callers was clean");
            for (Map.Entry<Long, Long> e : acked.entrySet()) {
                assertEquals(e.getValue(), again.getLong(e.getKey(), 0), "acknowledged key " + e.getKey());
            }
        }
    }

    private static void ack(Map<Long, Long> acked, CountDownLatch enough, long key, long value) {
        acked.put(key, value);
        enough.countDown();
    }

    private static boolean saysClosed(Throwable e) {
        return e instanceof IllegalStateException && e.getMessage() != null && e.getMessage().contains("closed");
    }

    private static String stack(Thread t) {
        StringBuilder b = new StringBuilder();
        for (StackTraceElement s : t.getStackTrace()) {
            b.append("\n  at ").append(s);
        }
        return b.toString();
    }
}
