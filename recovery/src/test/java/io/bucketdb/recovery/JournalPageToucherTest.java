package io.bucketdb.recovery;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.bucketdb.spi.AppendWindow;
import io.bucketdb.spi.DurableFile;
import io.bucketdb.spi.DurableIO;
import io.bucketdb.storage.FileDurableIO;
import io.bucketdb.storage.ForwardingDurableFile;
import io.bucketdb.storage.ForwardingDurableIO;
import io.bucketdb.storage.testkit.Seeds;
import io.bucketdb.storage.testkit.TaskStat;
import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Random;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The journal's next pages faulted in ahead of the appends ({@link JournalPageToucher}, issue 16): it runs with the
 * preparer (the index's background duties), stops with the journal, and changes nothing the journal holds: the same
 * records in the same frames at the same offsets of the same segments, across many window growths and rolls.
 */
class JournalPageToucherTest {
    /** 512 KiB segments: each grows its allocation (and remaps its window) several times before it rolls. */
    private static final JournalOptions OPTIONS = JournalOptions.defaults().withSegmentSize(512 << 10)
            .withBufferSize(16 << 10);
    private static final int RECORDS = 30_000;

    @TempDir
    Path tmp;

    @Test
    void appendsAcrossGrowthsAndRollsLeaveTheSameFramesAndReplayWithOrWithoutTheToucher() throws IOException {
        long seed = Seeds.seed();
        String why = "seed " + seed + " (rerun with -D" + Seeds.PROPERTY + "=" + seed + ")";
        Random random = new Random(seed);
        List<JournalRecord> records = new ArrayList<>();
        for (int i = 0; i < RECORDS; i++) {
            records.add(Journals.randomRecord(random));
        }
        Path with = tmp.resolve("with");
        Path without = tmp.resolve("without");
        Files.createDirectories(with);
        Files.createDirectories(without);
        try (JournalWriter writer = JournalWriter.open(FileDurableIO.INSTANCE, with, OPTIONS.withPrepareAhead(true), 0)) {
            Journals.appendSynced(writer, records, 37);
            assertTrue(toucherThreads() > 0, "the toucher runs while the journal is open; " + why);
        }
        awaitNoToucherThread("the toucher ends after the journal's close; " + why);
        try (JournalWriter writer = JournalWriter.open(FileDurableIO.INSTANCE, without, OPTIONS, 0)) {
            Journals.appendSynced(writer, records, 37);
            assertEquals(0, toucherThreads(), "without the preparer, no toucher; " + why);
        }
        List<Path> segmentsWith = Journals.segments(with);
        List<Path> segmentsWithout = Journals.segments(without);
        assertTrue(segmentsWith.size() >= 4, "the workload rolls several times: " + segmentsWith + "; " + why);
        assertEquals(segmentsWithout.size(), segmentsWith.size(), why);
        for (int i = 0; i < segmentsWith.size(); i++) {
            assertEquals(Journals.frames(segmentsWithout.get(i)), Journals.frames(segmentsWith.get(i)),
                    "segment " + i + ": the same frames at the same offsets; " + why);
        }
        Journals.Replayed replayedWith = Journals.replay(new TestFileIO(), with, OPTIONS);
        Journals.Replayed replayedWithout = Journals.replay(new TestFileIO(), without, OPTIONS);
        assertEquals(records, replayedWith.records(), why);
        assertEquals(replayedWithout.entries(), replayedWith.entries(), why);
    }

    /**
     * The toucher starts the write-back of the pages the appends have filled ({@code tail5}), and only of those: each
     * hint is whole pages, continues where the last one on the file ended, lies below what was put into the file when
     * it was given, is at least {@link JournalPageToucher#WRITEBACK_STEP}, and comes from the toucher's thread, never the
     * writer's. One large segment, so that every hint's file is the one being appended to.
     */
    @Test
    @Timeout(120)
    void theWriteBackItStartsCoversOnlyFilledPagesBehindTheAppends() throws Exception {
        long seed = Seeds.seed();
        String why = "seed " + seed + " (rerun with -D" + Seeds.PROPERTY + "=" + seed + ")";
        Random random = new Random(seed);
        List<JournalRecord> records = new ArrayList<>();
        for (int i = 0; i < 60_000; i++) {
            records.add(Journals.randomRecord(random));
        }
        WritebackRecordingIO io = new WritebackRecordingIO();
        JournalOptions options = JournalOptions.defaults().withSegmentSize(64 << 20).withPrepareAhead(true);
        long appended;
        try (JournalWriter writer = JournalWriter.open(io, tmp, options, 0)) {
            Journals.appendSynced(writer, records, 37);
            appended = io.putEnd.get();
            assertTrue(appended > 2 * JournalPageToucher.WRITEBACK_STEP, "the workload fills several steps; " + why);
            // The toucher runs in the idle class: give it the time a busy machine may take to reach the last request.
            while (io.hints.isEmpty() || io.hintedTo() < (appended & -4096) - 2 * JournalPageToucher.WRITEBACK_STEP) {
                Thread.sleep(1);
            }
        }
        assertEquals(1, Journals.segments(tmp).size(), "one segment, no roll; " + why);
        long end = 0;
        for (Hint h : io.hints) {
            assertEquals(JournalPageToucher.THREAD_NAME, h.thread(), "hinted on the toucher's thread; " + why);
            assertEquals(0, h.position() % 4096, "whole pages: " + h + "; " + why);
            assertEquals(0, h.length() % 4096, "whole pages: " + h + "; " + why);
            assertEquals(end, h.position(), "continues where the last hint ended: " + h + "; " + why);
            assertTrue(h.length() >= JournalPageToucher.WRITEBACK_STEP, "a step or more: " + h + "; " + why);
            assertTrue(h.position() + h.length() <= h.putEnd(), "below what was put when hinted: " + h + "; " + why);
            end = h.position() + h.length();
        }
        assertEquals(records, Journals.replay(new TestFileIO(), tmp, options).records(), why);
    }

    /** A write-back hint: the range, the thread that gave it, and how far the appends had put bytes into the file then. */
    private record Hint(long position, long length, String thread, long putEnd) {
    }

    /** Records each {@code startWriteback} of the journal's segment files, and how far puts into their windows reached. */
    private static final class WritebackRecordingIO extends ForwardingDurableIO {
        final List<Hint> hints = new CopyOnWriteArrayList<>();
        final AtomicLong putEnd = new AtomicLong();

        WritebackRecordingIO() {
            super(FileDurableIO.INSTANCE);
        }

        long hintedTo() {
            return hints.isEmpty() ? 0 : hints.getLast().position() + hints.getLast().length();
        }

        @Override
        public DurableFile open(Path file, Mode mode) throws IOException {
            return new ForwardingDurableFile(delegate.open(file, mode)) {
                @Override
                public void startWriteback(long position, long length) {
                    hints.add(new Hint(position, length, Thread.currentThread().getName(), putEnd.get()));
                    super.startWriteback(position, length);
                }

                @Override
                public AppendWindow mapAppendWindow(long position, long size) throws IOException {
                    AppendWindow w = super.mapAppendWindow(position, size);
                    return new AppendWindow() {
                        @Override
                        public long start() {
                            return w.start();
                        }

                        @Override
                        public long end() {
                            return w.end();
                        }

                        @Override
                        public void put(long at, MemorySegment src, long srcOffset, long length) throws IOException {
                            w.put(at, src, srcOffset, length);
                            putEnd.accumulateAndGet(at + length, Math::max);
                        }

                        @Override
                        public void touch(long from, long to) {
                            w.touch(from, to);
                        }

                        @Override
                        public void force(long from, long to) throws IOException {
                            w.force(from, to);
                        }

                        @Override
                        public void close() {
                            w.close();
                        }
                    };
                }
            };
        }
    }

    /** A journal opened and closed without an append starts no toucher (the thread comes with the first window). */
    @Test
    void aJournalThatNeverAppendsStartsNoToucher() throws IOException {
        awaitNoToucherThread("the touchers of earlier tests end");
        try (JournalWriter writer = JournalWriter.open(FileDurableIO.INSTANCE, tmp, OPTIONS.withPrepareAhead(true), 0)) {
            assertEquals(0, toucherThreads());
        }
        assertEquals(0, toucherThreads());
    }

    /** Stopping a toucher that was never asked for anything ends its thread; a request after a stop is harmless. */
    @Test
    void aStopEndsTheThreadWhetherOrNotItTouched() {
        JournalPageToucher toucher = new JournalPageToucher();
        assertTrue(toucher.running());
        toucher.stop();
        awaitEnd(toucher, "the thread ends after stop");
        toucher.request(null, null, 0);
        toucher.stop();
        assertFalse(toucher.running());
    }

    /**
     * The journal's close does not wait for the toucher: in {@code SCHED_IDLE} on cores other threads keep busy it may
     * not run for a second or more. Here it cannot run at all (held inside a write-back hint) and {@code stop} returns;
     * once let go it ends. With a join in {@code stop} the bounded poll below gives up instead.
     */
    @Test
    void aStopReturnsWhileTheThreadCannotRunAndTheThreadEndsOnceItCan() throws Exception {
        // Held by a spin, not a j.u.c wait: a park inside the hint would take the unpark that stop leaves for the
        // thread's own park.
        AtomicBoolean inHint = new AtomicBoolean();
        AtomicBoolean release = new AtomicBoolean();
        try (DurableFile held = new ForwardingDurableFile(FileDurableIO.INSTANCE.open(tmp.resolve("held"), DurableIO.Mode.CREATE_NEW)) {
            @Override
            public void startWriteback(long position, long length) {
                inHint.set(true);
                while (!release.get()) {
                    Thread.onSpinWait();
                }
            }
        }) {
            JournalPageToucher toucher = new JournalPageToucher();
            try {
                toucher.request(null, held, JournalPageToucher.WRITEBACK_STEP); // one step filled: a hint is due
                for (int i = 0; !inHint.get(); i++) {
                    assertTrue(i < 60_000, "the thread reached the hint");
                    LockSupport.parkNanos(1_000_000);
                }
                Thread stopper = Thread.ofPlatform().start(toucher::stop);
                for (int i = 0; stopper.isAlive(); i++) {
                    assertTrue(i < 60_000, "stop returned while the thread could not run");
                    LockSupport.parkNanos(1_000_000);
                }
                assertTrue(toucher.running(), "the thread is still held in the hint");
            } finally {
                release.set(true);
            }
            awaitEnd(toucher, "the thread ends once it runs again");
        }
    }

    private static void awaitEnd(JournalPageToucher toucher, String what) {
        for (int i = 0; toucher.running(); i++) { // a hang guard: stop does not wait for the thread, the test does
            assertTrue(i < 60_000, what);
            LockSupport.parkNanos(1_000_000);
        }
    }

    private static void awaitNoToucherThread(String what) {
        for (int i = 0; toucherThreads() > 0; i++) {
            assertTrue(i < 60_000, what);
            LockSupport.parkNanos(1_000_000);
        }
    }

    /**
     * The toucher never preempts the writer that wakes it (issue 16, {@code tailcopy}): its thread is in SCHED_IDLE, as
     * the kernel reports it for the task named after it.
     */
    @Test
    @Timeout(60)
    void theToucherRunsInTheIdleClass() throws Exception {
        assumeTrue(System.getProperty("os.name", "").toLowerCase(Locale.ROOT).startsWith("linux"), "Linux only");
        // A toucher an earlier test stopped has ended as a Java thread, but its task can linger a moment in /proc.
        while (toucherTasks(false) > 0) {
            Thread.sleep(1);
        }
        JournalPageToucher toucher = new JournalPageToucher();
        try {
            // The thread moves itself at the start of its run; wait for that (the timeout bounds the wait).
            while (toucherTasks(true) == 0) {
                Thread.sleep(1);
            }
            assertEquals(1, toucherTasks(false), "one toucher, and it is the idle one");
        } finally {
            toucher.stop();
        }
    }

    /**
     * Tasks of this process named as the toucher (the kernel keeps 15 characters of a name), in {@code SCHED_IDLE} only
     * if {@code idleOnly}.
     */
    private static long toucherTasks(boolean idleOnly) throws IOException {
        String name = JournalPageToucher.THREAD_NAME.substring(0, Math.min(15, JournalPageToucher.THREAD_NAME.length()));
        try (Stream<Path> tasks = Files.list(Path.of("/proc/self/task"))) {
            return tasks.filter(t -> {
                try {
                    TaskStat stat = TaskStat.read(t.resolve("stat"));
                    return stat.name().equals(name) && (!idleOnly || stat.policy() == TaskStat.SCHED_IDLE);
                } catch (IOException | RuntimeException gone) {
                    return false; // a task that ended meanwhile
                }
            }).count();
        }
    }

    private static long toucherThreads() {
        return Thread.getAllStackTraces().keySet().stream()
                .filter(t -> t.isAlive() && t.getName().equals(JournalPageToucher.THREAD_NAME)).count();
    }
}
