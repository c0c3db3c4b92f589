package io.bucketdb.durability;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.bucketdb.BucketDB;
import io.bucketdb.Durability;
import io.bucketdb.Options;
import io.bucketdb.spi.DurableIO;
import io.bucketdb.storage.sim.CrashMode;
import io.bucketdb.storage.sim.CrashSimulator;
import io.bucketdb.storage.sim.Operation;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A background checkpoint makes the journal durable through its LSN on its own thread, not on the holder of the writer
 * role (issue 16: that force waited behind the device's queue of checkpoint writes, 30-126 ms on the writer), and still
 * before anything that can install the checkpoint; a failure of that force turns the index read-only and installs
 * nothing.
 */
class CheckpointJournalForceTest {
    /** Puts before a test gives up waiting for a checkpoint (a hang guard; the assertions are about outcomes). */
    private static final int GUARD_PUTS = 200_000;

    @TempDir
    Path tmp;

    /** Journal I/O that records the name of every thread that forces a journal segment. */
    private static final class ForcingThreads extends JournalForceHookIO {
        final Set<String> threads = ConcurrentHashMap.newKeySet();

        ForcingThreads(DurableIO delegate) {
            super(delegate);
        }

        @Override
        void afterJournalForce() {
            threads.add(Thread.currentThread().getName());
        }
    }

    /**
     * ASYNC whose timer never forces during a test, background checkpoints after every 4 KiB of journal, and segments
     * large enough that no test load rolls one: the only journal forces are the checkpoints'.
     */
    private static Options options(DurableIO io) {
        return Options.defaults().withDurableIO(io).withDurability(Durability.ASYNC).withHashSeed(11)
                .withAsyncForceInterval(Duration.ofHours(1))
                .withCheckpointTriggers(1L << 40, 4096, Duration.ofHours(1))
                .withCheckpointsInBackground(true);
    }

    @Test
    void theCheckpointThreadForcesTheJournalNotTheWriter() throws Exception {
        CrashSimulator sim = new CrashSimulator();
        ForcingThreads io = new ForcingThreads(sim);
        Path dir = tmp.resolve("idx");
        String writer = Thread.currentThread().getName();
        long k = 0;
        try (BucketDB db = BucketDB.open(dir, options(io))) {
            io.threads.clear(); // the open's own forces
            while (db.checkpoints() < 3) {
                db.putLong(k, ~k);
                k++;
                assertTrue(k < GUARD_PUTS, "no checkpoint after " + k + " puts (hang guard)");
            }
            // Before issue 16's change the writer forced the journal at each checkpoint's begin.
            assertFalse(io.threads.contains(writer), "journal forced by the writer: " + io.threads);
            assertTrue(io.threads.stream().anyMatch(t -> t.startsWith("bucketdb-checkpoint")), "forces: " + io.threads);
            // A power loss now keeps the installed checkpoints and the journal they need: every key they cover.
            Path image = tmp.resolve("image");
            sim.writeCrashImage(dir, image, CrashMode.DROP_ALL);
            try (BucketDB recovered = BucketDB.open(image, Fixtures.imageOptions())) {
                long size = recovered.size();
                assertTrue(size > 0, "nothing survived the installed checkpoints");
                for (long j = 0; j < k; j++) {
                    long v = recovered.getLong(j, -1);
                    assertTrue(v == ~j || v == -1, "key " + j + " holds " + v);
                }
            }
        }
        try (BucketDB reopened = BucketDB.open(dir, options(sim))) {
            for (long j = 0; j < k; j++) {
                assertEquals(~j, reopened.getLong(j, -1), "key " + j);
            }
        }
    }

    @Test
    void aFailedJournalForceOfABackgroundCheckpointTurnsTheIndexReadOnlyAndInstallsNothing() throws Exception {
        CrashSimulator sim = new CrashSimulator();
        Path dir = tmp.resolve("idx");
        AtomicInteger failed = new AtomicInteger();
        BucketDB db = BucketDB.open(dir, options(sim));
        long checkpointsBefore = db.checkpoints();
        sim.failWhen(op -> op.kind() == Operation.Kind.FORCE && JournalForceHookIO.isJournal(op.path())
                && Thread.currentThread().getName().startsWith("bucketdb-checkpoint") && failed.incrementAndGet() > 0);
        long acknowledged = 0;
        try {
            for (long k = 0; ; k++) {
                try {
                    db.putLong(k, ~k);
                } catch (RuntimeException readOnly) {
                    break; // the failure, or read-only after it
                }
                acknowledged = k + 1;
                assertTrue(k < GUARD_PUTS, "the index never turned read-only (hang guard)");
            }
            IllegalStateException readOnly = assertThrows(IllegalStateException.class, () -> db.putLong(-1, 1));
            assertTrue(readOnly.getMessage().contains("read-only"), readOnly.getMessage());
            assertEquals(1, failed.get(), "the failed force was not tried again");
            assertEquals(checkpointsBefore, db.checkpoints(), "no checkpoint was installed");
            // A process crash now: the page cache holds every acknowledged (written) record, and the table file still
            // holds the checkpoint the open made, so the next open replays them all.
            Path image = tmp.resolve("image");
            sim.writeCrashImage(dir, image, CrashMode.KEEP_ALL);
            Fixtures.abandon(db);
            try (BucketDB recovered = BucketDB.open(image, Fixtures.imageOptions())) {
                for (long k = 0; k < acknowledged; k++) {
                    long v = recovered.getLong(k, -1);
                    // ASYNC: a failed force loses what it did not make durable; nothing may come back wrong.
                    assertTrue(v == ~k || v == -1, "key " + k + " holds " + v);
                }
            }
        } finally {
            Fixtures.abandon(db);
        }
    }

}
