package io.bucketdb.durability;

import io.bucketdb.BucketDB;
import io.bucketdb.Durability;
import io.bucketdb.Options;
import io.bucketdb.inspect.IndexFiles;
import io.bucketdb.inspect.IndexInspector;
import io.bucketdb.recovery.DoubleWriteLayout;
import io.bucketdb.recovery.JournalSegmentLayout;
import io.bucketdb.spi.DurableFile;
import io.bucketdb.spi.DurableIO;
import io.bucketdb.storage.FileDurableIO;
import io.bucketdb.storage.ForwardingDurableFile;
import io.bucketdb.storage.ForwardingDurableIO;
import io.bucketdb.storage.sim.CrashSimulator;
import io.bucketdb.storage.sim.Fault;
import io.bucketdb.storage.sim.Operation;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.*;

/**
 * A clean close leaves the journal as one header-only segment after the checkpoint and a double-write
 * file without pages (head and header image): the next open reads no journal frame the checkpoint covers, the directory holds
 * no preallocated journal or double-write bytes, and a crash at any I/O of that close sequence still
 * recovers every acknowledged write.
 */
class CleanCloseTest {
    private static final long HASH_SEED = 0x5EED_C105EL;
    private static final long MINIMAL_DOUBLE_WRITE = DoubleWriteLayout.BODY + DoubleWriteLayout.PAGE;

    Path tmp;

    @BeforeEach
    void scratch() throws IOException {
        tmp = Fixtures.scratch("bucketdb-clean-close");
    }

    @AfterEach
    void deleteScratch() throws IOException {
        Fixtures.delete(tmp);
    }

    /** Big segments and no checkpoint before close: every record sits in front of the closing checkpoint. */
    private static Options bigJournal(DurableIO io) {
        return Options.defaults().withDurableIO(io).withDurability(Durability.ASYNC).withHashSeed(HASH_SEED)
                .withJournalSegmentSize(4 << 20)
                .withCheckpointTriggers(Long.MAX_VALUE, Long.MAX_VALUE, Duration.ofDays(1));
    }

    @Test
    void openAfterCleanCloseReadsNoJournalFrameBeforeTheCheckpoint() throws Exception {
        Path dir = tmp.resolve("idx");
        int n = 30_000;
        try (BucketDB db = BucketDB.open(dir, bigJournal(FileDurableIO.INSTANCE))) {
            for (long k = 0; k < n; k++) {
                db.putLong(k, k * 7);
            }
        }
        CountingIO counting = new CountingIO();
        try (BucketDB db = BucketDB.open(dir, bigJournal(counting))) {
            assertFalse(db.recovery().needed(), "a clean close needs no recovery: " + db.recovery());
            // Each reader of the journal reads the one segment's header; none walks frames.
            long journalRead = counting.read("journal-");
            assertTrue(journalRead <= 4L * JournalSegmentLayout.HEADER_LENGTH,
                    "open read " + journalRead + " bytes of journal after a clean close of " + n + " puts");
            assertTrue(counting.read(DoubleWriteLayout.FILE_NAME) <= DoubleWriteLayout.BODY, "open read more than the double-write head");
            assertEquals(n, db.size());
            for (long k = 0; k < n; k += 997) {
                assertEquals(k * 7, db.getLong(k, -1));
            }
        }
    }

    @Test
    void cleanCloseLeavesNoDoubleWriteBytesAndNoSpareJournal() throws Exception {
        Path dir = tmp.resolve("idx");
        // Small segments and checkpoint triggers: the index rolls, recycles into spares and double-writes.
        Options options = CrashRecoveryTest.crashOptions(new CrashSimulator(), HASH_SEED).withCheckpointsInBackground(true);
        BucketDB db = BucketDB.open(dir, options);
        for (long k = 0; k < 5_000; k++) {
            db.putLong(k, k + 1);
        }
        assertTrue(Files.size(dir.resolve(DoubleWriteLayout.FILE_NAME)) > MINIMAL_DOUBLE_WRITE, "checkpoints ran while open");
        assertTrue(journalFiles(dir).size() > 1, "segments and spares while open: " + journalFiles(dir));
        db.close();
        assertMinimal(dir);

        // Reopening allocates nothing until a write needs it (a full disk still lets it open); a close with
        // nothing appended leaves the header-only segment.
        db = BucketDB.open(dir, options);
        assertFalse(db.recovery().needed(), db.recovery().toString());
        assertEquals(List.of((long) JournalSegmentLayout.HEADER_LENGTH), journalSizes(dir), "the open segment takes no space before a write");
        db.close();
        assertMinimal(dir);

        // And the next writes go on after the checkpoint, across rolls, and close to the minimal directory again.
        db = BucketDB.open(dir, options);
        for (long k = 5_000; k < 8_000; k++) {
            db.putLong(k, k + 1);
        }
        db.close();
        assertMinimal(dir);
        try (BucketDB reopened = BucketDB.open(dir, options)) {
            assertEquals(8_000, reopened.size());
            for (long k = 0; k < 8_000; k += 37) {
                assertEquals(k + 1, reopened.getLong(k, -1));
            }
        }
        try (IndexInspector inspector = IndexInspector.open(dir)) {
            assertEquals(List.of(), inspector.verify(), "verify after a clean close");
        }
        IndexFiles files = IndexFiles.of(dir);
        assertEquals(MINIMAL_DOUBLE_WRITE, files.doubleWrite());
        assertEquals(JournalSegmentLayout.HEADER_LENGTH, files.journal());
    }

