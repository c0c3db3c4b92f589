package io.bucketdb;

import io.bucketdb.storage.testkit.Seeds;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Path;
import java.util.List;
import java.util.Queue;
import java.util.SplittableRandom;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

import static org.junit.jupiter.api.Assertions.*;

/**
 * Lock-free readers of heap-stored values beside a writer that overwrites (moving values between
 * the slot and the heap, so heap blocks are freed and reused at once) and deletes them while the
 * table grows: every value a reader gets back, through each read path, is one the writer wrote
 * whole. Values encode their own check (a tag, and bytes derived from tag, length and position),
 * so a torn read — bytes of two values, or of a freed and reused block — cannot pass. The same with 16-byte keys
 * and 100-byte fixed values kept out of line (issue 19), where every overwrite frees a block that the next put reuses.
 */
class VariableLengthConcurrencyTest {
    private static final int[] LENGTHS = {0, 1, 5, 11, 12, 13, 15, 16, 17, 100, 1000, 5000, 20_000};

    @TempDir
    Path tmp;

    static byte[] value(int tag, int len) {
        byte[] v = new byte[len];
        int t = len >= 4 ? tag : 0; // too short to carry a tag: the bytes follow from the length alone
        for (int i = 0; i < len; i++) {
            v[i] = expected(t, len, i);
        }
        if (len >= 4) {
            ByteBuffer.wrap(v).order(ByteOrder.LITTLE_ENDIAN).putInt(0, tag);
        }
        return v;
    }

    private static byte expected(int tag, int len, int i) {
        long x = (tag * 0x9E3779B97F4A7C15L) ^ (len * 0xC2B2AE3D27D4EB4FL) ^ (i * 0x165667B19E3779F9L);
        x ^= x >>> 29;
        return (byte) x;
    }

    /** Whether {@code v} ({@code len} bytes) is a value {@link #value} made. */
    static boolean whole(MemorySegment v) {
        int len = (int) v.byteSize();
        int tag = len >= 4 ? v.get(ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN), 0) : 0;
        for (int i = len >= 4 ? 4 : 0; i < len; i++) {
            if (v.get(ValueLayout.JAVA_BYTE, i) != expected(tag, len, i)) {
                return false;
            }
        }
        return true;
    }

    private static byte[] key(int id, boolean fixed) {
        return fixed ? ByteBuffer.allocate(16).putInt(0x6b65792d).putInt(id).putLong(id * 0x9E3779B97F4A7C15L).array() : key(id);
    }

    private static byte[] key(int id) {
        return ("key-" + id + "-" + "k".repeat(id % 30)).getBytes(java.nio.charset.StandardCharsets.UTF_8);
    }

    @Test
    void readersNeverSeeATornHeapValueWhileTheWriterOverwritesAndDeletes() throws Exception {
        long seed = Seeds.seed();
        Seeds.run(seed, () -> run(seed, Seeds.torture() ? 500_000 : 20_000, false));
    }

    @Test
    void readersNeverSeeATornOutOfLineFixedValue() throws Exception {
        long seed = Seeds.seed();
        Seeds.run(seed, () -> run(seed, Seeds.torture() ? 500_000 : 20_000, true));
    }

    private void run(long seed, int writes, boolean outline) throws Exception {
        Options opts = (outline ? Options.defaults().withKeyWidth(16).withValueWidth(100)
                : Options.defaults().withVariableKeys(12).withVariableValues(16)).withChunking(16, 16)
                .withDurability(Durability.ASYNC).withHashSeed(seed);
        int keys = 1500;
        try (BucketDB db = BucketDB.open(tmp.resolve("c"), opts)) {
            AtomicBoolean done = new AtomicBoolean();
            Queue<String> torn = new ConcurrentLinkedQueue<>();
            AtomicLong reads = new AtomicLong();
            AtomicLong hits = new AtomicLong();
            assertEquals(outline, db.stats().valuesOutOfLine());
            List<Thread> readers = List.of(reader(db, seed + 1, keys, done, torn, reads, hits, outline),
                    reader(db, seed + 2, keys, done, torn, reads, hits, outline));
            readers.forEach(Thread::start);
            SplittableRandom rnd = new SplittableRandom(seed);
            try {
                for (int w = 0; w < writes && torn.isEmpty(); w++) {
                    byte[] k = key(rnd.nextInt(keys), outline);
                    if (rnd.nextInt(10) < 7) {
                        db.put(k, value(rnd.nextInt(), outline ? 100 : LENGTHS[rnd.nextInt(LENGTHS.length)]));
                    } else {
                        db.delete(k);
                    }
                }
            } finally {
                done.set(true);
                for (Thread t : readers) {
                    t.join();
                }
            }
            assertEquals(List.of(), List.copyOf(torn), "torn reads (" + reads.get() + " reads)");
            assertTrue(hits.get() > 0, "the readers found values: " + hits.get() + " of " + reads.get());
            assertTrue(db.stats().b() >= 6, "the table grew while read");
        }
    }

    private static Thread reader(BucketDB db, long seed, int keys, AtomicBoolean done, Queue<String> torn, AtomicLong reads, AtomicLong hits,
                                 boolean outline) {
        return Thread.ofPlatform().name("reader").unstarted(() -> {
            SplittableRandom rnd = new SplittableRandom(seed);
            MemorySegment buf = MemorySegment.ofArray(new byte[20_000]);
            try {
                while (!done.get()) {
                    byte[] k = key(rnd.nextInt(keys), outline);
                    reads.incrementAndGet();
                    switch (rnd.nextInt(3)) {
                        case 0 -> {
                            byte[] v = db.get(k);
                            if (v != null) {
                                hits.incrementAndGet();
                                if (!whole(MemorySegment.ofArray(v))) {
                                    torn.add("get(byte[]) of " + new String(k) + ": " + v.length + " bytes");
                                }
                            }
                        }
                        case 1 -> {
                            // The function may see torn bytes while the writer changes the entry; such a run's result is dropped.
                            Boolean ok = db.get(k, VariableLengthConcurrencyTest::whole);
                            if (ok != null) {
                                hits.incrementAndGet();
                                if (!ok) {
                                    torn.add("get(key, function) of " + new String(k));
                                }
                            }
                        }
                        default -> {
                            long n = db.get(k, buf);
                            if (n >= 0) {
                                hits.incrementAndGet();
                                if (n > buf.byteSize() || !whole(buf.asSlice(0, n))) {
                                    torn.add("get(key, MemorySegment) of " + new String(k) + ": " + n + " bytes");
                                }
                            }
                        }
                    }
                }
            } catch (Throwable t) {
                torn.add("reader failed: " + t);
            }
        });
    }
}
