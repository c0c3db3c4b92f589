package io.bucketdb.storage;

import io.bucketdb.spi.DurableIO;
import io.bucketdb.spi.DurableFile;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.lang.foreign.MemorySegment;
import java.nio.channels.FileChannel;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.*;

/**
 * Copies across chunk boundaries with the smallest chunks (64 KiB, all one size), so every boundary case is met
 * at small offsets: a range starting or ending exactly at a boundary, one spanning three chunks, zero bytes, and a
 * range that leaves the mapped chunks.
 */
class MappedChunksTest {
    private static final int SHIFT = TableGeometry.MIN_ALIGN_SHIFT;
    private static final long CHUNK = 1L << SHIFT;

    @TempDir
    Path tmp;
    private DurableFile file;
    private ChunkedMapping mapping;

    @BeforeEach
    void map() throws Exception {
        file = FileDurableIO.INSTANCE.open(tmp.resolve("chunks"), DurableIO.Mode.CREATE_NEW);
        mapping = new ChunkedMapping(file, FileChannel.MapMode.PRIVATE, SHIFT, SHIFT);
        mapping.ensureMapped(4 * CHUNK);
        assertEquals(4, mapping.chunks().length, "four chunks of one size");
        for (long off = 0; off < 4 * CHUNK; off++) {
            mapping.segment(off).set(Layouts.BYTE, mapping.local(off), pattern(off));
        }
    }

    @AfterEach
    void unmap() throws Exception {
        mapping.close();
        file.close();
    }

    private static byte pattern(long off) {
        return (byte) (off * 31 + (off >>> 8));
    }

    private byte[] copyOut(long off, int len) {
        byte[] out = new byte[len];
        assertTrue(MappedChunks.copyOut(mapping, mapping.chunks(), VerifiedPages.NONE, off, MemorySegment.ofArray(out), 0, len),
                "[" + off + ", +" + len + ") lies inside the mapped chunks");
        return out;
    }

    private static void assertPattern(long off, byte[] bytes) {
        for (int i = 0; i < bytes.length; i++) {
            assertEquals(pattern(off + i), bytes[i], "byte at file offset " + (off + i));
        }
    }

    @Test
    void copiesOutRangesThatStartOrEndExactlyAtABoundary() {
        assertPattern(CHUNK, copyOut(CHUNK, 100));
        assertPattern(CHUNK - 100, copyOut(CHUNK - 100, 100));
        assertPattern(CHUNK - 1, copyOut(CHUNK - 1, 2));
        assertPattern(0, copyOut(0, (int) CHUNK));
        assertPattern(CHUNK, copyOut(CHUNK, (int) CHUNK));
    }

    @Test
    void copiesOutARangeSpanningThreeChunks() {
        long off = CHUNK - 7;
        int len = (int) (CHUNK + 14);
        assertPattern(off, copyOut(off, len));
        assertPattern(CHUNK - 1, copyOut(CHUNK - 1, (int) CHUNK + 2));
    }

    @Test
    void copiesNothingForZeroBytes() {
        byte[] out = {42};
        assertTrue(MappedChunks.copyOut(mapping, mapping.chunks(), VerifiedPages.NONE, CHUNK, MemorySegment.ofArray(out), 0, 0));
        assertTrue(MappedChunks.copyOut(mapping, mapping.chunks(), VerifiedPages.NONE, 4 * CHUNK, MemorySegment.ofArray(out), 0, 0),
                "zero bytes at the end of the mapping are inside it");
        assertEquals(42, out[0]);
        MappedChunks.copyIn(mapping, MemorySegment.ofArray(out), 0, CHUNK, 0);
        MappedChunks.zero(mapping, CHUNK, 0);
        assertEquals(pattern(CHUNK), mapping.segment(CHUNK).get(Layouts.BYTE, 0), "nothing was written");
    }