    private static void assertMinimal(Path dir) throws IOException {
        // The closing checkpoint's batch without its pages: head and header image only.
        assertEquals(MINIMAL_DOUBLE_WRITE, Files.size(dir.resolve(DoubleWriteLayout.FILE_NAME)), "double-write bytes after a clean close");
        List<Path> journal = journalFiles(dir);
        assertEquals(1, journal.size(), "journal files after a clean close: " + journal);
        assertTrue(journal.getFirst().getFileName().toString().endsWith(".log"), journal.toString());
        assertEquals(JournalSegmentLayout.HEADER_LENGTH, Files.size(journal.getFirst()), "the segment holds only its header");
    }

    private static List<Path> journalFiles(Path dir) throws IOException {
        try (Stream<Path> files = Files.list(dir)) {
            return files.filter(p -> p.getFileName().toString().startsWith("journal-")).sorted().toList();
        }
    }

    private static List<Long> journalSizes(Path dir) throws IOException {
        List<Long> sizes = new ArrayList<>();
        for (Path p : journalFiles(dir)) {
            sizes.add(Files.size(p));
        }
        return sizes;
    }

    /**
     * Power loss at every durable I/O of a close (the closing checkpoint, the new empty segment, the deletes,
     * the double-write truncation, the table trim), after a workload that left several segments and spares:
     * every image opens with every acknowledged write, and closes cleanly again.
     */
    @Test
    void crashAtEveryOperationOfACleanCloseKeepsEveryAcknowledgedWrite() throws Exception {
        Path dir = tmp.resolve("count");
        CrashSimulator counter = new CrashSimulator();
        Workload uncrashed = run(dir, counter, Long.MAX_VALUE);
        long start = uncrashed.startOps;
        uncrashed.db.close();
        long count = counter.operationCount() - start;
        Fixtures.delete(dir);
        assertTrue(count > 10, "close does " + count + " operations");
        int images = 0;
        List<String> failures = new ArrayList<>();
        for (long n = 0; n <= count; n++) {
            Path work = tmp.resolve("w");
            CrashSimulator sim = new CrashSimulator();
            Workload w = run(work, sim, n);
            assertEquals(start, w.startOps, "the workload is not deterministic");
            try {
                w.db.close();
            } catch (IOException | UncheckedIOException | IllegalStateException e) {
                assertTrue(sim.crashed(), "close failed without a crash: " + e);
            }
            assertEquals(n < count, sim.crashed(), "crash point " + n + " of " + count);
            SplittableRandom rnd = new SplittableRandom(n);
            Set<String> seen = new HashSet<>();
            Path image = tmp.resolve("img");
            for (int i = 0; i < 5; i++) {
                String kind = Fixtures.image(sim, work, image, i, rnd.nextLong());
                if (!seen.add(Fixtures.digest(image))) {
                    continue;
                }
                String where = "close crashed after its operation " + n + " of " + count + ", " + kind;
                try {
                    Fixtures.recoverAndCheck(image, w.oracle, i < 2, where);
                    assertMinimal(image);
                    images++;
                } catch (AssertionError e) {
                    failures.add(e.getMessage());
                }
            }
            Fixtures.delete(work);
            Fixtures.delete(image);
        }
        System.out.printf("CleanCloseTest: %d crash points in close, %d distinct images recovered%n", count + 1, images);
        assertEquals(List.of(), failures.subList(0, Math.min(12, failures.size())), failures.size() + " failures");
    }

