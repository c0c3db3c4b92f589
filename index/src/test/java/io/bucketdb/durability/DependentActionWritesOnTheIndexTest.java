package io.bucketdb.durability;

import io.bucketdb.BucketDB;
import io.bucketdb.Durability;
import io.bucketdb.Options;
import io.bucketdb.WriteBatch;
import io.bucketdb.spi.DurableIO;
import io.bucketdb.storage.sim.CrashMode;
import io.bucketdb.storage.sim.CrashSimulator;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Issue 16: "a write from inside [a future's dependent] action must work or fail clearly". {@code DependentActionWritesTest}
 * checks it on the pipeline alone; this does it on an index with its journal, growth, checkpoints and background thread,
 * in both durabilities: the non-async dependent actions of {@link BucketDB#putLongAsync}'s futures write (blocking,
 * asynchronously and joined, as batches), read their own future's write, chain hundreds deep while the table grows, and
 * every write they were acknowledged for survives a power loss (SYNC) or a close (ASYNC). And the action of a future no
 * caller leads for (the index completes it on a thread of its own) writes too. ({@code close()} from such an action:
 * {@code CloseFromDependentActionTest}.)
 */
class DependentActionWritesOnTheIndexTest {
    /** A hang guard for this test's futures; the assertions are about outcomes, not time. */
    private static final long GUARD_SECONDS = 60;
    /**
     * Futures with writing actions: many more than {@code DeferredCompletions.MAX_NESTING} (32). One thread completes
     * many of them after one group; their actions once nested a completion loop each, and past the limit an action's
     * blocking {@code write(WriteBatch)} waited for a loop below it on its own thread, for ever.
     */
    private static final int KEYS = 400;
    /** Keys loaded first, so the actions write while the table splits its first whole piece (B 8 to 9). */
    private static final int PRELOAD = 1_600;

    @TempDir
    Path tmp;

    private static Options options(DurableIO io, Durability durability) {
        return Options.defaults().withDurableIO(io).withDurability(durability).withHashSeed(0xDE9L)
                .withChunking(16, 16) // growth and piece splits within a few thousand keys
                .withAsyncForceInterval(Duration.ofMillis(5))
                .withCheckpointTriggers(256 << 10, 1L << 40, Duration.ofHours(1)); // checkpoints as the table grows
    }

    @ParameterizedTest
    @EnumSource(Durability.class)
    void writesFromDependentActionsAreAcknowledgedAndKept(Durability durability) throws Exception {
        CrashSimulator sim = new CrashSimulator();
        Path dir = tmp.resolve("idx");
        BucketDB db = BucketDB.open(dir, options(sim, durability));
        Map<Long, Long> acknowledged = new ConcurrentHashMap<>();
        Set<String> actionThreads = ConcurrentHashMap.newKeySet();
        try {
            for (long k = 0; k < PRELOAD; k++) {
                assertTrue(db.putLong(20_000_000 + k, k));
                acknowledged.put(20_000_000 + k, k);
            }
            List<CompletableFuture<Boolean>> futures = new ArrayList<>();
            for (long k = 0; k < KEYS; k++) {
                long key = k;
                futures.add(db.putLongAsync(key, ~key).thenApply(isNew -> {
                    actionThreads.add(Thread.currentThread().getName());
                    assertTrue(isNew, "key " + key + " was new");
                    acknowledged.put(key, ~key);
                    // The action sees its own future's write, and its writes are ordinary writes.
                    assertEquals(~key, db.getLong(key, 0));
                    assertTrue(db.putLong(key + 1_000_000, key));
                    acknowledged.put(key + 1_000_000, key);
                    assertFalse(db.deleteLong(key + 2_000_000));
                    db.write(new WriteBatch().putLong(key + 3_000_000, key).putLong(key + 4_000_000, key));
                    acknowledged.put(key + 3_000_000, key);
                    acknowledged.put(key + 4_000_000, key);
                    if (key % 4 == 0) { // joins its own asynchronous write, from inside the action
                        assertTrue(db.putLongAsync(key + 5_000_000, key).join());
                        acknowledged.put(key + 5_000_000, key);
                    }
                    return true;
                }));
            }
            // Some futures left to the index alone: nobody calls it until they are done.
            for (CompletableFuture<Boolean> f : futures) {
                assertTrue(f.get(GUARD_SECONDS, TimeUnit.SECONDS));
            }

            // A chain: each write's completion publishes the next, 300 deep.
            CompletableFuture<Long> chainDone = new CompletableFuture<>();
            chain(db, acknowledged, 0, 300, chainDone);
            assertEquals(300L, chainDone.get(GUARD_SECONDS, TimeUnit.SECONDS));

            assertEquals(acknowledged.size(), db.size());
            System.out.printf("DependentActionWritesOnTheIndexTest %s: %d acknowledged writes, B=%d, actions ran on %s%n",
                    durability, acknowledged.size(), db.growth().b(), actionThreads);
            assertTrue(db.growth().b() > 8, "the table grew past its first whole piece: B=" + db.growth().b());
        } catch (Throwable t) {
            Fixtures.abandon(db);
            throw t;
        }
        if (durability == Durability.SYNC) {
            // Every write a dependent action was acknowledged for was forced before its acknowledgement.
            Path image = tmp.resolve("image");
            sim.writeCrashImage(dir, image, CrashMode.DROP_ALL);
            Fixtures.abandon(db);
            check(image, acknowledged, "after a power loss");
        } else {
            db.close();
            check(dir, acknowledged, "after a close");
        }
    }

    @Test
    void aBlockingWriteFromTheActionOfAFutureTheIndexCompletesAloneIsAcknowledged() throws Exception {
        // An asynchronous write published by a thread that ends at once: no caller leads for it, the index completes
        // it on a thread of its own choosing, and the action's blocking write runs there.
        CrashSimulator sim = new CrashSimulator();
        Path dir = tmp.resolve("alone");
        try (BucketDB db = BucketDB.open(dir, options(sim, Durability.SYNC))) {
            for (int round = 0; round < 50; round++) {
                long key = round;
                CompletableFuture<CompletableFuture<Long>> published = new CompletableFuture<>();
                Thread.ofPlatform().start(() -> published.complete(db.putLongAsync(key, key).thenApply(b -> {
                    assertTrue(db.putLong(key + 100, key));
                    return db.getLong(key + 100, -1);
                }))).join();
                assertEquals(key, published.join().get(GUARD_SECONDS, TimeUnit.SECONDS));
            }
            assertEquals(100, db.size());
        }
    }

    private static void chain(BucketDB db, Map<Long, Long> acknowledged, long k, long n, CompletableFuture<Long> done) {
        if (k == n) {
            done.complete(k);
            return;
        }
        long key = 10_000_000 + k;
        CompletableFuture<Boolean> f;
        try {
            f = db.putLongAsync(key, k);
        } catch (RuntimeException refused) {
            done.completeExceptionally(refused);
            return;
        }
        f.whenComplete((r, t) -> {
            if (t != null) {
                done.completeExceptionally(t);
            } else {
                acknowledged.put(key, k);
                chain(db, acknowledged, k + 1, n, done);
            }
        });
    }

    private static void check(Path dir, Map<Long, Long> acknowledged, String where) throws Exception {
        try (BucketDB db = BucketDB.open(dir, Fixtures.imageOptions())) {
            for (Map.Entry<Long, Long> e : acknowledged.entrySet()) {
                assertEquals(e.getValue(), db.getLong(e.getKey(), Long.MIN_VALUE), where + ": key " + e.getKey());
            }
            assertEquals(acknowledged.size(), db.size(), where);
        }
    }
}
