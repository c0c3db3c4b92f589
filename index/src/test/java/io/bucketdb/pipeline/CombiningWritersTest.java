package io.bucketdb.pipeline;

import io.bucketdb.storage.testkit.Seeds;
import io.bucketdb.WriteBatch;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.LockSupport;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The writer role changing hands: callers lead groups for each other, the background thread takes
 * what no caller will, a leader that lets go looks at the ring again, close() waits for waiting
 * callers, and a failed force reaches every follower of the group a caller leads for the others.
 */
class CombiningWritersTest {
    private static final long MISSING = Long.MIN_VALUE;

    @TempDir
    Path dir;

    /** Records which thread committed each group, so a test can tell that the role changed hands. */
    private static final class LeaderLog implements JournalStage {
        final Set<Thread> leaders = ConcurrentHashMap.newKeySet();

        @Override
        public void append(WriteEvent event) {
        }

        @Override
        public void endOfBatch(boolean sync) {
            leaders.add(Thread.currentThread());
        }
    }

    /**
     * Rounds of three threads mixing blocking and asynchronous writes (joined at once or after the
     * thread's next call) and reads on four hot keys; each round's history must be linearizable
     * (the {@link LinearizabilityChecker}), and over the rounds groups are committed by callers of
     * every thread and by the background thread.
     */
    @Test
    void shouldKeepMixedBlockingAndAsyncWritersLinearizableWhileTheRoleChangesHands() throws Exception {
        long seed = Seeds.seed();
        System.out.println("CombiningWritersTest linearizability seed " + seed);
        Seeds.run(seed, () -> {
            LeaderLog log = new LeaderLog();
            try (PipelineFixture fx = new PipelineFixture(dir, seed, log, PipelineConfig.defaults().withSync(false))) {
                WritePipeline p = fx.pipeline;
                int threads = 3;
                int rounds = Seeds.torture() ? 20_000 : 600;
                SplittableRandom rnd = new SplittableRandom(seed);
                AtomicLong clock = new AtomicLong();
                Map<Long, Long> initial = new HashMap<>();
                Set<Thread> workers = ConcurrentHashMap.newKeySet();
                for (int round = 0; round < rounds; round++) {
                    long base = round * 2L; // half of the keys carry over from the previous round
                    long[] keys = {base, base + 1, base + 2, base + 3};
                    initial.clear();
                    for (long k : keys) {
                        long v = p.getLong(k, MISSING);
                        if (v != MISSING) {
                            initial.put(k, v);
                        }
                    }
                    List<TimedOp> history = java.util.Collections.synchronizedList(new ArrayList<>());
                    CyclicBarrier start = new CyclicBarrier(threads);
                    List<Thread> ts = new ArrayList<>();
                    AtomicReference<Throwable> error = new AtomicReference<>();
                    for (int t = 0; t < threads; t++) {
                        int id = t;
                        SplittableRandom r = rnd.split();
                        ts.add(Thread.ofPlatform().start(() -> {
                            workers.add(Thread.currentThread());
                            try {
                                start.await();
                                runPlan(p, id, r, keys, clock, history);
                            } catch (Throwable e) {
                                error.compareAndSet(null, e);
                            }
                        }));
                    }
                    for (Thread t : ts) {
                        t.join();
                    }
                    if (error.get() != null) {
                        throw new AssertionError("round " + round + ": " + error.get(), error.get());
                    }
                    LinearizabilityChecker.Verdict v = LinearizabilityChecker.check(history, initial);
                    assertTrue(v.linearizable(), () -> "round: " + v);
                }
                Set<Thread> callerLeaders = new java.util.HashSet<>(log.leaders);
                callerLeaders.retainAll(workers);
                assertTrue(callerLeaders.size() >= 2, "groups were led by " + callerLeaders.size() + " caller threads");
                assertTrue(log.leaders.contains(p.backgroundThread()), "the background thread never committed a group");
            }
        });
    }

