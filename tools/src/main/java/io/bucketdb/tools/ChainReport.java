package io.bucketdb.tools;

import io.bucketdb.Durability;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;

/**
 * The tally of a {@code crashtest --chain} run: lives, what their kills aimed at and landed in, every check's
 * outcome and every failed open, printed as the command's report. Its verdict is the exit code: 1 if any
 * acknowledged write was lost, any key held something no writer wrote, a batch took effect in part, an open
 * failed or the final structure check found a problem; else 0.
 */
final class ChainReport {
    private final long seed;
    private final Map<ChainRun.Aim, Integer> aims = new EnumMap<>(ChainRun.Aim.class);
    private final Map<ChainRun.Aim, Integer> aimsMet = new EnumMap<>(ChainRun.Aim.class);
    private final Map<Durability, Integer> durabilities = new EnumMap<>(Durability.class);
    private final List<Long> openNanos = new ArrayList<>();
    private final List<String> problems = new ArrayList<>();
    private int lives;
    private int writerLives;
    private int explicitCheckpointLives;
    private int duringGrowth;
    private int duringCheckpoint;
    private int batchInFlight;
    private long replayed;
    private long maxReplayed;
    private long checked;
    private long inFlight;
    private long inFlightTookEffect;
    private long lost;
    private long wrong;
    private long tornBatches;
    private int failedOpens;
    private int doublings;
    private int sameSize;
    private int maxB;
    private long entries;
    private String structure = "not checked";
    private boolean structureSound = true;

    ChainReport(long seed) {
        this.seed = seed;
    }

    /** Counts a life: its kill, and the check its open made of the life before it (or its failed open). */
    void life(ChainRun.Life life) {
        lives++;
        String where = "life " + life.number() + " (pid " + life.pid() + ", " + life.durability() + ")";
        if (life.aim() != null) {
            writerLives++;
            aims.merge(life.aim(), 1, Integer::sum);
            if (life.aimMet()) {
                aimsMet.merge(life.aim(), 1, Integer::sum);
            }
            durabilities.merge(life.durability(), 1, Integer::sum);
            explicitCheckpointLives += life.explicitCheckpoints() ? 1 : 0;
            duringGrowth += life.duringGrowth() ? 1 : 0;
            duringCheckpoint += life.duringCheckpoint() ? 1 : 0;
            batchInFlight += life.batchInFlight() ? 1 : 0;
        }
        doublings += life.doublingsSeen();
        sameSize += life.sameSizeSeen();
        maxB = Math.max(maxB, life.maxB());
        if (life.failed()) {
            failedOpens++;
            problems.add(where + ": the open failed (recovering from the kill of life " + (life.number() - 1) + "): "
                    + life.failedOpen());
            return;
        }
        openNanos.add(life.openNanos());
        replayed += life.replayed();
        maxReplayed = Math.max(maxReplayed, life.replayed());
        Ledger.Check c = life.check();
        checked += c.acknowledgedChecked();
        inFlight += c.inFlight();
        inFlightTookEffect += c.inFlightTookEffect();
        lost += c.lost();
        wrong += c.wrong();
        tornBatches += c.tornBatches();
        entries = c.entries();
        for (String p : c.problems()) {
            if (problems.size() < Ledger.MAX_DETAILS) {
                problems.add(where + ", checking what life " + (life.number() - 1) + " left: " + p);
            }
        }
    }

    /** The final structural check's outcome. */
    void structure(CrashtestCommand.Structure s) {
        structureSound = s.sound();
        structure = s.description();
    }

    long lost() {
        return lost;
    }

    long wrong() {
        return wrong;
    }

    int failedOpens() {
        return failedOpens;
    }

    int writerLives() {
        return writerLives;
    }

    int killsDuringGrowth() {
        return duringGrowth;
    }

    int killsWithBatchInFlight() {
        return batchInFlight;
    }

    int doublingsSeen() {
        return doublings;
    }

    int sameSizeGrowthsSeen() {
        return sameSize;
    }

    long writesChecked() {
        return checked;
    }

