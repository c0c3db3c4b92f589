package io.bucketdb.storage;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.bucketdb.spi.AppendWindow;
import io.bucketdb.spi.DurableFile;
import io.bucketdb.spi.DurableIO;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code madvise(MADV_RANDOM)} on the journal's append windows (issue 16: a fault in never-written space must not
 * zero-fill a whole read-ahead window in the writer), and none on the table's chunks or a read-only mapping, checked
 * where the kernel shows it:
 * the {@code rr} flag of each mapping of the file in {@code /proc/self/smaps}. Without native access the mappings work
 * unadvised ({@link NativeAccessOffTest}).
 */
class MappingAdviceTest {
    @TempDir
    Path tmp;

    @Test
    void thePrivateMappingsOfTheTableKeepTheirReadAhead() throws IOException {
        assumeTrue(NativeFileOps.isAvailable(), "needs Linux and --enable-native-access");
        Path path = tmp.resolve("table");
        try (DurableFile f = FileDurableIO.INSTANCE.open(path, DurableIO.Mode.CREATE_NEW);
             ChunkedMapping m = new ChunkedMapping(f, FileChannel.MapMode.PRIVATE, 16, 18)) {
            m.ensureMapped(40 << 16);
            assertNoneAdvised(path, "the table's chunks are not advised (FileDurableFile.map)");
        }
    }

    @Test
    void aReadOnlyMappingKeepsItsReadAhead() throws IOException {
        assumeTrue(NativeFileOps.isAvailable(), "needs Linux and --enable-native-access");
        Path path = tmp.resolve("inspected");
        try (DurableFile w = FileDurableIO.INSTANCE.open(path, DurableIO.Mode.CREATE_NEW)) {
            w.allocate(1 << 20);
        }
        try (DurableFile f = FileDurableIO.INSTANCE.open(path, DurableIO.Mode.READ_ONLY);
             Arena arena = Arena.ofConfined()) {
            f.map(FileChannel.MapMode.READ_ONLY, 0, 1 << 20, arena);
            assertNoneAdvised(path, "a tool that reads the file in order keeps the read-ahead");
        }
    }

    @Test
    void anAppendWindowIsAdvisedRandomAndStillWritesThrough() throws IOException {
        assumeTrue(NativeFileOps.isAvailable(), "needs Linux and --enable-native-access");
        Path path = tmp.resolve("journal");
        byte[] bytes = "frame".getBytes();
        try (DurableFile f = FileDurableIO.INSTANCE.open(path, DurableIO.Mode.CREATE_NEW)) {
            f.allocate(1 << 20);
            try (AppendWindow w = f.mapAppendWindow(0, 1 << 20)) {
                assertAllAdvisedRandom(path, 1 << 20);
                w.put((1 << 20) - bytes.length, MemorySegment.ofArray(bytes), 0, bytes.length);
            }
            assertEquals("frame", new String(Files.readAllBytes(path), (1 << 20) - bytes.length, bytes.length));
        }
    }

    @Test
    void anAdviceIsRefusedHarmlesslyWhereItCannotApply() throws IOException {
        assertFalse(NativeFileOps.adviseRandom(MemorySegment.ofArray(new byte[8192])), "a heap segment");
        assumeTrue(NativeFileOps.isAvailable(), "needs Linux and --enable-native-access");
        try (DurableFile f = FileDurableIO.INSTANCE.open(tmp.resolve("f"), DurableIO.Mode.CREATE_NEW);
             Arena arena = Arena.ofConfined()) {
            f.allocate(16384);
            MemorySegment map = f.map(FileChannel.MapMode.PRIVATE, 0, 16384, arena);
            assertFalse(NativeFileOps.adviseRandom(map.asSlice(1, 4096)), "not page-aligned");
            assertTrue(NativeFileOps.adviseRandom(map.asSlice(4096, 4096)));
        }
    }

    private static void assertNoneAdvised(Path path, String why) throws IOException {
        List<Vma> vmas = mappingsOf(path);
        assertFalse(vmas.isEmpty(), "the mapping is listed");
        for (Vma vma : vmas) {
            assertFalse(vma.flags().contains("rr"), why + ": " + vma);
        }
    }

    private static void assertAllAdvisedRandom(Path path, long mappedBytes) throws IOException {
        List<Vma> vmas = mappingsOf(path);
        assertFalse(vmas.isEmpty(), "the mapping is listed");
        long bytes = 0;
        for (Vma vma : vmas) {
            assertTrue(vma.flags().contains("rr"), "every mapping of " + path + " is advised MADV_RANDOM: " + vma);
            bytes += vma.bytes();
        }
        // Adjacent chunks may merge into one mapping in the kernel's list; their bytes add up either way.
        assertEquals(mappedBytes, bytes, "every mapped byte is in an advised mapping");
    }

    /** One mapping of a file in {@code /proc/self/smaps}: its size and its {@code VmFlags} words. */
    record Vma(long bytes, Set<String> flags) {
    }

    /** {@return the mappings of {@code path} in this process ({@code rr}: {@code MADV_RANDOM}; {@code sh}: shared)} */
    static List<Vma> mappingsOf(Path path) throws IOException {
        String name = path.toRealPath().toString();
        List<Vma> out = new ArrayList<>();
        long bytes = -1;
        for (String line : Files.readAllLines(Path.of("/proc/self/smaps"))) {
            if (line.matches("^[0-9a-f]+-[0-9a-f]+ .*")) {
                String[] f = line.split("\\s+", 6);
                String[] range = f[0].split("-");
                bytes = f.length == 6 && f[5].equals(name)
                        ? Long.parseUnsignedLong(range[1], 16) - Long.parseUnsignedLong(range[0], 16) : -1;
            } else if (bytes >= 0 && line.startsWith("VmFlags:")) {
                out.add(new Vma(bytes, Set.of(line.substring("VmFlags:".length()).strip().split("\\s+"))));
                bytes = -1;
            }
        }
        return out;
    }
}
