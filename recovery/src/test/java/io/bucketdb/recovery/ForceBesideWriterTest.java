package io.bucketdb.recovery;

import static io.bucketdb.recovery.Journals.SMALL;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.bucketdb.spi.AppendWindow;
import io.bucketdb.spi.DurableFile;
import io.bucketdb.spi.DurableIO;
import io.bucketdb.storage.ForwardingAppendWindow;
import io.bucketdb.storage.ForwardingDurableFile;
import io.bucketdb.storage.ForwardingDurableIO;
import io.bucketdb.storage.sim.CrashSimulator;
import io.bucketdb.storage.testkit.Seeds;
import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.nio.file.Path;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@link JournalWriter#forceWritten()}: ASYNC's periodic force, run on another thread beside the writer role while the
 * role goes on appending (issue 16, "Off the write path"). It covers what was written when it began, never forces a
 * closed file, and a failure fails the writer for good, also for a batch the role was writing as it failed.
 */
class ForceBesideWriterTest {
    /** A hang guard for the threads these tests start; the assertions are about outcomes, not time. */
    private static final long GUARD_SECONDS = 60;

    @TempDir
    Path tmp;

    /**
     * Journal I/O over a {@link CrashSimulator} with hooks: a force of a segment's append window by a thread named
     * {@code forcer} can be held after the simulator recorded it (a slow fsync that has done its work but not returned
     * yet) or failed; a put by another thread can be held after it reached the file.
     */
    private static final class HookedIO extends ForwardingDurableIO {
        final CountDownLatch forceHeld = new CountDownLatch(1);
        final CountDownLatch releaseForce = new CountDownLatch(1);
        volatile boolean holdForce;
        volatile boolean failForce;
        volatile int forcesByForcer;
        volatile Runnable afterWrite = () -> { };

        HookedIO(DurableIO delegate) {
            super(delegate);
        }

        @Override
        public DurableFile open(Path file, Mode mode) throws IOException {
            return new ForwardingDurableFile(delegate.open(file, mode)) {
                @Override
                public AppendWindow mapAppendWindow(long position, long size) throws IOException {
                    return new ForwardingAppendWindow(delegate.mapAppendWindow(position, size)) {
                        @Override
                        public void force(long from, long to) throws IOException {
                            hookForce(() -> delegate.force(from, to), path());
                        }

                        @Override
                        public void put(long at, MemorySegment src, long srcOffset, long length) throws IOException {
                            delegate.put(at, src, srcOffset, length);
                            if (!Thread.currentThread().getName().equals("forcer")) {
                                afterWrite.run();
                            }
                        }
                    };
                }
            };
        }

        /** A force of a segment (its window's: the journal forces nothing else beside the role), hooked. */
        private void hookForce(IoAction force, Path path) throws IOException {
            if (!Thread.currentThread().getName().equals("forcer")) {
                force.run();
                return;
            }
            forcesByForcer++;
            if (failForce) {
                throw new IOException("injected force failure: " + path);
            }
            force.run();
            if (holdForce) {
                holdForce = false;
                forceHeld.countDown();
                Journals.await(releaseForce, GUARD_SECONDS);
            }
        }
    }

    private interface IoAction {
        void run() throws IOException;
    }

    private static CompletableFuture<Boolean> forceOnForcerThread(JournalWriter writer) {
        CompletableFuture<Boolean> result = new CompletableFuture<>();
        Thread.ofPlatform().name("forcer").daemon().start(() -> {
            try {
                result.complete(writer.forceWritten());
            } catch (Throwable t) {
                result.completeExceptionally(t);
            }
        });
        return result;
    }

    @Test
    void aForceBesideTheRoleCoversWhatWasWrittenWhenItBeganWhileAppendsGoOn() throws Exception {
        CrashSimulator sim = new CrashSimulator();
        HookedIO io = new HookedIO(sim);
        Path dir = Journals.durableDirectory(sim, tmp, "journal");
        JournalWriter writer = JournalWriter.open(io, dir, SMALL, 0);
        for (long k = 1; k <= 10; k++) {
            writer.appendPutLong(k, k);
        }
        writer.flush();
        io.holdForce = true;
        CompletableFuture<Boolean> force = forceOnForcerThread(writer);
        Journals.await(io.forceHeld, GUARD_SECONDS);
        // The force has reached the disk but not returned: the role appends and writes on, not waiting for it.
        for (long k = 11; k <= 30; k++) {
            writer.appendPutLong(k, k);
        }
        writer.flush();
        assertEquals(30, writer.writtenLsn());
        assertEquals(0, writer.durableLsn(), "durable only once the force returned");
        io.releaseForce.countDown();
        assertTrue(force.get(GUARD_SECONDS, TimeUnit.SECONDS));
        assertEquals(10, writer.durableLsn(), "the force covers what was written when it began, and no more");
        assertEquals(10, Journals.lastLsnAfterPowerLoss(sim, tmp, dir, SMALL), "records 1..10 survive a power loss, the later ones need a force");
        writer.sync();
        assertEquals(30, writer.durableLsn());
        assertEquals(30, Journals.lastLsnAfterPowerLoss(sim, tmp, dir, SMALL));
        writer.close();
        assertFalse(writer.forceWritten(), "a closed writer forces nothing and does not throw");
    }

