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
        long total;
        {
            CrashSimulator sim = new CrashSimulator();
            Path dir = Journals.durableDirectory(sim, tmp, "count");
            long before = sim.operationCount();
            try (JournalWriter writer = JournalWriter.open(sim, dir, AHEAD, 0)) {
                run(writer, BATCHES);
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
            JournalWriter writer = null;
            try {
                writer = JournalWriter.open(sim, dir, AHEAD, 0);
                acknowledged = run(writer, BATCHES);
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
                    long last = Journals.replay(new TestFileIO(), image, AHEAD).report().lastLsn();
                    assertTrue(last >= acknowledged, where + ": replay ends at " + last + ", " + acknowledged + " were synced");
                    TestFileIO again = new TestFileIO();
                    try (JournalWriter reopened = JournalWriter.open(again, image, AHEAD, 0)) {
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
                    assertEquals(last + 3 * BATCH * 7, Journals.replay(again, image, AHEAD).report().lastLsn(), where);
                } finally {
                    Journals.deleteTree(image);
                }
            }
            Journals.deleteTree(dir);
        }
    }

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