    @Test
    void refusesRangesThatLeaveTheMappedChunks() {
        MemorySegment dst = MemorySegment.ofArray(new byte[64]);
        MemorySegment[] chunks = mapping.chunks();
        assertFalse(MappedChunks.copyOut(mapping, chunks, VerifiedPages.NONE, 4 * CHUNK - 8, dst, 0, 16), "runs past the end");
        assertFalse(MappedChunks.copyOut(mapping, chunks, VerifiedPages.NONE, 4 * CHUNK, dst, 0, 1), "starts at the end");
        assertFalse(MappedChunks.copyOut(mapping, chunks, VerifiedPages.NONE, -8, dst, 0, 16), "a negative offset");
        assertFalse(MappedChunks.copyOut(mapping, chunks, VerifiedPages.NONE, Long.MAX_VALUE - 4, dst, 0, 4), "far beyond the file");
        MemorySegment[] older = java.util.Arrays.copyOf(chunks, 2);
        assertFalse(MappedChunks.copyOut(mapping, older, VerifiedPages.NONE, 2 * CHUNK - 4, dst, 0, 8),
                "a snapshot of fewer chunks bounds the copy");
    }

    @Test
    void copiesInAcrossThreeChunks() {
        long off = CHUNK - 5;
        int len = (int) CHUNK + 10;
        byte[] src = new byte[len + 3];
        for (int i = 0; i < src.length; i++) {
            src[i] = (byte) ~i;
        }
        MappedChunks.copyIn(mapping, MemorySegment.ofArray(src), 3, off, len);
        byte[] back = copyOut(off - 1, len + 2);
        assertEquals(pattern(off - 1), back[0], "the byte before is untouched");
        assertEquals(pattern(off + len), back[len + 1], "the byte after is untouched");
        for (int i = 0; i < len; i++) {
            assertEquals((byte) ~(i + 3), back[i + 1], "byte " + i + " copied in");
        }
    }

    @Test
    void zeroesAcrossThreeChunks() {
        long off = CHUNK - 3;
        long len = CHUNK + 6;
        MappedChunks.zero(mapping, off, len);
        byte[] back = copyOut(off - 1, (int) len + 2);
        assertEquals(pattern(off - 1), back[0], "the byte before is untouched");
        assertEquals(pattern(off + len), back[(int) len + 1], "the byte after is untouched");
        for (int i = 1; i <= len; i++) {
            assertEquals(0, back[i], "byte " + (i - 1) + " zeroed");
        }
    }

    @Test
    void stopsAtTheEndOfAPartlyMappedLastChunk() throws Exception {
        Path p = tmp.resolve("partial");
        try (DurableFile f = FileDurableIO.INSTANCE.open(p, DurableIO.Mode.CREATE_NEW)) {
            f.write(0, java.nio.ByteBuffer.allocate((int) (CHUNK + CHUNK / 2)));
            f.force();
        }
        try (DurableFile f = FileDurableIO.INSTANCE.open(p, DurableIO.Mode.READ_ONLY);
             ChunkedMapping ro = new ChunkedMapping(f, FileChannel.MapMode.READ_ONLY, SHIFT, SHIFT)) {
            ro.ensureMapped(CHUNK + CHUNK / 2);
            MemorySegment[] chunks = ro.chunks();
            assertEquals(CHUNK / 2, chunks[1].byteSize(), "the last chunk is mapped only as far as the file goes");
            MemorySegment dst = MemorySegment.ofArray(new byte[16]);
            assertTrue(MappedChunks.copyOut(ro, chunks, VerifiedPages.NONE, CHUNK + CHUNK / 2 - 16, dst, 0, 16));
            assertFalse(MappedChunks.copyOut(ro, chunks, VerifiedPages.NONE, CHUNK + CHUNK / 2 - 8, dst, 0, 16),
                    "runs past the mapped end inside the last chunk");
            assertFalse(MappedChunks.copyOut(ro, chunks, VerifiedPages.NONE, CHUNK + CHUNK / 2, dst, 0, 8),
                    "starts exactly at the mapped end inside the last chunk");
            assertFalse(MappedChunks.copyOut(ro, chunks, VerifiedPages.NONE, CHUNK + CHUNK / 2 + 8, dst, 0, 8),
                    "starts beyond the mapped end inside the last chunk");
        }
    }
}
