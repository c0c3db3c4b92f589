package io.bucketdb.recovery;

import static io.bucketdb.recovery.Journals.SMALL;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.bucketdb.recovery.JournalRecord.Put;
import io.bucketdb.spi.AppendWindow;
import io.bucketdb.spi.DurableFile;
import io.bucketdb.spi.DurableIO;
import io.bucketdb.storage.ForwardingAppendWindow;
import io.bucketdb.storage.ForwardingDurableFile;
import io.bucketdb.storage.ForwardingDurableIO;
import io.bucketdb.storage.sim.CrashMode;
import io.bucketdb.storage.sim.CrashSimulator;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The journal appended through a shared mapping of its segment (issue 16, "the journal append without a system call"):
 * a batch is in the file once {@link JournalWriter#flush()} returns, with no system call, so a process kill keeps it
 * while only a force makes it survive a power loss; a segment that grows is remapped, and a roll waits for a force beside
 * the role before it closes the window that force uses. Every window is closed by the time its file is.
 */
class MappedAppendTest {
    /** A hang guard for the threads these tests start; the assertions are about outcomes, not time. */
    private static final long GUARD_SECONDS = 60;

    @TempDir
    Path tmp;

    /**
     * Counts the append windows mapped and closed; a force of a window by a thread named {@code forcer} can be held before
     * it forces (a force that has begun but not reached the mapping yet).
     */
    private static final class WindowIO extends ForwardingDurableIO {
        final AtomicInteger mapped = new AtomicInteger();
        final AtomicInteger closed = new AtomicInteger();
        final CountDownLatch forceHeld = new CountDownLatch(1);
        final CountDownLatch releaseForce = new CountDownLatch(1);
        volatile boolean holdForce;

        WindowIO(DurableIO delegate) {
            super(delegate);
        }

        @Override
        public DurableFile open(Path file, Mode mode) throws IOException {
            return new ForwardingDurableFile(delegate.open(file, mode)) {
                @Override
                public AppendWindow mapAppendWindow(long position, long size) throws IOException {
                    mapped.incrementAndGet();
                    return new ForwardingAppendWindow(delegate.mapAppendWindow(position, size)) {
                        @Override
                        public void force(long from, long to) throws IOException {
                            if (holdForce && Thread.currentThread().getName().equals("forcer")) {
                                holdForce = false;
                                forceHeld.countDown();
                                Journals.await(releaseForce, GUARD_SECONDS);
                            }
                            delegate.force(from, to); // throws if the window was closed meanwhile
                        }

                        @Override
                        public void close() {
                            closed.incrementAndGet();
                            delegate.close();
                        }
                    };
                }
            };
        }
    }

    @Test
    void aKillAfterAMappedAppendWithoutAForceRecoversTheWrite() throws Exception {
        CrashSimulator sim = new CrashSimulator();
        WindowIO io = new WindowIO(sim);
        Path dir = Journals.durableDirectory(sim, tmp, "journal");
        JournalWriter writer = JournalWriter.open(io, dir, SMALL, 0);
        for (long k = 1; k <= 5; k++) {
            writer.appendPutLong(k, k);
        }
        writer.sync();
        for (long k = 6; k <= 10; k++) {
            writer.appendPutLong(k, -k);
        }
        long ops = sim.operationCount();
        writer.flush();
        assertEquals(ops, sim.operationCount(), "the batch went into the mapping: no write, no system call");
        assertEquals(10, writer.writtenLsn());
        sim.crashAfter(sim.operationCount()); // the process is killed: nothing after this reaches the files
        writer.abandon();
        assertEquals(io.mapped.get(), io.closed.get(), "every window closed with its file");

        Journals.Replayed afterKill = Journals.replay(new TestFileIO(), dir, SMALL);
        assertEquals(10, afterKill.report().lastLsn(), "a kill keeps what the mapping holds");
        Put last = (Put) afterKill.records().getLast();
        assertEquals(-10L, java.nio.ByteBuffer.wrap(last.value()).order(java.nio.ByteOrder.LITTLE_ENDIAN).getLong());
        assertEquals(5, Journals.lastLsnAfterPowerLoss(sim, tmp, dir, SMALL), "a power loss keeps only what the force covered");
    }

    @Test
    void aSegmentGrowsAcrossItsMappedWindowAndKeepsEveryRecord() throws Exception {
        JournalOptions options = JournalOptions.defaults().withSegmentSize(8L << 20).withBufferSize(64 << 10);
        CrashSimulator sim = new CrashSimulator();
        WindowIO io = new WindowIO(sim);
        Path dir = Journals.durableDirectory(sim, tmp, "journal");
        byte[] value = new byte[1000];
        int records = 3500; // about 3.5 MiB: past the first allocation (1 MiB) and its first two doublings
        try (JournalWriter writer = JournalWriter.open(io, dir, options, 0)) {
            for (int i = 1; i <= records; i++) {
                Arrays.fill(value, (byte) i);
                writer.appendPut(new byte[] {(byte) i, (byte) (i >> 8)}, value);
                if (i % 50 == 0) {
                    writer.flush(); // batches of about 50 KiB, so one of them straddles each window's end
                }
            }
            writer.sync();
            assertTrue(io.mapped.get() >= 3, "the window was remapped as the segment grew: " + io.mapped.get());
            // Retired, not closed: a force beside the role may still be forcing one, and the swap no longer waits for
            // it (issue 16); they are closed with the segment's current window.
            assertEquals(0, io.closed.get(), "no smaller window closed while the segment is current");
            assertEquals(1, Journals.segments(dir).size(), "one segment, grown, not rolled");
            assertTrue(Files.size(Journals.lastSegment(dir)) >= 4L << 20, "allocated as far as the frames went");
        }
        assertEquals(io.mapped.get(), io.closed.get(), "closing the writer closed the last window");
        Path image = tmp.resolve("image");
        sim.writeCrashImage(dir, image, CrashMode.DROP_ALL);
        Journals.Replayed replayed = Journals.replay(new TestFileIO(), image, options);
        assertEquals(records, replayed.report().lastLsn(), "every record a force covered survives a power loss");
        for (int i = 1; i <= records; i++) {
            Put put = (Put) replayed.records().get(i - 1);
            Arrays.fill(value, (byte) i);
            assertArrayEquals(new byte[] {(byte) i, (byte) (i >> 8)}, put.key(), "record " + i);
            assertArrayEquals(value, put.value(), "record " + i);
        }
        Journals.deleteTree(image);
    }

    /**
     * A batch rolls into a new segment while a force beside the role is still inside the old segment's window: the roll
     * waits for it (it needs the forces' lock to force the old segment and switch) and only then closes that window, so
     * the force returns normally and nothing is lost.
     */
    @Test
    void aRollWhileAForceBesideTheRoleRunsClosesTheWindowOnlyAfterIt() throws Exception {
        CrashSimulator sim = new CrashSimulator();
        WindowIO io = new WindowIO(sim);
        Path dir = Journals.durableDirectory(sim, tmp, "journal");
        JournalWriter writer = JournalWriter.open(io, dir, SMALL, 0);
        for (long k = 1; k <= 10; k++) {
            writer.appendPutLong(k, k);
        }
        writer.flush();
        io.holdForce = true;
        CompletableFuture<Boolean> force = new CompletableFuture<>();
        Thread.ofPlatform().name("forcer").daemon().start(() -> {
            try {
                force.complete(writer.forceWritten());
            } catch (Throwable t) {
                force.completeExceptionally(t);
            }
        });
        Journals.await(io.forceHeld, GUARD_SECONDS);
        // 40-byte frames: about 1600 fit in a 64 KiB segment, so 2000 more roll once.
        CompletableFuture<Void> rolling = CompletableFuture.runAsync(() -> {
            try {
                for (long k = 11; k <= 2010; k++) {
                    writer.appendPutLong(k, k);
                }
                writer.flush();
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        });
        io.releaseForce.countDown();
        assertTrue(force.get(GUARD_SECONDS, TimeUnit.SECONDS), "the force beside the role forced");
        rolling.get(GUARD_SECONDS, TimeUnit.SECONDS);
        assertFalse(writer.failed());
        assertEquals(2, Journals.segments(dir).size(), "the batch rolled once");
        assertEquals(io.mapped.get() - 1, io.closed.get(), "the old segment's window was closed by the roll");
        writer.sync();
        assertEquals(2010, Journals.lastLsnAfterPowerLoss(sim, tmp, dir, SMALL));
        writer.close();
        assertEquals(io.mapped.get(), io.closed.get());
    }
}
