package io.bucketdb.pipeline;

import io.bucketdb.BucketDB;
import io.bucketdb.Durability;
import io.bucketdb.Options;
import io.bucketdb.storage.testkit.Seeds;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLongArray;
import java.util.function.BooleanSupplier;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Writers on disjoint key ranges (blocking and async calls mixed) and readers on all ranges, on a
 * table that grows from one bucket through many doublings. Values encode the key and a version
 * that grows with every operation on the key, so a reader can tell a stale, a foreign and a
 * never-written value apart.
 *
 * <p>The same workload runs twice: on the bare pipeline over a table (readers also read the table
 * directly, without the batch gate), and on a whole {@link BucketDB} with tiny checkpoint triggers,
 * so background checkpoints snapshot, write back and release pages under the readers and the
 * writer all through the run; that run then reopens the index and checks the final state again.
 */
class ConcurrentDifferentialTest {
    private static final int WRITERS = 3;
    private static final int READERS = 2;
    private static final int KEYS_PER_WRITER = 4000;
    private static final int OPS_PER_WRITER = 12_000;
    /**
     * How far a writer runs past {@link #OPS_PER_WRITER} while the run's {@code keepGoing} still holds: a bound against
     * a run that never stops, far enough that it is not what ends the wait for checkpoints (at 40 times, a clean-clone
     * CI run on 2026-12-07 reached it with 3 checkpoints done, and a rerun of its seed with 4).
     */
    private static final int MAX_OPS_PER_WRITER = 1_000 * OPS_PER_WRITER;
    private static final int KEY_BITS = 20;

    @TempDir
    Path dir;

    /** The calls the workload makes; {@code rawGetLong} may bypass the batch gate. */
    private interface Target {
        boolean putLong(long k, long v) throws Exception;

        boolean deleteLong(long k) throws Exception;

        CompletableFuture<Boolean> putLongAsync(long k, long v);

        CompletableFuture<Boolean> deleteLongAsync(long k);

        long getLong(long k, long missing);

        long rawGetLong(long k, long missing);

        long size();
    }

    @Test
    void shouldShowEveryAcknowledgedWriteToEveryLaterRead() throws Exception {
        long seed = Seeds.seed();
        System.out.println("ConcurrentDifferentialTest seed " + seed);
        Seeds.run(seed, () -> {
            try (PipelineFixture fx = new PipelineFixture(dir, seed)) {
                WritePipeline p = fx.pipeline;
                runOnce(seed, new Target() {
                    public boolean putLong(long k, long v) throws Exception { return p.putLong(k, v); }
                    public boolean deleteLong(long k) throws Exception { return p.deleteLong(k); }
                    public CompletableFuture<Boolean> putLongAsync(long k, long v) { return p.putLongAsync(k, v); }
                    public CompletableFuture<Boolean> deleteLongAsync(long k) { return p.deleteLongAsync(k); }
                    public long getLong(long k, long missing) { return p.getLong(k, missing); }
                    public long rawGetLong(long k, long missing) { return fx.table.getLong(k, missing); }
                    public long size() { return fx.table.size(); }
                }, () -> false);
                assertTrue(fx.file.header().b >= 8, "the table grew through several doublings: B=" + fx.file.header().b);
                assertTrue(p.batchSizes().batches() > 0);
                System.out.println("journal batch sizes: " + p.batchSizes());
            }
        });
    }

    /**
     * Background checkpoints that must have finished while the writers still ran. How many finish in a fixed
     * workload depends on how much CPU the checkpoint thread gets beside five busy threads on a shared machine
     * (CI once saw 4), so the writers keep going until this many have finished, up to {@link #MAX_OPS_PER_WRITER}.
     */
    private static final int CHECKPOINTS_UNDER_LOAD = 5;

