package io.bucketdb.recovery;

import static io.bucketdb.recovery.Journals.SMALL;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.bucketdb.spi.AppendWindow;
import io.bucketdb.spi.DurableFile;
import io.bucketdb.spi.DurableIO;
import io.bucketdb.storage.ForwardingAppendWindow;
import io.bucketdb.storage.ForwardingDurableFile;
import io.bucketdb.storage.ForwardingDurableIO;
import io.bucketdb.storage.sim.CrashMode;
import io.bucketdb.storage.sim.CrashSimulator;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Journal segments prepared ahead of their rolls ({@link SegmentPreparer}, issue 16): the roll takes the prepared
 * spare, so the writer creates and allocates no segment file itself, and a crash at any operation of a preparation,
 * or of the roll that takes its spare, replays every forced record and reopens.
 */
class PreparedSegmentTest {
    @TempDir
    Path tmp;

    private static final JournalOptions AHEAD = SMALL.withPrepareAhead(true);
    /** Records per synced batch and batches in the workload: three segments and a bit of the fourth. */
    private static final int BATCH = 100;
    private static final int BATCHES = 40;

    @Test
    void aRollTakesThePreparedSpareAndTheWriterCreatesNoSegmentFile() throws Exception {
        CrashSimulator sim = new CrashSimulator();
        Recording io = new Recording(sim);
        Path dir = Journals.durableDirectory(sim, tmp, "journal");
        try (JournalWriter writer = JournalWriter.open(io, dir, AHEAD, 0)) {
            run(writer, BATCHES);
            assertTrue(Journals.segments(dir).size() >= 3, "the workload rolls at least twice");
        }
        String writer = Thread.currentThread().getName();
        List<String> created = io.creations.stream().filter(c -> c.startsWith(writer + " ")).toList();
        assertEquals(List.of(writer + " " + SegmentFiles.segmentPath(dir, 1).getFileName()), created,
                "the writer created the first segment only; every later one was a prepared spare: " + io.creations);
        assertTrue(io.creations.stream().anyMatch(c -> c.startsWith(SegmentPreparer.THREAD_NAME + " ")),
                "the preparer made the spares: " + io.creations);
        assertEquals(io.mapped.get(), io.windowCloses.size(), "every window was closed by the writer's close");
        assertTrue(io.windowCloses.contains(SegmentPreparer.THREAD_NAME),
                "the windows a roll left behind were unmapped on the preparer's thread: " + io.windowCloses);
        Journals.Replayed replayed = Journals.replay(new TestFileIO(), dir, AHEAD);
        assertEquals((long) BATCH * BATCHES, replayed.report().lastLsn());
    }

    /**
     * A crash after every operation of the workload (the preparations, the rolls that rename their spares, the appends
     * and forces), each image taken twice (every unforced change kept, every one dropped): replay finds at least every
     * record a sync acknowledged, and the journal reopens (with whatever spare the crash left) and keeps appending.
     */
    @Test
    void aCrashAtEveryOperationOfAPreparationOrItsRollReplaysEveryForcedRecordAndReopens() throws Exception {
        crashAtEveryOperation(AHEAD, writer -> run(writer, BATCHES));
    }

    /**
     * A recycle with no room left for spares leaves the deletion of the segments it covers to the preparer's thread
     * (unlinking a full segment took 46 ms on the writer in a 10M-put load), and the journal reads as before.
     */
    @Test
    void aRecycleLeavesItsDeletionsToThePreparer() throws Exception {
        CrashSimulator sim = new CrashSimulator();
        Recording io = new Recording(sim);
        Path dir = Journals.durableDirectory(sim, tmp, "journal");
        JournalOptions options = AHEAD.withMaxSpareSegments(0);
        try (JournalWriter writer = JournalWriter.open(io, dir, options, 0)) {
            run(writer, BATCHES);
            long last = writer.lastLsn();
            assertTrue(writer.recycleBelow(last) >= 2, "the workload filled segments a checkpoint at its end covers");
            writer.awaitPreparedSegment();
            assertEquals(1, Journals.segments(dir).size(), "only the current segment is left");
            assertEquals(last, Journals.replay(new TestFileIO(), dir, options, last - 1, DamagePolicy.FAIL).report()
                    .lastLsn());
        }
        String writer = Thread.currentThread().getName();
        assertTrue(io.deletions.stream().noneMatch(d -> d.startsWith(writer + " ")),
                "the writer deleted no segment: " + io.deletions);
        assertTrue(io.deletions.stream().anyMatch(d -> d.startsWith(SegmentPreparer.THREAD_NAME + " ")),
                "the preparer did: " + io.deletions);
    }

    /**
     * A crash after every operation of a workload that recycles, with no room for spares, the segments below a
     * checkpoint every fifth batch (renamed to spares on the writer, deleted on the preparer's thread), each image taken
     * twice: the journal replays every record a sync acknowledged and reopens with whatever spares the crash left.
     */
    @Test
    void aCrashAtEveryOperationOfARecycleAndItsDeletionsReopens() throws Exception {
        crashAtEveryOperation(AHEAD.withMaxSpareSegments(0), writer -> runAndRecycle(writer, 25));
    }

    /** A workload of one journal life: returns the last LSN a sync acknowledged. */
    private interface Workload {
        long run(JournalWriter writer) throws IOException;
    }

