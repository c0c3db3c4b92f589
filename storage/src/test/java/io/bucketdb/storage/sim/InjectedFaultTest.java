package io.bucketdb.storage.sim;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.bucketdb.spi.DurableFile;
import io.bucketdb.spi.DurableIO;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.HashSet;
import java.util.Random;
import java.util.Set;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The injected faults of {@link CrashSimulator}: Linux fsync-failure semantics, EIO, ENOSPC and the space limit. */
class InjectedFaultTest {

    private static final int SECTOR = 512;

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
    void shouldLoseTheWritesOfAFailedForceEvenAfterALaterSuccessfulForce() throws IOException {
        CrashSimulator sim = new CrashSimulator();
        try (DurableFile f = createDurably(sim, "f")) {
            f.write(0, SimFixture.utf8("durable."));
            f.force();
            f.write(0, SimFixture.utf8("LOST!!!!"));
            f.allocate(8192);
            sim.failOperation(sim.operationCount() + 1, false);
            IOException e = assertThrows(IOException.class, f::force);
            assertTrue(e.getMessage().startsWith("Input/output error"), e.getMessage());
            assertTrue(e.getMessage().contains("injected failure"), e.getMessage());
            f.write(8, SimFixture.utf8("+later"));
            f.force();
        }
        for (Path image : allImages(sim)) {
            assertEquals("durable.+later", Files.readString(image.resolve("f")),
                    image + ": the failed force's write and allocation are gone, the later forced write is there");
        }
    }

    @Test
    void shouldStillShowTheLostBytesToReadsInTheSameBoot() throws IOException {
        CrashSimulator sim = new CrashSimulator();
        try (DurableFile f = createDurably(sim, "f"); Arena arena = Arena.ofConfined()) {
            f.allocate(4096);
            f.force();
            f.write(0, SimFixture.utf8("unforced"));
            sim.failWhen(op -> op.kind() == Operation.Kind.FORCE);
            assertThrows(IOException.class, f::force);
            assertEquals("unforced", read(f, 8), "a read through the same handle sees the page cache");
            MemorySegment mapped = f.map(FileChannel.MapMode.READ_ONLY, 0, 4096, arena);
            assertEquals('u', (char) mapped.get(java.lang.foreign.ValueLayout.JAVA_BYTE, 0));
        }
        sim.clearFailures();
        // The index reopened in the same boot: a new handle, the same simulator.
        try (DurableFile again = sim.open(live.resolve("f"), DurableIO.Mode.OPEN_EXISTING)) {
            assertEquals("unforced", read(again, 8));
            again.force(); // succeeds, and writes nothing: the pages are clean
        }
        for (Path image : allImages(sim)) {
            byte[] bytes = Files.readAllBytes(image.resolve("f"));
            assertEquals(4096, bytes.length);
            assertArrayEquals(new byte[4096], bytes, image + ": zeros where the lost write was");
        }
    }

    @Test
    void shouldPerformNothingOnEio() throws IOException {
        CrashSimulator sim = new CrashSimulator();
        try (DurableFile f = createDurably(sim, "f")) { // 1, 2
            f.write(0, SimFixture.utf8("0123456789")); // 3
            sim.failOperation(4, false, Fault.EIO);
            IOException e = assertThrows(IOException.class, () -> f.write(0, SimFixture.utf8("xxxxxxxxxxxx"))); // 4
            assertTrue(e.getMessage().startsWith("Input/output error"), e.getMessage());
            sim.failOperation(5, false, Fault.EIO);
            assertThrows(IOException.class, () -> f.allocate(1 << 20)); // 5
            assertEquals(10, f.size());
            assertEquals("0123456789", Files.readString(live.resolve("f")));
        }
        assertEquals("0123456789", Files.readString(fixture.imageOf(sim, CrashMode.KEEP_ALL).resolve("f")));
    }

    /**
     * Property, across seeds: an ENOSPC write leaves the file holding a prefix of it that ends at a sector
     * boundary of the file (or nothing), the prefix is an unforced write like any other, and across seeds
     * both an empty and a non-empty prefix occur.
     */
    @Test
    void shouldWriteAPrefixOfWholeSectorsOnEnospc() throws IOException {
        long base = new Random().nextLong();
        Set<String> shapes = new HashSet<>();
        for (int i = 0; i < 60; i++) {
            long seed = base + i;
            try {
                shapes.add(checkShortWrite(seed));
            } catch (AssertionError | IOException | RuntimeException e) {
                throw new AssertionError("seed " + seed + " (replay: checkShortWrite(" + seed + "L)): " + e.getMessage(), e);
            }
        }
        assertEquals(Set.of("none", "some"), shapes, "base seed " + base);
    }