    private static void runPlan(WritePipeline p, int id, SplittableRandom r, long[] keys, AtomicLong clock, List<TimedOp> history)
            throws IOException {
        int n = 5 + r.nextInt(4);
        Runnable pendingJoin = null;
        for (int i = 0; i < n; i++) {
            long k = keys[r.nextInt(keys.length)];
            long value = r.nextLong(1_000_000);
            long invoke = clock.getAndIncrement();
            switch (r.nextInt(6)) {
                case 0 -> {
                    long got = p.getLong(k, MISSING);
                    history.add(new TimedOp(id, got == MISSING ? MapOp.Get.absent(k) : MapOp.Get.of(k, got), invoke, clock.getAndIncrement()));
                }
                case 1 -> history.add(new TimedOp(id, new MapOp.Put(k, value, p.putLong(k, value)), invoke, clock.getAndIncrement()));
                case 2 -> history.add(new TimedOp(id, new MapOp.Delete(k, p.deleteLong(k)), invoke, clock.getAndIncrement()));
                case 3 -> {
                    long k2 = keys[r.nextInt(keys.length)];
                    p.write(new WriteBatch().putLong(k, value).putLong(k2, value + 1));
                    history.add(new TimedOp(id, new MapOp.Batch(List.of(MapOp.Write.put(k, value), MapOp.Write.put(k2, value + 1))),
                            invoke, clock.getAndIncrement()));
                }
                default -> {
                    boolean delete = r.nextInt(3) == 0;
                    CompletableFuture<Boolean> f = delete ? p.deleteLongAsync(k) : p.putLongAsync(k, value);
                    Runnable join = () -> {
                        boolean b = f.join();
                        history.add(new TimedOp(id, delete ? new MapOp.Delete(k, b) : new MapOp.Put(k, value, b), invoke,
                                clock.getAndIncrement()));
                    };
                    if (r.nextBoolean()) {
                        join.run();
                    } else {
                        if (pendingJoin != null) {
                            pendingJoin.run();
                        }
                        pendingJoin = join;
                        continue;
                    }
                }
            }
            if (pendingJoin != null) {
                pendingJoin.run();
                pendingJoin = null;
            }
        }
        if (pendingJoin != null) {
            pendingJoin.run();
        }
    }

    /**
     * An asynchronous write published while the leader still holds the role, right before it lets
     * go: its publisher sees the role taken, so it neither leads nor wakes the background thread.
     * Only the leader's look at the ring after releasing can commit it, before the leader's own call
     * returns. Many rounds, with the hook at the leader's first or a later release.
     */
    @Test
    void shouldCommitAnOperationPublishedAsTheLeaderReleasesTheRole() throws Exception {
        try (PipelineFixture fx = new PipelineFixture(dir, 21, JournalStage.NONE, PipelineConfig.defaults().withSync(false))) {
            WritePipeline p = fx.pipeline;
            for (int round = 0; round < 200; round++) {
                while (!p.backgroundIdle()) {
                    LockSupport.parkNanos(100_000);
                }
                long key = 1_000_000L + round;
                AtomicReference<CompletableFuture<Boolean>> late = new AtomicReference<>();
                AtomicInteger releases = new AtomicInteger();
                int publishAtRelease = 1 + round % 3;
                p.beforeRoleRelease(() -> {
                    if (releases.incrementAndGet() == publishAtRelease) {
                        Thread t = Thread.ofPlatform().start(() -> late.set(p.putLongAsync(key, key)));
                        try {
                            t.join();
                        } catch (InterruptedException e) {
                            throw new AssertionError(e);
                        }
                    }
                });
                try {
                    assertTrue(p.putLong(round, round));
                    // A leader that let go and found the publish commits it too, possibly as a new round of its own.
                    while (releases.get() < publishAtRelease) {
                        p.putLong(-1 - round, round);
                    }
                } finally {
                    p.beforeRoleRelease(null);
                }
                assertTrue(late.get().isDone(), "round " + round + ": the write published as the leader let go is stranded");
                assertEquals(key, p.getLong(key, -1));
            }
        }
    }

