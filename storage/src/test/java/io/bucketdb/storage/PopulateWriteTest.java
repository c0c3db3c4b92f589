package io.bucketdb.storage;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.bucketdb.spi.AppendWindow;
import io.bucketdb.spi.DurableFile;
import io.bucketdb.spi.DurableIO;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code madvise(MADV_POPULATE_WRITE)} ({@link NativeFileOps#populateWrite}) only faults pages in: the bytes of a
 * private or shared mapping and of the file stay what they were, the pages are then present (the mapping's private
 * memory in {@code /proc/self/smaps} grows by them), a refusal changes nothing and turns populating off, and an
 * append window that populates ahead leaves the bytes past its tail as the file held them.
 */
class PopulateWriteTest {
    private static final int PAGE = 4096;

    @TempDir
    Path tmp;

    @Test
    void aPopulatedPrivateRangeHoldsTheFilesBytesAndIsPresent() throws IOException {
        assumeTrue(NativeFileOps.isAvailable(), "needs Linux and --enable-native-access");
        Path path = tmp.resolve("table");
        byte[] pattern = pattern(64 * PAGE, 7);
        Files.write(path, pattern);
        try (FileChannel ch = FileChannel.open(path, java.nio.file.StandardOpenOption.READ,
                java.nio.file.StandardOpenOption.WRITE);
             Arena arena = Arena.ofConfined()) {
            MemorySegment map = ch.map(FileChannel.MapMode.PRIVATE, 0, pattern.length, arena);
            long before = Smaps.privateBytes(path);
            // Not page-aligned at either end: the whole pages touched are populated.
            assertTrue(NativeFileOps.populateWrite(map, 3 * PAGE + 5, 40 * PAGE));
            long after = Smaps.privateBytes(path);
            assertTrue(after - before >= 40 * PAGE,
                    "the populated pages are private copies now: " + before + " -> " + after + " bytes");
            assertArrayEquals(pattern, map.toArray(java.lang.foreign.ValueLayout.JAVA_BYTE), "the mapping's bytes");
        }
        assertArrayEquals(pattern, Files.readAllBytes(path), "the file's bytes");
    }

    @Test
    void aPopulatedSharedRangeKeepsTheFilesBytes() throws IOException {
        assumeTrue(NativeFileOps.isAvailable(), "needs Linux and --enable-native-access");
        Path path = tmp.resolve("journal");
        byte[] pattern = pattern(32 * PAGE, 11);
        Files.write(path, pattern);
        try (FileChannel ch = FileChannel.open(path, java.nio.file.StandardOpenOption.READ,
                java.nio.file.StandardOpenOption.WRITE); Arena arena = Arena.ofConfined()) {
            MemorySegment map = ch.map(FileChannel.MapMode.READ_WRITE, 0, pattern.length, arena);
            assertTrue(NativeFileOps.populateWrite(map, 0, pattern.length));
            map.force();
        }
        assertArrayEquals(pattern, Files.readAllBytes(path));
    }

    @Test
    void aRefusedPopulateChangesNothing() throws IOException {
        assertFalse(NativeFileOps.populateWrite(MemorySegment.ofArray(new byte[2 * PAGE]), 0, PAGE), "a heap segment");
        assertThrows(IndexOutOfBoundsException.class,
                () -> NativeFileOps.populateWrite(MemorySegment.ofArray(new byte[PAGE]), PAGE, 1));
        assumeTrue(NativeFileOps.isAvailable(), "needs Linux and --enable-native-access");
        Path path = tmp.resolve("read-only");
        byte[] pattern = pattern(8 * PAGE, 3);
        Files.write(path, pattern);
        try (FileChannel ch = FileChannel.open(path, java.nio.file.StandardOpenOption.READ);
             Arena arena = Arena.ofConfined()) {
            MemorySegment map = ch.map(FileChannel.MapMode.READ_ONLY, 0, pattern.length, arena);
            assertFalse(NativeFileOps.populateWrite(map, 0, pattern.length), "a read-only mapping cannot be populated writable");
            assertArrayEquals(pattern, map.toArray(java.lang.foreign.ValueLayout.JAVA_BYTE));
        }
        assertArrayEquals(pattern, Files.readAllBytes(path));
    }

    @Test
    void aTableMappingStopsPopulatingAtTheFirstRefusal() throws IOException {
        assumeTrue(NativeFileOps.isAvailable(), "needs Linux and --enable-native-access");
        Path path = tmp.resolve("table");
        try (DurableFile f = FileDurableIO.INSTANCE.open(path, DurableIO.Mode.CREATE_NEW);
             ChunkedMapping m = new ChunkedMapping(f, FileChannel.MapMode.PRIVATE, 16, 18)) {
            m.ensureMapped(4 << 16);
            assertTrue(m.populateForWrite(0, 2 * PAGE));
            assertEquals(2 * PAGE, m.populatedBytes());
            // Pages past the end of the file would raise SIGBUS if touched: the kernel refuses to populate them (EFAULT).
            try (FileChannel ch = FileChannel.open(path, java.nio.file.StandardOpenOption.WRITE)) {
                ch.truncate(1 << 16);
            }
            assertFalse(m.populateForWrite(2 << 16, PAGE), "refused past the end of the file");
            assertFalse(m.populateForWrite(4 * PAGE, PAGE), "and off for good after the refusal");
            assertEquals(2 * PAGE, m.populatedBytes());
            MemorySegment chunk0 = m.segment(0);
            assertEquals(0L, chunk0.get(java.lang.foreign.ValueLayout.JAVA_LONG, 4 * PAGE), "the mapping still reads");
        }
    }

    @Test
    void aTableMappingPopulatesNothingWhenTurnedOffOrReadOnly() throws IOException {
        Path path = tmp.resolve("table");
        try (DurableFile f = FileDurableIO.INSTANCE.open(path, DurableIO.Mode.CREATE_NEW);
             ChunkedMapping m = new ChunkedMapping(f, FileChannel.MapMode.PRIVATE, 16, 18)) {
            m.ensureMapped(1 << 16);
            m.populating(false);
            assertFalse(m.populateForWrite(0, PAGE));
            assertFalse(m.populateForWrite(1 << 20, PAGE), "past the mapped end");
            assertEquals(0, m.populatedBytes());
        }
        try (DurableFile f = FileDurableIO.INSTANCE.open(path, DurableIO.Mode.READ_ONLY);
             ChunkedMapping m = new ChunkedMapping(f, FileChannel.MapMode.READ_ONLY, 16, 18)) {
            m.ensureMapped(1 << 16);
            assertFalse(m.populateForWrite(0, PAGE));
        }
    }

    @Test
    void anAppendWindowThatPopulatesAheadLeavesTheBytesPastItsTail() throws IOException {
        Path path = tmp.resolve("journal");
        int size = 1 << 20;
        byte[] old = pattern(size, 5); // a recycled segment: the frames of its last use
        Files.write(path, old);
        byte[] frame = pattern(100, 9);
        byte[] expected = old.clone();
        try (DurableFile f = FileDurableIO.INSTANCE.open(path, DurableIO.Mode.OPEN_EXISTING)) {
            try (AppendWindow w = f.mapAppendWindow(0, size)) {
                // Starts mid-window (a window remapped after a growth of the segment) and crosses stretches.
                for (long at = 3 * PAGE + 17; at + frame.length <= 3 * MappedAppendWindow.STRETCH / 2 && at + frame.length <= size;
                     at += frame.length) {
                    w.put(at, MemorySegment.ofArray(frame), 0, frame.length);
                    System.arraycopy(frame, 0, expected, (int) at, frame.length);
                }
                w.force(0, size);
            }
            ByteBuffer read = ByteBuffer.allocate(size);
            f.read(0, read);
            assertArrayEquals(expected, read.array(), "positional read");
        }
        byte[] file = Files.readAllBytes(path);
        for (int i = 0; i < size; i++) {
            if (file[i] != expected[i]) {
                throw new AssertionError("the file differs at offset " + i + ": " + file[i] + ", expected " + expected[i]);
            }
        }
        assertEquals(size, file.length);
    }

    private static byte[] pattern(int size, int seed) {
        byte[] b = new byte[size];
        for (int i = 0; i < size; i++) {
            b[i] = (byte) (i * 31 + seed + (i >>> 12));
        }
        return b;
    }

    /** The private memory of a file's mappings in this process ({@code Private_Clean + Private_Dirty} in smaps). */
    private static final class Smaps {
        static long privateBytes(Path path) throws IOException {
            String name = path.toRealPath().toString();
            long kb = 0;
            boolean in = false;
            for (String line : Files.readAllLines(Path.of("/proc/self/smaps"))) {
                if (line.matches("^[0-9a-f]+-[0-9a-f]+ .*")) {
                    in = line.endsWith(" " + name);
                } else if (in && (line.startsWith("Private_Clean:") || line.startsWith("Private_Dirty:"))) {
                    kb += Long.parseLong(line.replaceAll("[^0-9]", ""));
                }
            }
            return kb * 1024;
        }
    }
}
