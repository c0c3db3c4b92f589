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
