package io.bucketdb.engine;

import io.bucketdb.BucketDB;
import io.bucketdb.Durability;
import io.bucketdb.Options;
import io.bucketdb.storage.testkit.Seeds;
import io.bucketdb.WriteBatch;
import io.bucketdb.spi.CorruptIndexException;
import io.bucketdb.storage.IndexFileNames;
import io.bucketdb.storage.sim.CrashMode;
import io.bucketdb.storage.sim.CrashSimulator;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Read-only views in one JVM: they replay the journal after the checkpoint, write nothing, catch up on
 * {@link BucketDB#refresh()} (also across the writer's checkpoints) and report damage as recovery does.
 * The writer in another process is {@link LiveViewProcessTest}'s.
 */
class ReadOnlyViewTest {
    @TempDir
    Path tmp;

    /** A writer that checkpoints only when asked: everything else stays in the journal. */
    private static Options writer(Durability durability) {
        return Options.defaults()
                .withDurability(durability)
                .withChunking(16, 16)
                .withJournalSegmentSize(64 * 1024).withJournalBufferSize(16 * 1024)
                .withCheckpointTriggers(Long.MAX_VALUE, Long.MAX_VALUE, Duration.ofHours(1));
    }

    /** A view whose every file operation that changes anything is counted: it must count none. */
    private static Options view(CrashSimulator counter) {
        return Options.defaults().withReadOnly(true).withChunking(16, 16).withDurableIO(counter);
    }

    @Test
    void aViewOfALiveWriterHoldsEveryAcknowledgedWriteAndWritesNothing() throws IOException {
        Path dir = tmp.resolve("idx");
        try (BucketDB w = BucketDB.open(dir, writer(Durability.ASYNC))) {
            for (long k = 0; k < 5_000; k++) {
                w.putLong(k, k * 7);
            }
            w.deleteLong(17);
            CrashSimulator counter = new CrashSimulator();
            try (BucketDB v = BucketDB.open(dir, view(counter))) {
                assertEquals(4_999, v.size());
                assertEquals(-1, v.getLong(17, -1));
                for (long k = 0; k < 5_000; k++) {
                    if (k != 17) {
                        assertEquals(k * 7, v.getLong(k, -1), "key " + k);
                    }
                }
                assertTrue(v.lsn() >= 5_001, "the view shows the writer's last write: " + v.lsn());
                assertTrue(v.recovery().recordsReplayed() >= 5_000, "replayed " + v.recovery());
                assertThrows(IllegalStateException.class, () -> v.putLong(1, 1));
                assertThrows(IllegalStateException.class, w::refresh, "a writer is always current");
            }
            assertEquals(0, counter.operationCount(), "the view changed a file");
        }
    }

    /**
     * A writer appending without pause: the frame being written can read as incomplete and then, read again a moment
     * later, as complete, which in a dead writer's journal means damage. A view beside a live writer must take it for
     * the tail it is (BackupCommandTest hit this).
     */
    @Test
    void viewsOpenAndRefreshWhileAWriterAppendsWithoutPause() throws Exception {
        Path dir = tmp.resolve("idx");
        try (BucketDB w = BucketDB.open(dir, writer(Durability.SYNC))) {
            AtomicBoolean stop = new AtomicBoolean();
            AtomicReference<Throwable> failure = new AtomicReference<>();
            java.util.concurrent.atomic.AtomicLong acked = new java.util.concurrent.atomic.AtomicLong();
            Thread writer = Thread.ofPlatform().start(() -> {
                try {
                    for (long k = 1; !stop.get(); k++) {
                        w.putLong(k % 1_000, k);
                        acked.set(k);
                    }
                } catch (Throwable e) {
                    failure.set(e);
                }
            });
            try {
                for (int i = 0; i < 40 && failure.get() == null; i++) {
                    long before = acked.get();
                    try (BucketDB v = BucketDB.open(dir, view(new CrashSimulator()))) {
                        assertTrue(v.lsn() >= before, "view " + i + " is at " + v.lsn() + ", before it " + before + " were acknowledged");
                        for (int r = 0; r < 5; r++) {
                            long b = acked.get();
                            v.refresh();
                            if (b > 0) {
                                assertTrue(v.getLong(b % 1_000, -1) >= b, "view " + i + ", refresh " + r);
                            }
                        }
                    }
                }
            } finally {
                stop.set(true);
                writer.join();
            }
            assertNull(failure.get(), () -> "the writer failed: " + failure.get());
        }
    }

    @Test
    void aViewReadsVariableLengthKeysWithFixedValues() throws IOException {
        Path dir = tmp.resolve("idx");
        Options shape = Options.defaults().withVariableKeys().withValueWidth(4);
        try (BucketDB w = BucketDB.open(dir, shape.withDurability(Durability.ASYNC))) {
            for (int i = 0; i < 300; i++) {
                w.put(("key-" + i).repeat(1 + i % 7).getBytes(), new byte[] {(byte) i, 1, 2, 3});
            }
            try (BucketDB v = BucketDB.open(dir, Options.defaults().withReadOnly(true))) {
                for (int i = 0; i < 300; i++) {
                    assertArrayEquals(new byte[] {(byte) i, 1, 2, 3}, v.get(("key-" + i).repeat(1 + i % 7).getBytes()), "key " + i);
                }
                assertNull(v.get("absent".getBytes()));
            }
        }
    }

    @Test
    void refreshCatchesUpInPlaceAndAcrossCheckpoints() throws IOException {
        Path dir = tmp.resolve("idx");
        try (BucketDB w = BucketDB.open(dir, writer(Durability.ASYNC));
             BucketDB v = BucketDB.open(dir, view(new CrashSimulator()))) {
            assertEquals(0, v.size());
            assertEquals(0, v.refresh(), "nothing to catch up with");
            long expected = 0;
            for (int round = 1; round <= 12; round++) {
                for (long k = 0; k < 700; k++) {
                    w.putLong(k + round * 300L, round);
                }
                if (round % 3 == 0) {
                    w.checkpoint(); // recycles the segments the view was reading
                }
                long before = v.lsn();
                long checkpointBefore = v.recovery().checkpointLsn();
                long written = w.lsn(); // the writer may journal growth markers after the acknowledgement: at least this
                long moved = v.refresh();
                assertTrue(v.lsn() >= written, "round " + round + ": the view is at " + v.lsn() + ", the writer was at " + written);
                assertEquals(v.lsn() - before, moved, "round " + round);
                expected = 300L * round + 400;
                assertEquals(expected, v.size(), "round " + round);
                for (long k = 0; k < 700; k++) {
                    assertEquals(round, v.getLong(k + round * 300L, -1), "round " + round + ", key " + (k + round * 300L));
                }
                if (round % 3 == 0) {
                    assertTrue(v.recovery().checkpointLsn() > checkpointBefore, "round " + round + ": the view was taken anew");
                }
            }
        }
    }

    @Test
    void aViewOfACrashedIndexHoldsEveryAcknowledgedWriteAndLeavesItsFilesAlone() throws Exception {
        long seed = Seeds.seed();
        Seeds.run(seed, () -> {
            SplittableRandom rnd = new SplittableRandom(seed);
            for (int trial = 0; trial < 6; trial++) {
                Path dir = tmp.resolve("live-" + trial);
                CrashSimulator sim = new CrashSimulator();
                Map<Long, Long> acked = new HashMap<>();
                BucketDB w = BucketDB.open(dir, writer(Durability.SYNC).withDurableIO(sim));
                try {
                    int writes = 200 + rnd.nextInt(3_000);
                    for (int i = 0; i < writes; i++) {
                        long k = rnd.nextLong(2_000);
                        if (rnd.nextInt(10) == 0) {
                            WriteBatch b = new WriteBatch();
                            for (int j = 0; j < 5; j++) {
                                b.putLong(k + j, i);
                            }
                            w.write(b);
                            for (int j = 0; j < 5; j++) {
                                acked.put(k + j, (long) i);
                            }
                        } else if (rnd.nextInt(8) == 0) {
                            w.deleteLong(k);
                            acked.remove(k);
                        } else {
                            w.putLong(k, i);
                            acked.put(k, (long) i);
                        }
                        if (rnd.nextInt(1_500) == 0) {
                            w.checkpoint();
                        }
                    }
                    for (CrashMode mode : CrashMode.values()) {
                        Path image = tmp.resolve("image-" + trial + "-" + mode);
                        sim.writeCrashImage(dir, image, mode);
                        Map<Path, byte[]> files = contents(image);
                        CrashSimulator counter = new CrashSimulator();
                        try (BucketDB v = BucketDB.open(image, view(counter))) {
                            String where = "seed " + seed + ", trial " + trial + ", " + mode;
                            assertEquals(acked.size(), v.size(), where);
                            for (Map.Entry<Long, Long> e : acked.entrySet()) {
                                assertEquals(e.getValue(), v.getLong(e.getKey(), -1), where + ", key " + e.getKey());
                            }
                        }
                        assertEquals(0, counter.operationCount(), "the view changed a file");
                        Map<Path, byte[]> after = contents(image);
                        assertEquals(files.keySet(), after.keySet());
                        for (Path p : files.keySet()) {
                            assertArrayEquals(files.get(p), after.get(p), p + " changed");
                        }
                    }
                } finally {
                    sim.crashAfter(sim.operationCount()); // the writer dies: its close writes nothing
                    try {
                        w.close();
                    } catch (IOException | RuntimeException expected) {
                        // the simulated process is dead
                    }
                }
            }
        });
    }

    @Test
    void damageInTheJournalAfterTheCheckpointIsReportedAsRecoveryReportsIt() throws IOException {
        Path dir = tmp.resolve("idx");
        CrashSimulator sim = new CrashSimulator();
        BucketDB w = BucketDB.open(dir, writer(Durability.SYNC).withDurableIO(sim));
        for (long k = 0; k < 3_000; k++) {
            w.putLong(k, k);
        }
        sim.crashAfter(sim.operationCount());
        try {
            w.close();
        } catch (IOException | RuntimeException expected) {
            // the simulated process is dead
        }
        Path image = tmp.resolve("image");
        sim.writeCrashImage(dir, image, CrashMode.KEEP_ALL);
        damageAnEarlyJournalFrame(image);
        CorruptIndexException e = assertThrows(CorruptIndexException.class,
                () -> BucketDB.open(image, view(new CrashSimulator())).close());
        assertTrue(e.getMessage().contains("journal"), e.getMessage());
        CorruptIndexException writable = assertThrows(CorruptIndexException.class, () -> BucketDB.open(image, writer(Durability.SYNC)).close());
        assertEquals(writable.offset(), e.offset(), "the view and recovery report the same damage");
    }

    /** Damage that stays where it is is reported also beside a live writer: it is not the frame being appended. */
    @Test
    void damageBesideALiveWriterIsStillReported() throws IOException {
        Path dir = tmp.resolve("idx");
        try (BucketDB w = BucketDB.open(dir, writer(Durability.SYNC))) {
            for (long k = 0; k < 3_000; k++) {
                w.putLong(k, k);
            }
            damageAnEarlyJournalFrame(dir);
            assertThrows(CorruptIndexException.class, () -> BucketDB.open(dir, view(new CrashSimulator())).close());
        }
    }

    @Test
    void readersKeepReadingWhileTheViewRefreshesAndTheWriterCheckpoints() throws Exception {
        Path dir = tmp.resolve("idx");
        int keys = 512;
        try (BucketDB w = BucketDB.open(dir, writer(Durability.ASYNC));
             BucketDB v = BucketDB.open(dir, view(new CrashSimulator()))) {
            for (long k = 0; k < keys; k++) {
                w.putLong(k, 0);
            }
            v.refresh();
            AtomicBoolean stop = new AtomicBoolean();
            AtomicReference<Throwable> failure = new AtomicReference<>();
            List<Thread> readers = new ArrayList<>();
            for (int t = 0; t < 2; t++) {
                Thread reader = new Thread(() -> {
                    long[] seen = new long[keys];
                    try {
                        while (!stop.get()) {
                            for (int k = 0; k < keys; k++) {
                                long value = v.getLong(k, -1);
                                // Every round writes every key with the round number: a view only moves forward.
                                if (value < seen[k]) {
                                    throw new AssertionError("key " + k + " went back from round " + seen[k] + " to " + value);
                                }
                                seen[k] = value;
                            }
                            Thread.yield(); // two cores: leave the writer some (issue 16 is about writers starved by readers)
                        }
                    } catch (Throwable e) {
                        failure.compareAndSet(null, e);
                    }
                });
                reader.start();
                readers.add(reader);
            }
            for (int round = 1; round <= 40 && failure.get() == null; round++) {
                WriteBatch batch = new WriteBatch(); // one call a round: blocking puts beside busy readers are slow (issue 16)
                for (long k = 0; k < keys; k++) {
                    batch.putLong(k, round);
                }
                w.write(batch);
                if (round % 7 == 0) {
                    w.checkpoint();
                }
                v.refresh();
                assertEquals(round, v.getLong(round % keys, -1), "round " + round);
            }
            stop.set(true);
            for (Thread r : readers) {
                r.join();
            }
            assertNull(failure.get(), () -> "a reader failed: " + failure.get());
        }
    }

    /** Flips a bit inside an early frame of the first journal segment of {@code dir}, with intact frames after it. */
    /**
     * A checkpoint writes the dirty pages past the installed allocation end once, in place, before its batch's head
     * (Checkpointer): a crash right after leaves them in the file, past the allocation end of the header in force. They
     * are not the image's, and replay allocates from there expecting zeros: a view of that directory, and the writer's
     * next open, must see the table as the journal left it.
     */
    @Test
    void bytesPastTheInstalledAllocationEndAreNotTableData() throws Exception {
        CrashSimulator sim = new CrashSimulator();
        Path dir = tmp.resolve("live");
        Map<Long, Long> acked = new HashMap<>();
        BucketDB w = BucketDB.open(dir, writer(Durability.SYNC).withDurableIO(sim));
        Path image = tmp.resolve("image");
        try {
            for (long k = 0; k < 600; k++) {
                w.putLong(k, ~k);
                acked.put(k, ~k);
            }
            w.checkpoint();
            for (long k = 600; k < 8_000; k++) { // grows the table well past the checkpoint's allocation end
                w.putLong(k, ~k);
                acked.put(k, ~k);
            }
            sim.writeCrashImage(dir, image, CrashMode.KEEP_ALL);
        } finally {
            sim.crashAfter(sim.operationCount());
            try {
                w.close();
            } catch (IOException | RuntimeException expected) {
                // the simulated process is dead
            }
        }
        Path table = image.resolve(IndexFileNames.TABLE);
        long fileEnd;
        try (io.bucketdb.storage.TableFile t = io.bucketdb.storage.TableFile.open(io.bucketdb.storage.FileDurableIO.INSTANCE,
                table, true, 16)) {
            fileEnd = t.header().fileEnd;
            assertTrue(!t.header().cleanClose, "a crash image");
        }
        try (RandomAccessFile f = new RandomAccessFile(table.toFile(), "rw")) {
            long end = Math.max(f.length(), fileEnd + (4 << 20));
            byte[] junk = new byte[4096];
            java.util.Arrays.fill(junk, (byte) 0xA5);
            for (long at = fileEnd; at < end; at += junk.length) {
                f.seek(at);
                f.write(junk);
            }
        }
        Map<Path, byte[]> files = contents(image);
        try (BucketDB v = BucketDB.open(image, view(new CrashSimulator()))) {
            assertEquals(acked.size(), v.size(), "view");
            for (Map.Entry<Long, Long> e : acked.entrySet()) {
                assertEquals(e.getValue(), v.getLong(e.getKey(), -1), "view, key " + e.getKey());
            }
        }
        Map<Path, byte[]> after = contents(image);
        for (Path p : files.keySet()) {
            assertArrayEquals(files.get(p), after.get(p), p + " changed by the view");
        }
        try (BucketDB reopened = BucketDB.open(image, writer(Durability.SYNC))) {
            assertEquals(acked.size(), reopened.size(), "writer");
            for (Map.Entry<Long, Long> e : acked.entrySet()) {
                assertEquals(e.getValue(), reopened.getLong(e.getKey(), -1), "writer, key " + e.getKey());
            }
        }
    }

    private static void damageAnEarlyJournalFrame(Path dir) throws IOException {
        Path segment;
        try (Stream<Path> s = Files.list(dir)) {
            // Segments only: a spare (journal-<n>.spare, made ahead for the next roll) may sort first.
            segment = s.filter(p -> IndexFileNames.JOURNAL_SEGMENT.matcher(p.getFileName().toString()).matches())
                    .sorted().findFirst().orElseThrow();
        }
        try (RandomAccessFile f = new RandomAccessFile(segment.toFile(), "rw")) {
            long at = 4096 + 1000;
            f.seek(at);
            int b = f.read();
            f.seek(at);
            f.write(b ^ 0x40);
        }
    }

    private static Map<Path, byte[]> contents(Path dir) throws IOException {
        Map<Path, byte[]> m = new HashMap<>();
        try (Stream<Path> s = Files.list(dir)) {
            for (Path p : s.toList()) {
                m.put(p.getFileName(), Files.readAllBytes(p));
            }
        }
        return m;
    }
    /**
     * Issue 19 (getpath): a view settles the pages no get reads, as the writer's open does, so once its gets have read
     * every live bucket it trusts every page and skips the page checks. Without the settling, the free extents, the
     * alignment gaps and the overflow bump range of this table stay unverified for the view's whole life.
     */
    @Test
    void aViewTrustsEveryPageOnceItsGetsReadEveryBucket() throws IOException {
        Path dir = tmp.resolve("idx");
        int keys = 80_000; // grows to B = 14: copying doublings free their arrays, then in-place splits
        try (BucketDB w = BucketDB.open(dir, Options.defaults().withDurability(Durability.ASYNC))) {
            for (long k = 0; k < keys; k++) {
                w.putLong(mixed(k), k);
            }
            for (long k = 0; k < keys; k += 3) {
                w.deleteLong(mixed(k)); // frees overflow buckets, leaving pages in the bump range
            }
        }
        Options options = Options.defaults().withReadOnly(true);
        ReadOnlyView view = ReadOnlyView.open(dir, dir.resolve(IndexFileNames.TABLE), options.durableIO(),
                JournalSettings.of(options), options.maxChunkShift(), file -> { }, () -> null);
        ReadOnlyView.Image image = view.image();
        try {
            io.bucketdb.storage.VerifiedPages pages = image.file().pages();
            assertTrue(image.file().header().wastedBytes > 0, "the table has alignment gaps");
            assertTrue(pages.untrustedPages() > 0, "nothing read yet");
            for (long k = 0; k < keys; k++) {
                assertEquals(k % 3 == 0 ? -1 : k, image.table().getLong(mixed(k), -1), "key " + k);
            }
            for (long k = keys; k < 2L * keys; k++) {
                assertEquals(-1, image.table().getLong(mixed(k), -1), "absent key " + k);
            }
            assertEquals(0, pages.untrustedPages(), "pages left unverified");
            assertTrue(pages.allTrusted());
        } finally {
            image.file().close();
        }
    }

    private static long mixed(long k) {
        return k * 0x9E3779B97F4A7C15L + 1;
    }
}
