package io.bucketdb.tools;

import io.bucketdb.Durability;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;

/**
 * The engine of {@code bucketdb crashtest --chain}: writer lives that never close. Each life is a new writer
 * process ({@link WriterChild}, {@link ChurnWriter}) whose open recovers from the previous kill; before it
 * writes, it reads every key the {@link Ledger} knows and the cursor into a check file ({@link OpenCheckFile});
 * then it writes (SYNC or ASYNC, blocking and async puts, overwrites, deletes and batches, into growths of
 * both kinds, with explicit checkpoints in one life in four and otherwise none) until this class kills it with
 * SIGKILL, aimed at a growth, a batch in flight, a checkpoint or a random moment. After the kill the check
 * file is compared with the ledger, and the life's ledger file is fed into it.
 *
 * <p>Nothing here opens the index: every open is a writer's, and every writer is killed. A clean close would
 * write a checkpoint that hides what the next crash meets (growth steps replayed but never journaled, a
 * journal that ends inside a batch); here each recovery is followed by writes and another crash, as in
 * production. A read-only open would not do as the checker either: it shows the last checkpoint image, not
 * the acknowledged writes after it. {@link #finalCheck} is a last life that only opens and checks.
 */
final class ChainRun {
    /** What a life's kill aims at. */
    enum Aim {
        GROWTH, BATCH, CHECKPOINT, RANDOM
    }

    /**
     * One life. {@code check} is null when the open failed ({@code failedOpen} says why); {@code batchInFlight}:
     * the ledger held a batch announced and not acknowledged at the kill.
     */
    record Life(int number, long pid, Aim aim, Durability durability, boolean explicitCheckpoints, boolean aimMet,
                boolean duringGrowth, boolean duringCheckpoint, boolean batchInFlight, long replayed, long openNanos,
                Ledger.Check check, String failedOpen, long acknowledged, int doublingsSeen, int sameSizeSeen, int maxB) {
        boolean failed() {
            return failedOpen != null;
        }
    }

    /** How long a life waits for what its kill aims at before it kills anyway. */
    private static final long AIM_TIMEOUT_NANOS = TimeUnit.MILLISECONDS.toNanos(600);
    /** A random kill comes up to this long after the first acknowledgement. */
    private static final long RANDOM_MAX_NANOS = TimeUnit.MILLISECONDS.toNanos(300);
    /**
     * A life lasts about a second: C1 only, which starts a JVM and opens the index in about half the time of
     * the default tiered compilation on two cores (C2 would compile for a peak the life never reaches).
     */
    private static final List<String> LIFE_JVM_OPTIONS = List.of("-XX:TieredStopAtLevel=1");

    private final Path dir;
    private final Path work;
    private final Durability durability;
    private final int valueSize;
    private final int keyCap;
    private final SplittableRandom rnd;
    private final Ledger ledger;
    private int lives;

    /**
     * @param work       where the lives' ledger and check files go (each is deleted after its life)
     * @param durability every life's durability, or null: each life picks SYNC or ASYNC at random
     */
    ChainRun(Path dir, Path work, Durability durability, int valueSize, long seed) {
        this.dir = dir;
        this.work = work;
        this.durability = durability;
        this.valueSize = valueSize;
        this.keyCap = CrashRun.keyCap(valueSize);
        this.rnd = new SplittableRandom(seed);
        this.ledger = new Ledger(keyCap);
    }

    Ledger ledger() {
        return ledger;
    }

    /** A writer life: open (the recovery) and check, write, be killed with SIGKILL at {@code aim}. */
    Life live(Aim aim, long deadline) throws IOException, InterruptedException {
        return run(aim, deadline);
    }

    /** The last life: opens and checks, writes nothing, and is killed too. */
    Life finalCheck() throws IOException, InterruptedException {
        return run(null, System.nanoTime());
    }