    private String checkShortWrite(long seed) throws IOException {
        Random rnd = new Random(seed);
        Path dir = Files.createDirectory(tmp.resolve("short-" + seed));
        CrashSimulator sim = new CrashSimulator(seed);
        byte[] durable = SimFixture.random(rnd, 2000 + rnd.nextInt(6000));
        int position = rnd.nextInt(durable.length);
        byte[] update = SimFixture.random(rnd, 1 + rnd.nextInt(5000));
        try (DurableFile f = sim.open(dir.resolve("f"), DurableIO.Mode.CREATE_NEW)) {
            sim.syncDirectory(dir);
            f.write(0, ByteBuffer.wrap(durable));
            f.force();
            sim.failWhen(op -> op.kind() == Operation.Kind.WRITE, Fault.ENOSPC);
            ByteBuffer src = ByteBuffer.wrap(update);
            IOException e = assertThrows(IOException.class, () -> f.write(position, src));
            assertTrue(e.getMessage().startsWith("No space left on device"), e.getMessage());
            int written = src.position();
            assertTrue(written < update.length, "an ENOSPC write is short: " + written);
            int end = position + written;
            assertTrue(written == 0 || end % SECTOR == 0, "the prefix ends at a sector boundary: " + end);
            byte[] expected = Arrays.copyOf(durable, Math.max(durable.length, end));
            System.arraycopy(update, 0, expected, position, written);
            assertArrayEquals(expected, Files.readAllBytes(dir.resolve("f")), "the real file holds the prefix");
            Path kept = tmp.resolve("short-keep-" + seed);
            sim.writeCrashImage(dir, kept, CrashMode.KEEP_ALL);
            assertArrayEquals(expected, Files.readAllBytes(kept.resolve("f")), "KEEP_ALL keeps the prefix");
            Path dropped = tmp.resolve("short-drop-" + seed);
            sim.writeCrashImage(dir, dropped, CrashMode.DROP_ALL);
            assertArrayEquals(durable, Files.readAllBytes(dropped.resolve("f")), "the prefix was not forced");
            return written == 0 ? "none" : "some";
        }
    }

    @Test
    void shouldExtendAFilePartlyOnEnospc() throws IOException {
        Set<String> shapes = new HashSet<>();
        for (long seed = 0; seed < 40; seed++) {
            CrashSimulator sim = new CrashSimulator(seed);
            Path dir = Files.createDirectory(tmp.resolve("alloc-" + seed));
            try (DurableFile f = sim.open(dir.resolve("f"), DurableIO.Mode.CREATE_NEW)) {
                f.write(0, SimFixture.utf8("head"));
                sim.failWhen(op -> op.kind() == Operation.Kind.ALLOCATE, Fault.ENOSPC);
                IOException e = assertThrows(IOException.class, () -> f.allocate(20_000));
                assertTrue(e.getMessage().startsWith("No space left on device"), "seed " + seed + ": " + e.getMessage());
                long size = f.size();
                assertTrue(size == 4 || (size % SECTOR == 0 && size > 4 && size < 20_000), "seed " + seed + ": size " + size);
                sim.writeCrashImage(dir, tmp.resolve("alloc-image-" + seed), CrashMode.KEEP_ALL);
                assertEquals(size, Files.size(tmp.resolve("alloc-image-" + seed).resolve("f")), "seed " + seed);
                shapes.add(size == 4 ? "none" : "some");
            }
        }
        assertEquals(Set.of("none", "some"), shapes);
    }

