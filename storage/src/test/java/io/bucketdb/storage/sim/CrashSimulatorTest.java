package io.bucketdb.storage.sim;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.bucketdb.spi.DurableFile;
import io.bucketdb.spi.DurableIO;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.FileChannel;
import java.nio.file.DirectoryNotEmptyException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.HashSet;
import java.util.Random;
import java.util.Set;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CrashSimulatorTest {

    @TempDir
    Path tmp;

    private Path live;
    private SimFixture fixture;

    @BeforeEach
    void createLiveDirectory() throws IOException {
        live = Files.createDirectory(tmp.resolve("live"));
        fixture = new SimFixture(tmp, live);
    }

    @Test
    void shouldKeepForcedDataInEveryCrashImage() throws IOException {
        CrashSimulator sim = new CrashSimulator();
        byte[] forced = SimFixture.random(new Random(1), 10_000);
        try (DurableFile f = createDurably(sim, "f")) {
            f.write(0, ByteBuffer.wrap(forced));
            f.force();
            f.write(10_000, ByteBuffer.wrap(SimFixture.random(new Random(2), 5_000)));
            f.write(2_000, ByteBuffer.wrap(SimFixture.random(new Random(3), 100)));
            f.allocate(1 << 16);
        }
        for (long seed = 0; seed < 50; seed++) {
            byte[] after = Files.readAllBytes(fixture.imageOf(sim, seed).resolve("f"));
            byte[] forcedOutsideTheOverwrite = forced.clone();
            System.arraycopy(after, 2_000, forcedOutsideTheOverwrite, 2_000, 100);
            assertTrue(after.length >= forced.length, "seed " + seed + ": file shorter than its forced size");
            assertArrayEquals(forcedOutsideTheOverwrite, Arrays.copyOf(after, forced.length), "seed " + seed);
        }
    }

    @Test
    void shouldDropEveryUnforcedChangeInDropAllMode() throws IOException {
        CrashSimulator sim = new CrashSimulator();
        try (DurableFile f = createDurably(sim, "f")) {
            f.write(0, SimFixture.utf8("durable"));
            f.force();
            f.write(0, SimFixture.utf8("DURABLE, not!"));
            f.allocate(8192);
            f.truncate(100);
        }
        assertEquals("durable", Files.readString(fixture.imageOf(sim, CrashMode.DROP_ALL).resolve("f")));
    }

    @Test
    void shouldKeepEveryUnforcedChangeInKeepAllMode() throws IOException {
        CrashSimulator sim = new CrashSimulator();
        try (DurableFile f = createDurably(sim, "f")) {
            f.write(0, SimFixture.utf8("durable"));
            f.force();
            f.allocate(8192);
            f.write(0, SimFixture.utf8("DURABLE, not!"));
            f.write(9000, SimFixture.utf8("tail"));
            f.truncate(9002);
        }
        Path image = fixture.imageOf(sim, CrashMode.KEEP_ALL);
        assertArrayEquals(Files.readAllBytes(live.resolve("f")), Files.readAllBytes(image.resolve("f")));
        assertEquals(9002, Files.size(image.resolve("f")));
    }

    @Test
    void shouldMakeWritesThroughEveryHandleDurableWithOneForce() throws IOException {
        CrashSimulator sim = new CrashSimulator();
        try (DurableFile a = createDurably(sim, "f"); DurableFile b = sim.open(live.resolve("f"),
                DurableIO.Mode.OPEN_EXISTING)) {
            a.write(0, SimFixture.utf8("aa"));
            b.write(2, SimFixture.utf8("bb"));
            a.force();
        }
        assertEquals("aabb", Files.readString(fixture.imageOf(sim, CrashMode.DROP_ALL).resolve("f")));
    }

    /**
     * Property: in a random crash image, a byte differs from the durable image only where an unforced write
     * covered it, and each write is kept or lost per whole 512-byte sector of the file.
     */
    @Test
    void shouldTearUnforcedWritesOnlyAtSectorBoundaries() throws IOException {
        long base = new Random().nextLong();
        int tornImages = 0;
        for (int i = 0; i < 40; i++) {
            long seed = base + i;
            try {
                tornImages += checkTornWrites(seed) ? 1 : 0;
            } catch (AssertionError | IOException | RuntimeException e) {
                throw new AssertionError("failed with seed " + seed + " (replay: checkTornWrites(" + seed + "L)): "
                        + e.getMessage(), e);
            }
        }
        assertTrue(tornImages > 0, "base seed " + base + ": no image tore any write");
    }

    /** Returns whether some write in the image was kept for some sectors and lost for others. */
    private boolean checkTornWrites(long seed) throws IOException {
        Random rnd = new Random(seed);
        Path dir = Files.createDirectory(tmp.resolve("torn-" + seed));
        CrashSimulator sim = new CrashSimulator();
        int durableSize = 4096 + rnd.nextInt(60_000);
        byte[] durable = SimFixture.random(rnd, durableSize);
        int slots = 1 + rnd.nextInt(6);
        int slotSize = durableSize / slots;
        long[][] writes = new long[slots + 1][];
        try (DurableFile f = sim.open(dir.resolve("f"), DurableIO.Mode.CREATE_NEW)) {
            sim.syncDirectory(dir);
            f.write(0, ByteBuffer.wrap(durable));
            f.force();
            // Non-overlapping writes, one per slot, so every byte has one old and one new value.
            for (int s = 0; s < slots; s++) {
                int from = s * slotSize + rnd.nextInt(slotSize);
                int length = 1 + rnd.nextInt(s * slotSize + slotSize - from);
                f.write(from, ByteBuffer.wrap(inverted(durable, from, length)));
                writes[s] = new long[] {from, length};
            }
            int extension = 1 + rnd.nextInt(3000);
            f.write(durableSize, ByteBuffer.wrap(SimFixture.filled(extension, (byte) 0x5A)));
            writes[slots] = new long[] {durableSize, extension};
        }
        Path target = tmp.resolve("torn-image-" + seed);
        sim.writeCrashImage(dir, target, seed);
        byte[] image = Files.readAllBytes(target.resolve("f"));

        assertTrue(image.length >= durableSize, "shorter than durable size: " + image.length);
        boolean[] covered = new boolean[image.length];
        boolean torn = false;
        for (long[] w : writes) {
            int from = (int) w[0];
            int end = (int) (w[0] + w[1]);
            boolean sawKept = false;
            boolean sawLost = false;
            for (int at = from; at < end; ) {
                int pieceEnd = Math.min(end, (at / 512 + 1) * 512);
                boolean kept = pieceEnd <= image.length && image[at] == newValue(durable, at, durableSize);
                for (int k = at; k < Math.min(pieceEnd, image.length); k++) {
                    covered[k] = true;
                    byte expected = kept ? newValue(durable, k, durableSize) : oldValue(durable, k, durableSize);
                    assertEquals(expected, image[k], "byte " + k + " of sector piece [" + at + ", " + pieceEnd
                            + ") of write [" + from + ", " + end + ") is " + (kept ? "kept" : "lost") + " but mixed");
                }
                sawKept |= kept;
                sawLost |= !kept;
                at = pieceEnd;
            }
            torn |= sawKept && sawLost;
        }
        for (int k = 0; k < image.length; k++) {
            if (!covered[k]) {
                assertEquals(oldValue(durable, k, durableSize), image[k], "byte " + k + " outside every write");
            }
        }
        if (image.length > durableSize) {
            assertEquals(newValue(durable, image.length - 1, durableSize), image[image.length - 1],
                    "the file grows only as far as a kept piece of the extending write");
        }
        return torn;
    }

    private static byte newValue(byte[] durable, int at, int durableSize) {
        return at < durableSize ? (byte) ~durable[at] : (byte) 0x5A;
    }

    private static byte oldValue(byte[] durable, int at, int durableSize) {
        return at < durableSize ? durable[at] : 0;
    }

    @Test
    void shouldReproduceTheSameImageFromTheSameSeed() throws IOException {
        CrashSimulator sim = new CrashSimulator();
        Random rnd = new Random(7);
        try (DurableFile f = sim.open(live.resolve("f"), DurableIO.Mode.CREATE_NEW)) {
            for (int i = 0; i < 30; i++) {
                f.write(rnd.nextInt(50_000), ByteBuffer.wrap(SimFixture.random(rnd, 1 + rnd.nextInt(3000))));
                if (i % 10 == 9) {
                    f.force();
                }
            }
            sim.rename(live.resolve("f"), live.resolve("g"));
        }
        Set<String> distinct = new HashSet<>();
        for (long seed = 0; seed < 10; seed++) {
            Path first = fixture.imageOf(sim, seed);
            Path second = fixture.imageOf(sim, seed);
            assertEquals(contents(first), contents(second), "seed " + seed);
            distinct.add(contents(first));
        }
        assertTrue(distinct.size() > 1, "different seeds give different crash images");
    }

    @Test
    void shouldCrashExactlyAtTheOperationAfterTheCrashPoint() throws IOException {
        long total = runWorkload(new CrashSimulator(), tmp.resolve("full"));
        assertEquals(7, total);
        for (long n = 0; n <= total; n++) {
            CrashSimulator sim = new CrashSimulator();
            sim.crashAfter(n);
            Path dir = tmp.resolve("crash-" + n);
            if (n < total) {
                long crashPoint = n;
                assertThrows(SimulatedCrashException.class, () -> runWorkload(sim, dir), "crash point " + crashPoint);
                assertTrue(sim.crashed());
            } else {
                runWorkload(sim, dir);
                assertFalse(sim.crashed());
            }
            assertEquals(n, sim.operationCount(), "operations before the crash");
        }
    }

    /** Seven operations: create directories, create, write, force, sync, rename, sync. */
    private static long runWorkload(CrashSimulator sim, Path dir) throws IOException {
        sim.createDirectories(dir);
        try (DurableFile f = sim.open(dir.resolve("tmp"), DurableIO.Mode.CREATE_NEW)) {
            f.write(0, SimFixture.utf8("payload"));
            f.force();
        }
        sim.syncDirectory(dir);
        sim.rename(dir.resolve("tmp"), dir.resolve("final"));
        sim.syncDirectory(dir);
        return sim.operationCount();
    }

    @Test
    void shouldStopEveryCallAfterTheCrashButStillClose() throws IOException {
        CrashSimulator sim = new CrashSimulator();
        DurableFile f = sim.open(live.resolve("f"), DurableIO.Mode.CREATE_NEW);
        f.write(0, SimFixture.utf8("before"));
        sim.crashAfter(sim.operationCount());
        assertThrows(SimulatedCrashException.class, () -> f.write(0, SimFixture.utf8("after!")));
        assertThrows(SimulatedCrashException.class, () -> f.read(0, ByteBuffer.allocate(6)));
        assertThrows(SimulatedCrashException.class, f::size);
        assertThrows(SimulatedCrashException.class, () -> sim.open(live.resolve("f"), DurableIO.Mode.READ_ONLY));
        f.close();
        assertEquals("before", Files.readString(live.resolve("f")), "the crashing write was not performed");
        assertEquals(2, sim.operationCount());
    }

    @Test
    void shouldNotPerformAnInjectedFailure() throws IOException {
        CrashSimulator sim = new CrashSimulator();
        sim.failOperation(3, false);
        try (DurableFile f = sim.open(live.resolve("f"), DurableIO.Mode.CREATE_NEW)) { // 1
            f.write(0, SimFixture.utf8("one")); // 2
            IOException e = assertThrows(IOException.class, () -> f.write(3, SimFixture.utf8("two"))); // 3
            assertFalse(e instanceof SimulatedCrashException);
            assertTrue(e.getMessage().contains("injected"), e.getMessage());
            f.write(3, SimFixture.utf8("333")); // 4
            assertEquals("one333", Files.readString(live.resolve("f")));
        }
        assertEquals(4, sim.operationCount(), "a failed operation still counts");
        assertFalse(sim.crashed());
        assertEquals("one333", Files.readString(fixture.imageOf(sim, CrashMode.KEEP_ALL).resolve("f")));
    }

    @Test
    void shouldFailEveryLaterDataOperationWhenTheFailureIsPersistent() throws IOException {
        CrashSimulator sim = new CrashSimulator();
        try (DurableFile f = createDurably(sim, "f")) { // 1, 2
            sim.failOperation(3, true);
            assertThrows(IOException.class, () -> f.write(0, SimFixture.utf8("x"))); // 3
            assertThrows(IOException.class, () -> f.write(0, SimFixture.utf8("y")));
            assertThrows(IOException.class, f::force);
            assertThrows(IOException.class, () -> f.allocate(4096));
            sim.rename(live.resolve("f"), live.resolve("g"));
            sim.clearFailures();
            f.write(0, SimFixture.utf8("z"));
        }
        assertEquals("z", Files.readString(live.resolve("g")));
    }

    @Test
    void shouldLoseWritesWhoseForceFailed() throws IOException {
        CrashSimulator sim = new CrashSimulator();
        sim.failWhen(op -> op.kind() == Operation.Kind.FORCE);
        try (DurableFile f = createDurably(sim, "f")) {
            f.write(0, SimFixture.utf8("unacknowledged"));
            assertThrows(IOException.class, f::force);
        }
        assertEquals("", Files.readString(fixture.imageOf(sim, CrashMode.DROP_ALL).resolve("f")));
        assertEquals("unacknowledged", Files.readString(live.resolve("f")), "the write itself was performed");
    }

    @Test
    void shouldMakeARenameDurableOnlyAfterTheDirectoryIsSynced() throws IOException {
        CrashSimulator sim = new CrashSimulator();
        try (DurableFile f = createDurably(sim, "tmp")) {
            f.write(0, SimFixture.utf8("content"));
            f.force();
        }
        sim.rename(live.resolve("tmp"), live.resolve("final"));

        Path dropped = fixture.imageOf(sim, CrashMode.DROP_ALL);
        assertEquals("content", Files.readString(dropped.resolve("tmp")));
        assertFalse(Files.exists(dropped.resolve("final")));
        Path kept = fixture.imageOf(sim, CrashMode.KEEP_ALL);
        assertFalse(Files.exists(kept.resolve("tmp")));
        assertEquals("content", Files.readString(kept.resolve("final")));
        for (long seed = 0; seed < 20; seed++) {
            Path image = fixture.imageOf(sim, seed);
            assertTrue(Files.exists(image.resolve("tmp")) != Files.exists(image.resolve("final")),
                    "seed " + seed + ": a rename is atomic");
        }

        sim.syncDirectory(live);
        Path synced = fixture.imageOf(sim, CrashMode.DROP_ALL);
        assertFalse(Files.exists(synced.resolve("tmp")));
        assertEquals("content", Files.readString(synced.resolve("final")));
    }

    @Test
    void shouldKeepTheOldTargetUntilARenameOverItIsSynced() throws IOException {
        Files.writeString(live.resolve("current"), "old");
        CrashSimulator sim = new CrashSimulator();
        try (DurableFile f = createDurably(sim, "next")) {
            f.write(0, SimFixture.utf8("new"));
            f.force();
        }
        sim.rename(live.resolve("next"), live.resolve("current"));
        assertEquals("old", Files.readString(fixture.imageOf(sim, CrashMode.DROP_ALL).resolve("current")));
        assertEquals("new", Files.readString(fixture.imageOf(sim, CrashMode.KEEP_ALL).resolve("current")));
        sim.syncDirectory(live);
        assertEquals("new", Files.readString(fixture.imageOf(sim, CrashMode.DROP_ALL).resolve("current")));
    }

    @Test
    void shouldLoseAFileCreatedWithoutADirectorySync() throws IOException {
        CrashSimulator sim = new CrashSimulator();
        try (DurableFile f = sim.open(live.resolve("f"), DurableIO.Mode.CREATE_NEW)) {
            f.write(0, SimFixture.utf8("data"));
            f.force();
        }
        assertFalse(Files.exists(fixture.imageOf(sim, CrashMode.DROP_ALL).resolve("f")));
        assertEquals("data", Files.readString(fixture.imageOf(sim, CrashMode.KEEP_ALL).resolve("f")));
    }

    @Test
    void shouldBringBackADeleteThatWasNotSynced() throws IOException {
        CrashSimulator sim = new CrashSimulator();
        try (DurableFile f = createDurably(sim, "f")) {
            f.write(0, SimFixture.utf8("data"));
            f.force();
        }
        sim.delete(live.resolve("f"));
        assertFalse(Files.exists(live.resolve("f")));
        assertEquals("data", Files.readString(fixture.imageOf(sim, CrashMode.DROP_ALL).resolve("f")));
        assertFalse(Files.exists(fixture.imageOf(sim, CrashMode.KEEP_ALL).resolve("f")));
        sim.syncDirectory(live);
        assertFalse(Files.exists(fixture.imageOf(sim, CrashMode.DROP_ALL).resolve("f")));
    }

    @Test
    void shouldNeverReplayALaterOperationOnANameWithoutTheEarlierOnes() throws IOException {
        CrashSimulator sim = new CrashSimulator();
        try (DurableFile f = createDurably(sim, "current")) {
            f.write(0, SimFixture.utf8("A"));
            f.force();
        }
        // Move the old file aside, then create a new one under its name; neither is synced.
        sim.rename(live.resolve("current"), live.resolve("backup"));
        try (DurableFile f = sim.open(live.resolve("current"), DurableIO.Mode.CREATE_NEW)) {
            f.write(0, SimFixture.utf8("B"));
            f.force();
        }
        Set<String> outcomes = new HashSet<>();
        for (long seed = 0; seed < 40; seed++) {
            Path image = fixture.imageOf(sim, seed);
            String outcome = read(image.resolve("current")) + "/" + read(image.resolve("backup"));
            outcomes.add(outcome);
            assertTrue(Set.of("A/absent", "absent/A", "B/A").contains(outcome),
                    "seed " + seed + ": current/backup = " + outcome + "; the new file needs the rename before it");
        }
        assertEquals(3, outcomes.size(), "every allowed outcome occurs: " + outcomes);
    }

    private static String read(Path file) throws IOException {
        return Files.exists(file) ? Files.readString(file) : "absent";
    }

    @Test
    void shouldTreatFilesThatExistedBeforeAsDurable() throws IOException {
        Files.writeString(live.resolve("seen"), "original");
        Files.createDirectories(live.resolve("sub"));
        Files.writeString(live.resolve("sub/unseen"), "untouched");
        CrashSimulator sim = new CrashSimulator();
        try (DurableFile f = sim.open(live.resolve("seen"), DurableIO.Mode.OPEN_EXISTING)) {
            assertEquals(0, sim.operationCount(), "opening an existing file is no operation");
            f.write(0, SimFixture.utf8("ORIGINAL"));
        }
        Path image = fixture.imageOf(sim, CrashMode.DROP_ALL);
        assertEquals("original", Files.readString(image.resolve("seen")));
        assertEquals("untouched", Files.readString(image.resolve("sub/unseen")));
    }

    @Test
    void shouldShowCurrentBytesThroughAMapping() throws IOException {
        CrashSimulator sim = new CrashSimulator();
        try (DurableFile f = sim.open(live.resolve("f"), DurableIO.Mode.CREATE_NEW); Arena arena = Arena.ofConfined()) {
            f.allocate(4096);
            f.write(10, SimFixture.utf8("x"));
            assertEquals('x', f.map(FileChannel.MapMode.READ_ONLY, 0, 4096, arena).get(ValueLayout.JAVA_BYTE, 10));
            assertThrows(IllegalArgumentException.class, () -> f.map(FileChannel.MapMode.READ_WRITE, 0, 4096, arena));
        }
    }

    @Test
    void shouldRejectChangesThroughAReadOnlyHandleWithoutCountingThem() throws IOException {
        Files.writeString(live.resolve("f"), "data");
        CrashSimulator sim = new CrashSimulator();
        try (DurableFile f = sim.open(live.resolve("f"), DurableIO.Mode.READ_ONLY)) {
            assertThrows(IOException.class, () -> f.write(0, SimFixture.utf8("evil")));
            assertThrows(IOException.class, f::force);
            assertThrows(IOException.class, () -> f.truncate(0));
        }
        assertEquals(0, sim.operationCount());
        assertEquals("data", Files.readString(live.resolve("f")));
    }

    @Test
    void shouldRejectEveryChangeThroughAClosedHandle() throws IOException {
        CrashSimulator sim = new CrashSimulator();
        DurableFile f = sim.open(live.resolve("f"), DurableIO.Mode.CREATE_NEW);
        f.close();
        long before = sim.operationCount();
        assertThrows(ClosedChannelException.class, f::force);
        assertThrows(ClosedChannelException.class, () -> f.write(0, SimFixture.utf8("x")));
        assertEquals(before, sim.operationCount());
    }

    @Test
    void shouldRefuseToWriteAnImageIntoANonEmptyDirectory() throws IOException {
        CrashSimulator sim = new CrashSimulator();
        Path target = Files.createDirectory(tmp.resolve("busy"));
        Files.writeString(target.resolve("x"), "x");
        assertThrows(DirectoryNotEmptyException.class, () -> sim.writeCrashImage(live, target, CrashMode.KEEP_ALL));
        assertThrows(IllegalArgumentException.class,
                () -> sim.writeCrashImage(live, live.resolve("image"), CrashMode.KEEP_ALL));
    }

    private DurableFile createDurably(CrashSimulator sim, String name) throws IOException {
        DurableFile f = sim.open(live.resolve(name), DurableIO.Mode.CREATE_NEW);
        sim.syncDirectory(live);
        return f;
    }



    private static String contents(Path dir) throws IOException {
        StringBuilder all = new StringBuilder();
        try (var files = Files.list(dir)) {
            for (Path p : files.sorted().toList()) {
                all.append(p.getFileName()).append('=').append(Arrays.hashCode(Files.readAllBytes(p))).append(';');
            }
        }
        return all.toString();
    }



    private static byte[] inverted(byte[] source, int from, int length) {
        byte[] bytes = new byte[length];
        for (int i = 0; i < length; i++) {
            bytes[i] = (byte) ~source[from + i];
        }
        return bytes;
    }

}