    private Life run(Aim aim, long deadline) throws IOException, InterruptedException {
        int number = ++lives;
        Durability d = durability != null ? durability : rnd.nextBoolean() ? Durability.SYNC : Durability.ASYNC;
        boolean checkpoints = aim == Aim.CHECKPOINT || aim != null && rnd.nextInt(4) == 0;
        Path ledgerFile = work.resolve("ledger-" + number + ".txt");
        Path checkFile = work.resolve("check-" + number + ".bin");
        List<String> args = new ArrayList<>(List.of(dir.toString(), "--workload", "churn", "--chain",
                "--durability", d.name(), "--value-size", Integer.toString(valueSize), "--seed", Long.toString(rnd.nextLong()),
                "--first-seqs", CrashRun.seqs(ledger.nextSeqs()), "--key-cap", Integer.toString(keyCap),
                "--ledger", ledgerFile.toString(), "--check-out", checkFile.toString(),
                "--check-keys", Long.toString(ledger.keyEnd())));
        if (!checkpoints) {
            args.add("--no-explicit-checkpoints");
        }
        if (aim == null) {
            args.add("--check-only");
        }
        WriterStatus status = new WriterStatus();
        try (WriterProcess child = WriterProcess.start(LIFE_JVM_OPTIONS, args, status::accept)) {
            if (!status.awaitOpen(child)) {
                String why = status.failed != null ? status.failed : LedgerFile.feed(ledgerFile, ledger).failedOpen();
                return new Life(number, child.pid(), aim, d, checkpoints, false, false, false, false, 0, 0, null,
                        why != null ? why : child.lastError(), 0, status.doublingsSeen, status.sameSizeSeen, status.b);
            }
            boolean met = aim == null || aimAndWait(child, status, aim, deadline);
            boolean growing = status.growing;
            boolean inCheckpoint = status.inCheckpoint;
            if (!child.kill()) {
                throw WriterStatus.died(child);
            }
            if (child.handlerFailure() != null) {
                throw new CliException(Exit.IO, "writer process " + child.pid() + " reported something unexpected: "
                        + child.handlerFailure().getMessage());
            }
            Ledger.Check check;
            LedgerFile.Read read;
            try {
                check = ledger.check(OpenCheckFile.read(checkFile));
                read = LedgerFile.feed(ledgerFile, ledger);
            } catch (IllegalStateException e) {
                throw new CliException(Exit.IO, "life " + number + " (writer process " + child.pid() + ") broke its contract: "
                        + e.getMessage());
            }
            return new Life(number, child.pid(), aim, d, checkpoints, met, growing, inCheckpoint, ledger.batchesInFlight() > 0,
                    status.replayed, status.openNanos, check, null, read.acknowledged(), status.doublingsSeen,
                    status.sameSizeSeen, status.b);
        } finally {
            Files.deleteIfExists(ledgerFile);
            Files.deleteIfExists(checkFile);
        }
    }

    /** Waits for what {@code aim} aims at (at most {@link #AIM_TIMEOUT_NANOS}), then a little longer; returns whether it came. */
    private boolean aimAndWait(WriterProcess child, WriterStatus status, Aim aim, long deadline) throws InterruptedException {
        long aimBy = Math.min(deadline, System.nanoTime() + AIM_TIMEOUT_NANOS);
        boolean met = switch (aim) {
            case GROWTH -> WriterStatus.await(child, () -> status.acks > 0 && status.growing, aimBy);
            case BATCH -> WriterStatus.await(child, () -> status.inBatch, aimBy);
            case CHECKPOINT -> WriterStatus.await(child, () -> status.acks > 0 && status.inCheckpoint, aimBy);
            case RANDOM -> WriterStatus.await(child, () -> status.acks > 0, aimBy);
        };
        // A little later than the aim: a growth lasts many writes; a batch's group write and a checkpoint are short.
        long delayNanos = switch (aim) {
            case GROWTH -> rnd.nextLong(TimeUnit.MILLISECONDS.toNanos(2));
            case BATCH -> rnd.nextInt(3) == 0 ? 0 : rnd.nextLong(TimeUnit.MICROSECONDS.toNanos(300));
            case CHECKPOINT -> rnd.nextLong(TimeUnit.MICROSECONDS.toNanos(500));
            case RANDOM -> rnd.nextLong(RANDOM_MAX_NANOS);
        };
        if (met && delayNanos > 0) {
            TimeUnit.NANOSECONDS.sleep(Math.min(delayNanos, Math.max(0, deadline - System.nanoTime())));
        }
        return met;
    }
}
