package io.bucketdb.bench;

import io.bucketdb.recovery.JournalOptions;
import io.bucketdb.recovery.JournalWriter;
import io.bucketdb.storage.FileDurableIO;
import org.apache.commons.io.file.PathUtils;
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

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

/**
 * Journal encode: appending one PUT record to the {@link JournalWriter}'s batch buffer, as BucketDB's
 * writer thread does for each put of a batch ({@code appendPutLong} for an 8/8 index,
 * {@code appendPut(byte[], byte[])} otherwise): frame header, payload, CRC32C, padding. One invocation
 * encodes {@value #BATCH} records (the score is per record); the batch is then written to the
 * segment file and the segments behind it recycled, outside the timing ({@code Level.Invocation}), so
 * the buffer never grows past one batch and the files stay bounded. No force: that is I/O, not encoding.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(value = 1, jvmArgs = {"--enable-native-access=ALL-UNNAMED", "--sun-misc-unsafe-memory-access=allow", "-Xms1g", "-Xmx1g"})
public class JournalEncodeBenchmark {
    /** Records per invocation: about what one ring batch holds under load. */
    static final int BATCH = 1024;

    /** Key and value bytes: 8x8 (the long path) or 16x100. */
    @Param({"8x8", "16x100"})
    String shape;

    private Path dir;
    private JournalWriter journal;
    private long[] keys;
    private byte[][] keyBytes;
    private byte[][] valueBytes;
    private int cursor;

    @Setup(Level.Trial)
    public void setUp() throws IOException {
        dir = Files.createTempDirectory("bucketdb-journal-encode-");
        journal = JournalWriter.open(FileDurableIO.INSTANCE, dir, JournalOptions.defaults().withMaxSpareSegments(1), 0);
        keys = Keys.numbered(0, Keys.PROBES);
        if (!shape.equals("8x8")) {
            String[] kv = shape.split("x");
            int kw = Integer.parseInt(kv[0]);
            int vw = Integer.parseInt(kv[1]);
            // A few thousand distinct arrays, reused round-robin: the encoder copies them, as it copies a caller's.
            keyBytes = new byte[4096][];
            valueBytes = new byte[4096][];
            for (int i = 0; i < keyBytes.length; i++) {
                keyBytes[i] = Keys.keyBytes(keys[i], kw);
                valueBytes[i] = Keys.valueBytes(Keys.valueOf(keys[i]), vw);
            }
        }
    }

    /** Writes the batch (unforced) and recycles the segments behind it, as a checkpoint would let the writer. */
    @TearDown(Level.Invocation)
    public void writeBatch() throws IOException {
        journal.flush();
        journal.recycleBelow(journal.lastLsn());
    }

    @TearDown(Level.Trial)
    public void tearDown() throws IOException {
        journal.close();
        PathUtils.deleteDirectory(dir);
    }

    @Benchmark
    @OperationsPerInvocation(BATCH)
    public long appendPut() throws IOException {
        long lsn = 0;
        if (keyBytes == null) {
            int c = cursor;
            for (int i = 0; i < BATCH; i++, c = (c + 1) & Keys.PROBE_MASK) {
                long k = keys[c];
                lsn = journal.appendPutLong(k, Keys.valueOf(k));
            }
            cursor = c;
        } else {
            int mask = keyBytes.length - 1;
            int c = cursor & mask;
            for (int i = 0; i < BATCH; i++, c = (c + 1) & mask) {
                lsn = journal.appendPut(keyBytes[c], valueBytes[c]);
            }
            cursor = c;
        }
        return lsn;
    }
}