    @Test
    void shouldFailEveryLaterDataOperationWithEnospcWhenPersistent() throws IOException {
        CrashSimulator sim = new CrashSimulator(3);
        try (DurableFile f = createDurably(sim, "f")) { // 1, 2
            sim.failOperation(3, true, Fault.ENOSPC);
            for (int i = 0; i < 5; i++) {
                IOException e = assertThrows(IOException.class, () -> f.write(0, ByteBuffer.wrap(new byte[100])));
                assertTrue(e.getMessage().startsWith("No space left on device"), e.getMessage());
            }
            assertEquals(0, f.size(), "less than a sector: nothing written");
            assertThrows(IOException.class, f::force);
            sim.rename(live.resolve("f"), live.resolve("g")); // directory operations still work
            sim.syncDirectory(live);
        }
        assertTrue(Files.exists(fixture.imageOf(sim, CrashMode.DROP_ALL).resolve("g")));
    }

    @Test
    void shouldFailWritesPastTheSpaceLimitAfterWritingWhatFitsUntilSpaceIsFreed() throws IOException {
        CrashSimulator sim = new CrashSimulator();
        try (DurableFile a = createDurably(sim, "a"); DurableFile b = createDurably(sim, "b")) {
            a.write(0, ByteBuffer.wrap(SimFixture.filled(6000, (byte) 'a')));
            sim.limitSpace(10_000);
            ByteBuffer src = ByteBuffer.wrap(SimFixture.filled(6000, (byte) 'b'));
            IOException e = assertThrows(IOException.class, () -> b.write(0, src));
            assertTrue(e.getMessage().startsWith("No space left on device"), e.getMessage());
            assertTrue(e.getMessage().contains("space limit"), e.getMessage());
            assertEquals(3584, src.position(), "7 whole sectors fit in the 4000 bytes left");
            assertEquals(3584, Files.size(live.resolve("b")));
            assertEquals(9584, sim.spaceUsed());

            a.write(0, ByteBuffer.wrap(SimFixture.filled(6000, (byte) 'A'))); // overwriting costs nothing
            IOException full = assertThrows(IOException.class, () -> a.allocate(1 << 20));
            assertTrue(full.getMessage().startsWith("No space left on device"), full.getMessage());
            assertEquals(6144, a.size(), "grew to the last sector boundary within the limit");
            b.truncate(0); // frees space, as deleting does
            a.allocate(9728);
            assertEquals(9728, a.size());

            sim.unlimitSpace();
            b.write(0, ByteBuffer.wrap(SimFixture.filled(6000, (byte) 'b')));
            a.force();
            b.force();
        }
        Path image = fixture.imageOf(sim, CrashMode.DROP_ALL);
        assertEquals(9728, Files.size(image.resolve("a")));
        assertEquals(6000, Files.size(image.resolve("b")));
    }

    @Test
    void shouldCountPunchedHolesAsFreeSpaceAndAWriteIntoOneAsAnAllocation() throws IOException {
        assumeTrue(io.bucketdb.storage.NativeFileOps.isAvailable(), "punching holes needs native access");
        CrashSimulator sim = new CrashSimulator();
        try (DurableFile f = createDurably(sim, "f")) {
            f.write(0, ByteBuffer.wrap(SimFixture.filled(16 * 4096, (byte) 'f')));
            f.force();
            assertEquals(16 * 4096, sim.spaceUsed());
            assertTrue(f.canPunchHoles());
            assertTrue(f.punchHole(4 * 4096, 8 * 4096));
            assertTrue(f.punchHole(12 * 4096, 2 * 4096)); // adjacent: one hole of 10 pages
            assertEquals(6 * 4096, sim.spaceUsed(), "the size stays, the holes take no space");
            assertEquals(16 * 4096, f.size());
            ByteBuffer back = ByteBuffer.allocate(4096);
            f.read(5 * 4096, back);
            assertEquals(0, back.flip().getLong(100), "a hole reads as zeros");

            sim.limitSpace(6 * 4096 + 2 * 4096 + 100);
            f.write(0, ByteBuffer.wrap(SimFixture.filled(4096, (byte) 'o'))); // allocated bytes cost nothing
            ByteBuffer src = ByteBuffer.wrap(SimFixture.filled(4 * 4096, (byte) 'h'));
            IOException e = assertThrows(IOException.class, () -> f.write(3 * 4096, src));
            assertTrue(e.getMessage().startsWith("No space left on device"), e.getMessage());
            // page 3 is allocated; pages 4 and 5 fill the two pages of space left, plus the sector that fits in 100 bytes: none
            assertEquals(3 * 4096, src.position(), "wrote the allocated page and the two hole pages that fit");
            assertEquals(6 * 4096 + 2 * 4096, sim.spaceUsed());
            sim.unlimitSpace();
            f.write(6 * 4096, ByteBuffer.wrap(SimFixture.filled(8 * 4096, (byte) 'g')));
            assertEquals(16 * 4096, sim.spaceUsed(), "every hole filled again");
            f.force();
        }
        byte[] image = Files.readAllBytes(fixture.imageOf(sim, CrashMode.DROP_ALL).resolve("f"));
        assertEquals(16 * 4096, image.length);
        assertEquals('o', image[0]);
        assertEquals('h', image[5 * 4096]);
        assertEquals('g', image[13 * 4096]);
        assertEquals('f', image[15 * 4096]);
    }