    boolean ok() {
        return lost == 0 && wrong == 0 && tornBatches == 0 && failedOpens == 0 && structureSound;
    }

    int exitCode() {
        return ok() ? Exit.OK : Exit.PROBLEMS;
    }

    /** Problems found, one line each (at most {@link Ledger#MAX_DETAILS}). */
    List<String> problems() {
        return List.copyOf(problems);
    }

    /** The report; {@code ledger} is the run's, {@code nanos} how long it took. */
    List<String> lines(Ledger ledger, long nanos) {
        List<String> out = new ArrayList<>();
        for (String p : problems) {
            out.add("   " + p);
        }
        Text.Columns t = new Text.Columns();
        t.row("lives", writerLives + " writer lives killed with SIGKILL, none closed, each opened by recovering from the kill before"
                + " it (" + durabilities.getOrDefault(Durability.SYNC, 0) + " SYNC, " + durabilities.getOrDefault(Durability.ASYNC, 0)
                + " ASYNC; explicit checkpoints in " + explicitCheckpointLives + "), then " + (lives - writerLives)
                + " final open that only checks");
        t.row("kills", aimed(ChainRun.Aim.GROWTH) + " aimed at a growth, " + aimed(ChainRun.Aim.BATCH) + " at a batch, "
                + aimed(ChainRun.Aim.CHECKPOINT) + " at a checkpoint, " + aimed(ChainRun.Aim.RANDOM) + " at a random moment");
        t.row("landed", duringGrowth + " while the writer reported a growth, " + batchInFlight + " with a batch in flight, "
                + duringCheckpoint + " inside an explicit checkpoint");
        t.row("growth", doublings + " doublings and " + sameSize + " same-size growths seen beginning (the writers look after each call), B up to " + maxB);
        t.row("operations", Text.count(ledger.operations()) + " announced (" + Text.count(ledger.puts()) + " puts, "
                + Text.count(ledger.deletes()) + " deletes; " + Text.count(ledger.batches()) + " batches holding "
                + Text.count(ledger.batchOperations()) + " of them), " + ChurnWriter.THREADS + " threads per writer, blocking and async");
        t.row("acknowledged", Text.count(ledger.acknowledged()) + " (" + Text.count(ledger.overwrites())
                + " overwrites), as each writer's ledger file recorded them after they completed");
        t.row("checked", Text.count(checked) + " acknowledged writes checked (every key with one, by every life's open)");
        t.row("in flight", Text.count(inFlight) + " operations at the kills, " + Text.count(inFlightTookEffect)
                + " keys showed theirs (either outcome is allowed; a batch all or nothing)");
        t.row("lost", Text.count(lost));
        t.row("wrong", Text.count(wrong) + " (values or keys no writer wrote), " + tornBatches + " batches taken in part");
        t.row("failed opens", Integer.toString(failedOpens));
        t.row("recovery", openTimes() + "; replayed " + Text.count(replayed) + " journal records in all, at most "
                + Text.count(maxReplayed) + " at once");
        t.row("index", Text.count(entries) + " entries at the end, structure " + structure);
        t.row("time", String.format("%.1f s (seed %d)", nanos / 1e9, seed));
        out.addAll(t.lines("   "));
        out.add("result: " + (ok() ? "OK, no acknowledged write lost" : "FAILED"));
        return out;
    }

    private String aimed(ChainRun.Aim aim) {
        return aims.getOrDefault(aim, 0) + " (" + aimsMet.getOrDefault(aim, 0) + " met)";
    }

    private String openTimes() {
        if (openNanos.isEmpty()) {
            return "no open succeeded";
        }
        long[] s = openNanos.stream().mapToLong(Long::longValue).toArray();
        Arrays.sort(s);
        return "opens took min " + millis(s[0]) + ", median " + millis(s[s.length / 2]) + ", max " + millis(s[s.length - 1]);
    }

    private static String millis(long nanos) {
        return nanos >= 10_000_000_000L ? String.format("%.1f s", nanos / 1e9) : (nanos / 1_000_000) + " ms";
    }
}
