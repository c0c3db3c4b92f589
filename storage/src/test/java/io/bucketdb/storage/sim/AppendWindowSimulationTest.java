package io.bucketdb.storage.sim;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.bucketdb.spi.AppendWindow;
import io.bucketdb.spi.DurableFile;
import io.bucketdb.spi.DurableIO;
import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Random;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The crash simulator's model of a journal's {@link AppendWindow} (issue 16): a put is in the file at once (a process
 * kill keeps it), a power loss keeps only what a force of its range covered (and may tear the rest at sectors), and a
 * failed force loses every unforced change for good, as a failed positional force does.
 */
class AppendWindowSimulationTest {
    private static final int SIZE = 4 * PageImage.PAGE_SIZE;

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
    void aPutIsInTheFileAtOnceAndAKillKeepsItWhileLaterPutsFail() throws IOException {
        CrashSimulator sim = new CrashSimulator();
        byte[] bytes = SimFixture.random(new Random(1), 700);
        try (DurableFile f = allocated(sim, "j"); AppendWindow w = f.mapAppendWindow(0, SIZE)) {
            long ops = sim.operationCount();
            w.put(100, MemorySegment.ofArray(bytes), 0, bytes.length);
            assertEquals(ops, sim.operationCount(), "a put is no system call, so no operation");
            ByteBuffer read = ByteBuffer.allocate(bytes.length);
            f.read(100, read);
            assertArrayEquals(bytes, read.array(), "positional reads see the put at once");
            sim.crashAfter(sim.operationCount());
            assertThrows(SimulatedCrashException.class, () -> w.force(0, SIZE));
            assertThrows(SimulatedCrashException.class, () -> w.put(0, MemorySegment.ofArray(bytes), 0, 1),
                    "a dead process puts nothing more");
        }
        // What a kill leaves is the page cache: the real file.
        assertArrayEquals(bytes, Arrays.copyOfRange(Files.readAllBytes(live.resolve("j")), 100, 800));
    }

    @Test
    void aPowerLossKeepsWhatAForceOfItsRangeCoveredAndMayTearTheRest() throws IOException {
        CrashSimulator sim = new CrashSimulator();
        byte[] forced = SimFixture.random(new Random(2), 1500);
        byte[] outside = SimFixture.random(new Random(3), 3000);
        try (DurableFile f = allocated(sim, "j"); AppendWindow w = f.mapAppendWindow(0, SIZE)) {
            w.put(0, MemorySegment.ofArray(forced), 0, forced.length);
            w.put(8192, MemorySegment.ofArray(outside), 0, outside.length);
            w.force(0, forced.length); // the range of the first put only
        }
        byte[] none = Files.readAllBytes(fixture.imageOf(sim, CrashMode.DROP_ALL).resolve("j"));
        assertEquals(SIZE, none.length, "the allocation, a size change, was made durable with the range");
        assertArrayEquals(forced, Arrays.copyOf(none, forced.length));
        assertArrayEquals(new byte[outside.length], Arrays.copyOfRange(none, 8192, 8192 + outside.length),
                "a put outside the forced range is not durable");
        byte[] all = Files.readAllBytes(fixture.imageOf(sim, CrashMode.KEEP_ALL).resolve("j"));
        assertArrayEquals(outside, Arrays.copyOfRange(all, 8192, 8192 + outside.length));
        boolean torn = false;
        for (long seed = 0; seed < 64 && !torn; seed++) {
            byte[] image = Files.readAllBytes(fixture.imageOf(sim, seed).resolve("j"));
            assertArrayEquals(forced, Arrays.copyOf(image, forced.length), "seed " + seed);
            byte[] tail = Arrays.copyOfRange(image, 8192, 8192 + outside.length);
            torn = !Arrays.equals(tail, outside) && !Arrays.equals(tail, new byte[outside.length]);
        }
        assertTrue(torn, "some power loss keeps part of the unforced put (whole sectors of it)");
    }

    @Test
    void aFailedForceOfTheWindowLosesEveryUnforcedChangeAndIsNotUndoneByALaterForce() throws IOException {
        CrashSimulator sim = new CrashSimulator();
        byte[] lost = SimFixture.random(new Random(4), 600);
        byte[] later = SimFixture.random(new Random(5), 600);
        try (DurableFile f = allocated(sim, "j"); AppendWindow w = f.mapAppendWindow(0, SIZE)) {
            w.put(0, MemorySegment.ofArray(lost), 0, lost.length);
            sim.failWhen(op -> op.kind() == Operation.Kind.FORCE);
            IOException e = assertThrows(IOException.class, () -> w.force(0, lost.length));
            assertTrue(e.getMessage().startsWith("Input/output error"), e.getMessage());
            sim.clearFailures();
            w.put(1024, MemorySegment.ofArray(later), 0, later.length);
            w.force(0, SIZE);
            ByteBuffer read = ByteBuffer.allocate(lost.length);
            f.read(0, read);
            assertArrayEquals(lost, read.array(), "the page cache still holds them in this boot");
        }
        for (CrashMode mode : CrashMode.values()) {
            byte[] image = Files.readAllBytes(fixture.imageOf(sim, mode).resolve("j"));
            assertArrayEquals(new byte[lost.length], Arrays.copyOf(image, lost.length), mode + ": lost for good");
            assertArrayEquals(later, Arrays.copyOfRange(image, 1024, 1024 + later.length), mode.toString());
        }
    }

    @Test
    void aWindowReachesNoFurtherThanTheAllocatedFile() throws IOException {
        CrashSimulator sim = new CrashSimulator();
        try (DurableFile f = allocated(sim, "j")) {
            IOException e = assertThrows(IOException.class, () -> f.mapAppendWindow(0, SIZE + 1));
            assertTrue(e.getMessage().contains("beyond the allocated file size"), e.getMessage());
            try (AppendWindow w = f.mapAppendWindow(PageImage.PAGE_SIZE, PageImage.PAGE_SIZE)) {
                MemorySegment one = MemorySegment.ofArray(new byte[2]);
                assertThrows(IndexOutOfBoundsException.class, () -> w.put(2 * PageImage.PAGE_SIZE - 1, one, 0, 2));
                assertThrows(IndexOutOfBoundsException.class, () -> w.force(0, PageImage.PAGE_SIZE));
            }
        }
    }

    /** A new file, durably named, allocated to {@link #SIZE} bytes (not forced). */
    private DurableFile allocated(CrashSimulator sim, String name) throws IOException {
        DurableFile f = sim.open(live.resolve(name), DurableIO.Mode.CREATE_NEW);
        sim.syncDirectory(live);
        f.allocate(SIZE);
        return f;
    }
}