    /**
     * The segment's allocation grows, and its window is remapped, while a force beside the role is in its fsync: the
     * role does not wait for the force (issue 16: the window's swap took the forces' lock, and waited behind the force
     * for as long as the device took), and the force and a later one cover what they should.
     */
    @Test
    void theWindowGrowsWhileAForceBesideTheRoleIsInItsFsync() throws Exception {
        JournalOptions options = JournalOptions.defaults().withSegmentSize(8L << 20).withBufferSize(64 << 10);
        CrashSimulator sim = new CrashSimulator();
        HookedIO io = new HookedIO(sim);
        Path dir = Journals.durableDirectory(sim, tmp, "journal");
        JournalWriter writer = JournalWriter.open(io, dir, options, 0);
        byte[] value = new byte[1000];
        for (int i = 1; i <= 10; i++) {
            writer.appendPut(new byte[] {(byte) i}, value);
        }
        writer.flush();
        io.holdForce = true;
        CompletableFuture<Boolean> force = forceOnForcerThread(writer);
        Journals.await(io.forceHeld, GUARD_SECONDS);
        int records = 3000; // about 3 MiB: past the first allocation (1 MiB) and its first doubling
        CompletableFuture<Void> appends = new CompletableFuture<>();
        Thread.ofPlatform().name("role").daemon().start(() -> {
            try {
                for (int i = 11; i <= records; i++) {
                    writer.appendPut(new byte[] {(byte) i, (byte) (i >> 8)}, value);
                    if (i % 50 == 0) {
                        writer.flush();
                    }
                }
                writer.flush();
                appends.complete(null);
            } catch (Throwable t) {
                appends.completeExceptionally(t);
            }
        });
        try {
            appends.get(GUARD_SECONDS, TimeUnit.SECONDS); // before the change: blocked until the force returned
        } finally {
            io.releaseForce.countDown();
        }
        assertEquals(records, writer.writtenLsn());
        assertTrue(force.get(GUARD_SECONDS, TimeUnit.SECONDS));
        assertEquals(10, writer.durableLsn(), "the held force covers what was written when it began");
        assertTrue(forceOnForcerThread(writer).get(GUARD_SECONDS, TimeUnit.SECONDS), "a force through the new window");
        assertEquals(records, writer.durableLsn());
        assertEquals(records, Journals.lastLsnAfterPowerLoss(sim, tmp, dir, options), "every forced record survives");
        writer.close();
    }

    /**
     * Forces beside a role that appends across many segment rolls: every power-loss image reads without damage (each
     * rolled segment was forced completely before the next one was written) and holds every record a returned force
     * covered.
     */
    @Test
    void forcesBesideRollsLeaveEveryPowerLossImageReadable() throws Exception {
        Seeds.run(random -> {
            CrashSimulator sim = new CrashSimulator(random.nextLong());
            HookedIO io = new HookedIO(sim);
            Path dir = Journals.durableDirectory(sim, tmp, "journal");
            JournalWriter writer = JournalWriter.open(io, dir, SMALL, 0);
            AtomicBoolean stop = new AtomicBoolean();
            CompletableFuture<Long> forces = new CompletableFuture<>();
            Thread.ofPlatform().name("forcer").daemon().start(() -> {
                long n = 0;
                try {
                    while (!stop.get()) {
                        n += writer.forceWritten() ? 1 : 0;
                        Thread.onSpinWait();
                    }
                    forces.complete(n);
                } catch (Throwable t) {
                    forces.completeExceptionally(t);
                }
            });
            try {
                long key = 0;
                for (int round = 0; round < 12; round++) {
                    for (int i = 0, n = 200 + random.nextInt(800); i < n; i++) {
                        key++;
                        writer.appendPutLong(key, ~key);
                    }
                    writer.flush();
                    long durable = writer.durableLsn();
                    Path image = tmp.resolve("image-" + round);
                    sim.writeCrashImage(dir, image, random.nextLong());
                    long last = Journals.replay(new TestFileIO(), image, SMALL).report().lastLsn();
                    assertTrue(last >= durable, "image " + round + " ends at LSN " + last + ", before the durable "
                            + durable);
                    Journals.deleteTree(image);
                }
            } finally {
                stop.set(true);
            }
            assertTrue(forces.get(GUARD_SECONDS, TimeUnit.SECONDS) >= 0);
            assertTrue(SegmentFiles.segments(dir).getLast().sequence() > 3, "the load rolled several segments");
            writer.close();
            Journals.deleteTree(dir);
        });
    }

