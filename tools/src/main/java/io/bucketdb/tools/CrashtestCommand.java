package io.bucketdb.tools;

import io.bucketdb.Durability;
import io.bucketdb.inspect.IndexInspector;
import io.bucketdb.inspect.Problem;
import io.bucketdb.spi.CorruptIndexException;
import io.bucketdb.storage.IndexFileNames;
import org.apache.commons.io.FileUtils;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * {@code bucketdb crashtest DIR}: the kill -9 test users run on their own disks and file systems. Writer
 * processes put, overwrite and delete through the write pipeline and report every acknowledgement; this
 * process kills each with SIGKILL at a growth, a checkpoint or a random moment, reopens the index (the
 * recovery, timed), checks every acknowledged write, closes it and starts the next writer on the same index.
 */
@Command(name = "crashtest", mixinStandardHelpOptions = true,
        description = {"Test crash recovery on this machine's disk and file system: writer processes put, overwrite and delete "
                + "through the write pipeline (3 threads, blocking and async calls, frequent checkpoints) and report every "
                + "acknowledged write; crashtest kills each writer with SIGKILL at a random moment, during a growth of the table "
                + "or during a checkpoint, reopens the index (timing the recovery), checks that every acknowledged write is "
                + "there (the last acknowledged value of each key; deleted keys absent; an operation in flight at the kill may "
                + "go either way) and that nothing else is, then starts the next writer on the same index.",
                "Prints kills, operations, acknowledged writes checked, lost (must be 0) and recovery times, then checks the "
                        + "final index's structure. DIR must be new or empty; the index is kept there afterwards. "
                        + "A process kill loses nothing in either durability mode: ASYNC may lose only the last interval "
                        + "on a power loss, which this test does not cause."},
        footer = {"%nWith --chain the writers never close and nothing else opens the index: each writer life opens it (the "
                + "recovery from the previous kill), checks every acknowledged write through that open before it writes, then "
                + "puts, overwrites, deletes and writes batches of random size (SYNC or ASYNC at random unless --durability is "
                + "given, explicit checkpoints in one life in four) until it is killed with SIGKILL at a growth, inside a batch, "
                + "in a checkpoint or at random; a last life only opens and checks. It reports lives, kills by aim, writes "
                + "checked, lost (must be 0) and failed opens (must be 0).",
                "%nExamples:%n  bucketdb crashtest /mnt/data/crash-idx%n"
                + "  bucketdb crashtest /mnt/data/crash-idx --seconds 600 --durability async --value-size 100%n"
                + "  bucketdb crashtest /mnt/data/chain-idx --chain --kills 1000",
                "%nExit codes: 0 every acknowledged write survived every kill, 1 a write was lost (or a key held what no "
                        + "writer wrote, a batch took effect in part, recovery failed, or the structure is damaged), 2 usage "
                        + "error, 3 I/O error "
                        + "(DIR unusable, or a writer could not run)."})
final class CrashtestCommand implements Callable<Integer> {
    /** Kills when neither --kills nor --seconds is given. */
    static final int DEFAULT_KILLS = 20;

    @Spec
    CommandSpec spec;

    @Parameters(index = "0", paramLabel = "DIR", description = "A new or empty directory for the test index (kept afterwards).")
    Path dir;

    @Option(names = "--kills", paramLabel = "N", description = "Stop after N kills (default " + DEFAULT_KILLS
            + ", unlimited when only --seconds is given); with --chain, N writer lives, each killed once.")
    Integer kills;

    @Option(names = "--chain", description = "Writer lives that never close, each recovering from the previous kill and "
            + "checking every acknowledged write through its own open before it writes (see below).")
    boolean chain;

    @Option(names = "--seed", paramLabel = "S", description = "Seed of the run's choices (aims, writers' keys, durabilities), "
            + "printed in the report; reuse it to repeat a run's choices (the timing of the kills still varies).")
    Long seed;

    @Option(names = "--seconds", paramLabel = "S", description = "Start no new writer after S seconds (default: no limit).")
    Long seconds;

    @Option(names = "--durability", paramLabel = "sync|async",
            description = "When writers are acknowledged: sync (after the journal force) or async (after the journal write). "
                    + "Default sync; with --chain, each life picks one at random.")
    Durability durability;

    @Option(names = "--value-size", paramLabel = "B", defaultValue = "8",
            description = "Value width of the test index in bytes, 8 to 4096 (default ${DEFAULT-VALUE}); keys are 8-byte longs. "
                    + "Each value encodes its key and version, so a wrong or torn value is caught.")
    int valueSize;

    @Override
    public Integer call() throws IOException, InterruptedException {
        checkOptions();
        PrintWriter out = spec.commandLine().getOut();
        int maxKills = kills != null ? kills : seconds != null ? Integer.MAX_VALUE : DEFAULT_KILLS;
        long start = System.nanoTime();
        long deadline = seconds == null ? Long.MAX_VALUE : start + TimeUnit.SECONDS.toNanos(seconds);
        long runSeed = seed != null ? seed : ThreadLocalRandom.current().nextLong();
        Path work = Files.createTempDirectory("bucketdb-crashtest-");
        try {
            return chain ? chain(out, maxKills, deadline, runSeed, work, start) : kills(out, maxKills, deadline, runSeed, work, start);
        } finally {
            FileUtils.deleteQuietly(work.toFile());
        }
    }

