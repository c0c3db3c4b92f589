package io.bucketdb.storage;

import io.bucketdb.spi.DurableFile;
import io.bucketdb.spi.DurableIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.EOFException;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

/** The in-memory copy a read-only view replays into: one set of bytes, whichever way it is read, written or mapped. */
class InMemoryFileTest {
    @TempDir
    Path tmp;

    private InMemoryFile copyOf(byte[] content) throws IOException {
        Path p = tmp.resolve("table.bdb");
        Files.write(p, content);
        try (DurableFile f = FileDurableIO.INSTANCE.open(p, DurableIO.Mode.READ_ONLY)) {
            return InMemoryFile.copyOf(f);
        }
    }

    private static byte[] read(InMemoryFile f, long at, int n) throws IOException {
        ByteBuffer b = ByteBuffer.allocate(n);
        f.read(at, b);
        return b.array();
    }

    @Test
    void theCopyHoldsTheFileAndNeverChangesIt() throws IOException {
        byte[] content = new byte[3 * 4096 + 100];
        new SplittableRandom(1).nextBytes(content);
        InMemoryFile f = copyOf(content);
        assertEquals(content.length, f.size());
        assertArrayEquals(content, read(f, 0, content.length));
        f.write(10, ByteBuffer.wrap(new byte[] {1, 2, 3}));
        assertArrayEquals(new byte[] {1, 2, 3}, read(f, 10, 3));
        assertArrayEquals(content, Files.readAllBytes(tmp.resolve("table.bdb")), "the file changed");
        assertThrows(EOFException.class, () -> read(f, content.length - 1, 2));
    }

    @Test
    void mappingsShareTheBytesWithReadsAndWritesAlsoAcrossTheCopysEnd() throws IOException {
        byte[] content = new byte[6000];
        new SplittableRandom(2).nextBytes(content);
        InMemoryFile f = copyOf(content);
        MemorySegment first = f.map(FileChannel.MapMode.PRIVATE, 0, 4096, Arena.global());
        f.allocate(16384);
        MemorySegment second = f.map(FileChannel.MapMode.PRIVATE, 4096, 12288, Arena.global()); // straddles the copy's end
        assertEquals(content[4095], first.get(ValueLayout.JAVA_BYTE, 4095));
        assertEquals(content[5999], second.get(ValueLayout.JAVA_BYTE, 5999 - 4096));
        assertEquals(0, second.get(ValueLayout.JAVA_BYTE, 6000 - 4096), "allocated space reads as zeros");
        assertEquals(6000, f.size(), "room to map is not part of the file");
        second.set(ValueLayout.JAVA_BYTE, 8000 - 4096, (byte) 7);
        first.set(ValueLayout.JAVA_BYTE, 5, (byte) 9);
        assertArrayEquals(new byte[] {9}, read(f, 5, 1), "a read sees a write through the mapping");
        f.write(8000, ByteBuffer.wrap(new byte[] {7}));
        assertEquals(8001, f.size(), "a write extends the file");
        assertEquals(7, second.get(ValueLayout.JAVA_BYTE, 8000 - 4096));
        f.write(4090, ByteBuffer.wrap(new byte[] {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12})); // across both mappings
        assertEquals(1, first.get(ValueLayout.JAVA_BYTE, 4090));
        assertEquals(12, second.get(ValueLayout.JAVA_BYTE, 4101 - 4096));
        assertArrayEquals(content, Files.readAllBytes(tmp.resolve("table.bdb")), "the file changed");
    }

    @Test
    void writesBeyondTheEndGrowItAndTheGapReadsAsZeros() throws IOException {
        InMemoryFile f = copyOf(new byte[] {5, 5, 5});
        f.write(10_000, ByteBuffer.wrap(new byte[] {8}));
        assertEquals(10_001, f.size());
        byte[] all = read(f, 0, 10_001);
        assertEquals(5, all[2]);
        assertEquals(0, all[3]);
        assertEquals(0, all[9_999]);
        assertEquals(8, all[10_000]);
        assertThrows(IOException.class, () -> f.truncate(3), "a view's copy never shrinks");
        assertThrows(IllegalArgumentException.class, () -> f.map(FileChannel.MapMode.READ_WRITE, 0, 3, Arena.global()));
        assertThrows(IOException.class, () -> f.map(FileChannel.MapMode.PRIVATE, 0, 20_000, Arena.global()));
    }
}
