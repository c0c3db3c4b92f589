package io.bucketdb.durability;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.bucketdb.BucketDB;
import io.bucketdb.Durability;
import io.bucketdb.Options;
import io.bucketdb.spi.DurableIO;
import io.bucketdb.storage.sim.CrashMode;
import io.bucketdb.storage.sim.CrashSimulator;
import io.bucketdb.storage.sim.Operation;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * ASYNC's periodic force runs beside the writer role, on the timer thread, so writers never wait behind its fsync
 * (issue 16, "Off the write path"); a failed force still turns the index read-only and is never retried, and a close
 * racing a force finishes cleanly.
 */
class AsyncForceBesideWritersTest {
    /** A hang guard for this test's threads; the assertions are about outcomes, not time. */
    private static final long GUARD_SECONDS = 60;

    @TempDir
    Path tmp;

    /** Journal I/O whose next force of a journal segment, once armed, is held after it reached the disk. */
    private static final class HeldForceIO extends JournalForceHookIO {
        final CountDownLatch held = new CountDownLatch(1);
        final CountDownLatch release = new CountDownLatch(1);
        volatile boolean armed;

        HeldForceIO(DurableIO delegate) {
            super(delegate);
        }

        @Override
        void afterJournalForce() {
            if (armed) {
                armed = false;
                held.countDown();
                await(release);
            }
        }
    }

    /** ASYNC, journal forced every 5 ms, no checkpoint, segments large enough that no test load rolls one. */
    private static Options asyncOptions(DurableIO io) {
        return Options.defaults().withDurableIO(io).withDurability(Durability.ASYNC).withHashSeed(7)
                .withAsyncForceInterval(Duration.ofMillis(5))
                .withCheckpointTriggers(1L << 40, 1L << 40, Duration.ofHours(1));
    }

    @Test
    void blockingWritesGoOnWhileTheAsyncForceIsInItsFsync() throws Exception {
        CrashSimulator sim = new CrashSimulator();
        HeldForceIO io = new HeldForceIO(sim);
        Path dir = tmp.resolve("idx");
        try (BucketDB db = BucketDB.open(dir, asyncOptions(io))) {
            db.putLong(0, 0);
            io.armed = true;
            await(io.held); // the timer's force of the journal has reached the disk and not returned
            try {
                // Before issue 16 the force ran in the writer role, and these waited behind it.
                CompletableFuture<Void> writes = CompletableFuture.runAsync(() -> {
                    for (long k = 1; k <= 2_000; k++) {
                        db.putLong(k, ~k);
                    }
                });
                writes.get(GUARD_SECONDS, TimeUnit.SECONDS);
                assertEquals(~2_000L, db.getLong(2_000, -1));
            } finally {
                io.release.countDown();
            }
            db.putLongAsync(5_000, 5).join();
            awaitDurable(sim, dir, 5_000, 5); // and the timer forces again after the held force
        }
        try (BucketDB reopened = BucketDB.open(dir, asyncOptions(sim))) {
            for (long k = 1; k <= 2_000; k++) {
                assertEquals(~k, reopened.getLong(k, -1));
            }
        }
    }

