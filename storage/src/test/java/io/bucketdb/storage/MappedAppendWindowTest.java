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
     * A touch changes nothing: the file's bytes, written and not, are unchanged, a range reaching outside the
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
     * A window mapped from a position inside a page (the interface allows any) starts at an address inside a page: the
     * touch still changes no byte and reaches every page (its add needs an aligned int, which a page start is and the
     * window's first byte need not be).
     */
    @Test
    void aTouchOfAWindowStartingInsideAPageChangesNoByte() throws IOException {
        Path path = tmp.resolve("j");
        byte[] bytes = new byte[20_000];
        new java.util.Random(11).nextBytes(bytes);
        for (int position : new int[] {1, 2, 3, 4097, 4094, 48}) {
            Files.deleteIfExists(path);
            try (DurableFile f = FileDurableIO.INSTANCE.open(path, DurableIO.Mode.CREATE_NEW)) {
                f.allocate(SIZE);
                try (AppendWindow w = f.mapAppendWindow(position, SIZE - position)) {
                    w.put(position, MemorySegment.ofArray(bytes), 0, bytes.length);
                    byte[] before = Files.readAllBytes(path);
                    w.touch(position, SIZE);
                    w.touch(0, SIZE);
                    w.touch(SIZE - 2, SIZE);
                    assertArrayEquals(before, Files.readAllBytes(path), "position " + position + ": a touch changes no byte");
                }
            }
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

    /**
     * A touch on another thread leaves the appender no fault to take in the pages it covers: not the page-in, and not
     * the write-protect fault a read touch left (one per page; "wtouch" in docs/BENCHMARKS.md). Counted in this thread's
     * minor faults ({@code /proc/thread-self/stat}, Linux only). The bound is half the pages, not zero, so a write-back
     * that cleans a page between the touch and the put cannot fail it; a read touch gives one fault per page.
     */
    @Test
    void aTouchOnAnotherThreadLeavesTheAppendersPutsNoFault() throws Exception {
        Path stat = Path.of("/proc/thread-self/stat");
        org.junit.jupiter.api.Assumptions.assumeTrue(Files.isReadable(stat), "needs Linux's per-thread fault counts");
        int pages = 64;
        int size = pages * 4096;
        MemorySegment one = MemorySegment.ofArray(new byte[] {42});
        try (DurableFile f = FileDurableIO.INSTANCE.open(tmp.resolve("j"), DurableIO.Mode.CREATE_NEW);
             DurableFile warm = FileDurableIO.INSTANCE.open(tmp.resolve("warm"), DurableIO.Mode.CREATE_NEW)) {
            f.allocate(size);
            warm.allocate(size);
            try (AppendWindow w = f.mapAppendWindow(0, size); AppendWindow u = warm.mapAppendWindow(0, size)) {
                // The put path's own first-use faults (class loading, linking) happen here, on another file.
                for (int round = 0; round < 3; round++) {
                    for (long off = 0; off < size; off += 4096) {
                        u.put(off + 100, one, 0, 1);
                    }
                }
                Thread toucher = Thread.ofPlatform().start(() -> w.touch(0, size));
                toucher.join();
                long before = minorFaults(stat);
                for (long off = 0; off < size; off += 4096) {
                    w.put(off + 100, one, 0, 1);
                }
                long faults = minorFaults(stat) - before;
                assertTrue(faults < pages / 2, faults + " faults in " + pages + " puts to touched pages");
            }
        }
    }

    /**
     * An appender writing the pages a touch covers, both at full speed on two threads, keeps every byte it wrote: the
     * touch's add of 0 is atomic, so it never writes back a value read before a put. Random bytes (the seed is printed
     * on a failure) over the touched int of each page and around it.
     */
    @Test
    void puttingWhileAnotherThreadTouchesKeepsEveryByteThePutsWrote() throws Exception {
        long seed = System.nanoTime();
        java.util.Random random = new java.util.Random(seed);
        int size = 256 << 10;
        byte[] expected = new byte[size];
        try (DurableFile f = FileDurableIO.INSTANCE.open(tmp.resolve("j"), DurableIO.Mode.CREATE_NEW)) {
            f.allocate(size);
            try (AppendWindow w = f.mapAppendWindow(0, size)) {
                java.util.concurrent.atomic.AtomicBoolean done = new java.util.concurrent.atomic.AtomicBoolean();
                Thread toucher = Thread.ofPlatform().start(() -> {
                    while (!done.get()) {
                        w.touch(0, size);
                    }
                });
                try {
                    byte[] chunk = new byte[64];
                    for (int round = 0; round < 200; round++) {
                        for (int page = 0; page < size / 4096; page++) {
                            // 64 bytes from up to 32 before a page's first int: the touched int is inside most of them
                            int off = Math.max(0, page * 4096 - 32 + random.nextInt(32));
                            random.nextBytes(chunk);
                            w.put(off, MemorySegment.ofArray(chunk), 0, chunk.length);
                            System.arraycopy(chunk, 0, expected, off, chunk.length);
                        }
                    }
                } finally {
                    done.set(true);
                    toucher.join();
                }
                assertArrayEquals(expected, Files.readAllBytes(tmp.resolve("j")), "seed " + seed + "L: a put's bytes were lost");
            }
        }
    }

    /** {@return this thread's minor faults so far: field 10 of {@code /proc/thread-self/stat}} */
    private static long minorFaults(Path stat) throws IOException {
        String s = Files.readString(stat);
        String[] fields = s.substring(s.lastIndexOf(')') + 2).split(" ");
        return Long.parseLong(fields[7]); // fields after the name start at field 3 (state)
    }
}
