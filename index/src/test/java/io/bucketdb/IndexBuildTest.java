package io.bucketdb;

import io.bucketdb.engine.StagedIndex;
import io.bucketdb.inspect.IndexInspector;
import io.bucketdb.storage.sim.CrashSimulator;
import io.bucketdb.storage.sim.Operation;
import io.bucketdb.storage.testkit.Seeds;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.*;

/**
 * {@link IndexBuild}: a new index built from buffered entries holds exactly the entries a model of puts in the same
 * order holds (a key given twice ends with its last value), in 8-byte and byte shapes; nothing exists before the
 * commit, and nothing after a close without one; bad input is refused before anything is created.
 */
class IndexBuildTest {
    @TempDir
    Path tmp;

    /** Seeded keys from a range small enough that about a third repeat; every entry checked against the model. */
    @Test
    void shouldHoldTheLastValueOfEveryKeyOfALongBuild() throws Exception {
        long seed = Seeds.seed();
        Seeds.run(seed, () -> {
            SplittableRandom rnd = new SplittableRandom(seed);
            int n = 30_000 + rnd.nextInt(20_000);
            Map<Long, Long> model = new HashMap<>();
            Path dir = tmp.resolve("longs");
            try (IndexBuild b = BucketDB.build(dir, Options.defaults())) {
                for (int i = 0; i < n; i++) {
                    long k = rnd.nextLong(n) * 0x9E3779B97F4A7C15L; // spread over the hash, some repeated
                    long v = rnd.nextLong();
                    if (rnd.nextInt(8) == 0) {
                        b.putAllLong(new long[]{k, k ^ 1}, new long[]{v, ~v});
                        model.put(k ^ 1, ~v);
                    } else {
                        b.putLong(k, v);
                    }
                    model.put(k, v);
                }
                assertFalse(Files.exists(dir), "nothing at the target before the commit");
                b.commit();
            }
            assertNothingBeside(dir);
            try (BucketDB db = BucketDB.open(dir)) {
                assertFalse(db.recovery().needed(), "a built index opens without recovery");
                assertEquals(model.size(), db.size());
                for (Map.Entry<Long, Long> e : model.entrySet()) {
                    assertEquals(e.getValue(), db.getLong(e.getKey(), ~e.getValue()), "key " + e.getKey());
                }
                long walked = 0;
                Cursor c = db.cursor();
                while (c.next()) {
                    assertEquals(model.get(c.keyLong()), c.valueLong());
                    walked++;
                }
                assertEquals(model.size(), walked);
                db.putLong(1, 2); // the built index takes writes as any other
                assertEquals(2, db.getLong(1, -1));
            }
            assertVerifies(dir);
        });
    }

    /**
     * 16-byte keys and 100-byte values (kept out of line by default), small chunks and checkpoint triggers so the
     * build crosses chunk boundaries and checkpoints between its steps.
     */
    @Test
    void shouldHoldEveryEntryOfAByteShapeWithValuesOutOfLine() throws Exception {
        long seed = Seeds.seed();
        Seeds.run(seed, () -> {
            SplittableRandom rnd = new SplittableRandom(seed);
            int n = 20_000 + rnd.nextInt(10_000);
            Map<ByteBuffer, byte[]> model = new HashMap<>();
            Path dir = tmp.resolve("bytes");
            Options o = Options.defaults().withKeyWidth(16).withValueWidth(100).withChunking(16, 16)
                    .withCheckpointTriggers(256 * 1024, 256 * 1024, Duration.ofHours(1));
            try (IndexBuild b = BucketDB.build(dir, o)) {
                for (int i = 0; i < n; i++) {
                    byte[] k = new byte[16];
                    ByteBuffer.wrap(k).putLong(rnd.nextLong(n)).putLong(seed);
                    byte[] v = new byte[100];
                    rnd.nextBytes(v);
                    b.put(k, v);
                    model.put(ByteBuffer.wrap(k), v);
                }
                assertEquals(n, b.size());
                b.commit();
            }
            assertNothingBeside(dir);
            try (BucketDB db = BucketDB.open(dir, Options.defaults().withKeyWidth(16).withValueWidth(100))) {
                assertEquals(model.size(), db.size());
                for (Map.Entry<ByteBuffer, byte[]> e : model.entrySet()) {
                    assertArrayEquals(e.getValue(), db.get(e.getKey().array()), "key " + Arrays.toString(e.getKey().array()));
                }
            }
            assertVerifies(dir);
        });
    }

