package io.bucketdb.bench.durability;

import io.bucketdb.BucketDB;
import io.bucketdb.Durability;
import io.bucketdb.Options;
import io.bucketdb.Recovery;
import io.bucketdb.bench.Keys;
import io.bucketdb.storage.FileDurableIO;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.StringJoiner;
import java.util.function.LongUnaryOperator;

/**
 * The forked JVM of {@link DurabilityBenchmark}: one step of one measurement per JVM, so that the
 * parent can kill the writer with SIGKILL and recovery starts in a fresh JVM, as after a real crash.
 * Talks to the parent through stdout only: {@code result name=value ...} lines with raw numbers
 * (nanoseconds, bytes), and {@code done} when a journal writer is ready to be killed.
 *
 * <pre>
 * journal    --dir D --ops N [--preloaded]   writes N puts with checkpoints off, prints done, waits to be killed
 * recover    --dir D --ops N [--preloaded]   times BucketDB.open of what journal left and checks the contents
 * checkpoint --dir D --entries N             loads N keys with checkpoints off, times one checkpoint()
 * bytes      --dir D --entries N --durability SYNC|ASYNC   loads N keys with default options, counts bytes written
 * </pre>
 */
public final class DurabilityChild {
    /** A fixed hash seed, so every run lays the keys out alike. */
    private static final long HASH_SEED = 0x6A09E667F3BCC908L;
    /** Keys whose values the recovery check reads back. */
    private static final int CHECKED_KEYS = 4096;

    private DurabilityChild() {
    }

    public static void main(String[] args) throws Exception {
        if (args.length == 0) {
            throw new IllegalArgumentException("usage: journal|recover|checkpoint|bytes --dir D ...");
        }
        Flags f = Flags.parse(Arrays.copyOfRange(args, 1, args.length));
        Path dir = Path.of(f.require("dir"));
        switch (args[0]) {
            case "journal" -> journal(dir, f.requireLong("ops"), f.has("preloaded"));
            case "recover" -> recover(dir, f.requireLong("ops"), f.has("preloaded"));
            case "checkpoint" -> checkpoint(dir, f.requireLong("entries"));
            case "bytes" -> bytes(dir, f.requireLong("entries"), Durability.valueOf(f.require("durability")));
            default -> throw new IllegalArgumentException("unknown step " + args[0]);
        }
    }

    /** Triggers that never fire during a run, so the only checkpoints are the ones asked for. */
    private static Options noCheckpoints(CountingDurableIO io) {
        return Options.defaults().withHashSeed(HASH_SEED).withDurableIO(io).withDurability(Durability.ASYNC)
                .withCheckpointTriggers(Long.MAX_VALUE, Long.MAX_VALUE, Duration.ofDays(1));
    }

    /** The value a preloaded key is overwritten with after the checkpoint: differs from {@link Keys#valueOf}. */
    private static long overwritten(long key) {
        return key * 31 + 7;
    }

    private static void journal(Path dir, long ops, boolean preloaded) throws Exception {
        CountingDurableIO io = new CountingDurableIO(FileDurableIO.INSTANCE);
        BucketDB db = BucketDB.open(dir, noCheckpoints(io));
        LongUnaryOperator value = Keys::valueOf;
        if (preloaded) {
            WindowedPuts.run(db, ops, Keys::valueOf);
            db.checkpoint();
            value = DurabilityChild::overwritten;
        }
        IoTally before = io.tally();
        long start = System.nanoTime();
        // ASYNC acknowledges after the journal write, before the force. That is enough here: SIGKILL
        // ends the process, not the OS, so every written record survives it; recovery's count checks that.
        WindowedPuts.run(db, ops, value);
        long nanos = System.nanoTime() - start;
        IoTally run = io.tally().minus(before);
        result("journalBytes", run.written(FileKind.JOURNAL), "tableBytes", run.written(FileKind.TABLE),
                "writeNanos", nanos, "checkpoints", db.checkpoints());
        System.out.println("done");
        System.out.flush();
        // Never closes: the parent kills this JVM here, with the index open and its journal unreplayed.
        Thread.sleep(Long.MAX_VALUE);
    }