    /**
     * A force fails while writers go on: the index turns read-only, the failed force is never tried again, and a power
     * loss then keeps every write acknowledged in SYNC (in ASYNC, what the last good force covered).
     */
    @ParameterizedTest
    @EnumSource(Durability.class)
    void aFailedForceWhileWritesGoOnTurnsTheIndexReadOnly(Durability durability) throws Exception {
        CrashSimulator sim = new CrashSimulator();
        Path dir = tmp.resolve("idx");
        AtomicInteger forcesAfterArming = new AtomicInteger();
        BucketDB db = BucketDB.open(dir, asyncOptions(sim).withDurability(durability));
        ConcurrentHashMap<Long, Long> acknowledged = new ConcurrentHashMap<>();
        for (long k = 0; k < 100; k++) {
            db.putLong(k, ~k);
            acknowledged.put(k, ~k);
        }
        sim.failWhen(op -> op.kind() == Operation.Kind.FORCE && JournalForceHookIO.isJournal(op.path())
                && forcesAfterArming.incrementAndGet() >= 1);
        CompletableFuture<?>[] writers = new CompletableFuture<?>[2];
        for (int w = 0; w < writers.length; w++) {
            long first = 1_000_000L * (w + 1);
            writers[w] = CompletableFuture.runAsync(() -> {
                for (long k = first; ; k++) {
                    try {
                        db.putLong(k, ~k);
                    } catch (RuntimeException failed) {
                        return; // the failure, or read-only after it
                    }
                    acknowledged.put(k, ~k);
                }
            });
        }
        CompletableFuture.allOf(writers).get(GUARD_SECONDS, TimeUnit.SECONDS);
        IllegalStateException readOnly = assertThrows(IllegalStateException.class, () -> db.putLong(-1, 1));
        assertTrue(readOnly.getMessage().contains("read-only"), readOnly.getMessage());
        assertEquals(1, forcesAfterArming.get(), "the failed force was not tried again");
        Path image = tmp.resolve("image");
        sim.writeCrashImage(dir, image, CrashMode.DROP_ALL);
        Fixtures.abandon(db);
        try (BucketDB recovered = BucketDB.open(image, Fixtures.imageOptions())) {
            if (durability == Durability.SYNC) {
                acknowledged.forEach((k, v) -> assertEquals(v, recovered.getLong(k, -1), "acknowledged key " + k));
            } else {
                for (long k = 0; k < 100; k++) {
                    long v = recovered.getLong(k, -1);
                    assertTrue(v == ~k || v == -1, "key " + k + " holds " + v);
                }
            }
        }
        assertEquals(1, forcesAfterArming.get(), "nor by the close");
    }

    @Test
    void aCloseDuringTheAsyncForceFinishesCleanlyAndKeepsEveryWrite() throws Exception {
        CrashSimulator sim = new CrashSimulator();
        HeldForceIO io = new HeldForceIO(sim);
        Path dir = tmp.resolve("idx");
        BucketDB db = BucketDB.open(dir, asyncOptions(io));
        for (long k = 0; k < 1_000; k++) {
            db.putLong(k, ~k);
        }
        io.armed = true;
        await(io.held);
        CompletableFuture<Void> close = CompletableFuture.runAsync(() -> {
            try {
                db.close(); // its checkpoint forces the journal the held force still works on, then closes it
            } catch (IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        });
        io.release.countDown();
        close.get(GUARD_SECONDS, TimeUnit.SECONDS);
        Path image = tmp.resolve("image");
        sim.writeCrashImage(dir, image, CrashMode.DROP_ALL);
        try (BucketDB recovered = BucketDB.open(image, Fixtures.imageOptions())) {
            assertEquals(1_000, recovered.size());
            for (long k = 0; k < 1_000; k++) {
                assertEquals(~k, recovered.getLong(k, -1));
            }
        }
    }

    /** Waits until a power loss now keeps {@code key → value}: the timer forced it. */
    private void awaitDurable(CrashSimulator sim, Path dir, long key, long value) throws Exception {
        for (int attempt = 0; ; attempt++) {
            Path image = tmp.resolve("durable-" + attempt);
            sim.writeCrashImage(dir, image, CrashMode.DROP_ALL);
            boolean durable;
            try (BucketDB seen = BucketDB.open(image, Fixtures.imageOptions())) {
                durable = seen.getLong(key, -1) == value;
            }
            Fixtures.delete(image);
            if (durable) {
                return;
            }
            assertTrue(attempt < GUARD_SECONDS * 100, "the timer never forced again (hang guard)");
            Thread.sleep(10);
        }
    }


    private static void await(CountDownLatch latch) {
        try {
            if (!latch.await(GUARD_SECONDS, TimeUnit.SECONDS)) {
                throw new AssertionError("a thread of this test did not get there (hang guard)");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        }
    }
}