    /** Values of width 0 (a set of keys): records of the key alone. */
    @Test
    void shouldBuildASetOfKeysWithEmptyValues() throws IOException {
        Path dir = tmp.resolve("set");
        Options o = Options.defaults().withKeyWidth(4).withValueWidth(0);
        try (IndexBuild b = BucketDB.build(dir, o)) {
            for (int k = 0; k < 5_000; k++) {
                b.put(ByteBuffer.allocate(4).putInt(k * 7).array(), new byte[0]);
            }
            b.commit();
        }
        try (BucketDB db = BucketDB.open(dir, o)) {
            assertEquals(5_000, db.size());
            for (int k = 0; k < 5_000 * 7; k++) {
                assertEquals(k % 7 == 0, db.contains(ByteBuffer.allocate(4).putInt(k).array()), "key " + k);
            }
        }
    }

    @Test
    void shouldCommitAnEmptyBuildAsAnEmptyIndex() throws IOException {
        Path dir = tmp.resolve("empty");
        try (IndexBuild b = BucketDB.build(dir, Options.defaults())) {
            b.commit();
        }
        try (BucketDB db = BucketDB.open(dir)) {
            assertEquals(0, db.size());
        }
    }

    @Test
    void shouldLeaveNothingWhenClosedWithoutACommit() throws IOException {
        Path dir = tmp.resolve("never");
        try (IndexBuild b = BucketDB.build(dir, Options.defaults())) {
            for (long k = 0; k < 10_000; k++) {
                b.putLong(k, k);
            }
        }
        assertFalse(Files.exists(dir));
        assertNothingBeside(dir);
    }

    @Test
    void shouldRefuseADirectoryThatExists() throws IOException {
        Path dir = Files.createDirectories(tmp.resolve("there"));
        FileAlreadyExistsException e = assertThrows(FileAlreadyExistsException.class, () -> BucketDB.build(dir, Options.defaults()));
        assertTrue(e.getMessage().contains("exists"), e.getMessage());

        // Created after the build began: the commit refuses it and changes nothing in it.
        Path later = tmp.resolve("later");
        try (IndexBuild b = BucketDB.build(later, Options.defaults())) {
            b.putLong(1, 1);
            Files.createDirectories(later);
            assertThrows(FileAlreadyExistsException.class, b::commit);
            assertThrows(IllegalStateException.class, () -> b.putLong(2, 2), "a failed commit ends the build");
        }
        try (Stream<Path> s = Files.list(later)) {
            assertEquals(List.of(), s.toList());
        }
        assertNothingBeside(later);
    }

    /**
     * A target under a file is refused by {@link BucketDB#build}, before any entry is buffered (not by the commit after
     * all of them); a file or a link (even a dangling one) at the target itself is an existing target.
     */
    @Test
    void shouldRefuseATargetUnderAFileOrAFileAtTheTarget() throws IOException {
        Path file = Files.write(tmp.resolve("plain"), new byte[]{1});
        FileSystemException under = assertThrows(FileSystemException.class, () -> BucketDB.build(file.resolve("idx"), Options.defaults()));
        assertTrue(under.getMessage().contains("not a directory"), under.getMessage());
        assertThrows(FileSystemException.class, () -> BucketDB.build(file.resolve("a/b/idx"), Options.defaults()));
        assertThrows(FileAlreadyExistsException.class, () -> BucketDB.build(file, Options.defaults()));
        Path link = Files.createSymbolicLink(tmp.resolve("dangling"), tmp.resolve("nowhere"));
        assertThrows(FileAlreadyExistsException.class, () -> BucketDB.build(link, Options.defaults()));
        assertFalse(Files.exists(tmp.resolve("nowhere")));
        assertArrayEquals(new byte[]{1}, Files.readAllBytes(file));

        Path deep = tmp.resolve("x/y/idx"); // missing directories are made by the commit
        try (IndexBuild b = BucketDB.build(deep, Options.defaults())) {
            b.putLong(1, 2);
            b.commit();
        }
        try (BucketDB db = BucketDB.open(deep)) {
            assertEquals(2, db.getLong(1, -1));
        }
    }

