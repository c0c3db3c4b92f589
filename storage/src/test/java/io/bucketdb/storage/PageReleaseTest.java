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

/**
 * Releasing a page of the private mapping drops its private copy: it reads the file's bytes again. Checked for
 * the native path (madvise through FFM, when this JVM has native access) and for the fallback
 * ({@link MemorySegment#unload()}), which the design depends on without native access.
 */
class PageReleaseTest {
    @TempDir
    Path tmp;

    @Test
    void releasedPagesReadTheFileAgainAndOthersKeepTheirChanges() throws Exception {
        checkRelease("native", PageRelease::release);
    }

    @Test
    void theFallbackWithoutNativeAccessDropsPrivateCopiesToo() throws Exception {
        checkRelease("fallback", PageRelease::releaseWithoutNativeAccess);
    }

    interface Releaser {
        void release(MemorySegment pages) throws Exception;
    }

    private void checkRelease(String name, Releaser releaser) throws Exception {
        Path p = tmp.resolve(name);
        long page = ExtentClasses.PAGE_SIZE;
        try (DurableFile f = FileDurableIO.INSTANCE.open(p, DurableIO.Mode.CREATE_NEW);
             ChunkedMapping m = new ChunkedMapping(f, FileChannel.MapMode.PRIVATE, 16, 16)) {
            m.ensureMapped(1 << 16);
            ByteBuffer file = ByteBuffer.allocate(4 * (int) page).order(java.nio.ByteOrder.LITTLE_ENDIAN);
            for (int i = 0; i < file.capacity(); i += 8) {
                file.putLong(i, 0x1000L + i);
            }
            f.write(0, file);
            MemorySegment chunk = m.segment(0);
            for (long off = 0; off < 4 * page; off += 8) {
                chunk.set(Layouts.LONG, off, -off);
            }
            releaser.release(chunk.asSlice(page, 2 * page)); // pages 1 and 2
            for (long off = 0; off < 4 * page; off += 8) {
                boolean released = off >= page && off < 3 * page;
                assertEquals(released ? 0x1000L + off : -off, chunk.get(Layouts.LONG, off),
                        name + ": offset " + off + (released ? " reads the file again" : " keeps its private change"));
            }
        }
    }
}
