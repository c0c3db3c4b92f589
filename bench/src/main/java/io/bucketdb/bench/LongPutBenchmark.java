package io.bucketdb.bench;

import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;
import org.openjdk.jmh.infra.Blackhole;

import java.io.IOException;
import java.util.concurrent.TimeUnit;

/**
 * {@code long → long} writes into a store pre-loaded with {@code entries} random keys, one thread.
 * The store never grows without bound: both benchmarks keep it at (or return it to) {@code entries}.
 *
 * <ul>
 *   <li>{@code overwrite}: puts a new value under a present key (a fixed-seed uniform sample of the
 *       loaded keys). The size never changes.</li>
 *   <li>{@code insert}: one invocation puts {@link #BATCH} new keys; the score is per put. After each
 *       invocation, outside the timing, the batch is deleted again, so every invocation starts from
 *       {@code entries} entries. Successive invocations take turns among {@link #ROUNDS} disjoint
 *       batches, so a batch does not find its buckets hot in cache from its own deletion.
 *       {@code entries + BATCH} stays below the point where either store doubles its table
 *       (BucketDB: 6.5 per bucket; HashMap: 0.75 per slot) at both sizes, so this measures inserts
 *       at that load, not the amortized cost of doubling.</li>
 * </ul>
 * With BucketDB a put changes the private mapping and marks the page dirty; nothing reaches the
 * file until close, and there is no journal yet, so these are not durable writes.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 3, time = 2)
// Native access as BucketDB is meant to run (its optional native calls, docs/DESIGN.md, "Durability").
// The sun.misc.Unsafe flag only quiets JDK 25's warning about JMH's own harness; BucketDB uses
// no Unsafe. A 6 GiB heap holds the 10M-entry HashMap<Long, Long>.
@Fork(value = 1, jvmArgs = {"--enable-native-access=ALL-UNNAMED", "--sun-misc-unsafe-memory-access=allow", "-Xms6g", "-Xmx6g"})
public class LongPutBenchmark {
    /** New keys per {@code insert} invocation. */
    static final int BATCH = 1 << 17;
    /** Disjoint batches that {@code insert} invocations cycle through. */
    static final int ROUNDS = 8;

    @Param({"1000000", "10000000"})
    int entries;

    @Param({BucketDbStore.NAME, HashMapStore.NAME})
    String store;

    private LongStore map;
    private long[] present;
    private int cursor;
    private long value;

    @Setup(Level.Trial)
    public void load() throws IOException {
        map = LongStore.open(store);
        Keys.load(map, entries);
        present = Keys.sampleLoaded(entries);
    }

    @TearDown(Level.Iteration)
    public void checkSize() {
        Keys.requireSize(map, entries, "after an iteration");
    }

    @TearDown(Level.Trial)
    public void close() throws IOException {
        map.close();
    }

    @Benchmark
    public boolean overwrite() {
        return map.put(present[cursor++ & Keys.PROBE_MASK], value++);
    }

    @Benchmark
    @OperationsPerInvocation(BATCH)
    public void insert(NewKeys fresh, Blackhole bh) {
        LongStore m = map;
        for (long k : fresh.batch()) {
            bh.consume(m.put(k, k));
        }
    }

    /** The keys {@code insert} adds, numbered from {@code entries} up, and their removal after each invocation. */
    @State(Scope.Benchmark)
    public static class NewKeys {
        private LongPutBenchmark bench;
        private long[][] batches;
        private int round;

        @Setup(Level.Trial)
        public void generate(LongPutBenchmark bench) {
            this.bench = bench;
            batches = new long[ROUNDS][];
            for (int r = 0; r < ROUNDS; r++) {
                batches[r] = Keys.numbered(bench.entries + (long) r * BATCH, BATCH);
            }
        }

        long[] batch() {
            return batches[round];
        }

        @TearDown(Level.Invocation)
        public void removeBatch() {
            LongStore m = bench.map;
            Keys.requireSize(m, bench.entries + BATCH, "after inserting a batch of new keys");
            for (long k : batches[round]) {
                if (!m.delete(k)) {
                    throw new IllegalStateException(m.name() + ": delete(" + k + ") found no key it had just inserted");
                }
            }
            round = (round + 1) % ROUNDS;
        }
    }
}