    @Test
    void shouldRefuseWrongShapesBeforeAnythingIsCreated() throws IOException {
        Path dir = tmp.resolve("refused");
        assertThrows(IllegalArgumentException.class, () -> BucketDB.build(dir, Options.defaults().withVariableKeys()));
        assertThrows(IllegalArgumentException.class, () -> BucketDB.build(dir, Options.defaults().withVariableValues()));
        assertThrows(IllegalArgumentException.class, () -> BucketDB.build(dir, Options.defaults().withReadOnly(true)));
        assertThrows(IllegalArgumentException.class,
                () -> BucketDB.build(dir, Options.defaults().withKeyWidth(16).withValueWidth(16).withMaxLengths(8, 8)));
        assertFalse(Files.exists(dir));

        try (IndexBuild b = BucketDB.build(dir, Options.defaults().withKeyWidth(16).withValueWidth(100))) {
            assertThrows(IllegalArgumentException.class, () -> b.putLong(1, 1));
            assertThrows(IllegalArgumentException.class, () -> b.putAllLong(new long[]{1}, new long[]{1}));
            assertThrows(IllegalArgumentException.class, () -> b.put(new byte[15], new byte[100]));
            assertThrows(IllegalArgumentException.class, () -> b.put(new byte[16], new byte[99]));
            assertEquals(0, b.size(), "a refused entry is not buffered");
        }
        try (IndexBuild b = BucketDB.build(dir, Options.defaults())) {
            assertThrows(IllegalArgumentException.class, () -> b.putAllLong(new long[]{1, 2}, new long[]{1}));
            assertThrows(IllegalArgumentException.class, () -> b.put(new byte[8], new byte[16]));
            assertThrows(NullPointerException.class, () -> b.putAllLong(null, new long[1]));
            assertThrows(NullPointerException.class, () -> b.putAllLong(new long[1], null));
            assertThrows(NullPointerException.class, () -> b.put(null, new byte[8]));
            assertThrows(NullPointerException.class, () -> b.put(new byte[8], null));
            assertEquals(0, b.size());
        }
        assertFalse(Files.exists(dir));
        assertNothingBeside(dir);
    }

    @Test
    void shouldRefuseUseAfterTheCommit() throws IOException {
        Path dir = tmp.resolve("once");
        try (IndexBuild b = BucketDB.build(dir, Options.defaults())) {
            b.putLong(1, 1);
            b.commit();
            assertThrows(IllegalStateException.class, b::commit);
            assertThrows(IllegalStateException.class, () -> b.putLong(2, 2));
            assertThrows(IllegalStateException.class, () -> b.put(new byte[8], new byte[8]));
        }
        try (BucketDB db = BucketDB.open(dir)) {
            assertEquals(1, db.size());
        }
    }

    @Test
    void shouldRefuseAnotherThread() throws Exception {
        Path dir = tmp.resolve("owned");
        try (IndexBuild b = BucketDB.build(dir, Options.defaults())) {
            b.putLong(1, 1);
            Throwable[] thrown = new Throwable[2];
            Thread other = new Thread(() -> {
                try {
                    b.putLong(2, 2);
                } catch (Throwable t) {
                    thrown[0] = t;
                }
                try {
                    b.commit();
                } catch (Throwable t) {
                    thrown[1] = t;
                }
            });
            other.start();
            other.join();
            assertInstanceOf(IllegalStateException.class, thrown[0]);
            assertInstanceOf(IllegalStateException.class, thrown[1]);
            assertEquals(1, b.size());
            assertFalse(Files.exists(dir));
            b.commit();
        }
        try (BucketDB db = BucketDB.open(dir)) {
            assertEquals(1, db.size());
        }
    }

    /** A staging directory that a crashed build left is deleted by the next build of the same target. */
    @Test
    void shouldReplaceTheLeftoversOfACrashedBuild() throws IOException {
        Path dir = tmp.resolve("again");
        Path staging = StagedIndex.staging(dir);
        Files.createDirectories(staging);
        Files.write(staging.resolve("table.bdb"), new byte[100]); // half a build
        try (IndexBuild b = BucketDB.build(dir, Options.defaults())) {
            b.putLong(7, 8);
            b.commit();
        }
        assertFalse(Files.exists(staging));
        try (BucketDB db = BucketDB.open(dir)) {
            assertEquals(8, db.getLong(7, -1));
        }
    }

