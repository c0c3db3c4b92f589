package io.bucketdb.bench;

import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

import java.io.IOException;
import java.util.concurrent.TimeUnit;

/**
 * {@code long → long} lookups in a store pre-loaded with {@code entries} random keys, one thread.
 *
 * <ul>
 *   <li>{@code getHit}: the key is present; keys are a fixed-seed uniform sample of the loaded
 *       keys, visited in array order, so consecutive lookups land in unrelated buckets.</li>
 *   <li>{@code getMiss}: the key is absent (it is from a range disjoint from the loaded keys).</li>
 * </ul>
 * Lookups are independent of each other, so the CPU may overlap the cache misses of consecutive
 * calls: this is the cost per lookup in a stream of lookups, not the latency of one.
 * Before timing starts every probe key is checked against its expected answer.
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
public class LongGetBenchmark {
    @Param({"1000000", "10000000"})
    int entries;

    @Param({BucketDbStore.NAME, HashMapStore.NAME})
    String store;

    private LongStore map;
    private long[] hits;
    private long[] misses;
    private int cursor;

    @Setup(Level.Trial)
    public void load() throws IOException {
        map = LongStore.open(store);
        Keys.load(map, entries);
        hits = Keys.sampleLoaded(entries);
        misses = Keys.numbered(entries, Keys.PROBES);
        Keys.checkLookups(map, hits, misses);
    }

    @TearDown(Level.Trial)
    public void close() throws IOException {
        map.close();
    }

    @Benchmark
    public long getHit() {
        return map.get(hits[cursor++ & Keys.PROBE_MASK], Keys.MISSING);
    }

    @Benchmark
    public long getMiss() {
        return map.get(misses[cursor++ & Keys.PROBE_MASK], Keys.MISSING);
    }
}