    /** Many seeded rounds without hooks: callers that leave as others publish strand nothing. */
    @Test
    void shouldStrandNothingWhenLeadersComeAndGo() throws Exception {
        long seed = Seeds.seed();
        System.out.println("CombiningWritersTest leaders come and go seed " + seed);
        Seeds.run(seed, () -> {
            try (PipelineFixture fx = new PipelineFixture(dir, seed, JournalStage.NONE, PipelineConfig.defaults().withSync(false))) {
                WritePipeline p = fx.pipeline;
                for (int round = 0; round < 100; round++) {
                    SplittableRandom rnd = new SplittableRandom(seed + round);
                    List<Thread> ts = new ArrayList<>();
                    List<CompletableFuture<Boolean>> futures = java.util.Collections.synchronizedList(new ArrayList<>());
                    long base = round * 1_000L;
                    for (int t = 0; t < 3; t++) {
                        SplittableRandom r = rnd.split();
                        long from = base + t * 100;
                        ts.add(Thread.ofPlatform().start(() -> {
                            try {
                                for (long k = from; k < from + 50; k++) {
                                    if (r.nextBoolean()) {
                                        futures.add(p.putLongAsync(k, k));
                                    } else {
                                        assertTrue(p.putLong(k, k));
                                    }
                                }
                            } catch (IOException e) {
                                throw new AssertionError(e);
                            }
                        }));
                    }
                    for (Thread t : ts) {
                        t.join();
                    }
                    for (CompletableFuture<Boolean> f : futures) {
                        assertTrue(f.join());
                    }
                }
                assertEquals(100 * 150, fx.table.size());
            }
        });
    }

    /** Stalls in the first append until released, so callers pile up behind a leader. */
    private static final class StallingJournal implements JournalStage {
        final CountDownLatch release = new CountDownLatch(1);
        final AtomicInteger appends = new AtomicInteger();
        final AtomicInteger groups = new AtomicInteger();
        final boolean failSecondForce;
        volatile Thread secondGroupCommitter;

        StallingJournal(boolean failSecondForce) {
            this.failSecondForce = failSecondForce;
        }

        @Override
        public void append(WriteEvent event) throws IOException {
            if (appends.incrementAndGet() == 1) {
                try {
                    release.await();
                } catch (InterruptedException e) {
                    throw new IOException(e);
                }
            }
        }

        @Override
        public void endOfBatch(boolean sync) throws IOException {
            if (groups.incrementAndGet() == 2) {
                secondGroupCommitter = Thread.currentThread();
                if (failSecondForce) {
                    throw new IOException("injected force failure");
                }
            }
        }
    }

    /**
     * A leader (a blocking caller) stalls in its own group; blocking and asynchronous callers publish
     * behind it and wait; close() is called meanwhile from another thread. When the leader goes on,
     * it commits the waiting callers' group itself; close() returns only after every one of them is
     * acknowledged, and refuses later calls.
     */
    @Test
    void shouldAcknowledgeEveryWaitingCallerBeforeCloseReturns() throws Exception {
        StallingJournal journal = new StallingJournal(false);
        PipelineFixture fx = new PipelineFixture(dir, 31, journal, PipelineConfig.defaults());
        WritePipeline p = fx.pipeline;
        try {
            AtomicReference<Throwable> errors = new AtomicReference<>();
            Thread leader = Thread.ofPlatform().start(() -> call(errors, () -> assertTrue(p.putLong(0, 0))));
            while (journal.appends.get() == 0) {
                LockSupport.parkNanos(100_000);
            }
            List<Thread> waiting = new ArrayList<>();
            for (int t = 1; t <= 4; t++) {
                long k = t;
                waiting.add(Thread.ofPlatform().start(() -> call(errors, () -> assertTrue(p.putLong(k, k)))));
            }
            List<CompletableFuture<Boolean>> async = new ArrayList<>();
            for (int k = 5; k < 20; k++) {
                async.add(p.putLongAsync(k, k));
            }
            for (long seq = 0; seq < 20; seq++) {
                while (!p.isPublished(seq)) {
                    LockSupport.parkNanos(100_000);
                }
            }
            AtomicBoolean closed = new AtomicBoolean();
            Thread closer = Thread.ofPlatform().start(() -> {
                p.close();
                closed.set(true);
            });
            while (!closerWaits(closer)) {
                LockSupport.parkNanos(100_000);
            }
            assertFalse(closed.get(), "close() returned while callers waited for a stalled leader");
            assertThrows(IllegalStateException.class, () -> p.putLongAsync(99, 99), "close() refuses new calls at once");
            journal.release.countDown();
            closer.join();
            for (CompletableFuture<Boolean> f : async) {
                assertTrue(f.isDone(), "an asynchronous write published before close() is pending after it");
                assertTrue(f.join());
            }
            for (int k = 0; k < 20; k++) {
                assertEquals(k, fx.table.getLong(k, -1), "key " + k + " was applied before close() returned");
            }
            leader.join();
            for (Thread t : waiting) {
                t.join();
            }
            assertEquals(null, errors.get());
            assertEquals(2, journal.groups.get(), "the stalled group, then every waiting caller's in one");
            // The leader hands the role to a waiting caller (RoleHandOffTest), which commits the others' group.
            assertTrue(waiting.contains(journal.secondGroupCommitter), "a waiting caller committed its followers' group");
        } finally {
            journal.release.countDown();
            fx.close();
        }
    }

