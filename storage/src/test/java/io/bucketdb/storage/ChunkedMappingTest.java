package io.bucketdb.storage;

import io.bucketdb.spi.DurableFile;
import io.bucketdb.spi.DurableIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.*;

/** Chunk arithmetic and mapping with tiny chunks (Lucene's BaseChunkedDirectoryTestCase idea). */
class ChunkedMappingTest {
    @TempDir
    Path tmp;

    @Test
    void everyOffsetLiesInExactlyTheChunkItsIndexNames() throws Exception {
        try (DurableFile f = FileDurableIO.INSTANCE.open(tmp.resolve("m"), DurableIO.Mode.CREATE_NEW);
             ChunkedMapping m = new ChunkedMapping(f, FileChannel.MapMode.PRIVATE, 16, 19)) {
            for (int i = 0; i < 12; i++) {
                long start = m.chunkStart(i);
                long end = start + m.chunkSize(i);
                assertEquals(i == 0 ? 0 : m.chunkStart(i - 1) + m.chunkSize(i - 1), start, "chunks are contiguous at " + i);
                assertEquals(i, m.chunkIndex(start));
                assertEquals(i, m.chunkIndex(end - 1));
                assertEquals(0, start % (1 << 16), "every boundary is a multiple of the base");
                assertTrue(m.chunkSize(i) <= 1 << 19);
            }
            assertEquals(1 << 19, m.chunkSize(11), "sizes stop doubling at the maximum");
        }
    }

    /** The branch-free chunk start against the definition, for every base and largest size a table can use. */
    @Test
    void chunkStartIsTheSumOfTheSizesBeforeIt() throws Exception {
        try (DurableFile f = FileDurableIO.INSTANCE.open(tmp.resolve("s"), DurableIO.Mode.CREATE_NEW)) {
            for (int base = 0; base <= 24; base++) {
                for (int max = base; max <= 40; max++) {
                    try (ChunkedMapping m = new ChunkedMapping(f, FileChannel.MapMode.PRIVATE, base, max)) {
                        long start = 0;
                        for (int i = 0; i < 200 && start < 1L << 62; i++) { // file offsets stay below 2^62
                            long size = i == 0 ? 1L << base : 1L << Math.min(base + i - 1, max);
                            assertEquals(start, m.chunkStart(i), "chunk " + i + " of base 2^" + base + ", largest 2^" + max);
                            assertEquals(size, m.chunkSize(i), "chunk " + i + " of base 2^" + base + ", largest 2^" + max);
                            start += size;
                        }
                    }
                }
            }
        }
    }

    @Test
    void writesAcrossManyChunksReadBackAndNeverReachTheFile() throws Exception {
        Path p = tmp.resolve("m2");
        try (DurableFile f = FileDurableIO.INSTANCE.open(p, DurableIO.Mode.CREATE_NEW);
             ChunkedMapping m = new ChunkedMapping(f, FileChannel.MapMode.PRIVATE, 16, 16)) {
            m.ensureMapped(40 << 16);
            assertTrue(f.size() >= 40 << 16, "mapped space is allocated first");
            MemorySegment[] before = m.chunks();
            for (long off = 0; off < 40 << 16; off += 4088) {
                m.segment(off).set(Layouts.LONG, m.local(off), off ^ 0x5555);
            }
            m.ensureMapped(50 << 16);
            for (int i = 0; i < before.length; i++) {
                assertSame(before[i], m.chunks()[i], "mapped chunks are never remapped");
            }
            for (long off = 0; off < 40 << 16; off += 4088) {
                assertEquals(off ^ 0x5555, m.segment(off).get(Layouts.LONG, m.local(off)));
            }
            ByteBuffer buf = ByteBuffer.allocate(8);
            f.read(4088, buf);
            assertEquals(0, buf.getLong(0), "a private mapping never writes the file");
        }
    }
}
