package io.bucketdb.pipeline;

import io.bucketdb.WriteBatch;

import io.bucketdb.storage.testkit.Seeds;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicBoolean;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Writers replace whole groups of keys with one {@link WriteBatch} each (every key of a group
 * gets the same version, or the whole group is deleted). Readers check that they never see a
 * group half old, half new: inside one {@link BatchGate} section, and across consecutive
 * single-key {@link WritePipeline#getLong} calls (a key read later never shows an older group
 * version than a key read before it, which is what linearizable batches require).
 */
class BatchAtomicityTest {
    private static final int GROUPS = 96;
    private static final int GROUP_SIZE = 8;
    private static final int WRITERS = 2;
    private static final int BATCHES_PER_WRITER = 1500;
    private static final int KEY_BITS = 20;

    @TempDir
    Path dir;

    @Test
    void shouldNeverShowHalfABatch() throws Exception {
        long seed = Seeds.seed();
        System.out.println("BatchAtomicityTest seed " + seed);
        Seeds.run(seed, () -> runOnce(seed));
    }

    private static long key(int group, int i) {
        return (long) group * GROUP_SIZE + i;
    }

    private void runOnce(long seed) throws Exception {
        ConcurrentLinkedQueue<String> errors = new ConcurrentLinkedQueue<>();
        AtomicBoolean done = new AtomicBoolean();
        try (PipelineFixture fx = new PipelineFixture(dir, seed)) {
            WritePipeline p = fx.pipeline;
            List<Thread> writers = new ArrayList<>();
            for (int w = 0; w < WRITERS; w++) {
                int writer = w;
                SplittableRandom rnd = new SplittableRandom(seed + w);
                writers.add(Thread.ofPlatform().start(() -> {
                    long[] version = new long[GROUPS];
                    ArrayDeque<CompletableFuture<Void>> pending = new ArrayDeque<>();
                    try {
                        for (int b = 0; b < BATCHES_PER_WRITER; b++) {
                            int g = rnd.nextInt(GROUPS / WRITERS) * WRITERS + writer;
                            WriteBatch batch = new WriteBatch();
                            if (rnd.nextInt(6) == 0) {
                                for (int i = 0; i < GROUP_SIZE; i++) {
                                    batch.deleteLong(key(g, i));
                                }
                            } else {
                                long v = ++version[g];
                                for (int i = 0; i < GROUP_SIZE; i++) {
                                    batch.putLong(key(g, i), v << KEY_BITS | key(g, i));
                                }
                            }
                            if (rnd.nextBoolean()) {
                                p.write(batch);
                            } else {
                                pending.add(p.writeAsync(batch));
                                while (pending.size() > 32) {
                                    pending.poll().join();
                                }
                            }
                        }
                        pending.forEach(CompletableFuture::join);
                    } catch (Throwable t) {
                        errors.add("writer: " + t);
                    }
                }));
            }
            List<Thread> readers = new ArrayList<>();
            for (int r = 0; r < 2; r++) {
                SplittableRandom rnd = new SplittableRandom(seed * 31 + r);
                boolean sectioned = r == 0;
                readers.add(Thread.ofPlatform().start(() -> {
                    long[] seen = new long[GROUP_SIZE];
                    while (!done.get() && errors.isEmpty()) {
                        int g = rnd.nextInt(GROUPS);
                        if (sectioned) {
                            BatchGate gate = p.batchGate();
                            long s = gate.readBegin();
                            for (int i = 0; i < GROUP_SIZE; i++) {
                                seen[i] = fx.table.getLong(key(g, i), -1);
                            }
                            if (!gate.readValidate(s)) {
                                continue;
                            }
                            for (int i = 1; i < GROUP_SIZE; i++) {
                                if ((seen[i] == -1) != (seen[0] == -1) || (seen[i] >>> KEY_BITS) != (seen[0] >>> KEY_BITS)) {
                                    errors.add("group " + g + " half applied: " + java.util.Arrays.toString(seen));
                                    break;
                                }
                            }
                        } else {
                            // Consecutive single reads: once a version is seen, no later read of the group shows an older one.
                            long max = 0;
                            for (int i = 0; i < GROUP_SIZE; i++) {
                                long v = p.getLong(key(g, i), -1);
                                long version = v == -1 ? -1 : v >>> KEY_BITS;
                                if (version != -1 && version < max) {
                                    errors.add("group " + g + ": key " + i + " shows version " + version + " after " + max);
                                }
                                max = Math.max(max, version);
                            }
                        }
                    }
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
            for (int g = 0; g < GROUPS; g++) {
                long first = fx.table.getLong(key(g, 0), -1);
                for (int i = 1; i < GROUP_SIZE; i++) {
                    long v = fx.table.getLong(key(g, i), -1);
                    assertEquals(first == -1 ? -1 : first >>> KEY_BITS, v == -1 ? -1 : v >>> KEY_BITS, "group " + g);
                }
            }
        }
    }
}