    /**
     * Runs {@code workload} once to count its durable operations, then once per operation with a crash after it; each
     * crash image, taken twice (every unforced change kept, every one dropped), must replay at least every record a
     * sync acknowledged (after the last recycle's {@link #checkpoint}), reopen at the LSN replay reached, and keep
     * appending past the next roll.
     */
    private void crashAtEveryOperation(JournalOptions options, Workload workload) throws Exception {
        long total;
        {
            CrashSimulator sim = new CrashSimulator();
            Path dir = Journals.durableDirectory(sim, tmp, "count");
            long before = sim.operationCount();
            try (JournalWriter writer = JournalWriter.open(sim, dir, options, 0)) {
                workload.run(writer);
            }
            total = sim.operationCount() - before;
            Journals.deleteTree(dir);
        }
        for (long crashAt = 1; crashAt <= total; crashAt++) {
            CrashSimulator sim = new CrashSimulator();
            Path dir = Journals.durableDirectory(sim, tmp, "run");
            sim.crashAfter(sim.operationCount() + crashAt);
            long acknowledged;
            lastAcknowledged = 0;
            checkpoint = 0;
            JournalWriter writer = null;
            try {
                writer = JournalWriter.open(sim, dir, options, 0);
                acknowledged = workload.run(writer);
            } catch (IOException crashed) { // a SimulatedCrashException, or what it made fail
                acknowledged = lastAcknowledged;
            } finally {
                if (writer != null) {
                    writer.awaitPreparedSegment();
                    try {
                        writer.abandon();
                    } catch (IOException | RuntimeException ignored) {
                        // the files are gone with the crash
                    }
                }
            }
            for (CrashMode mode : CrashMode.values()) {
                Path image = tmp.resolve("image");
                sim.writeCrashImage(dir, image, mode);
                try {
                    String where = "crash after operation " + crashAt + " of " + total + ", " + mode;
                    long last = Journals.replay(new TestFileIO(), image, options, checkpoint, DamagePolicy.FAIL).report()
                            .lastLsn();
                    assertTrue(last >= acknowledged, where + ": replay ends at " + last + ", " + acknowledged + " were synced");
                    TestFileIO again = new TestFileIO();
                    try (JournalWriter reopened = JournalWriter.open(again, image, options, checkpoint)) {
                        assertEquals(last, reopened.lastLsn(), where);
                        for (int i = 0; i < 3 * BATCH * 7; i++) { // past the next roll, into a spare if one was left
                            reopened.appendPutLong(last + i + 1, i);
                            if (i % BATCH == 0) {
                                reopened.sync();
                                reopened.awaitPreparedSegment();
                            }
                        }
                        reopened.sync();
                    }
                    assertEquals(last + 3 * BATCH * 7, Journals.replay(again, image, options, checkpoint, DamagePolicy.FAIL)
                            .report().lastLsn(), where);
                } finally {
                    Journals.deleteTree(image);
                }
            }
            Journals.deleteTree(dir);
        }
    }

    /**
     * {@link #run}, with a recycle below the last synced LSN after every fifth batch, each followed by a wait for the
     * preparer's deletions, so the file operations come in one order, run after run.
     */
    private long runAndRecycle(JournalWriter writer, int batches) throws IOException {
        long lsn = 0;
        for (int b = 1; b <= batches; b++) {
            for (int i = 0; i < BATCH; i++) {
                lsn++;
                writer.appendPutLong(lsn, ~lsn);
            }
            writer.sync();
            lastAcknowledged = lsn;
            writer.awaitPreparedSegment();
            if (b % 5 == 0) {
                checkpoint = lsn; // as a checkpoint at lsn would be installed before its recycle
                writer.recycleBelow(lsn);
                writer.awaitPreparedSegment();
            }
        }
        return lsn;
    }

    /** The LSN of the last (simulated) checkpoint {@link #runAndRecycle} recycled below. */
    private long checkpoint;

    /** The LSN the last sync of {@link #run} acknowledged before a crash cut it. */
    private long lastAcknowledged;

    /**
     * Appends {@code batches} synced batches of 8-byte puts; after each sync waits for a preparation under way, so the
     * file operations come in one order, run after run. Returns the last LSN a sync acknowledged.
     */
    private long run(JournalWriter writer, int batches) throws IOException {
        long lsn = 0;
        for (int b = 0; b < batches; b++) {
            for (int i = 0; i < BATCH; i++) {
                lsn++;
                writer.appendPutLong(lsn, ~lsn);
            }
            writer.sync();
            lastAcknowledged = lsn;
            writer.awaitPreparedSegment();
        }
        return lsn;
    }

    /** Records which thread created which file. */
    private static final class Recording extends ForwardingDurableIO {
        final List<String> creations = Collections.synchronizedList(new ArrayList<>());

        Recording(DurableIO delegate) {
            super(delegate);
        }

        final List<String> deletions = Collections.synchronizedList(new ArrayList<>());

        @Override
        public void delete(Path file) throws IOException {
            deletions.add(Thread.currentThread().getName() + " " + file.getFileName());
            super.delete(file);
        }

        final AtomicInteger mapped = new AtomicInteger();
        final List<String> windowCloses = Collections.synchronizedList(new ArrayList<>());

        @Override
        public DurableFile open(Path file, Mode mode) throws IOException {
            if (mode == Mode.CREATE_NEW) {
                creations.add(Thread.currentThread().getName() + " " + file.getFileName());
            }
            return new ForwardingDurableFile(super.open(file, mode)) {
                @Override
                public AppendWindow mapAppendWindow(long position, long size) throws IOException {
                    mapped.incrementAndGet();
                    return new ForwardingAppendWindow(delegate.mapAppendWindow(position, size)) {
                        @Override
                        public void close() {
                            windowCloses.add(Thread.currentThread().getName());
                            delegate.close();
                        }
                    };
                }
            };
        }
    }
}