    private static void recover(Path dir, long ops, boolean preloaded) throws Exception {
        CountingDurableIO io = new CountingDurableIO(FileDurableIO.INSTANCE);
        long start = System.nanoTime();
        BucketDB db = BucketDB.open(dir, noCheckpoints(io).withCreateIfMissing(false));
        long nanos = System.nanoTime() - start;
        Recovery r = db.recovery();
        if (r.recordsReplayed() != ops || db.size() != ops) {
            throw new IllegalStateException("recovery replayed " + r.recordsReplayed() + " records and holds " + db.size()
                    + " keys; " + ops + " puts were acknowledged before the kill");
        }
        for (int i = 0; i < CHECKED_KEYS; i++) {
            long k = Keys.key(i * ops / CHECKED_KEYS);
            long expected = preloaded ? overwritten(k) : Keys.valueOf(k);
            long v = db.getLong(k, Keys.MISSING);
            if (v != expected) {
                throw new IllegalStateException("after recovery key " + k + " holds " + v + ", expected " + expected);
            }
        }
        result("openNanos", nanos, "replayed", r.recordsReplayed(), "markers", r.markersChecked(), "tornBytes", r.tornBytes(),
                "checkpointFinished", r.checkpointFinished(), "recoveryBytes", io.tally().totalWritten());
        System.out.flush();
        // The parent deletes the directory next; close() would only write a checkpoint nobody reads.
        Runtime.getRuntime().halt(0);
    }

    private static void checkpoint(Path dir, long entries) throws Exception {
        CountingDurableIO io = new CountingDurableIO(FileDurableIO.INSTANCE);
        try (BucketDB db = BucketDB.open(dir, noCheckpoints(io))) {
            WindowedPuts.run(db, entries, Keys::valueOf);
            IoTally before = io.tally();
            long start = System.nanoTime();
            db.checkpoint();
            long nanos = System.nanoTime() - start;
            IoTally cp = io.tally().minus(before);
            result("checkpointNanos", nanos, "tableBytes", cp.written(FileKind.TABLE),
                    "doublewriteBytes", cp.written(FileKind.DOUBLEWRITE), "journalBytes", cp.written(FileKind.JOURNAL),
                    "forces", cp.totalForces(), "tableFileBytes", db.stats().fileBytes());
        }
    }

    private static void bytes(Path dir, long entries, Durability durability) throws Exception {
        CountingDurableIO io = new CountingDurableIO(FileDurableIO.INSTANCE);
        // Default options apart from the seed (layout only) and the durability mode under test.
        BucketDB db = BucketDB.open(dir, Options.defaults().withHashSeed(HASH_SEED).withDurableIO(io).withDurability(durability));
        IoTally created = io.tally();
        long start = System.nanoTime();
        WindowedPuts.run(db, entries, Keys::valueOf);
        long nanos = System.nanoTime() - start;
        long checkpoints = db.checkpoints();
        IoTally loaded = io.tally();
        db.close();
        IoTally run = loaded.minus(created);
        IoTally close = io.tally().minus(loaded);
        result("loadNanos", nanos, "checkpoints", checkpoints,
                "journalBytes", run.written(FileKind.JOURNAL), "tableBytes", run.written(FileKind.TABLE),
                "doublewriteBytes", run.written(FileKind.DOUBLEWRITE), "otherBytes", run.written(FileKind.OTHER),
                "forces", run.totalForces(), "journalForces", run.forces(FileKind.JOURNAL),
                "closeBytes", close.totalWritten());
    }

    /** Prints one {@code result} line of name=value pairs. */
    private static void result(Object... pairs) {
        StringJoiner line = new StringJoiner(" ", "result ", "");
        for (int i = 0; i < pairs.length; i += 2) {
            line.add(pairs[i] + "=" + pairs[i + 1]);
        }
        System.out.println(line);
    }
}