    @Test
    void shouldKeepOrDropAShortWriteInCrashImagesLikeAnyUnforcedWrite() throws IOException {
        CrashSimulator sim = new CrashSimulator();
        try (DurableFile f = createDurably(sim, "f")) {
            f.force();
            sim.limitSpace(2 * SECTOR + 100);
            assertThrows(IOException.class, () -> f.write(0, ByteBuffer.wrap(SimFixture.filled(4 * SECTOR, (byte) 'x'))));
        }
        Set<Long> sizes = new HashSet<>();
        for (long seed = 0; seed < 40; seed++) {
            long size = Files.size(fixture.imageOf(sim, seed).resolve("f"));
            assertTrue(size == 0 || size == SECTOR || size == 2 * SECTOR, "seed " + seed + ": " + size);
            sizes.add(size);
        }
        assertEquals(Set.of(0L, (long) SECTOR, 2L * SECTOR), sizes, "kept, torn and dropped");
    }

    @Test
    void shouldLeaveTheOperationsOfAFailedDirectorySyncDoubtfulForGood() throws IOException {
        CrashSimulator sim = new CrashSimulator();
        try (DurableFile f = sim.open(live.resolve("f"), DurableIO.Mode.CREATE_NEW)) {
            f.write(0, SimFixture.utf8("data"));
            f.force();
        }
        sim.failWhen(op -> op.kind() == Operation.Kind.SYNC_DIRECTORY);
        assertThrows(IOException.class, () -> sim.syncDirectory(live));
        sim.clearFailures();
        sim.syncDirectory(live); // succeeds, and does not make the creation durable
        assertFalse(Files.exists(fixture.imageOf(sim, CrashMode.DROP_ALL).resolve("f")));
        sim.rename(live.resolve("f"), live.resolve("g"));
        sim.syncDirectory(live); // durable, but only if the doubtful creation before it happened
        Set<String> outcomes = new HashSet<>();
        for (long seed = 0; seed < 40; seed++) {
            Path image = fixture.imageOf(sim, seed);
            String outcome = exists(image, "f") + "/" + exists(image, "g");
            assertTrue(Set.of("absent/absent", "absent/g").contains(outcome), "seed " + seed + ": f/g = " + outcome);
            outcomes.add(outcome);
        }
        assertEquals(2, outcomes.size(), "both outcomes occur: " + outcomes);
        assertEquals("data", Files.readString(fixture.imageOf(sim, CrashMode.KEEP_ALL).resolve("g")));
    }

    private static String exists(Path dir, String name) {
        return Files.exists(dir.resolve(name)) ? name : "absent";
    }

    private DurableFile createDurably(CrashSimulator sim, String name) throws IOException {
        DurableFile f = sim.open(live.resolve(name), DurableIO.Mode.CREATE_NEW);
        sim.syncDirectory(live);
        return f;
    }

    private Path[] allImages(CrashSimulator sim) throws IOException {
        Path[] all = new Path[22];
        all[0] = fixture.imageOf(sim, CrashMode.KEEP_ALL);
        all[1] = fixture.imageOf(sim, CrashMode.DROP_ALL);
        for (int seed = 0; seed < 20; seed++) {
            all[2 + seed] = fixture.imageOf(sim, seed);
        }
        return all;
    }



    private static String read(DurableFile f, int length) throws IOException {
        ByteBuffer dst = ByteBuffer.allocate(length);
        f.read(0, dst);
        return new String(dst.array(), StandardCharsets.UTF_8);
    }



}