    @Test
    void shouldShowEveryAcknowledgedWriteAcrossBackgroundCheckpoints() throws Exception {
        long seed = Seeds.seed();
        System.out.println("ConcurrentDifferentialTest (checkpoints) seed " + seed);
        Seeds.run(seed, () -> {
            Path index = dir.resolve("db");
            Options options = Options.defaults()
                    .withDurability(Durability.ASYNC)
                    .withHashSeed(seed)
                    .withChunking(16, 16) // 64 KiB chunks: growth maps new chunks often
                    // 128 KiB of journal (the run writes about 1.7 MiB of it) or 512 KiB of dirty pages start a
                    // checkpoint: dozens per run, however fast it runs. Smaller limits checkpoint after nearly
                    // every batch and only make the run slow.
                    .withPrivateMemoryLimit(0) // every checkpoint releases the pages it wrote back: that path is under test too
                    .withCheckpointTriggers(512 << 10, 128 << 10, Duration.ofMillis(50))
                    .withCheckpointsInBackground(true);
            long[] expected;
            try (BucketDB db = BucketDB.open(index, options)) {
                expected = runOnce(seed, new Target() {
                    public boolean putLong(long k, long v) { return db.putLong(k, v); }
                    public boolean deleteLong(long k) { return db.deleteLong(k); }
                    public CompletableFuture<Boolean> putLongAsync(long k, long v) { return db.putLongAsync(k, v); }
                    public CompletableFuture<Boolean> deleteLongAsync(long k) { return db.deleteLongAsync(k); }
                    public long getLong(long k, long missing) { return db.getLong(k, missing); }
                    public long rawGetLong(long k, long missing) { return db.getLong(k, missing); }
                    public long size() { return db.size(); }
                }, () -> db.checkpoints() < CHECKPOINTS_UNDER_LOAD);
                assertTrue(db.stats().b() >= 8, "the table grew through several doublings: B=" + db.stats().b());
                assertTrue(db.checkpoints() >= CHECKPOINTS_UNDER_LOAD, "checkpoints ran during the workload: "
                        + db.checkpoints() + " after " + MAX_OPS_PER_WRITER + " operations per writer");
                System.out.println("checkpoints during the run: " + db.checkpoints());
            }
            try (BucketDB db = BucketDB.open(index, options)) {
                long present = 0;
                for (int k = 0; k < expected.length; k++) {
                    assertEquals(expected[k], db.getLong(k, -1), "key " + k + " after reopen");
                    present += expected[k] != -1 ? 1 : 0;
                }
                assertEquals(present, db.size());
            }
        });
    }

    private static long encode(long key, long version) {
        return version << KEY_BITS | key;
    }

