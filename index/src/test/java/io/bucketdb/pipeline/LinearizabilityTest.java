package io.bucketdb.pipeline;

import io.bucketdb.BucketDB;
import io.bucketdb.Codec;
import io.bucketdb.Durability;
import io.bucketdb.Growth;
import io.bucketdb.Options;
import io.bucketdb.storage.testkit.Seeds;
import io.bucketdb.WriteBatch;
import io.bucketdb.pipeline.MapOp.Batch;
import io.bucketdb.pipeline.MapOp.Contains;
import io.bucketdb.pipeline.MapOp.Delete;
import io.bucketdb.pipeline.MapOp.Get;
import io.bucketdb.pipeline.MapOp.Put;
import io.bucketdb.pipeline.MapOp.Write;
import org.apache.commons.io.FileUtils;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicLong;

import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * Records many short concurrent histories of {@link BucketDB} calls on a few hot keys and checks
 * each with the {@link LinearizabilityChecker}, while the table grows and checkpoints. Lincheck
 * cannot model-check the pipeline (its writer thread is outside Lincheck's control, so the run
 * hangs), hence recorded histories and a Wing–Gong search instead (issue 4).
 *
 * <p>A round: three worker threads, released together by a barrier, each run a planned sequence
 * of six to eight calls on six hot keys ({@code getLong}, {@code containsLong}, {@code get},
 * {@code putLong}, {@code put}, {@code deleteLong}, {@code putLongAsync} and
 * {@code deleteLongAsync} joined at once or after the thread's next call, {@code write} and
 * {@code writeAsync} of two or three writes). Each call's interval comes from one shared counter,
 * read before the call and after it returned. Meanwhile a fourth thread inserts fresh filler keys
 * (so the table keeps doubling: it starts empty, with one bucket) and every few rounds calls
 * {@link BucketDB#checkpoint()}; small checkpoint triggers add checkpoints of their own. The hot
 * keys slide: half of them carry over from the previous round, whose final values (read while
 * nothing runs) are the next round's initial state, half are new.
 *
 * <p>A batch makes its keys one component of the check, so a round's history is usually checked
 * with the whole six-key map model; that stays cheap because a round has at most 24 operations and
 * three threads. Rerunning a seed replays the same plans, not the same interleaving.
 */
class LinearizabilityTest {
    private static final int THREADS = 3;
    private static final int HOT_KEYS = 6;
    private static final int FILLER_PER_ROUND = 16;
    private static final int CHECKPOINT_EVERY = 5;
    private static final long MISSING = Long.MIN_VALUE;

    private static int rounds() {
        return Seeds.torture() ? 20_000 : 800;
    }

    @ParameterizedTest
    @EnumSource(Durability.class)
    void shouldRecordOnlyLinearizableHistoriesWhileTheTableGrowsAndCheckpoints(Durability durability) throws Exception {
        long seed = Seeds.seed();
        System.out.println("LinearizabilityTest " + durability + " seed " + seed);
        Seeds.run(seed, () -> {
            Path dir = scratch();
            try (BucketDB db = BucketDB.open(dir, options(durability, seed))) {
                Harness h = new Harness(new DbTarget(db), db, seed);
                h.run(rounds(), true);
                Growth g = db.growth();
                System.out.printf("LinearizabilityTest %s: %d rounds, %d operations, %d rounds overlapped, %d rounds began "
                                + "mid-growth, B=%d, %d checkpoints, %d states explored%n", durability, h.rounds, h.operations,
                        h.overlappedRounds, h.roundsMidGrowth, g.b(), db.checkpoints(), h.states);
                assertTrue(g.b() >= 8, "the table doubled at least 8 times: B=" + g.b());
                assertTrue(h.roundsMidGrowth > 0, "no round began while a growth was in progress");
                assertTrue(db.checkpoints() >= rounds() / CHECKPOINT_EVERY, "checkpoints: " + db.checkpoints());
                assertTrue(h.overlappedRounds > h.rounds / 10, "only " + h.overlappedRounds + " of " + h.rounds
                        + " rounds had operations of different threads overlap: the test is not concurrent");
            } finally {
                FileUtils.deleteDirectory(dir.toFile());
            }
        });
    }

    /**
     * The harness catches a real bug: reads through a per-thread cache that is never invalidated
     * (a stale read after a completed write) are found within a few rounds. Guards against a
     * harness that records intervals too wide to ever fail.
     */
    @Test
    void shouldCatchStaleReadsInRecordedHistories() throws Exception {
        long seed = Seeds.seed();
        System.out.println("LinearizabilityTest stale reads seed " + seed);
        Seeds.run(seed, () -> {
            Path dir = scratch();
            try (BucketDB db = BucketDB.open(dir, options(Durability.ASYNC, seed))) {
                Harness h = new Harness(new StaleReads(db), db, seed);
                AssertionError caught = null;
                try {
                    h.run(200, false);
                } catch (AssertionError e) {
                    caught = e;
                }
                assertTrue(caught != null, "200 rounds of cached reads all passed as linearizable");
                assertTrue(caught.getMessage().contains("not linearizable"), caught.getMessage());
                System.out.println("LinearizabilityTest caught the stale reads, as it should: " + caught.getMessage());
            } finally {
                FileUtils.deleteDirectory(dir.toFile());
            }
        });
    }

    private static Options options(Durability durability, long seed) {
        return Options.defaults()
                .withDurability(durability)
                .withHashSeed(seed)
                .withChunking(16, 16) // 64 KiB chunks: growth maps new chunks often
                .withPrivateMemoryLimit(0) // every checkpoint releases the pages it wrote back: that path is under test too
                .withCheckpointTriggers(16 << 10, 64 << 10, Duration.ofMillis(200));
    }

    /** On tmpfs when there is one: the test checks ordering, not the disk, and forces there are cheap. */
    private static Path scratch() throws java.io.IOException {
        Path shm = Path.of("/dev/shm");
        Path parent = Files.isDirectory(shm) && Files.isWritable(shm) ? shm : Path.of(System.getProperty("java.io.tmpdir"));
        return Files.createTempDirectory(parent, "bucketdb-lin-");
    }

    // ------------------------------------------------------------------ the calls under test

    /** The calls a round makes. {@link DbTarget} passes them to the index; {@link StaleReads} breaks reads on purpose. */
    static class DbTarget {
        final BucketDB db;

        DbTarget(BucketDB db) {
            this.db = db;
        }

        long getLong(long key) {
            return db.getLong(key, MISSING);
        }

        boolean containsLong(long key) {
            return db.containsLong(key);
        }

        /** Through the byte[] API: the same entries as the long API (little-endian, as {@link Codec#LONG}). */
        long get(long key) {
            byte[] v = db.get(Codec.LONG.encode(key));
            return v == null ? MISSING : Codec.LONG.decode(v);
        }

        boolean putLong(long key, long value) {
            return db.putLong(key, value);
        }

        boolean put(long key, long value) {
            return db.put(Codec.LONG.encode(key), Codec.LONG.encode(value));
        }

        boolean deleteLong(long key) {
            return db.deleteLong(key);
        }

        CompletableFuture<Boolean> putLongAsync(long key, long value) {
            return db.putLongAsync(key, value);
        }

        CompletableFuture<Boolean> deleteLongAsync(long key) {
            return db.deleteLongAsync(key);
        }

        void write(WriteBatch b) {
            db.write(b);
        }

        CompletableFuture<Void> writeAsync(WriteBatch b) {
            return db.writeAsync(b);
        }
    }

    /** A broken reader: each thread remembers the first value it read of a key and returns it forever. */
    static final class StaleReads extends DbTarget {
        private final Map<Thread, Map<Long, Long>> seen = new ConcurrentHashMap<>();

        StaleReads(BucketDB db) {
            super(db);
        }

        private Map<Long, Long> mine() {
            return seen.computeIfAbsent(Thread.currentThread(), t -> new HashMap<>());
        }

        @Override
        long getLong(long key) {
            return mine().computeIfAbsent(key, super::getLong);
        }

        @Override
        boolean containsLong(long key) {
            return getLong(key) != MISSING;
        }

        @Override
        long get(long key) {
            return getLong(key);
        }
    }

    // ------------------------------------------------------------------ rounds

    private enum Kind {
        GET_LONG, CONTAINS, GET_BYTES, PUT_LONG, PUT_BYTES, DELETE_LONG, PUT_ASYNC, DELETE_ASYNC, WRITE, WRITE_ASYNC
    }

    /** One planned call: what, on which key(s), with which value; {@code deferJoin} joins an async call after the next call. */
    private record Planned(Kind kind, long key, long value, List<Write> writes, boolean deferJoin) {
    }

    /** An async call whose future is joined later. */
    private record Pending(CompletableFuture<?> future, Planned plan, long invoke) {
    }

    private static final class Harness {
        private final DbTarget target;
        private final BucketDB db;
        private final long seed;
        private final AtomicLong clock = new AtomicLong();
        private long nextFiller;
        int rounds;
        long operations;
        int overlappedRounds;
        int roundsMidGrowth;
        long states;

        Harness(DbTarget target, BucketDB db, long seed) {
            this.target = target;
            this.db = db;
            this.seed = seed;
        }

        void run(int rounds, boolean print) throws Exception {
            ExecutorService pool = Executors.newFixedThreadPool(THREADS + 1);
            try {
                SplittableRandom rnd = new SplittableRandom(seed);
                for (int round = 0; round < rounds; round++) {
                    oneRound(pool, round, rnd, print);
                }
            } finally {
                pool.shutdownNow();
            }
        }

        private static long hotKey(int round, int i) {
            return 2L * (round * (HOT_KEYS / 2L) + i); // even; half of them shared with the previous round
        }

        private void oneRound(ExecutorService pool, int round, SplittableRandom rnd, boolean print) throws Exception {
            long[] keys = new long[HOT_KEYS];
            Map<Long, Long> initial = new HashMap<>();
            for (int i = 0; i < HOT_KEYS; i++) {
                keys[i] = hotKey(round, i);
                long v = db.getLong(keys[i], MISSING); // nothing runs now: this is the state
                if (v != MISSING) {
                    initial.put(keys[i], v);
                }
            }
            if (db.growth().growing()) {
                roundsMidGrowth++;
            }
            List<List<Planned>> plans = new ArrayList<>();
            for (int t = 0; t < THREADS; t++) {
                plans.add(plan(rnd, keys, round, t));
            }
            CyclicBarrier start = new CyclicBarrier(THREADS + 1);
            List<Future<List<TimedOp>>> workers = new ArrayList<>();
            for (int t = 0; t < THREADS; t++) {
                int thread = t;
                workers.add(pool.submit(() -> execute(thread, plans.get(thread), start)));
            }
            boolean checkpoint = round % CHECKPOINT_EVERY == CHECKPOINT_EVERY - 1;
            long fillerFrom = nextFiller;
            nextFiller += FILLER_PER_ROUND;
            Future<?> filler = pool.submit(() -> {
                start.await();
                List<CompletableFuture<Boolean>> fs = new ArrayList<>();
                for (long f = fillerFrom; f < fillerFrom + FILLER_PER_ROUND; f++) {
                    fs.add(db.putLongAsync(2 * f + 1, f)); // odd: never a hot key
                    if (checkpoint && f == fillerFrom + FILLER_PER_ROUND / 2) {
                        db.checkpoint();
                    }
                }
                fs.forEach(CompletableFuture::join);
                return null;
            });
            List<TimedOp> history = new ArrayList<>();
            for (Future<List<TimedOp>> w : workers) {
                history.addAll(w.get());
            }
            filler.get();
            rounds++;
            operations += history.size();
            if (overlaps(history)) {
                overlappedRounds++;
            }
            var verdict = LinearizabilityChecker.check(history, initial);
            states += verdict.states();
            if (!verdict.linearizable()) {
                String report = "round " + round + " (initial " + initial + ") is " + verdict.explain()
                        + "whole round in invoke order:\n" + format(history);
                if (print) {
                    System.out.println("LinearizabilityTest seed " + seed + ": " + report);
                }
                fail(report);
            }
        }

        private static boolean overlaps(List<TimedOp> h) {
            for (TimedOp a : h) {
                for (TimedOp b : h) {
                    if (a.thread() < b.thread() && a.invoke() < b.response() && b.invoke() < a.response()) {
                        return true;
                    }
                }
            }
            return false;
        }

        private static String format(List<TimedOp> h) {
            StringBuilder b = new StringBuilder();
            h.stream().sorted(Comparator.comparingLong(TimedOp::invoke)).forEach(t -> b.append("  ").append(t).append('\n'));
            return b.toString();
        }

        private static List<Planned> plan(SplittableRandom rnd, long[] keys, int round, int thread) {
            int n = 6 + rnd.nextInt(3);
            List<Planned> out = new ArrayList<>();
            for (int i = 0; i < n; i++) {
                // Unique per call, positive, so a read tells exactly which write it saw.
                long value = round * 1000L + thread * 100L + i * 4L + 2;
                Kind kind = Kind.values()[rnd.nextInt(Kind.values().length)];
                long key = keys[rnd.nextInt(keys.length)];
                List<Write> writes = List.of();
                if (kind == Kind.WRITE || kind == Kind.WRITE_ASYNC) {
                    int w = 2 + rnd.nextInt(2);
                    writes = new ArrayList<>();
                    for (int j = 0; j < w; j++) {
                        long k = keys[rnd.nextInt(keys.length)];
                        writes.add(rnd.nextInt(4) == 0 ? Write.delete(k) : Write.put(k, value + j));
                    }
                }
                out.add(new Planned(kind, key, value, writes, rnd.nextBoolean()));
            }
            return out;
        }

        private List<TimedOp> execute(int thread, List<Planned> plan, CyclicBarrier start) throws Exception {
            List<TimedOp> out = new ArrayList<>();
            start.await();
            Pending pending = null;
            for (Planned p : plan) {
                long invoke = clock.incrementAndGet();
                MapOp done = switch (p.kind()) {
                    case GET_LONG -> read(p.key(), target.getLong(p.key()));
                    case GET_BYTES -> read(p.key(), target.get(p.key()));
                    case CONTAINS -> new Contains(p.key(), target.containsLong(p.key()));
                    case PUT_LONG -> new Put(p.key(), p.value(), target.putLong(p.key(), p.value()));
                    case PUT_BYTES -> new Put(p.key(), p.value(), target.put(p.key(), p.value()));
                    case DELETE_LONG -> new Delete(p.key(), target.deleteLong(p.key()));
                    case WRITE -> {
                        target.write(batch(p.writes()));
                        yield new Batch(p.writes());
                    }
                    case PUT_ASYNC, DELETE_ASYNC, WRITE_ASYNC -> null;
                };
                if (done != null) {
                    out.add(new TimedOp(thread, done, invoke, clock.incrementAndGet()));
                } else {
                    CompletableFuture<?> f = switch (p.kind()) {
                        case PUT_ASYNC -> target.putLongAsync(p.key(), p.value());
                        case DELETE_ASYNC -> target.deleteLongAsync(p.key());
                        default -> target.writeAsync(batch(p.writes()));
                    };
                    if (pending != null) {
                        out.add(complete(thread, pending));
                    }
                    pending = new Pending(f, p, invoke);
                    if (!p.deferJoin()) {
                        out.add(complete(thread, pending));
                        pending = null;
                    }
                    continue;
                }
                if (pending != null) { // joined after the call that followed it
                    out.add(complete(thread, pending));
                    pending = null;
                }
            }
            if (pending != null) {
                out.add(complete(thread, pending));
            }
            return out;
        }

        private TimedOp complete(int thread, Pending p) {
            Object r = p.future().join();
            long response = clock.incrementAndGet();
            MapOp op = switch (p.plan().kind()) {
                case PUT_ASYNC -> new Put(p.plan().key(), p.plan().value(), (Boolean) r);
                case DELETE_ASYNC -> new Delete(p.plan().key(), (Boolean) r);
                default -> new Batch(p.plan().writes());
            };
            return new TimedOp(thread, op, p.invoke(), response);
        }

        private static MapOp read(long key, long v) {
            return v == MISSING ? Get.absent(key) : Get.of(key, v);
        }

        private static WriteBatch batch(List<Write> writes) {
            WriteBatch b = new WriteBatch();
            for (Write w : writes) {
                if (w.delete()) {
                    b.deleteLong(w.key());
                } else {
                    b.putLong(w.key(), w.value());
                }
            }
            return b;
        }
    }
}
