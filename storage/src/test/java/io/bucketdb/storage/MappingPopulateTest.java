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
 * {@link ChunkedMapping#populate}: the prefault the table's background thread runs ahead of the writer (issue 16). It
 * makes the pages private copies (so the writer's first write takes no fault), and changes no byte: not what the
 * mapping reads, also while another thread writes the same pages, and not the file.
 */
class MappingPopulateTest {
    private static final int CHUNK_SHIFT = 16;
    private static final int CHUNKS = 32;
    private static final long SIZE = (long) CHUNKS << CHUNK_SHIFT;
    /** The writer writes below this; the last four chunks only the populating threads touch. */
    private static final long WRITTEN = SIZE - (4L << CHUNK_SHIFT);

    @TempDir
    Path tmp;

    @Test
    void populateMakesThePagesPrivateAndChangesNoByteWhileAWriterWritesThem() throws Exception {
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
                    assumeTrue(m.populate(0, 4096), "the kernel knows MADV_POPULATE_WRITE (Linux 5.14)");
                    byte[] model = fileBytes.clone();
                    long writerSeed = random.nextLong();
                    AtomicBoolean stop = new AtomicBoolean();
                    java.util.concurrent.atomic.AtomicInteger passes = new java.util.concurrent.atomic.AtomicInteger();
                    AtomicReference<Throwable> failure = new AtomicReference<>();
                    // The populating thread goes over every chunk in slices, again and again, as the writer writes.
                    Thread populator = new Thread(() -> {
                        Random r = new Random(writerSeed ^ 1);
                        try {
                            while (!stop.get()) {
                                for (long off = 0; off < SIZE && !stop.get(); ) {
                                    long len = 1 + r.nextInt(3 << 12);
                                    len = Math.min(len, m.chunkStart(m.chunkIndex(off)) + m.chunkSize(m.chunkIndex(off)) - off);
                                    m.populate(off, len);
                                    off += len;
                                }
                                passes.incrementAndGet();
                            }
                        } catch (Throwable t) {
                            failure.set(t);
                        }
                    }, "populator");
                    populator.start();
                    Random w = new Random(writerSeed);
                    try {
                        // At least two whole passes of the populating thread race the writes (a bound on iterations
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
                        populator.join();
                    }
                    assertNull(failure.get(), () -> "the populating thread failed: " + failure.get());
                    for (long off = 0; off < SIZE; off += 1 << CHUNK_SHIFT) {
                        byte[] got = m.segment(off).asSlice(m.local(off), 1 << CHUNK_SHIFT).toArray(Layouts.BYTE);
                        int at = Arrays.mismatch(got, 0, got.length, model, (int) off, (int) off + got.length);
                        assertEquals(-1, at, "the mapping reads what the writer wrote, at offset " + (off + at));
                    }
                    // Every page of the mapping is a private copy now, also in the last chunks no one wrote.
                    for (long off = 0; off < SIZE; off += 1 << CHUNK_SHIFT) {
                        m.populate(off, 1 << CHUNK_SHIFT);
                    }
                    long[] vma = anonymousBytes(m.segment(SIZE - 1).address());
                    assertEquals(vma[0], vma[1], "every page of the mapping holding the last chunk (never written by"
                            + " anyone) is a private copy after populate");
                }
                byte[] onDisk = Files.readAllBytes(p);
                assertArrayEquals(fileBytes, Arrays.copyOf(onDisk, (int) SIZE), "populate never writes the file");
            }
        });
    }

    @Test
    void populateDoesNothingWhereItCannot() throws Exception {
        try (DurableFile f = FileDurableIO.INSTANCE.open(tmp.resolve("r"), DurableIO.Mode.CREATE_NEW)) {
            f.allocate(4 << CHUNK_SHIFT);
            try (ChunkedMapping ro = new ChunkedMapping(f, FileChannel.MapMode.READ_ONLY, CHUNK_SHIFT, CHUNK_SHIFT)) {
                ro.ensureMapped(4 << CHUNK_SHIFT);
                assertFalse(ro.populate(0, 1 << CHUNK_SHIFT), "a read-only mapping is never populated");
            }
            ChunkedMapping m = new ChunkedMapping(f, FileChannel.MapMode.PRIVATE, CHUNK_SHIFT, CHUNK_SHIFT);
            m.ensureMapped(2 << CHUNK_SHIFT);
            assertFalse(m.populate(3 << CHUNK_SHIFT, 4096), "space not mapped yet is left alone");
            assertFalse(m.populate(0, 0), "an empty range");
            m.close();
            assertFalse(m.populate(0, 4096), "a closed mapping has no chunks left to populate");
        }
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