    /**
     * Runs the workload; returns each key's final value (-1 when absent), checked against {@code p}. Each writer
     * makes {@link #OPS_PER_WRITER} operations, then goes on while {@code keepGoing} holds (asked every 1,000
     * operations), up to {@link #MAX_OPS_PER_WRITER}.
     */
    private long[] runOnce(long seed, Target p, BooleanSupplier keepGoing) throws Exception {
        int keys = WRITERS * KEYS_PER_WRITER;
        // Per key: (version << 1 | deleted) of the newest acknowledged operation, and the newest
        // issued put and delete versions (set before publishing).
        AtomicLongArray acked = new AtomicLongArray(keys);
        AtomicLongArray issuedPut = new AtomicLongArray(keys);
        AtomicLongArray issuedDelete = new AtomicLongArray(keys);
        for (int k = 0; k < keys; k++) {
            acked.set(k, 1); // version 0, deleted: absent
        }
        ConcurrentLinkedQueue<String> errors = new ConcurrentLinkedQueue<>();
        AtomicBoolean done = new AtomicBoolean();
        List<Thread> writers = new ArrayList<>();
        for (int w = 0; w < WRITERS; w++) {
            int first = w * KEYS_PER_WRITER;
            SplittableRandom rnd = new SplittableRandom(seed + w);
            writers.add(Thread.ofPlatform().name("writer-" + w).start(() -> {
                ArrayDeque<CompletableFuture<Boolean>> pending = new ArrayDeque<>();
                long version = 0;
                try {
                    for (int i = 0; i < OPS_PER_WRITER
                            || i < MAX_OPS_PER_WRITER && (i % 1000 != 0 || keepGoing.getAsBoolean()); i++) {
                        int k = first + rnd.nextInt(i < KEYS_PER_WRITER ? i + 1 : KEYS_PER_WRITER);
                        long v = ++version;
                        boolean delete = rnd.nextInt(5) == 0;
                        long ack = delete ? v << 1 | 1 : v << 1;
                        if (delete) {
                            issuedDelete.set(k, v);
                        } else {
                            issuedPut.set(k, v);
                        }
                        if (rnd.nextBoolean()) {
                            if (delete) {
                                p.deleteLong(k);
                            } else {
                                p.putLong(k, encode(k, v));
                            }
                            acked.accumulateAndGet(k, ack, Math::max);
                        } else {
                            CompletableFuture<Boolean> f = delete ? p.deleteLongAsync(k) : p.putLongAsync(k, encode(k, v));
                            int key = k;
                            pending.add(f.thenApply(r -> {
                                acked.accumulateAndGet(key, ack, Math::max);
                                return r;
                            }));
                            while (pending.size() > 64) {
                                pending.poll().join();
                            }
                        }
                    }
                    for (CompletableFuture<Boolean> f : pending) {
                        f.join();
                    }
                } catch (Throwable t) {
                    errors.add(Thread.currentThread().getName() + ": " + t);
                }
            }));
        }
        List<Thread> readers = new ArrayList<>();
        for (int r = 0; r < READERS; r++) {
            SplittableRandom rnd = new SplittableRandom(seed ^ (0x9E3779B97F4A7C15L * (r + 1)));
            boolean gated = r % 2 == 0;
            readers.add(Thread.ofPlatform().name("reader-" + r).start(() -> {
                long reads = 0;
                while (!done.get() && errors.isEmpty()) {
                    int k = rnd.nextInt(keys);
                    long a = acked.get(k);
                    long value = gated ? p.getLong(k, -1) : p.rawGetLong(k, -1);
                    reads++;
                    long ackVersion = a >>> 1;
                    boolean ackDeleted = (a & 1) != 0;
                    if (value == -1) {
                        if (!ackDeleted && issuedDelete.get(k) <= ackVersion) {
                            errors.add("key " + k + " absent after acknowledged put version " + ackVersion);
                        }
                    } else {
                        long vk = value & ((1L << KEY_BITS) - 1);
                        long vv = value >>> KEY_BITS;
                        if (vk != k) {
                            errors.add("key " + k + " returned a value written for key " + vk);
                        } else if (vv > issuedPut.get(k) || vv == 0) {
                            errors.add("key " + k + " returned version " + vv + " that was never written");
                        } else if (vv < ackVersion && !ackDeleted) {
                            errors.add("key " + k + " returned stale version " + vv + " after acknowledged " + ackVersion);
                        } else if (vv < ackVersion) {
                            errors.add("key " + k + " returned version " + vv + " deleted by acknowledged " + ackVersion);
                        }
                    }
                }
                assertTrue(reads > 0);
            }));
        }
        for (Thread t : writers) {
            t.join();
        }
        done.set(true);
        for (Thread t : readers) {
            t.join();
        }
        assertTrue(errors.isEmpty(), () -> errors.size() + " errors, first: " + errors.peek());
        long present = 0;
        long[] expected = new long[keys];
        for (int k = 0; k < keys; k++) {
            boolean shouldExist = issuedPut.get(k) > issuedDelete.get(k);
            expected[k] = shouldExist ? encode(k, issuedPut.get(k)) : -1;
            assertEquals(expected[k], p.rawGetLong(k, -1), "key " + k);
            present += shouldExist ? 1 : 0;
        }
        assertEquals(present, p.size());
        return expected;
    }
}
