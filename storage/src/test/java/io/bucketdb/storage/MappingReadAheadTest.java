package io.bucketdb.storage;

import io.bucketdb.spi.DurableFile;
import io.bucketdb.spi.DurableIO;
import io.bucketdb.storage.testkit.Seeds;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Random;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;

import static org.junit.jupiter.api.Assertions.*;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * {@link ChunkedMapping#readAhead}: the read-ahead the table's background thread runs ahead of the writer (issue 16).
 * It puts the pages in the page cache (so the writer's first touch reads nothing in the fault) without making any
 * private, and changes no byte: not what the mapping reads, also while another thread writes the same pages, and not
 * the file.
 */
class MappingReadAheadTest {
    private static final int CHUNK_SHIFT = 16;
    private static final int CHUNKS = 32;
    private static final long SIZE = (long) CHUNKS << CHUNK_SHIFT;
    /** The writer writes below this; the last four chunks only the reading-ahead thread touches. */
    private static final long WRITTEN = SIZE - (4L << CHUNK_SHIFT);

    @TempDir
    Path tmp;

    @Test
    void readAheadChangesNoByteWhileAWriterWritesThePages() throws Exception {
        assumeTrue(NativeFileOps.isAvailable(), "needs Linux and --enable-native-access");
        long seed = Seeds.seed();
        Seeds.run(seed, () -> {
            Random random = new Random(seed);
            Path p = tmp.resolve("m");
            byte[] fileBytes = new byte[(int) SIZE];
            // Half the file written with random bytes, half never written (reads as zeros), as the table's space past
            // its allocation end is.
            byte[] head = new byte[(int) SIZE / 2];
            random.nextBytes(head);
            System.arraycopy(head, 0, fileBytes, 0, head.length);
            try (DurableFile f = FileDurableIO.INSTANCE.open(p, DurableIO.Mode.CREATE_NEW)) {
                f.allocate(SIZE);
                f.write(0, ByteBuffer.wrap(head));
                f.force();
                try (ChunkedMapping m = new ChunkedMapping(f, FileChannel.MapMode.PRIVATE, CHUNK_SHIFT, CHUNK_SHIFT)) {
                    m.ensureMapped(SIZE);
                    assertTrue(m.readAhead(0, 4096), "the read-ahead runs");
                    byte[] model = fileBytes.clone();
                    long writerSeed = random.nextLong();
                    AtomicBoolean stop = new AtomicBoolean();
                    java.util.concurrent.atomic.AtomicInteger passes = new java.util.concurrent.atomic.AtomicInteger();
                    AtomicReference<Throwable> failure = new AtomicReference<>();
                    // The reading-ahead thread goes over every chunk in slices, again and again, as the writer writes.
                    Thread readerAhead = new Thread(() -> {
                        Random r = new Random(writerSeed ^ 1);
                        try {
                            while (!stop.get()) {
                                for (long off = 0; off < SIZE && !stop.get(); ) {
                                    long len = 1 + r.nextInt(3 << 12);
                                    len = Math.min(len, m.chunkStart(m.chunkIndex(off)) + m.chunkSize(m.chunkIndex(off)) - off);
                                    m.readAhead(off, len);
                                    off += len;
                                }
                                passes.incrementAndGet();
                            }
                        } catch (Throwable t) {
                            failure.set(t);
                        }
                    }, "reader-ahead");
                    readerAhead.start();
                    Random w = new Random(writerSeed);
                    try {
                        // At least two whole passes of the reading-ahead thread race the writes (a bound on iterations
                        // only guards against a hang).
                        for (int i = 0; i < 200_000 || passes.get() < 2 && failure.get() == null && i < 500_000_000; i++) {
                            long off = w.nextLong(WRITTEN - 8) & ~7L;
                            if (w.nextBoolean()) {
                                off &= -4096L; // a page's first bytes, where a touch loop would write
                            }
                            long v = w.nextLong();
                            ByteBuffer at = ByteBuffer.wrap(model, (int) off, 8).order(java.nio.ByteOrder.LITTLE_ENDIAN);
                            // What this thread wrote last is still there: no write of its was undone meanwhile.
                            assertEquals(at.getLong((int) off), m.segment(off).get(Layouts.LONG, m.local(off)),
                                    "the long at offset " + off + " before write " + i);
                            m.segment(off).set(Layouts.LONG, m.local(off), v);
                            at.putLong((int) off, v);
                        }
                    } finally {
                        stop.set(true);
                        readerAhead.join();
                    }
                    assertNull(failure.get(), () -> "the reading-ahead thread failed: " + failure.get());
                    for (long off = 0; off < SIZE; off += 1 << CHUNK_SHIFT) {
                        byte[] got = m.segment(off).asSlice(m.local(off), 1 << CHUNK_SHIFT).toArray(Layouts.BYTE);
                        int at = Arrays.mismatch(got, 0, got.length, model, (int) off, (int) off + got.length);
                        assertEquals(-1, at, "the mapping reads what the writer wrote, at offset " + (off + at));
                    }
                }
                byte[] onDisk = Files.readAllBytes(p);
                assertArrayEquals(fileBytes, Arrays.copyOf(onDisk, (int) SIZE), "the read-ahead never writes the file");
            }
        });
    }

    /**
     * The read-ahead's effect: a page it covered is found in the page cache by the first touch (no major fault, which
     * a read in the fault would count), and no page of the mapping turns private. The half of the file it did not
     * cover shows that the count works: its first touch reads (the file's pages were never read by anyone).
     */
    @Test
    void pagesReadAheadAreCachedAndStayShared() throws Exception {
        assumeTrue(NativeFileOps.isAvailable(), "needs Linux and --enable-native-access");
        assumeTrue(Files.isReadable(Path.of("/proc/thread-self/stat")), "needs Linux /proc/thread-self/stat");
        long size = 64L << 20;
        try (DurableFile f = FileDurableIO.INSTANCE.open(tmp.resolve("cold"), DurableIO.Mode.CREATE_NEW);
             ChunkedMapping m = new ChunkedMapping(f, FileChannel.MapMode.PRIVATE, 16, 26)) {
            m.ensureMapped(size); // allocated, never written, never read
            long half = size / 2;
            for (long off = half; off < size; off += (1L << 20)) {
                assertTrue(m.readAhead(off, (1L << 20)));
            }
            long before = majorFaults();
            long sum = 0;
            for (long off = half; off < size; off += 4096) {
                sum += m.segment(off).get(Layouts.BYTE, m.local(off));
            }
            assertEquals(0, majorFaults() - before, "pages read ahead are found cached");
            assertEquals(0, sum, "space never written reads as zeros");
            before = majorFaults();
            for (long off = 0; off < half; off += 4096) {
                sum += m.segment(off).get(Layouts.BYTE, m.local(off));
            }
            assertTrue(majorFaults() - before > 0, "the first touch of pages not read ahead reads them in the fault");
            assertEquals(0, anonymousBytes(m.segment(0).address())[1], "reading ahead made no page private");
        }
    }

    @Test
    void readAheadDoesNothingWhereItCannot() throws Exception {
        try (DurableFile f = FileDurableIO.INSTANCE.open(tmp.resolve("r"), DurableIO.Mode.CREATE_NEW)) {
            f.allocate(4 << CHUNK_SHIFT);
            try (ChunkedMapping ro = new ChunkedMapping(f, FileChannel.MapMode.READ_ONLY, CHUNK_SHIFT, CHUNK_SHIFT)) {
                ro.ensureMapped(4 << CHUNK_SHIFT);
                assertFalse(ro.readAhead(0, 1 << CHUNK_SHIFT), "a read-only mapping is left to its readers");
            }
            ChunkedMapping m = new ChunkedMapping(f, FileChannel.MapMode.PRIVATE, CHUNK_SHIFT, CHUNK_SHIFT);
            m.ensureMapped(2 << CHUNK_SHIFT);
            assertFalse(m.readAhead(3 << CHUNK_SHIFT, 4096), "space not mapped yet is left alone");
            assertFalse(m.readAhead(0, 0), "an empty range");
            m.close();
            assertFalse(m.readAhead(0, 4096), "a closed mapping has no chunks left to read ahead");
        }
    }

    /** This thread's major page faults so far: field 12 of {@code /proc/thread-self/stat}. */
    private static long majorFaults() throws IOException {
        String stat = Files.readString(Path.of("/proc/thread-self/stat"));
        String[] fields = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
        return Long.parseLong(fields[12 - 3]);
    }

    /**
     * The size and the {@code Anonymous} bytes of the mapping (VMA) holding {@code address}, from {@code /proc/self/smaps}
     * (adjacent chunks may share one).
     */
    private static long[] anonymousBytes(long address) throws IOException {
        boolean inside = false;
        long start = 0;
        long size = 0;
        for (String line : Files.readAllLines(Path.of("/proc/self/smaps"))) {
            int dash = line.indexOf('-');
            int space = line.indexOf(' ');
            if (dash > 0 && space > dash && line.substring(0, dash).matches("[0-9a-f]+")) {
                long s = Long.parseUnsignedLong(line.substring(0, dash), 16);
                long e = Long.parseUnsignedLong(line.substring(dash + 1, space), 16);
                inside = address >= s && address < e;
                start = s;
                size = e - s;
            } else if (inside && line.startsWith("Anonymous:")) {
                return new long[] {size, Long.parseLong(line.replaceAll("[^0-9]", "")) * 1024};
            }
        }
        throw new AssertionError("no mapping holds 0x" + Long.toHexString(address) + " (from 0x" + Long.toHexString(start) + ")");
    }
}
