package io.bucketdb.tools;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;

/**
 * The tally of a crashtest run: kills, what they landed in, recoveries and every check's outcome, printed
 * as the command's report. Its verdict is the exit code: 1 if any acknowledged write was lost, any key held
 * something no writer wrote, a recovery failed or the final structure check found a problem; else 0.
 */
final class CrashReport {
    private final Map<CrashRun.Aim, Integer> aims = new EnumMap<>(CrashRun.Aim.class);
    private final List<Long> recoveryNanos = new ArrayList<>();
    private final List<String> problems = new ArrayList<>();
    private int kills;
    private long lastPid;
    private int duringCheckpoint;
    private int duringGrowth;
    private int recoveredMidGrowth;
    private int checkpointsFinished;
    private int tornTails;
    private long maxReplayed;
    private long replayed;
    private long checked;
    private long inFlight;
    private long inFlightTookEffect;
    private long lost;
    private long wrong;
    private long entries;
    private int maxB;
    private boolean recoveryFailed;
    private String structure = "not checked";
    private boolean structureSound = true;

    /** Counts a kill; the recovery and check after it follow through {@link #recovered} or {@link #recoveryFailed}. */
    void killed(CrashRun.Kill kill) {
        kills++;
        lastPid = kill.pid();
        aims.merge(kill.aim(), 1, Integer::sum);
        if (kill.duringCheckpoint()) {
            duringCheckpoint++;
        }
        if (kill.duringGrowth()) {
            duringGrowth++;
        }
    }

    /** Counts a recovery after the last kill and its check (a test may check the same recovered index twice). */
    void recovered(CrashRun.Recovered r) {
        if (r.growth().growing()) {
            recoveredMidGrowth++;
        }
        if (r.recovery().checkpointFinished()) {
            checkpointsFinished++;
        }
        if (r.recovery().tornBytes() > 0) {
            tornTails++;
        }
        replayed += r.recovery().recordsReplayed();
        maxReplayed = Math.max(maxReplayed, r.recovery().recordsReplayed());
        maxB = Math.max(maxB, r.growth().b());
        recoveryNanos.add(r.nanos());
        Ledger.Check c = r.check();
        checked += c.acknowledgedChecked();
        inFlight += c.inFlight();
        inFlightTookEffect += c.inFlightTookEffect();
        lost += c.lost();
        wrong += c.wrong() + c.tornBatches(); // a batch that took effect in part is a wrong state too
        entries = c.entries();
        for (String p : c.problems()) {
            if (problems.size() < Ledger.MAX_DETAILS) {
                problems.add("after kill " + kills + " (pid " + lastPid + "): " + p);
            }
        }
    }

    /** The index could not be opened after the last kill: the run ends there. */
    void recoveryFailed(String message) {
        recoveryFailed = true;
        problems.add("after kill " + kills + " (pid " + lastPid + "): recovery failed: " + message);
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

    int kills() {
        return kills;
    }

    boolean ok() {
        return lost == 0 && wrong == 0 && !recoveryFailed && structureSound;
    }

    int exitCode() {
        return ok() ? Exit.OK : Exit.PROBLEMS;
    }

    /**
     * The report.
     *
     * @param operations   operations the writers announced ({@link Ledger#operations})
     * @param puts         of which puts
     * @param acknowledged operations the parent saw acknowledged
     * @param nanos        how long the run took
     */
    List<String> lines(long operations, long puts, long acknowledged, long nanos) {
        List<String> out = new ArrayList<>();
        for (String p : problems) {
            out.add("   " + p);
        }
        Text.Columns t = new Text.Columns();
        t.row("kills", kills + " with SIGKILL: " + aims.getOrDefault(CrashRun.Aim.GROWTH, 0) + " aimed at a growth, "
                + aims.getOrDefault(CrashRun.Aim.CHECKPOINT, 0) + " at a checkpoint, " + aims.getOrDefault(CrashRun.Aim.RANDOM, 0)
                + " at a random moment");
        t.row("landed", duringGrowth + " while the writer reported a growth (" + recoveredMidGrowth + " recovered mid-growth), "
                + duringCheckpoint + " inside an explicit checkpoint, " + checkpointsFinished
                + " left a checkpoint that recovery finished from the double-write file");
        t.row("operations", Text.count(operations) + " announced (" + Text.count(puts) + " puts, " + Text.count(operations - puts)
                + " deletes), " + ChurnWriter.THREADS + " threads per writer, blocking and async");
        t.row("acknowledged", Text.count(acknowledged) + " (counted from the writers' ledger files, written after they completed)");
        t.row("checked", Text.count(checked) + " acknowledged writes checked (every key with one, after every kill)");
        t.row("in flight", Text.count(inFlight) + " operations at the kills, " + Text.count(inFlightTookEffect)
                + " of them took effect (either outcome is allowed)");
        t.row("lost", Text.count(lost));
        t.row("wrong", Text.count(wrong) + " (values or keys no writer wrote)");
        t.row("recovery", recoveryTimes() + "; replayed " + Text.count(replayed) + " journal records in all, at most "
                + Text.count(maxReplayed) + " at once; " + tornTails + " torn journal tails dropped");
        t.row("index", Text.count(entries) + " entries at the end, B up to " + maxB + ", structure " + structure);
        t.row("time", String.format("%.1f s", nanos / 1e9));
        out.addAll(t.lines("   "));
        out.add("result: " + (ok() ? "OK, no acknowledged write lost" : "FAILED"));
        return out;
    }

    private String recoveryTimes() {
        if (recoveryNanos.isEmpty()) {
            return "none";
        }
        long[] s = recoveryNanos.stream().mapToLong(Long::longValue).toArray();
        Arrays.sort(s);
        return "min " + millis(s[0]) + ", median " + millis(s[s.length / 2]) + ", max " + millis(s[s.length - 1]);
    }

    private static String millis(long nanos) {
        return nanos >= 10_000_000_000L ? String.format("%.1f s", nanos / 1e9) : (nanos / 1_000_000) + " ms";
    }
}
