package io.bucketdb;

import io.bucketdb.spi.AppendWindow;
import io.bucketdb.spi.DurableFile;
import io.bucketdb.spi.DurableIO;
import io.bucketdb.storage.FileDurableIO;
import io.bucketdb.storage.ForwardingDurableFile;
import io.bucketdb.storage.ForwardingDurableIO;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ConcurrentMap;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * An interrupt is the caller's business, not the index's: an open, a blocking write, a batch, a bulk load, a map
 * operation, a checkpoint, a refresh or a close called on an interrupted thread does its work, and the thread keeps its interrupt
 * status. Nor does an interrupt that lands while a caller leads a group of writes (and so does file I/O for every
 * writer) fail the index for the others: the files an interrupt closes beneath them are opened again.
 */
class InterruptedCallersTest {
    @TempDir
    Path tmp;

    @AfterEach
    void clearInterrupt() {
        Thread.interrupted();
    }

    @Test
    void everyCallOfAnInterruptedThreadDoesItsWorkAndKeepsTheInterrupt() throws Exception {
        Path dir = tmp.resolve("i");
        Options options = Options.defaults().withVariableKeys().withVariableValues();
        Thread.currentThread().interrupt();
        BucketDB db = BucketDB.open(dir, options); // creates it, taking the directory's lock
        assertTrue(Thread.interrupted(), "open cleared the caller's interrupt status");
        ConcurrentMap<String, String> map = db.asMap(Codec.UTF8, Codec.UTF8);
        interrupted("put", () -> db.put(bytes("a"), bytes("1")));
        interrupted("write", () -> db.write(new WriteBatch().put(bytes("b"), bytes("2")).put(bytes("c"), bytes("3"))));
        interrupted("bulk load", () -> {
            try (BulkLoad load = db.bulkLoad(16)) {
                for (int i = 0; i < 100; i++) {
                    load.put(bytes("k" + i), bytes("v" + i));
                }
            }
        });
        interrupted("merge", () -> map.merge("m", "x", String::concat));
        interrupted("compute", () -> map.compute("m", (k, v) -> v + "y"));
        interrupted("checkpoint", db::checkpoint);
        interrupted("put after the checkpoint", () -> db.put(bytes("d"), bytes("4")));
        interrupted("close", db::close);
        interrupted("writerLockHolder", () -> assertTrue(BucketDB.writerLockHolder(dir).isEmpty()));
        Thread.currentThread().interrupt();
        try (BucketDB again = BucketDB.open(dir, options)) {
            assertTrue(Thread.interrupted(), "open of an existing index cleared the caller's interrupt status");
            assertEquals(0, again.recovery().recordsReplayed(), "the interrupted close checkpointed everything");
            assertEquals(105, again.size());
            assertEquals("xy", again.asMap(Codec.UTF8, Codec.UTF8).get("m"));
            assertEquals("v99", new String(again.get(bytes("k99"))));
            Thread.currentThread().interrupt();
            try (BucketDB view = BucketDB.open(dir, options.withReadOnly(true))) {
                assertTrue(Thread.interrupted(), "a read-only open cleared the caller's interrupt status");
                again.put(bytes("e"), bytes("5"));
                interrupted("refresh", view::refresh);
                assertEquals("5", new String(view.get(bytes("e"))));
            }
        }
    }

    @Test
    void interruptsDuringTheIoOfLeadersFailNothing() throws Exception {
        Set<Thread> callers = ConcurrentHashMap.newKeySet();
        Path dir = tmp.resolve("lead");
        // Every file call of a caller's thread (never of the index's own threads) is interrupted as it begins: what an
        // interrupt landing during a leader's I/O does, at every such call instead of at a random one.
        Options options = Options.defaults().withDurableIO(new InterruptingIO(FileDurableIO.INSTANCE, callers));
        ConcurrentLinkedQueue<Throwable> failures = new ConcurrentLinkedQueue<>();
        int threads = 4;
        long perThread = 20_000; // the table grows several times, and the journal rolls
        try (BucketDB db = BucketDB.open(dir, options)) {
            List<Thread> writers = new ArrayList<>();
            for (int t = 0; t < threads; t++) {
                long base = t * 1_000_000L;
                writers.add(Thread.ofPlatform().unstarted(() -> {
                    callers.add(Thread.currentThread());
                    try {
                        for (long k = base; k < base + perThread; k++) {
                            db.putLong(k, -k);
                            Thread.interrupted();
                        }
                    } catch (Throwable e) {
                        failures.add(e);
                    }
                }));
            }
            writers.forEach(Thread::start);
            for (Thread w : writers) {
                w.join();
            }
            callers.add(Thread.currentThread());
            db.checkpoint();
            Thread.interrupted();
        }
        assertTrue(failures.isEmpty(), () -> "a writer failed: " + failures.peek());
        Thread.interrupted();
        callers.clear();
        try (BucketDB db = BucketDB.open(dir)) {
            assertEquals(0, db.recovery().recordsReplayed(), "the index closed cleanly");
            assertEquals(threads * perThread, db.size());
            for (int t = 0; t < threads; t++) {
                for (long k = t * 1_000_000L; k < t * 1_000_000L + perThread; k++) {
                    assertEquals(-k, db.getLong(k, 1), "key " + k);
                }
            }
        }
    }

