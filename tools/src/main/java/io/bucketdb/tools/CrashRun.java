package io.bucketdb.tools;

import io.bucketdb.BucketDB;
import io.bucketdb.Durability;
import io.bucketdb.Growth;
import io.bucketdb.Recovery;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;

/**
 * The engine of {@code bucketdb crashtest}: {@link #killOne} starts a churn writer ({@link WriterChild}) on the
 * index, aims a SIGKILL at a growth, a checkpoint or a random moment, kills it, and feeds what the writer
 * wrote to its ledger file ({@link LedgerFile}) into the {@link Ledger}; {@link #recoverAndCheck} reopens the
 * index (that is the recovery, and it is timed), checks it against the ledger and closes it. The two halves
 * are separate so a test can change the index between them and watch the check catch it. (The close after
 * each check writes a checkpoint that a next crash never meets: {@link ChainRun} is the mode without it.)
 */
final class CrashRun {
    /** What a kill aims at. */
    enum Aim {
        GROWTH, CHECKPOINT, RANDOM
    }

    /** One kill: what it aimed at and what the writer had last reported when the signal went. */
    record Kill(Aim aim, long pid, long acknowledged, boolean aimMet, boolean duringCheckpoint, boolean duringGrowth) {
    }

    /** One recovery: how long the open took, what it did, the table's growth state and the check's outcome. */
    record Recovered(long nanos, Recovery recovery, Growth growth, Ledger.Check check) {
    }

    /** Keys and values of all keys stay within about this many bytes, so large values do not fill the disk. */
    private static final long KEY_SPACE_BYTES = 256L << 20;
    private static final int MAX_KEYS = 1 << 20;
    private static final int MIN_KEYS = 4096;
    /** How long a kill waits for what it aims at before it kills anyway. */
    private static final long AIM_TIMEOUT_NANOS = TimeUnit.SECONDS.toNanos(5);

    private final Path dir;
    private final Path work;
    private int writers;
    private final Durability durability;
    private final int valueSize;
    private final int keyCap;
    private final SplittableRandom rnd;
    private final Ledger ledger;

    /** A run on the index in {@code dir}; the writers' ledger files go to {@code work} (and are deleted there). */
    CrashRun(Path dir, Path work, Durability durability, int valueSize, long seed) {
        this.dir = dir;
        this.work = work;
        this.durability = durability;
        this.valueSize = valueSize;
        this.keyCap = keyCap(valueSize);
        this.rnd = new SplittableRandom(seed);
        this.ledger = new Ledger(keyCap);
    }

    /** How many distinct keys the writers use for values of {@code valueSize} bytes. */
    static int keyCap(int valueSize) {
        return (int) Math.max(MIN_KEYS, Math.min(MAX_KEYS, KEY_SPACE_BYTES / (8 + valueSize)));
    }

    Ledger ledger() {
        return ledger;
    }

    /**
     * Starts a writer, waits until it opened the index and wrote, aims and kills it with SIGKILL.
     *
     * @param deadline System.nanoTime() after which the kill no longer waits for its aim
     * @throws CliException (exit 3) if the writer cannot start, dies by itself or reports nonsense
     */
    Kill killOne(Aim aim, long deadline) throws IOException, InterruptedException {
        WriterStatus status = new WriterStatus();
        Path ledgerFile = work.resolve("ledger-" + (++writers) + ".txt");
        List<String> args = List.of(dir.toString(), "--workload", "churn", "--durability", durability.name(),
                "--value-size", Integer.toString(valueSize), "--seed", Long.toString(rnd.nextLong()),
                "--first-seqs", seqs(ledger.nextSeqs()), "--key-cap", Integer.toString(keyCap),
                "--ledger", ledgerFile.toString());
        try (WriterProcess child = WriterProcess.start(args, status::accept)) {
            if (!status.awaitOpen(child)) {
                throw new CliException(Exit.IO, "writer process " + child.pid() + " could not open the index: " + status.failed);
            }
            long aimBy = Math.min(deadline, System.nanoTime() + AIM_TIMEOUT_NANOS);
            boolean met = switch (aim) {
                case GROWTH -> WriterStatus.await(child, () -> status.acks > 0 && status.growing && !status.sameSize, aimBy);
                case CHECKPOINT -> WriterStatus.await(child, () -> status.acks > 0 && status.inCheckpoint, aimBy);
                case RANDOM -> WriterStatus.await(child, () -> status.acks > 0, aimBy);
            };
            // A little later than the aim: a growth lasts many writes, a checkpoint a few milliseconds at most.
            long delayNanos = switch (aim) {
                case GROWTH -> rnd.nextLong(TimeUnit.MILLISECONDS.toNanos(3));
                case CHECKPOINT -> rnd.nextLong(TimeUnit.MICROSECONDS.toNanos(500));
                case RANDOM -> rnd.nextLong(TimeUnit.MILLISECONDS.toNanos(1000));
            };
            if (met && delayNanos > 0) {
                TimeUnit.NANOSECONDS.sleep(Math.min(delayNanos, Math.max(0, deadline - System.nanoTime())));
            }
            boolean inCheckpoint = status.inCheckpoint;
            boolean growing = status.growing;
            if (!child.kill()) {
                throw WriterStatus.died(child);
            }
            if (child.handlerFailure() != null) {
                throw new CliException(Exit.IO, "writer process " + child.pid() + " reported something unexpected: "
                        + child.handlerFailure().getMessage());
            }
            feed(ledgerFile);
            return new Kill(aim, child.pid(), status.acks, met, inCheckpoint, growing);
        }
    }

    private void feed(Path ledgerFile) throws IOException {
        try {
            LedgerFile.feed(ledgerFile, ledger);
        } catch (IllegalStateException e) {
            throw new CliException(Exit.IO, "a writer broke its ledger's contract: " + e.getMessage());
        } finally {
            Files.deleteIfExists(ledgerFile);
        }
    }

    /**
     * Reopens the index (recovery; timed), checks every key against the ledger, and closes it. A
     * {@link io.bucketdb.spi.CorruptIndexException} from the open propagates: the caller reports it as
     * a failed recovery.
     */
    Recovered recoverAndCheck() throws IOException {
        long start = System.nanoTime();
        try (BucketDB db = BucketDB.open(dir, WriterChild.churnOptions(durability, valueSize).withCreateIfMissing(false))) {
            long nanos = System.nanoTime() - start;
            Growth growth = db.growth();
            Ledger.Check check = ledger.check(db, valueSize);
            return new Recovered(nanos, db.recovery(), growth, check);
        }
    }

    /** Sequence numbers as the writer's --first-seqs takes them. */
    static String seqs(long[] seqs) {
        StringBuilder b = new StringBuilder();
        for (long s : seqs) {
            b.append(b.isEmpty() ? "" : ",").append(s);
        }
        return b.toString();
    }
}
