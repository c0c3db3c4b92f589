package io.bucketdb.bench;

import io.bucketdb.storage.FileDurableIO;
import io.bucketdb.storage.TableFile;
import io.bucketdb.table.GrowthListener;
import io.bucketdb.table.HashTable;
import org.apache.commons.io.file.PathUtils;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

/**
 * The evacuation step of a growth, on a {@link HashTable} alone (no pipeline, no journal: the table
 * the writer thread applies to), 8-byte keys and values, one thread.
 *
 * <p>Every iteration builds a fresh table in a temporary file (untimed) and loads it with
 * {@code Keys.key(0..)} until a doubling from {@code 2^}{@value #B} to {@code 2^(B+1)} buckets has just
 * begun, so all {@code 2^B} old buckets but the one or two the triggering put evacuated are still to
 * move. Then one invocation, timed once ({@code SingleShotTime}):
 * <ul>
 *   <li>{@code finishGrowth}: {@code HashTable.finishGrowthNow()}, the public call compaction and tests
 *       use, which evacuates every remaining old bucket; the score is per old bucket;</li>
 *   <li>{@code putDuringGrowth}: {@value #PUTS} inserts of new keys, each of which evacuates the old bucket
 *       it lands in and one more (Go's scheme), as a put does in a growing table; the score is per put;</li>
 *   <li>{@code putSteady}: the same inserts into a table of the same B that is not growing (loaded to
 *       {@value #PUTS} below the doubling point), the baseline a put's evacuation work adds to.</li>
 * </ul>
 * {@value #PUTS} puts evacuate at most {@code 2 × PUTS} = half the old buckets, so the growth is still in
 * progress at the end (checked after each invocation).
 */
@BenchmarkMode(Mode.SingleShotTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 5)
@Measurement(iterations = 20)
@Fork(value = 1, jvmArgs = {"--enable-native-access=ALL-UNNAMED", "--sun-misc-unsafe-memory-access=allow", "-Xms1g", "-Xmx1g"})
public class EvacuationBenchmark {
    /** B of the old array: 65,536 old buckets, about 426k entries at the doubling point. */
    static final int B = 16;
    static final int OLD_BUCKETS = 1 << B;
    /** Inserts per {@code put*} invocation. */
    static final int PUTS = 1 << 14;
    /** Go's doubling point: more than 6.5 entries per bucket ({@code 13 × 2^B / 2}). */
    static final long DOUBLING_POINT = 13L * (OLD_BUCKETS >>> 1);
    private static final long SEED = 0x243F6A8885A308D3L;

    /** A table of {@code 2^B} buckets; {@code growing} says whether its doubling has begun. */
    abstract static class Table {
        Path dir;
        TableFile file;
        HashTable table;
        /** The next key number to insert. */
        long next;

        void build(boolean growing) throws IOException {
            dir = Files.createTempDirectory("bucketdb-evacuation-");
            file = TableFile.create(FileDurableIO.INSTANCE, dir.resolve("t.bdb"), 8, 8, 16, SEED, 16);
            table = HashTable.create(file, GrowthListener.NONE);
            // Below the doubling point; then any earlier growth (to 2^B) is finished, so the table is at rest.
            long stopAt = DOUBLING_POINT - (growing ? 1 : PUTS);
            for (next = 0; next < stopAt; next++) {
                long k = Keys.key(next);
                table.putLong(k, Keys.valueOf(k));
            }
            table.finishGrowthNow();
            // Then one insert at a time until the doubling begins.
            while (growing && table.growthProgress()[1] == 0) {
                long k = Keys.key(next++);
                table.putLong(k, Keys.valueOf(k));
            }
            requireGrowing(growing, "after building");
        }

        void requireGrowing(boolean growing, String when) {
            long[] p = table.growthProgress();
            boolean isGrowing = p[1] != 0;
            if (isGrowing != growing || (growing && p[1] != OLD_BUCKETS)) {
                throw new IllegalStateException("the table " + (isGrowing ? "is growing from " + p[1] + " buckets" : "is not growing")
                        + " " + when + ", expected " + (growing ? "a growth from " + OLD_BUCKETS : "no growth"));
            }
        }

        void free() throws IOException {
            file.closeAndTrim();
            PathUtils.deleteDirectory(dir);
        }

        long insert(int count) throws IOException {
            long added = 0;
            for (int i = 0; i < count; i++) {
                long k = Keys.key(next++);
                if (table.putLong(k, Keys.valueOf(k))) {
                    added++;
                }
            }
            return added;
        }
    }

    @State(Scope.Thread)
    public static class Growing extends Table {
        @Setup(Level.Invocation)
        public void setUp() throws IOException {
            build(true);
        }

        @TearDown(Level.Invocation)
        public void tearDown() throws IOException {
            free();
        }
    }

    @State(Scope.Thread)
    public static class Steady extends Table {
        @Setup(Level.Invocation)
        public void setUp() throws IOException {
            build(false);
        }

        @TearDown(Level.Invocation)
        public void tearDown() throws IOException {
            requireGrowing(false, "after the inserts");
            free();
        }
    }

    @Benchmark
    @OperationsPerInvocation(OLD_BUCKETS)
    public long finishGrowth(Growing t) throws IOException {
        t.table.finishGrowthNow();
        t.requireGrowing(false, "after finishGrowthNow");
        return t.table.size();
    }

    @Benchmark
    @OperationsPerInvocation(PUTS)
    public long putDuringGrowth(Growing t) throws IOException {
        long added = t.insert(PUTS);
        t.requireGrowing(true, "after " + PUTS + " inserts");
        return added;
    }

    @Benchmark
    @OperationsPerInvocation(PUTS)
    public long putSteady(Steady t) throws IOException {
        return t.insert(PUTS);
    }
}
