package io.bucketdb.storage;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.bucketdb.spi.DurableFile;
import io.bucketdb.spi.DurableIO;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@link ChunkedMapping#adviseReadAhead} (issue 16): a file range is advised chunk by chunk, the unmapped part is
 * skipped, a refused hint changes nothing, and the kernel shows {@code MADV_RANDOM} ({@code rr} in
 * {@code /proc/self/smaps}) on exactly the range until {@code MADV_NORMAL} takes it back.
 */
class ReadAheadAdviceTest {
    private static final long K = 1024;

    @TempDir
    Path tmp;

    /** One call to the advisor: the chunk slice's address and size, and the advice. */
    private record Call(long address, long bytes, boolean readAhead) {
    }

    @Test
    void aRangeIsAdvisedChunkByChunkAndOnlyWhereMapped() throws IOException {
        List<Call> calls = new ArrayList<>();
        try (DurableFile f = FileDurableIO.INSTANCE.open(tmp.resolve("t"), DurableIO.Mode.CREATE_NEW);
             ChunkedMapping m = new ChunkedMapping(f, FileChannel.MapMode.PRIVATE, 16, 18,
                     (pages, readAhead) -> calls.add(new Call(pages.address(), pages.byteSize(), readAhead)))) {
            m.ensureMapped(256 * K); // chunks [0, 64K), [64K, 128K), [128K, 256K)
            MemorySegment[] c = m.chunks();
            assertEquals(3, c.length);

            assertEquals(2, m.adviseReadAhead(96 * K, 72 * K, false), "two chunks' slices");
            assertEquals(List.of(new Call(c[1].address() + 32 * K, 32 * K, false),
                    new Call(c[2].address(), 40 * K, false)), calls);

            calls.clear();
            assertEquals(1, m.adviseReadAhead(252 * K, 64 * K, true), "the unmapped rest is skipped");
            assertEquals(List.of(new Call(c[2].address() + 124 * K, 4 * K, true)), calls);

            calls.clear();
            assertEquals(0, m.adviseReadAhead(512 * K, 4 * K, false), "nothing mapped there");
            assertEquals(0, m.adviseReadAhead(0, 0, false), "an empty range");
            assertEquals(List.of(), calls);
        }
    }

    @Test
    void aRefusedHintChangesNothing() throws IOException {
        try (DurableFile f = FileDurableIO.INSTANCE.open(tmp.resolve("t"), DurableIO.Mode.CREATE_NEW);
             ChunkedMapping m = new ChunkedMapping(f, FileChannel.MapMode.PRIVATE, 16, 18, (pages, readAhead) -> false)) {
            m.ensureMapped(128 * K);
            m.segment(70 * K).set(ValueLayout.JAVA_LONG, m.local(70 * K), 42);
            assertEquals(0, m.adviseReadAhead(64 * K, 64 * K, false), "no slice taken");
            assertEquals(42, m.segment(70 * K).get(ValueLayout.JAVA_LONG, m.local(70 * K)), "the bytes are unchanged");
        }
    }

    @Test
    void theKernelShowsRandomOnTheRangeUntilNormalTakesItBack() throws IOException {
        assumeTrue(NativeFileOps.isAvailable(), "needs Linux and --enable-native-access");
        Path path = tmp.resolve("table");
        try (DurableFile f = FileDurableIO.INSTANCE.open(path, DurableIO.Mode.CREATE_NEW);
             ChunkedMapping m = new ChunkedMapping(f, FileChannel.MapMode.PRIVATE, 16, 18)) {
            m.ensureMapped(256 * K);
            assertEquals(0, randomBytes(path), "chunks start unadvised");
            assertEquals(2, m.adviseReadAhead(96 * K, 72 * K, false));
            assertEquals(72 * K, randomBytes(path), "exactly the range is MADV_RANDOM");
            m.segment(100 * K).set(ValueLayout.JAVA_LONG, m.local(100 * K), 7); // the advised pages still work
            assertEquals(7, m.segment(100 * K).get(ValueLayout.JAVA_LONG, m.local(100 * K)));
            assertEquals(2, m.adviseReadAhead(96 * K, 72 * K, true));
            assertEquals(0, randomBytes(path), "MADV_NORMAL took it back");
        }
    }

    @Test
    void adviseNormalRefusesWhatMadviseCannotTake() throws IOException {
        assertFalse(NativeFileOps.adviseNormal(MemorySegment.ofArray(new byte[8192])), "a heap segment");
        assumeTrue(NativeFileOps.isAvailable(), "needs Linux and --enable-native-access");
        Path path = tmp.resolve("file");
        try (DurableFile f = FileDurableIO.INSTANCE.open(path, DurableIO.Mode.CREATE_NEW);
             Arena arena = Arena.ofConfined()) {
            f.allocate(64 * K);
            MemorySegment map = f.map(FileChannel.MapMode.PRIVATE, 0, 64 * K, arena);
            assertFalse(NativeFileOps.adviseNormal(map.asSlice(1, 4096)), "not page-aligned");
            assertTrue(NativeFileOps.adviseNormal(map.asSlice(4096, 4096)));
        }
    }

    /** {@return the bytes of {@code path}'s mappings in this process that carry {@code MADV_RANDOM} ({@code rr})} */
    static long randomBytes(Path path) throws IOException {
        long total = 0;
        for (MappingAdviceTest.Vma vma : MappingAdviceTest.mappingsOf(path)) {
            if (vma.flags().contains("rr")) {
                total += vma.bytes();
            }
        }
        return total;
    }
}
