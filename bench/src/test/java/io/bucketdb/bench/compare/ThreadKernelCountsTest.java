package io.bucketdb.bench.compare;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Properties;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The calling thread's faults and CPU time over a section, as the load workload reports them for the writer. The pages
 * are of a mapped file, not anonymous memory, which transparent huge pages may fault in 512 at a time.
 */
class ThreadKernelCountsTest {
    private static final int PAGES = 256;

    @TempDir
    Path tmp;

    @Test
    void countsTheFaultsOfPagesTheCallingThreadTouchesFirst() throws Exception {
        Properties p = countedWhile(ThreadKernelCountsTest::touch);
        long faults = Long.parseLong(p.getProperty("callerMinorFaults"));
        assertTrue(faults >= PAGES, faults + " faults for " + PAGES + " fresh pages");
        assertTrue(Long.parseLong(p.getProperty("callerUserMs")) >= 0);
        assertTrue(Long.parseLong(p.getProperty("callerSystemMs")) >= 0);
        assertEquals(3, p.size());
    }

    @Test
    void anotherThreadsFaultsAreNotCounted() throws Exception {
        Properties p = countedWhile(pages -> {
            Thread other = Thread.ofPlatform().start(() -> touch(pages));
            other.join();
        });
        long faults = Long.parseLong(p.getProperty("callerMinorFaults"));
        assertTrue(faults < PAGES / 2, faults + " faults counted for pages another thread touched");
    }

    /** What this thread's counts say while {@code section} runs with a fresh mapping (Linux only). */
    private Properties countedWhile(Section section) throws Exception {
        Assumptions.assumeTrue(Files.isReadable(Path.of("/proc/thread-self/stat")), "Linux only");
        Properties p = new Properties();
        try (Arena arena = Arena.ofShared()) {
            MemorySegment fresh = freshMapping(arena);
            ThreadKernelCounts counts = new ThreadKernelCounts();
            section.run(fresh);
            counts.report(p);
        }
        return p;
    }

    private interface Section {
        void run(MemorySegment pages) throws Exception;
    }

    /** A shared mapping of a new sparse file of {@link #PAGES} pages, none of them touched yet. */
    private MemorySegment freshMapping(Arena arena) throws IOException {
        try (FileChannel ch = FileChannel.open(Files.createTempFile(tmp, "pages", ".bin"), StandardOpenOption.READ,
                StandardOpenOption.WRITE)) {
            ch.truncate(PAGES * 4096L);
            return ch.map(FileChannel.MapMode.READ_WRITE, 0, PAGES * 4096L, arena);
        }
    }

    private static void touch(MemorySegment pages) {
        for (long off = 0; off < pages.byteSize(); off += 4096) {
            pages.set(ValueLayout.JAVA_BYTE, off, (byte) 1);
        }
    }
}