    @Test
    void aFailedForceBesideTheRoleFailsTheWriterForGoodAndIsNeverRetried() throws Exception {
        HookedIO io = new HookedIO(new CrashSimulator());
        JournalWriter writer = JournalWriter.open(io, tmp.resolve("journal"), SMALL, 0);
        writer.appendPutLong(1, 1);
        writer.flush();
        io.failForce = true;
        CompletableFuture<Boolean> force = forceOnForcerThread(writer);
        IOException cause = (IOException) assertThrows(java.util.concurrent.ExecutionException.class,
                () -> force.get(GUARD_SECONDS, TimeUnit.SECONDS)).getCause();
        assertTrue(cause.getMessage().startsWith("injected force failure"), cause.getMessage());
        assertTrue(writer.failed());
        assertEquals(0, writer.durableLsn());
        IOException append = assertThrows(IOException.class, () -> writer.appendPutLong(2, 2));
        assertSame(cause, append.getCause());
        int forces = io.forcesByForcer;
        IOException again = assertThrows(java.util.concurrent.ExecutionException.class,
                () -> forceOnForcerThread(writer).get(GUARD_SECONDS, TimeUnit.SECONDS)).getCause() instanceof IOException e
                ? e : null;
        assertTrue(again != null && again.getMessage().startsWith("journal failed earlier: "));
        assertEquals(forces, io.forcesByForcer, "a failed force is never tried again");
        assertThrows(IOException.class, writer::sync);
        assertEquals(0, writer.durableLsn());
        writer.close();
    }

    /**
     * The role writes a batch while the force beside it fails: the batch is on the file, but its flush fails, so it is
     * never acknowledged after the failure (docs/DESIGN.md, "Hard rules").
     */
    @Test
    void aBatchWrittenWhileTheForceBesideItFailsIsNotAcknowledged() throws Exception {
        HookedIO io = new HookedIO(new CrashSimulator());
        JournalWriter writer = JournalWriter.open(io, tmp.resolve("journal"), SMALL, 0);
        writer.appendPutLong(1, 1);
        writer.flush();
        io.failForce = true;
        writer.appendPutLong(2, 2);
        io.afterWrite = () -> {
            io.afterWrite = () -> { };
            // The batch reached the file; the force beside the role fails before the flush returns.
            assertThrows(Exception.class, () -> forceOnForcerThread(writer).get(GUARD_SECONDS, TimeUnit.SECONDS));
        };
        IOException e = assertThrows(IOException.class, writer::flush);
        assertTrue(e.getMessage().startsWith("journal failed earlier: "), e.getMessage());
        assertTrue(writer.failed());
        writer.close();
    }

    @Test
    void aCloseRacingAForceWaitsForItAndTheForceAfterACloseDoesNothing() throws Exception {
        HookedIO io = new HookedIO(new CrashSimulator());
        JournalWriter writer = JournalWriter.open(io, tmp.resolve("journal"), SMALL, 0);
        writer.appendPutLong(1, 1);
        writer.flush();
        io.holdForce = true;
        CompletableFuture<Boolean> force = forceOnForcerThread(writer);
        Journals.await(io.forceHeld, GUARD_SECONDS);
        writer.appendPutLong(2, 2);
        CompletableFuture<Void> close = CompletableFuture.runAsync(() -> {
            try {
                writer.close(); // syncs record 2, then closes the file the force beside it still uses
            } catch (IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        });
        io.releaseForce.countDown();
        assertTrue(force.get(GUARD_SECONDS, TimeUnit.SECONDS));
        close.get(GUARD_SECONDS, TimeUnit.SECONDS);
        assertFalse(writer.failed(), "neither the force nor the close saw a closed file");
        assertEquals(2, writer.durableLsn());
        assertFalse(forceOnForcerThread(writer).get(GUARD_SECONDS, TimeUnit.SECONDS));
    }
}
