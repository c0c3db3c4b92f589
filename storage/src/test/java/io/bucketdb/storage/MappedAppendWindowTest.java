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

    /**
     * A touch reads and writes nothing: the file's bytes, written and not, are unchanged, a range reaching outside the
     * window is clipped, and a closed window makes it return quietly.
     */
    @Test
    void aTouchChangesNoByteIsClippedToTheWindowAndIsQuietOnAClosedWindow() throws IOException {
        Path path = tmp.resolve("j");
        byte[] bytes = new byte[10_000];
        new java.util.Random(7).nextBytes(bytes);
        try (DurableFile f = FileDurableIO.INSTANCE.open(path, DurableIO.Mode.CREATE_NEW)) {
            f.allocate(SIZE);
            try (AppendWindow w = f.mapAppendWindow(4096, SIZE - 4096)) {
                w.put(5000, MemorySegment.ofArray(bytes), 0, bytes.length);
                byte[] before = Files.readAllBytes(path);
                w.touch(4096, SIZE);
                w.touch(0, 2 * SIZE);
                w.touch(6000, 7000);
                w.touch(SIZE, 2 * SIZE);
                assertArrayEquals(before, Files.readAllBytes(path), "a touch changes no byte");
                w.close();
                w.touch(4096, SIZE);
            }
            assertEquals(SIZE, f.size(), "touching does not change the size");
        }
    }

    /**
     * Windows closed on one thread while another touches them (a roll or a close under the journal's toucher): every
     * close succeeds at once and every touch returns quietly, whichever comes first.
     */
    @Test
    void aCloseWhileAnotherThreadTouchesSucceedsAndTheTouchReturns() throws Exception {
        Path path = tmp.resolve("j");
        int size = 4 << 20;
        try (DurableFile f = FileDurableIO.INSTANCE.open(path, DurableIO.Mode.CREATE_NEW)) {
            f.allocate(size);
            for (int round = 0; round < 50; round++) {
                AppendWindow w = f.mapAppendWindow(0, size);
                java.util.concurrent.atomic.AtomicReference<Throwable> failure =
                        new java.util.concurrent.atomic.AtomicReference<>();
                java.util.concurrent.CountDownLatch started = new java.util.concurrent.CountDownLatch(1);
                Thread toucher = Thread.ofPlatform().start(() -> {
                    try {
                        started.countDown();
                        for (int i = 0; i < 20; i++) {
                            w.touch(0, size);
                        }
                    } catch (Throwable t) {
                        failure.set(t);
                    }
                });
                started.await();
                if (round % 2 == 1) {
                    Thread.onSpinWait();
                }
                w.close();
                toucher.join();
                assertEquals(null, failure.get(), "round " + round + ": the touch returned quietly");
            }
            assertEquals(size, f.size());
        }
    }
}
