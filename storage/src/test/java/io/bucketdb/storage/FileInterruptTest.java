package io.bucketdb.storage;

import io.bucketdb.spi.AppendWindow;
import io.bucketdb.spi.DurableFile;
import io.bucketdb.spi.DurableIO;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A {@link FileChannel} closes itself when a thread using it is interrupted, and a file of an index is used by
 * whichever thread leads a group of writes or closes the index: an interrupt of that thread (an executor's
 * {@code shutdownNow()}, a cancelled future) must neither fail the call nor close the file for everyone else. The
 * calls on an interrupted thread succeed and leave its interrupt status set; a channel an interrupt closed all the
 * same (one landing during a call) is opened again; only {@code close()} closes the file for good.
 */
class FileInterruptTest {
    @TempDir
    Path dir;

    @AfterEach
    void clearInterrupt() {
        Thread.interrupted(); // never leak an interrupt into the next test
    }

    static Stream<Arguments> allocators() {
        return Stream.of(Arguments.of("posix_fallocate", FileDurableIO.INSTANCE),
                Arguments.of("zero fill", new FileDurableIO(false)));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("allocators")
    void everyCallOfAnInterruptedThreadSucceedsAndKeepsItsInterruptStatus(String name, FileDurableIO io) throws IOException {
        Path file = dir.resolve("f");
        try (DurableFile f = io.open(file, DurableIO.Mode.CREATE_NEW)) {
            Thread.currentThread().interrupt();
            f.allocate(1 << 16);
            assertInterrupted("allocate");
            f.write(4096, ByteBuffer.wrap(new byte[]{1, 2, 3, 4}));
            assertInterrupted("write");
            f.force();
            assertInterrupted("force");
            assertEquals(1 << 16, f.size());
            assertInterrupted("size");
            ByteBuffer back = ByteBuffer.allocate(4);
            f.read(4096, back);
            assertInterrupted("read");
            assertEquals(0x01020304, back.flip().getInt());
            try (Arena arena = Arena.ofConfined()) {
                MemorySegment m = f.map(FileChannel.MapMode.READ_ONLY, 0, 8192, arena);
                assertInterrupted("map");
                assertEquals(1, m.get(ValueLayout.JAVA_BYTE, 4096));
            }
            try (AppendWindow w = f.mapAppendWindow(0, 4096)) {
                assertInterrupted("mapAppendWindow");
            }
            f.truncate(8192);
            assertInterrupted("truncate");
            Thread.interrupted();
            assertEquals(8192, f.size(), "the file stays open for the calls after the interrupt");
        }
    }

    @Test
    void aChannelAnInterruptClosedIsOpenedAgain() throws IOException {
        Path file = dir.resolve("g");
        try (DurableFile f = FileDurableIO.INSTANCE.open(file, DurableIO.Mode.CREATE_NEW)) {
            f.allocate(8192);
            f.write(0, ByteBuffer.wrap(new byte[]{7}));
            // What an interrupt landing during a call of another thread does to the channel.
            ((FileDurableFile) f).channel().close();
            f.write(1, ByteBuffer.wrap(new byte[]{8}));
            f.force();
            ByteBuffer back = ByteBuffer.allocate(2);
            f.read(0, back);
            assertEquals(0x0708, back.flip().getShort());
            assertEquals(8192, f.size());
        }
        try (DurableFile f = FileDurableIO.INSTANCE.open(file, DurableIO.Mode.READ_ONLY)) {
            ((FileDurableFile) f).channel().close();
            ByteBuffer back = ByteBuffer.allocate(2);
            f.read(0, back);
            assertEquals(0x0708, back.flip().getShort(), "a read-only file is opened again read-only");
        }
    }

    @Test
    void aClosedFileStaysClosed() throws IOException {
        DurableFile f = FileDurableIO.INSTANCE.open(dir.resolve("h"), DurableIO.Mode.CREATE_NEW);
        f.allocate(4096);
        f.close();
        assertThrows(ClosedChannelException.class, () -> f.write(0, ByteBuffer.wrap(new byte[]{1})));
        assertThrows(ClosedChannelException.class, f::size);
        assertThrows(IOException.class, f::force);
    }

    @Test
    void aDirectorySyncOfAnInterruptedThreadSucceeds() throws IOException {
        Thread.currentThread().interrupt();
        FileDurableIO.INSTANCE.syncDirectory(dir);
        assertInterrupted("syncDirectory");
    }

    private static void assertInterrupted(String call) {
        assertTrue(Thread.currentThread().isInterrupted(), call + " cleared the caller's interrupt status");
    }
}
