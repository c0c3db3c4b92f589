package io.bucketdb.storage;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.bucketdb.spi.DurableFile;
import io.bucketdb.spi.DurableIO;

import java.io.EOFException;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Arrays;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class FileDurableIOTest {

    @TempDir
    Path dir;

    private final DurableIO io = FileDurableIO.INSTANCE;

    static Stream<Arguments> allocators() {
        return Stream.of(Arguments.of("posix_fallocate", FileDurableIO.INSTANCE),
                Arguments.of("zero fill", new FileDurableIO(false)));
    }

    @Test
    void shouldReadBackWhatWasWrittenAndForced() throws IOException {
        Path file = dir.resolve("f");
        try (DurableFile f = io.open(file, DurableIO.Mode.CREATE_NEW)) {
            f.write(3, utf8("hello"));
            f.force();
            assertEquals(8, f.size());
            ByteBuffer dst = ByteBuffer.allocate(8);
            f.read(0, dst);
            assertArrayEquals(new byte[] {0, 0, 0, 'h', 'e', 'l', 'l', 'o'}, dst.array());
        }
        assertArrayEquals(new byte[] {0, 0, 0, 'h', 'e', 'l', 'l', 'o'}, Files.readAllBytes(file));
    }

    @Test
    void shouldThrowEofWhenReadingPastTheEnd() throws IOException {
        try (DurableFile f = io.open(dir.resolve("f"), DurableIO.Mode.CREATE_NEW)) {
            f.write(0, utf8("abc"));
            assertThrows(EOFException.class, () -> f.read(1, ByteBuffer.allocate(3)));
        }
    }

    @Test
    void shouldHonourOpenModes() throws IOException {
        Path file = dir.resolve("f");
        assertThrows(NoSuchFileException.class, () -> io.open(file, DurableIO.Mode.OPEN_EXISTING));
        assertThrows(NoSuchFileException.class, () -> io.open(file, DurableIO.Mode.READ_ONLY));
        io.open(file, DurableIO.Mode.CREATE_OR_OPEN).close();
        assertThrows(FileAlreadyExistsException.class, () -> io.open(file, DurableIO.Mode.CREATE_NEW));
        io.open(file, DurableIO.Mode.CREATE_OR_OPEN).close();
        io.open(file, DurableIO.Mode.OPEN_EXISTING).close();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("allocators")
    void shouldAllocateZeroedBytesUpToTheNewSize(String name, DurableIO allocator) throws IOException {
        try (DurableFile f = allocator.open(dir.resolve("f"), DurableIO.Mode.CREATE_NEW)) {
            f.write(0, utf8("keep"));
            int newSize = (3 << 20) + 123; // more than one 1 MiB zero block, not a multiple of it
            f.allocate(newSize);
            assertEquals(newSize, f.size());
            ByteBuffer all = ByteBuffer.allocate(newSize);
            f.read(0, all);
            assertEquals("keep", new String(all.array(), 0, 4, StandardCharsets.UTF_8));
            assertTrue(isZero(all.array(), 4, newSize), "allocated bytes read as zero");
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("allocators")
    void shouldNotShrinkWhenAllocatingLess(String name, DurableIO allocator) throws IOException {
        try (DurableFile f = allocator.open(dir.resolve("f"), DurableIO.Mode.CREATE_NEW)) {
            f.write(0, ByteBuffer.wrap(new byte[10_000]));
            f.allocate(4096);
            assertEquals(10_000, f.size());
        }
    }

    @Test
    void shouldReportAnAllocationTheFileSystemCannotHoldAsIOException() throws IOException {
        assumeTrue(NativeFileOps.isAvailable(), "the zero-fill fallback would really try to write an exabyte");
        try (DurableFile f = io.open(dir.resolve("f"), DurableIO.Mode.CREATE_NEW)) {
            f.write(0, utf8("abc"));
            IOException e = assertThrows(IOException.class, () -> f.allocate(1L << 60));
            assertTrue(e.getMessage().contains("posix_fallocate failed"), e.getMessage());
            assertTrue(e.getMessage().contains(dir.resolve("f").toString()), e.getMessage());
            assertEquals(3, f.size(), "a failed allocation leaves the size as it was");
        }
    }

    @Test
    void shouldKeepAllocatingTheSameFileAfterItIsRenamed() throws IOException {
        Path before = dir.resolve("before");
        Path after = dir.resolve("after");
        try (DurableFile f = io.open(before, DurableIO.Mode.CREATE_NEW)) {
            io.rename(before, after);
            f.allocate(8192);
            assertEquals(8192, Files.size(after));
        }
    }

    @Test
    void shouldTruncateToTheNewSize() throws IOException {
        try (DurableFile f = io.open(dir.resolve("f"), DurableIO.Mode.CREATE_NEW)) {
            f.allocate(10_000);
            f.truncate(100);
            assertEquals(100, f.size());
            f.truncate(100);
            assertEquals(100, f.size());
            assertThrows(IllegalArgumentException.class, () -> f.truncate(101));
            assertThrows(IllegalArgumentException.class, () -> f.truncate(-1));
        }
    }

    @Test
    void shouldChangeOnlyMemoryThroughAPrivateMapping() throws IOException {
        Path file = dir.resolve("f");
        try (DurableFile f = io.open(file, DurableIO.Mode.CREATE_NEW); Arena arena = Arena.ofConfined()) {
            f.allocate(8192);
            MemorySegment map = f.map(FileChannel.MapMode.PRIVATE, 0, 8192, arena);
            map.set(ValueLayout.JAVA_BYTE, 5000, (byte) 42);
            assertEquals(42, map.get(ValueLayout.JAVA_BYTE, 5000));
            f.force();
        }
        assertTrue(isZero(Files.readAllBytes(file), 0, 8192), "the file never sees private changes");
    }

    @Test
    void shouldSeeFileBytesThroughAReadOnlyMapping() throws IOException {
        try (DurableFile f = io.open(dir.resolve("f"), DurableIO.Mode.CREATE_NEW); Arena arena = Arena.ofConfined()) {
            f.allocate(4096);
            f.write(4000, utf8("x"));
            MemorySegment map = f.map(FileChannel.MapMode.READ_ONLY, 0, 4096, arena);
            assertEquals('x', map.get(ValueLayout.JAVA_BYTE, 4000));
        }
    }

    @Test
    void shouldRejectASharedWritableMapping() throws IOException {
        try (DurableFile f = io.open(dir.resolve("f"), DurableIO.Mode.CREATE_NEW); Arena arena = Arena.ofConfined()) {
            f.allocate(4096);
            assertThrows(IllegalArgumentException.class, () -> f.map(FileChannel.MapMode.READ_WRITE, 0, 4096, arena));
        }
    }

    @Test
    void shouldRejectMappingBeyondTheFileSize() throws IOException {
        try (DurableFile f = io.open(dir.resolve("f"), DurableIO.Mode.CREATE_NEW); Arena arena = Arena.ofConfined()) {
            f.allocate(4096);
            assertThrows(IOException.class, () -> f.map(FileChannel.MapMode.PRIVATE, 0, 8192, arena));
            assertThrows(IOException.class, () -> f.map(FileChannel.MapMode.READ_ONLY, 4000, 97, arena));
            assertThrows(IOException.class, () -> f.map(FileChannel.MapMode.PRIVATE, 1, Long.MAX_VALUE, arena));
            assertEquals(96, f.map(FileChannel.MapMode.READ_ONLY, 4000, 96, arena).byteSize());
        }
    }

    @Test
    void shouldRejectEveryChangeInReadOnlyMode() throws IOException {
        Path file = dir.resolve("f");
        try (DurableFile f = io.open(file, DurableIO.Mode.CREATE_NEW)) {
            f.write(0, utf8("data"));
        }
        try (DurableFile f = io.open(file, DurableIO.Mode.READ_ONLY); Arena arena = Arena.ofConfined()) {
            assertThrows(IOException.class, () -> f.write(0, utf8("evil")));
            assertThrows(IOException.class, f::force);
            assertThrows(IOException.class, () -> f.allocate(1 << 20));
            assertThrows(IOException.class, () -> f.truncate(0));
            assertThrows(IOException.class, () -> f.map(FileChannel.MapMode.PRIVATE, 0, 4, arena));
            assertEquals('d', f.map(FileChannel.MapMode.READ_ONLY, 0, 4, arena).get(ValueLayout.JAVA_BYTE, 0));
        }
        assertEquals("data", Files.readString(file));
    }

    @Test
    void shouldCreateFilesAndDirectoriesOwnerOnly() throws IOException {
        assumeTrue(FileSystems.getDefault().supportedFileAttributeViews().contains("posix"));
        Path nested = dir.resolve("a/b");
        io.createDirectories(nested);
        io.open(nested.resolve("f"), DurableIO.Mode.CREATE_NEW).close();
        io.open(nested.resolve("g"), DurableIO.Mode.CREATE_OR_OPEN).close();
        assertEquals("rwx------", PosixFilePermissions.toString(Files.getPosixFilePermissions(dir.resolve("a"))));
        assertEquals("rwx------", PosixFilePermissions.toString(Files.getPosixFilePermissions(nested)));
        assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(nested.resolve("f"))));
        assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(nested.resolve("g"))));
    }

    @Test
    void shouldRenameOverAnExistingFileAndDeleteQuietly() throws IOException {
        Path a = dir.resolve("a");
        Path b = dir.resolve("b");
        Files.writeString(a, "new");
        Files.writeString(b, "old");
        io.rename(a, b);
        io.syncDirectory(dir);
        assertFalse(Files.exists(a));
        assertEquals("new", Files.readString(b));
        io.delete(b);
        io.delete(b);
        io.syncDirectory(dir);
        assertFalse(Files.exists(b));
    }

    @Test
    void shouldReleasePrivatePagesWithMadvise() throws IOException {
        assumeTrue(NativeFileOps.isAvailable(), "needs Linux and --enable-native-access");
        Path file = dir.resolve("f");
        try (DurableFile f = io.open(file, DurableIO.Mode.CREATE_NEW); Arena arena = Arena.ofConfined()) {
            f.allocate(16384);
            f.write(100, utf8("file"));
            MemorySegment map = f.map(FileChannel.MapMode.PRIVATE, 0, 16384, arena);
            map.set(ValueLayout.JAVA_BYTE, 100, (byte) 'X');
            map.set(ValueLayout.JAVA_BYTE, 9000, (byte) 'Y');
            assertTrue(NativeFileOps.madviseDontNeed(map.asSlice(0, 4096)));
            assertEquals('f', map.get(ValueLayout.JAVA_BYTE, 100), "released page reads the file again");
            assertEquals('Y', map.get(ValueLayout.JAVA_BYTE, 9000), "other pages keep their private copy");
            assertThrows(IllegalArgumentException.class, () -> NativeFileOps.madviseDontNeed(map.asSlice(1, 4096)));
            assertThrows(IllegalArgumentException.class,
                    () -> NativeFileOps.madviseDontNeed(MemorySegment.ofArray(new byte[4096])));
        }
    }

    /**
     * The write-back hint (a checkpoint on the writer starts its pages for the device before its force): the kernel
     * takes it for a file's written range, it changes none of the bytes, and where it cannot apply (a descriptor that
     * is not open, a read-only file) it does nothing and throws nothing.
     */
    @Test
    void theWritebackHintReachesTheKernelAndChangesNoBytes() throws IOException {
        assumeTrue(NativeFileOps.isAvailable(), "needs Linux and --enable-native-access");
        Path file = dir.resolve("f");
        byte[] written = new byte[3 * 4096 + 100];
        new java.util.Random(7).nextBytes(written);
        try (DurableFile f = io.open(file, DurableIO.Mode.CREATE_NEW)) {
            f.allocate(4 * 4096);
            f.write(50, ByteBuffer.wrap(written));
            int fd = NativeFileOps.openForAllocation(file);
            try {
                assertTrue(NativeFileOps.startWriteback(fd, 0, 4 * 4096), "sync_file_range accepted the range");
            } finally {
                NativeFileOps.close(fd, file);
            }
            assertFalse(NativeFileOps.startWriteback(-1, 0, 4096), "a descriptor that is not open: refused, nothing thrown");
            f.startWriteback(0, 4 * 4096);
            f.startWriteback(4096, 0);
            ByteBuffer back = ByteBuffer.allocate(written.length);
            f.read(50, back);
            assertArrayEquals(written, back.array());
            f.force();
        }
        try (DurableFile ro = io.open(file, DurableIO.Mode.READ_ONLY)) {
            ro.startWriteback(0, 4 * 4096);
            ByteBuffer back = ByteBuffer.allocate(written.length);
            ro.read(50, back);
            assertArrayEquals(written, back.array(), "the bytes reached the file");
        }
    }

    private static ByteBuffer utf8(String s) {
        return ByteBuffer.wrap(s.getBytes(StandardCharsets.UTF_8));
    }

    private static boolean isZero(byte[] bytes, int from, int to) {
        return Arrays.equals(bytes, from, to, new byte[to - from], 0, to - from);
    }
}