    /**
     * A commit on a thread whose interrupt status is set (an executor's shutdownNow) completes the index and hands the
     * status back: no channel closed by the interrupt fails it half-way.
     */
    @Test
    void shouldCommitOnAnInterruptedThreadAndKeepItsInterrupt() throws IOException {
        Path dir = tmp.resolve("interrupted");
        try (IndexBuild b = BucketDB.build(dir, Options.defaults())) {
            for (long k = 0; k < 50_000; k++) {
                b.putLong(k, ~k);
            }
            Thread.currentThread().interrupt();
            try {
                b.commit();
            } finally {
                assertTrue(Thread.interrupted(), "the interrupt status is kept (and cleared here)");
            }
        }
        assertNothingBeside(dir);
        try (BucketDB db = BucketDB.open(dir)) {
            assertEquals(50_000, db.size());
            for (long k = 0; k < 50_000; k += 997) {
                assertEquals(~k, db.getLong(k, 0));
            }
        }
        assertVerifies(dir);
    }

    /**
     * A commit while another build of the same target holds the staging directory (its own commit running) is refused,
     * naming the other build, and deletes nothing of it; the other build then commits its own index.
     */
    @Test
    void shouldRefuseACommitWhileAnotherBuildOfTheTargetRuns() throws IOException {
        Path dir = tmp.resolve("twice");
        try (StagedIndex other = StagedIndex.begin(null, dir)) {
            try (BucketDB db = other.create(Options.defaults())) {
                db.putLong(1, 100);
            }
            try (IndexBuild b = BucketDB.build(dir, Options.defaults())) {
                b.putLong(1, 1);
                IOException e = assertThrows(IOException.class, b::commit);
                assertTrue(e.getMessage().contains("another build"), e.getMessage());
                assertThrows(IllegalStateException.class, b::commit, "a failed commit ends the build");
            }
            assertTrue(Files.exists(other.directory().resolve("table.bdb")), "the other build's index is kept");
            other.commit();
        }
        try (BucketDB db = BucketDB.open(dir)) {
            assertEquals(100, db.getLong(1, -1));
        }
        assertNothingBeside(dir);
    }

    /**
     * A target made while the commit runs (another program creating a directory with a file there, after the commit's
     * first check): the commit throws {@link FileAlreadyExistsException}, as its Javadoc says, leaves what was made
     * there untouched and deletes the staging directory.
     */
    @Test
    void shouldRefuseATargetMadeWhileTheCommitRuns() throws IOException {
        Path dir = tmp.resolve("raced");
        CrashSimulator sim = new CrashSimulator();
        boolean[] made = new boolean[1];
        sim.failWhen(op -> {
            if (!made[0] && op.kind() == Operation.Kind.WRITE) { // the staged index's first write
                made[0] = true;
                try {
                    Files.write(Files.createDirectories(dir).resolve("theirs"), new byte[]{42});
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            }
            return false;
        });
        try (IndexBuild b = BucketDB.build(dir, Options.defaults().withDurableIO(sim))) {
            b.putLong(1, 1);
            FileAlreadyExistsException e = assertThrows(FileAlreadyExistsException.class, b::commit);
            assertTrue(e.getMessage().contains(dir.toString()), e.getMessage());
        }
        assertTrue(made[0], "the target was made during the commit");
        try (Stream<Path> s = Files.list(dir)) {
            assertEquals(List.of(dir.resolve("theirs")), s.toList());
        }
        assertArrayEquals(new byte[]{42}, Files.readAllBytes(dir.resolve("theirs")));
        assertNothingBeside(dir);
    }

    /** Nothing but {@code dir} itself (if committed) in its parent: no staging or retired sibling. */
    private static void assertNothingBeside(Path dir) throws IOException {
        try (Stream<Path> s = Files.list(dir.toAbsolutePath().getParent())) {
            for (Path p : s.toList()) {
                String name = p.getFileName().toString();
                assertFalse(name.contains(dir.getFileName().toString() + "."), "left beside " + dir + ": " + p);
            }
        }
    }

    /** The structure checks out, the header records a clean close, and the journal after its checkpoint is empty. */
    private static void assertVerifies(Path dir) throws IOException {
        try (IndexInspector in = IndexInspector.open(dir)) {
            assertEquals(List.of(), in.verify());
            assertTrue(in.header().cleanClose, "closed cleanly");
        }
        try (BucketDB db = BucketDB.open(dir, Options.defaults().withReadOnly(true))) {
            assertEquals(0, db.recovery().recordsReplayed(), "nothing in the journal after the checkpoint");
        }
    }
}