    /**
     * A full or failing disk at every durable I/O of a close (EIO at that operation once, or ENOSPC from it on), then
     * what a user does next in the same boot: reopen once space is back (the page cache still serving the bytes of a
     * failed force), write, and lose power. A force of the new header-only segment that failed after the clean header
     * was forced left a segment whose creation was never synced: the reopen appended to it, and the power loss took it
     * away with every write of the new life, which recovery did not notice.
     */
    @Test
    void aFaultAtEveryOperationOfACloseThenAReopenAndAPowerLossKeepEveryAcknowledgedWrite() throws Exception {
        Path dir = tmp.resolve("count");
        CrashSimulator counter = new CrashSimulator();
        Workload uncrashed = run(dir, counter, Long.MAX_VALUE);
        long start = uncrashed.startOps;
        uncrashed.db.close();
        long end = counter.operationCount();
        Fixtures.delete(dir);
        List<String> failures = new ArrayList<>();
        for (Fault fault : Fault.values()) {
            for (long n = start + 1; n <= end; n++) {
                String where = fault + (fault == Fault.ENOSPC ? " from" : " at") + " operation " + (n - start) + " of "
                        + (end - start) + " of the close";
                try {
                    failCloseReopenAndLosePower(n, fault, where);
                } catch (AssertionError e) {
                    failures.add(e.getMessage());
                }
            }
        }
        assertEquals(List.of(), failures.subList(0, Math.min(12, failures.size())), failures.size() + " failures");
    }

    private void failCloseReopenAndLosePower(long n, Fault fault, String where) throws IOException {
        Path work = tmp.resolve("w");
        CrashSimulator sim = new CrashSimulator(n);
        Workload w = run(work, sim, Long.MAX_VALUE);
        // Directory syncs excepted, as in FaultAtEveryOperationTest: Linux does not retry a failed one.
        boolean persistent = fault == Fault.ENOSPC;
        sim.failWhen(op -> op.kind() != Operation.Kind.SYNC_DIRECTORY
                && (op.index() == n || (persistent && op.index() > n && op.kind().touchesFileData())), fault);
        try {
            w.db.close();
        } catch (IOException | UncheckedIOException | IllegalStateException e) {
            where += " (close threw " + e.getMessage() + ")";
        }
        sim.clearFailures();
        Path image = tmp.resolve("img");
        try (BucketDB reopened = BucketDB.open(work, CrashRecoveryTest.crashOptions(sim, HASH_SEED))) {
            w.oracle.check(reopened, where + ", reopened in the same boot");
            SplittableRandom rnd = new SplittableRandom(n);
            for (int op = 0; op < 50; op++) {
                long key = rnd.nextInt(1_000);
                long value = rnd.nextLong() & Long.MAX_VALUE;
                w.oracle.begin(key, value);
                reopened.putLong(key, value);
                w.oracle.acknowledged();
            }
            for (int i = 0; i < 3; i++) { // KEEP_ALL, DROP_ALL, seeded: a power loss, no close
                String kind = Fixtures.image(sim, work, image, i, rnd.nextLong());
                Fixtures.recoverAndCheck(image, w.oracle, false, where + ", reopened, written, then a power loss, " + kind);
            }
        } finally {
            Fixtures.delete(image);
            Fixtures.delete(work);
        }
    }

    private static final class Workload {
        long startOps;
        BucketDB db;
        final CrashOracle oracle = new CrashOracle();
    }

    /** Puts, overwrites and deletes across several segments and checkpoints; the crash point counts from the close. */
    private static Workload run(Path dir, CrashSimulator sim, long crashAfterInClose) throws IOException {
        Workload w = new Workload();
        w.db = BucketDB.open(dir, CrashRecoveryTest.crashOptions(sim, HASH_SEED));
        SplittableRandom rnd = new SplittableRandom(42);
        for (int op = 0; op < 2_500; op++) {
            long key = rnd.nextInt(800);
            if (rnd.nextInt(10) < 8) {
                long value = rnd.nextLong() & Long.MAX_VALUE;
                w.oracle.begin(key, value);
                w.db.putLong(key, value);
            } else {
                w.oracle.begin(key, null);
                w.db.deleteLong(key);
            }
            w.oracle.acknowledged();
        }
        w.startOps = sim.operationCount();
        if (crashAfterInClose != Long.MAX_VALUE) {
            sim.crashAfter(w.startOps + crashAfterInClose);
        }
        return w;
    }

    /** Real files, counting the bytes read per file name. */
    private static final class CountingIO extends ForwardingDurableIO {
        private final ConcurrentHashMap<String, LongAdder> reads = new ConcurrentHashMap<>();

        CountingIO() {
            super(FileDurableIO.INSTANCE);
        }

        long read(String namePrefix) {
            return reads.entrySet().stream().filter(e -> e.getKey().startsWith(namePrefix))
                    .mapToLong(e -> e.getValue().sum()).sum();
        }

        @Override
        public DurableFile open(Path file, Mode mode) throws IOException {
            LongAdder counter = reads.computeIfAbsent(file.getFileName().toString(), k -> new LongAdder());
            return new ForwardingDurableFile(delegate.open(file, mode)) {
                @Override
                public void read(long position, ByteBuffer dst) throws IOException {
                    int before = dst.position();
                    delegate.read(position, dst);
                    counter.add(dst.position() - before);
                }
            };
        }
    }
}
