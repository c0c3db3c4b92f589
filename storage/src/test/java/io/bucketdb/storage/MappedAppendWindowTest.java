package io.bucketdb.storage;

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
import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@link FileDurableFile}'s {@link AppendWindow}: a shared mapping of an allocated range, whose puts the file shows at
 * once (positional reads and other handles see the page cache), that never reaches past the file's end, and that is
 * unmapped deterministically by {@link AppendWindow#close()}.
 */
class MappedAppendWindowTest {
    private static final int SIZE = 64 << 10;

    @TempDir
    Path tmp;

    @Test
    void aPutIsInTheFileAtOnceAndAForceOfItsRangeReturns() throws IOException {
        Path path = tmp.resolve("j");
        byte[] bytes = "frames through the mapping".getBytes();
        try (DurableFile f = FileDurableIO.INSTANCE.open(path, DurableIO.Mode.CREATE_NEW)) {
            f.allocate(SIZE);
            try (AppendWindow w = f.mapAppendWindow(4096, SIZE - 4096)) {
                assertEquals(4096, w.start());
                assertEquals(SIZE, w.end());
                w.put(5000, MemorySegment.ofArray(bytes), 0, bytes.length);
                ByteBuffer read = ByteBuffer.allocate(bytes.length);
                f.read(5000, read);
                assertArrayEquals(bytes, read.array(), "a positional read of the same file sees the put");
                assertArrayEquals(bytes, Arrays.copyOfRange(Files.readAllBytes(path), 5000, 5000 + bytes.length),
                        "another handle sees it: it is in the page cache, as a killed process leaves it");
                w.force(5000, 5000 + bytes.length);
                w.force(4096, SIZE);
                assertThrows(IndexOutOfBoundsException.class, () -> w.force(0, SIZE));
                assertThrows(IndexOutOfBoundsException.class,
                        () -> w.put(SIZE - 1, MemorySegment.ofArray(bytes), 0, bytes.length));
                w.close();
                assertThrows(IllegalStateException.class, () -> w.put(5000, MemorySegment.ofArray(bytes), 0, 1),
                        "closed means unmapped: a put fails instead of reaching freed memory");
            }
            assertEquals(SIZE, f.size(), "mapping and putting do not change the size");
        }
    }

    /**
     * A prefault (issue 16: the journal's preparer faults the next pages in ahead of the writer) changes no byte of the
     * file, neither the ones put already nor the ones ahead, nor its size, and puts go on after it.
     */
    @Test
    void aPrefaultChangesNoByteOfTheFile() throws IOException {
        Path path = tmp.resolve("j");
        byte[] bytes = new byte[10_000];
        Arrays.fill(bytes, (byte) 0x5a);
        try (DurableFile f = FileDurableIO.INSTANCE.open(path, DurableIO.Mode.CREATE_NEW)) {
            f.allocate(SIZE);
            f.write(SIZE - 100, ByteBuffer.wrap(new byte[] {1, 2, 3})); // bytes ahead of the puts, as a recycled file has
            try (AppendWindow w = f.mapAppendWindow(4096, SIZE - 4096)) {
                w.put(4100, MemorySegment.ofArray(bytes), 0, bytes.length);
                byte[] before = Files.readAllBytes(path);
                w.prefault(4100, SIZE); // from inside the page just put to, through the end
                w.prefault(4096, 4097); // less than a page: nothing
                w.prefault(SIZE - 4096, SIZE);
                assertArrayEquals(before, Files.readAllBytes(path), "a prefault writes nothing");
                w.put(4100 + bytes.length, MemorySegment.ofArray(bytes), 0, bytes.length);
                w.force(4096, SIZE);
            }
            byte[] after = Files.readAllBytes(path);
            for (int i = 4100; i < 4100 + 2 * bytes.length; i++) {
                assertEquals(0x5a, after[i], "offset " + i);
            }
            assertArrayEquals(new byte[] {1, 2, 3}, Arrays.copyOfRange(after, SIZE - 100, SIZE - 97));
            assertEquals(SIZE, f.size());
        }
    }

    @Test
    void aWindowNeverReachesPastTheFileAndNeedsAWritableFile() throws IOException {
        Path path = tmp.resolve("j");
        try (DurableFile f = FileDurableIO.INSTANCE.open(path, DurableIO.Mode.CREATE_NEW)) {
            f.allocate(SIZE);
            IOException e = assertThrows(IOException.class, () -> f.mapAppendWindow(4096, SIZE));
            assertTrue(e.getMessage().contains("beyond the allocated file size " + SIZE), e.getMessage());
        }
        try (DurableFile f = FileDurableIO.INSTANCE.open(path, DurableIO.Mode.READ_ONLY)) {
            assertThrows(AccessDeniedException.class, () -> f.mapAppendWindow(0, SIZE));
        }
    }
}