    /**
     * A caller's wait for its write is uninterruptible (the write is in the pipeline either way), and it must stay a
     * wait: a park returns at once while the interrupt status is set, so a waiter that kept it set would spin on a
     * core for as long as the leader takes, the core the leader needs on a two-core machine. The writer role is
     * held by a map function that waits for a latch, so nothing can complete or wake the interrupted caller: it must
     * be found parked at every look, and get its write and its interrupt status once the role is free.
     */
    @Test
    void anInterruptedCallerParksWhileItWaitsForItsWrite() throws Exception {
        try (BucketDB db = BucketDB.open(tmp.resolve("park"))) {
            ConcurrentMap<Long, Long> map = db.asMap(Codec.LONG, Codec.LONG);
            waitsParked(db, map, "putLong", () -> db.putLong(1, 10));
            waitsParked(db, map, "bulk load", () -> {
                try (BulkLoad load = db.bulkLoad(16)) {
                    for (long k = 100; k < 116; k++) {
                        load.putLong(k, k);
                    }
                }
            });
            assertEquals(10, db.getLong(1, -1));
            assertEquals(115, db.getLong(115, -1));
        }
    }

    private static void waitsParked(BucketDB db, ConcurrentMap<Long, Long> map, String what, Call write) throws Exception {
        java.util.concurrent.CountDownLatch holding = new java.util.concurrent.CountDownLatch(1);
        java.util.concurrent.CountDownLatch release = new java.util.concurrent.CountDownLatch(1);
        Thread holder = Thread.ofPlatform().start(() -> map.compute(-1L, (k, v) -> {
            holding.countDown();
            try {
                release.await();
            } catch (InterruptedException e) {
                throw new IllegalStateException(e);
            }
            return 0L;
        }));
        holding.await();
        java.util.concurrent.atomic.AtomicBoolean keptInterrupt = new java.util.concurrent.atomic.AtomicBoolean();
        java.util.concurrent.atomic.AtomicReference<Throwable> failed = new java.util.concurrent.atomic.AtomicReference<>();
        Thread caller = Thread.ofPlatform().start(() -> {
            Thread.currentThread().interrupt();
            try {
                write.run();
            } catch (Throwable e) {
                failed.set(e);
            }
            keptInterrupt.set(Thread.interrupted());
        });
        try {
            // Past its spin the caller parks; from then on nothing wakes it while the role stays held.
            long looks = 0;
            while (caller.getState() != Thread.State.WAITING) {
                assertTrue(++looks < 100_000_000L, what + ": the interrupted caller never parked");
                Thread.onSpinWait();
            }
            // A spinning caller is found running at nearly every look; a parked one at none, bar the rare spurious
            // return of a park (after which it spins a few microseconds and parks again).
            int running = 0;
            for (int i = 0; i < 10_000; i++) {
                if (caller.getState() != Thread.State.WAITING) {
                    running++;
                }
            }
            assertTrue(running < 1_000, what + ": the interrupted caller ran at " + running
                    + " of 10,000 looks while nothing could have woken it: it spins instead of parking");
        } finally {
            release.countDown();
            holder.join();
            caller.join();
        }
        assertEquals(null, failed.get(), what);
        assertTrue(keptInterrupt.get(), what + " cleared the caller's interrupt status");
        assertEquals(0L, db.getLong(-1, 7));
    }

    private interface Call {
        void run() throws Exception;
    }

    private static void interrupted(String what, Call call) throws Exception {
        Thread.currentThread().interrupt();
        call.run();
        assertTrue(Thread.interrupted(), what + " cleared the caller's interrupt status");
    }

    private static byte[] bytes(String s) {
        return s.getBytes(java.nio.charset.StandardCharsets.UTF_8);
    }

    /** Interrupts a thread of {@code callers} as each file call of it begins. */
    private static final class InterruptingIO extends ForwardingDurableIO {
        private final Set<Thread> callers;

        InterruptingIO(DurableIO delegate, Set<Thread> callers) {
            super(delegate);
            this.callers = callers;
        }

        private void hit() {
            if (callers.contains(Thread.currentThread())) {
                Thread.currentThread().interrupt();
            }
        }

        @Override
        public void syncDirectory(Path dir) throws IOException {
            hit();
            super.syncDirectory(dir);
        }

        @Override
        public DurableFile open(Path file, Mode mode) throws IOException {
            return new ForwardingDurableFile(super.open(file, mode)) {
                @Override
                public long size() throws IOException {
                    hit();
                    return super.size();
                }

                @Override
                public void read(long position, ByteBuffer dst) throws IOException {
                    hit();
                    super.read(position, dst);
                }

                @Override
                public void write(long position, ByteBuffer src) throws IOException {
                    hit();
                    super.write(position, src);
                }

                @Override
                public void force() throws IOException {
                    hit();
                    super.force();
                }

                @Override
                public void allocate(long newSize) throws IOException {
                    hit();
                    super.allocate(newSize);
                }

                @Override
                public void truncate(long newSize) throws IOException {
                    hit();
                    super.truncate(newSize);
                }

                @Override
                public MemorySegment map(FileChannel.MapMode mode, long position, long size, Arena arena) throws IOException {
                    hit();
                    return super.map(mode, position, size, arena);
                }

                @Override
                public AppendWindow mapAppendWindow(long position, long size) throws IOException {
                    hit();
                    return super.mapAppendWindow(position, size);
                }
            };
        }
    }
}
