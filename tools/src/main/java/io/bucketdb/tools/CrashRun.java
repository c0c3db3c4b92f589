package io.bucketdb.tools;

import io.bucketdb.BucketDB;
import io.bucketdb.Durability;
import io.bucketdb.Growth;
import io.bucketdb.Recovery;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;

/**
 * The engine of {@code bucketdb crashtest}: {@link #killOne} starts a churn writer ({@link WriterChild}) on the
 * index, feeds what it reports into the {@link Ledger}, aims a SIGKILL at a growth, a checkpoint or a random
 * moment and kills it; {@link #recoverAndCheck} reopens the index (that is the recovery, and it is timed),
 * checks it against the ledger and closes it. The two halves are separate so a test can change the index
 * between them and watch the check catch it.
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
    /** A new JVM on a busy two-core machine can take seconds to open the index; past this something is wrong. */
    private static final long OPEN_TIMEOUT_NANOS = TimeUnit.SECONDS.toNanos(120);
    /** How long a kill waits for what it aims at before it kills anyway. */
    private static final long AIM_TIMEOUT_NANOS = TimeUnit.SECONDS.toNanos(5);

    private final Path dir;
    private final Durability durability;
    private final int valueSize;
    private final int keyCap;
    private final SplittableRandom rnd;
    private final Ledger ledger;

    CrashRun(Path dir, Durability durability, int valueSize, long seed) {
        this.dir = dir;
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
        Status status = new Status();
        List<String> args = List.of(dir.toString(), "--workload", "churn", "--durability", durability.name(),
                "--value-size", Integer.toString(valueSize), "--seed", Long.toString(rnd.nextLong()),
                "--first-seq", Long.toString(ledger.nextSeq()), "--key-cap", Integer.toString(keyCap));
        try (WriterProcess child = WriterProcess.start(args, status::accept)) {
            await(child, () -> status.opened, System.nanoTime() + OPEN_TIMEOUT_NANOS, true, "open the index");
            long aimBy = Math.min(deadline, System.nanoTime() + AIM_TIMEOUT_NANOS);
            boolean met = switch (aim) {
                case GROWTH -> await(child, () -> status.acks > 0 && status.growing && !status.sameSize, aimBy, false, null);
                case CHECKPOINT -> await(child, () -> status.acks > 0 && status.inCheckpoint, aimBy, false, null);
                case RANDOM -> await(child, () -> status.acks > 0, aimBy, false, null);
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
                throw died(child);
            }
            if (child.handlerFailure() != null) {
                throw new CliException(Exit.IO, "writer process " + child.pid() + " reported something unexpected: "
                        + child.handlerFailure().getMessage());
            }
            return new Kill(aim, child.pid(), status.acks, met, inCheckpoint, growing);
        }
    }

    /**
     * Reopens the index (recovery; timed), checks every key against the ledger, and closes it. A
     * {@link io.bucketdb.storage.CorruptIndexException} from the open propagates: the caller reports it as
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

    /**
     * Waits until {@code condition} holds, the child died, or {@code until}. Returns whether the condition
     * held. A child that died is a failure; so is a timeout when {@code required}.
     */
    private static boolean await(WriterProcess child, BooleanSupplier condition, long until, boolean required, String what)
            throws InterruptedException {
        while (!condition.getAsBoolean()) {
            if (!child.isAlive()) {
                child.waitFor(1000);
                throw died(child);
            }
            if (System.nanoTime() - until >= 0) {
                if (required) {
                    throw new CliException(Exit.IO, "writer process " + child.pid() + " did not " + what + " within "
                            + TimeUnit.NANOSECONDS.toSeconds(OPEN_TIMEOUT_NANOS) + " s");
                }
                return false;
            }
            // Polling every 100 µs: fine enough to land in a checkpoint, and the parent sleeps meanwhile.
            TimeUnit.MICROSECONDS.sleep(100);
        }
        return true;
    }

    private static CliException died(WriterProcess child) {
        return new CliException(Exit.IO, "writer process " + child.pid() + " exited by itself with code " + child.exitCode()
                + " before it was killed: " + child.lastError());
    }

    /**
     * What the writer reported so far; written by its reader thread only, read by the aiming thread, hence
     * volatile (single writer, so the non-atomic increment is fine).
     */
    private final class Status {
        volatile boolean opened;
        volatile long acks;
        volatile boolean growing;
        volatile boolean sameSize;
        volatile boolean inCheckpoint;

        void accept(String line) {
            switch (line.charAt(0)) {
                case 'W' -> {
                    // "W <seq> <key> P|D"
                    int a = line.indexOf(' ', 2);
                    int b = line.indexOf(' ', a + 1);
                    ledger.intent(Long.parseLong(line, 2, a, 10), Long.parseLong(line, a + 1, b, 10), line.charAt(b + 1) == 'D');
                }
                case 'A' -> {
                    ledger.ack(Long.parseLong(line, 2, line.length(), 10));
                    acks++;
                }
                case 'G' -> {
                    Growth g = WriterChild.parseGrowth(line.split(" "));
                    sameSize = g.sameSizeGrowth();
                    growing = g.growing();
                }
                case 'C' -> inCheckpoint = line.equals("CB");
                case 'O' -> opened = true;
                default -> throw new IllegalStateException("unknown line '" + line + "'");
            }
        }
    }
}