    /** The classic run: each writer killed, the index reopened, checked and closed here. */
    private int kills(PrintWriter out, int maxKills, long deadline, long runSeed, Path work, long start)
            throws IOException, InterruptedException {
        Durability d = durability != null ? durability : Durability.SYNC;
        CrashRun run = new CrashRun(dir, work, d, valueSize, runSeed);
        CrashReport report = new CrashReport();
        out.println("crashtest: writer processes on " + dir + " killed with SIGKILL (" + d + ", 8-byte keys, "
                + valueSize + "-byte values, up to " + Text.count(CrashRun.keyCap(valueSize)) + " keys)");
        out.flush();
        Progress bar = new Progress(spec.commandLine().getErr(), Progress.onTerminal(), "   killing",
                maxKills == Integer.MAX_VALUE ? 0 : maxKills, "kills");
        CrashRun.Aim[] aims = CrashRun.Aim.values();
        int first = (int) Math.floorMod(runSeed, aims.length);
        for (int i = 0; i < maxKills && (i == 0 || System.nanoTime() - deadline < 0); i++) {
            report.killed(run.killOne(aims[(first + i) % aims.length], deadline));
            try {
                report.recovered(run.recoverAndCheck());
            } catch (CorruptIndexException e) {
                // Damage after a kill is what this command looks for: a finding (exit 1), not an I/O error.
                report.recoveryFailed(e.getMessage());
                break;
            }
            bar.update(i + 1);
        }
        bar.finish();
        if (report.ok()) {
            report.structure(checkStructure(dir));
        }
        Ledger l = run.ledger();
        print(out, report.lines(l.operations(), l.puts(), l.acknowledged(), System.nanoTime() - start));
        return report.exitCode();
    }

    /** The chain run ({@link ChainRun}): no open here, no close anywhere; it ends at the first life that finds a problem. */
    private int chain(PrintWriter out, int maxLives, long deadline, long runSeed, Path work, long start)
            throws IOException, InterruptedException {
        ChainRun run = new ChainRun(dir, work, durability, valueSize, runSeed);
        ChainReport report = new ChainReport(runSeed);
        out.println("crashtest --chain: writer lives on " + dir + " that never close, each killed with SIGKILL ("
                + (durability == null ? "SYNC or ASYNC at random" : durability.toString()) + ", 8-byte keys, " + valueSize
                + "-byte values, up to " + Text.count(CrashRun.keyCap(valueSize)) + " keys; seed " + runSeed + ")");
        out.flush();
        Progress bar = new Progress(spec.commandLine().getErr(), Progress.onTerminal(), "   living",
                maxLives == Integer.MAX_VALUE ? 0 : maxLives, "lives");
        ChainRun.Aim[] aims = ChainRun.Aim.values();
        int first = (int) Math.floorMod(runSeed, aims.length);
        for (int i = 0; i < maxLives && (i == 0 || System.nanoTime() - deadline < 0) && report.ok(); i++) {
            report.life(run.live(aims[(first + i) % aims.length], deadline));
            bar.update(i + 1);
        }
        if (report.ok()) {
            report.life(run.finalCheck());
        }
        bar.finish();
        if (report.ok()) {
            report.structure(checkStructure(dir));
        }
        print(out, report.lines(run.ledger(), System.nanoTime() - start));
        return report.exitCode();
    }

    private static void print(PrintWriter out, List<String> lines) {
        for (String line : lines) {
            out.println(line);
        }
        out.flush();
    }
    private void checkOptions() throws IOException {
        if (kills != null && kills < 1) {
            throw CliException.usage("--kills must be at least 1, got " + kills);
        }
        if (seconds != null && seconds < 1) {
            throw CliException.usage("--seconds must be at least 1, got " + seconds);
        }
        if (valueSize < CrashValue.MIN_WIDTH || valueSize > 4096) {
            throw CliException.usage("--value-size must be 8 to 4096 bytes (a value holds its key and version), got " + valueSize);
        }
        if (Files.exists(dir) && !Files.isDirectory(dir)) {
            throw CliException.usage(dir + " is not a directory: give a new or empty directory for the test index");
        }
        if (Files.exists(dir.resolve(IndexFileNames.TABLE))) {
            throw CliException.usage(dir + " already holds an index; crashtest builds its own: give a new or empty directory");
        }
        if (Files.isDirectory(dir)) {
            try (Stream<Path> s = Files.list(dir)) {
                if (s.findAny().isPresent()) {
                    throw CliException.usage(dir + " is not empty; crashtest builds its own index: give a new or empty directory");
                }
            }
        }
    }

    /** The inspector's full structural check of the final index (the table file as written, not the table in memory). */
    static Structure checkStructure(Path dir) throws IOException {
        try (IndexInspector in = IndexInspector.open(dir)) {
            List<Problem> problems = in.verify();
            return new Structure(problems.isEmpty(), problems.isEmpty() ? "sound (bucketdb verify)"
                    : problems.size() + " problems, first: " + problems.getFirst());
        }
    }

    /** What {@link #checkStructure} found. */
    record Structure(boolean sound, String description) {
    }
}