    /**
     * The force of a group that a leader holds for its followers fails: every follower (blocking or
     * asynchronous) gets that failure, none of the group is applied, and nothing is acknowledged after it.
     */
    @Test
    void shouldFailEveryFollowerOfAGroupWhoseForceFails() throws Exception {
        StallingJournal journal = new StallingJournal(true);
        PipelineFixture fx = new PipelineFixture(dir, 41, journal, PipelineConfig.defaults());
        WritePipeline p = fx.pipeline;
        try {
            AtomicReference<Throwable> leaderOutcome = new AtomicReference<>();
            Thread leader = Thread.ofPlatform().start(() -> {
                try {
                    leaderOutcome.set(p.putLong(0, 0) ? null : new AssertionError("key 0 was new"));
                } catch (Throwable t) {
                    leaderOutcome.set(t);
                }
            });
            while (journal.appends.get() == 0) {
                LockSupport.parkNanos(100_000);
            }
            List<AtomicReference<Throwable>> followers = new ArrayList<>();
            List<Thread> threads = new ArrayList<>();
            for (int t = 1; t <= 4; t++) {
                long k = t;
                AtomicReference<Throwable> outcome = new AtomicReference<>();
                followers.add(outcome);
                threads.add(Thread.ofPlatform().start(() -> {
                    try {
                        p.putLong(k, k);
                        outcome.set(new AssertionError("a follower of the failed group was acknowledged"));
                    } catch (Throwable e) {
                        outcome.set(e);
                    }
                }));
            }
            List<CompletableFuture<?>> async = new ArrayList<>();
            for (int k = 5; k < 12; k++) {
                async.add(k % 3 == 0 ? p.writeAsync(new WriteBatch().putLong(k, k).putLong(k + 100, k)) : p.putLongAsync(k, k));
            }
            for (long seq = 0; seq < 12; seq++) {
                while (!p.isPublished(seq)) {
                    LockSupport.parkNanos(100_000);
                }
            }
            journal.release.countDown();
            leader.join();
            for (Thread t : threads) {
                t.join();
            }
            assertEquals(null, leaderOutcome.get(), "the leader's own group was forced before the failure");
            assertTrue(threads.contains(journal.secondGroupCommitter), "a waiting caller, handed the role, held its followers' group");
            Throwable cause = followers.get(0).get();
            assertTrue(cause instanceof IOException && cause.getMessage().equals("injected force failure"), String.valueOf(cause));
            for (AtomicReference<Throwable> o : followers) {
                assertSame(cause, o.get(), "every blocking follower gets the force's failure");
            }
            for (CompletableFuture<?> f : async) {
                CompletionException e = assertThrows(CompletionException.class, f::join);
                assertSame(cause, e.getCause(), "every asynchronous follower gets the force's failure");
            }
            for (int k = 1; k < 12; k++) {
                assertEquals(-7, fx.table.getLong(k, -7), "key " + k + " of the failed group is not applied");
            }
            assertEquals(1, fx.table.size());
            assertTrue(p.isReadOnly());
            IllegalStateException later = assertThrows(IllegalStateException.class, () -> p.putLong(50, 50));
            assertTrue(later.getMessage().startsWith("index is read-only after an I/O failure: "), later.getMessage());
            assertThrows(IllegalStateException.class, () -> p.putLongAsync(51, 51));
        } finally {
            journal.release.countDown();
            fx.close();
        }
    }

    private static boolean closerWaits(Thread closer) {
        Thread.State s = closer.getState();
        return s == Thread.State.TIMED_WAITING || s == Thread.State.WAITING || s == Thread.State.BLOCKED;
    }

    private interface Call {
        void run() throws Exception;
    }

    private static void call(AtomicReference<Throwable> errors, Call c) {
        try {
            c.run();
        } catch (Throwable t) {
            errors.compareAndSet(null, t);
        }
    }
}
