package io.bucketdb.bench.compare;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * Runs every workload against BucketDB and its peers side by side and writes a results folder:
 * {@code results.md} (a table per workload, each cell with the ratio BucketDB/peer), the raw
 * HdrHistogram logs of the loads, PNG charts, and each fork's log.
 *
 * <p>Each load and recover workload runs per store in a fresh JVM ({@link Worker}) started with the
 * same {@code java}, the same class path and that store's own flags (Chronicle Map's {@code --add-opens}
 * live here and nowhere else). The read workloads of a store share one fresh JVM, which bulk-loads
 * the store once (timed: the bulk-load row) and runs them in turn, delete-half last ({@link #plan}).
 * Forks run one after another: each load against every store in turn, then every store's reads, then
 * recovery, so the figures of one table were taken close together in time.
 *
 * <pre>
 * java -cp bench/target/benchmarks.jar io.bucketdb.bench.compare.ComparisonRunner [options]
 *   --entries N         entries to load (default 1000000; 10000000 for the larger run)
 *   --stores a,b,...    stores to run (default all: see --list)
 *   --workloads a,b,... workloads (default: load, load-4t, load-64t, load-4t-2r, load-8t, load-8t-2r, bulk-load, get-hit, get-miss, mixed, iterate, delete-half,
 *                       recover); the selected reads (bulk-load .. delete-half) of a store run in one fork
 *   --threads 4,64      writer threads of the multi-threaded loads
 *   --shape 8x8         key and value bytes: 8x8 (the long path) or KxV such as 16x100 (the byte path)
 *   --warmup S          untimed seconds before each timed read or mix (default 0.5)
 *   --measure S         timed seconds of each read or mix (default 1)
 *   --write-cap S       a one-thread load stops after this many seconds and reports what it did (default 20)
 *   --threads-cap S     the same for the multi-threaded loads (default 5)
 *   --sync-cap S        the same for stores that force every write, and their mixed run's length (default 3)
 *   --fork-timeout S    a fork still running after this is killed (default 300)
 *   --heap SIZE         -Xms and -Xmx of every fork (default 1g, or 400 bytes per entry if more)
 *   --out DIR           results folder (default bench-results/compare-YYYYMMDD-HHMMSS)
 *   --data-dir DIR      where the stores' files go while a fork runs (default: a new folder in java.io.tmpdir)
 *   --list              print the stores and workloads, then exit
 *   --rerender DIR      rebuild DIR's results.md and charts from its run.properties and raw/ (no run)
 * </pre>
 */
public final class ComparisonRunner {
    private ComparisonRunner() {
    }

    public static void main(String[] args) throws Exception {
        Map<String, String> a = Args.parse(args);
        if (a.containsKey("rerender")) {
            rerender(Path.of(a.get("rerender")));
            return;
        }
        if (a.containsKey("help") || a.containsKey("list")) {
            System.out.println("stores: " + String.join(", ", Stores.names()));
            System.out.println("workloads: " + Workload.KNOWN);
            System.out.println("options: see the Javadoc of " + ComparisonRunner.class.getName() + " or docs/BENCHMARKS.md");
            return;
        }
        int entries = Integer.parseInt(a.getOrDefault("entries", "1000000"));
        Shape shape = Shape.parse(a.getOrDefault("shape", "8x8"));
        List<Integer> threads = Arrays.stream(a.getOrDefault("threads", "4,64").split(",")).map(String::trim)
                .filter(s -> !s.isEmpty()).map(Integer::parseInt).toList();
        List<StoreSpec> stores = a.containsKey("stores")
                ? Arrays.stream(a.get("stores").split(",")).map(String::trim).map(Stores::byName).toList()
                : Stores.ALL;
        List<Workload> workloads = a.containsKey("workloads")
                ? Arrays.stream(a.get("workloads").split(",")).map(String::trim).map(Workload::parse).toList()
                : Workload.defaults(threads);
        String heap = a.getOrDefault("heap", defaultHeap(entries));
        double forkTimeout = Double.parseDouble(a.getOrDefault("fork-timeout", "300"));
        String stamp = LocalDateTime.now().format(DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss"));
        Path outDir = Path.of(a.getOrDefault("out", "bench-results/compare-" + stamp)).toAbsolutePath();
        Path dataRoot = a.containsKey("data-dir")
                ? Files.createDirectories(Path.of(a.get("data-dir")).toAbsolutePath())
                : Files.createTempDirectory("bucketdb-compare-");
        Files.createDirectories(outDir.resolve("raw"));
        Files.createDirectories(outDir.resolve("logs"));

        String java = ProcessHandle.current().info().command().orElse(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        String classPath = System.getProperty("java.class.path");
        List<String> workerOptions = List.of(
                "--entries", Integer.toString(entries), "--shape", shape.toString(),
                "--warmup", a.getOrDefault("warmup", "0.5"), "--measure", a.getOrDefault("measure", "1"));
        Caps caps = new Caps(a.getOrDefault("write-cap", "20"), a.getOrDefault("threads-cap", "5"), a.getOrDefault("sync-cap", "3"));

        List<String> shownOptions = new ArrayList<>(workerOptions);
        shownOptions.addAll(List.of("--write-cap", caps.write() + " (multi-threaded loads: " + caps.threads()
                + "; stores that force every write: " + caps.sync() + ")"));
        RunInfo info = RunInfo.started(entries, shape, heap, command(args), Machine.loadAverage(), Machine.facts(dataRoot),
                LocalDateTime.now().withNano(0).toString(), gitCommit(), shownOptions,
                stores.stream().map(StoreSpec::name).toList(), workloads.stream().map(Workload::id).toList());
        List<ForkPlan> plan = plan(workloads, stores);
        List<Run> runs = new ArrayList<>();
        System.out.printf("comparison: %d entries, %d forks, results in %s%n", entries, plan.size(), outDir);
        long startAll = System.nanoTime();
        int i = 0;
        for (ForkPlan f : plan) {
            i++;
            System.out.printf("[%d/%d] %-12s %-14s ", i, plan.size(), f.label(), f.store().name());
            System.out.flush();
            List<String> options = new ArrayList<>(workerOptions);
            options.addAll(List.of("--write-cap", caps.of(f)));
            List<Run> forkRuns = fork(java, classPath, heap, f, options, outDir, dataRoot, forkTimeout);
            runs.addAll(forkRuns);
            List<String> shown = new ArrayList<>();
            for (Run run : forkRuns) {
                String figure = run.ok() ? Report.rate(run.num("opsPerSec")) : "FAILED: " + run.failure();
                shown.add(forkRuns.size() == 1 ? figure : run.workload().id() + " " + figure);
            }
            System.out.printf("%s (%.1f s)%n", String.join(", ", shown), forkRuns.get(0).wallSeconds());
        }
        deleteTree(dataRoot);
        info = info.finished(Machine.loadAverage(), (System.nanoTime() - startAll) / 1e9);
        info.save(outDir.resolve(RunInfo.FILE));
        List<String> charts = Charts.write(outDir, stores, workloads, runs);
        Path md = Report.write(outDir, info, stores, workloads, runs, charts);
        System.out.println("wrote " + md);
    }

    /**
     * One forked JVM: a store and the workloads it runs, in that order.
     *
     * @param id        names the fork's log ({@code logs/ID.log}) and its runs' {@code fork.id}
     * @param store     the store
     * @param workloads one load or recover workload, or the store's selected reads ({@link Workload.Kind#reads()})
     */
    record ForkPlan(String id, StoreSpec store, List<Workload> workloads) {
        /** What the progress line calls it. */
        String label() {
            return workloads.get(0).kind().reads() ? "reads" : workloads.get(0).id();
        }
    }

    /**
     * The seconds after which a fork's writes stop ({@code --write-cap} of its {@link Worker}).
     *
     * @param write   a one-thread load: long enough to reach N at 1M for every store that does not force
     *                its writes, since its close, bytes on disk and open are measured only then
     * @param threads a multi-threaded load: a rate, which a few seconds measure as well as a full load;
     *                the default run would otherwise spend most of its time here
     * @param sync    a store that forces every write (its loads and its mixed run): a few thousand
     *                operations, whichever workload
     */
    record Caps(String write, String threads, String sync) {
        String of(ForkPlan f) {
            if (f.store().durability() == Durability.SYNC) {
                return sync;
            }
            Workload w = f.workloads().get(0);
            return w.kind() == Workload.Kind.LOAD && w.threads() > 1 ? threads : write;
        }
    }

    /**
     * The forks of a run, in the order they run: each load and recover workload is one fork per store
     * that runs it, as selected; at the place of the first selected read workload, one fork per store
     * for all the selected reads that store runs ({@link Worker#parseWorkloads} puts them in order,
     * delete-half last), so the bulk load happens once per store instead of once per read workload.
     */
    static List<ForkPlan> plan(List<Workload> workloads, List<StoreSpec> stores) {
        List<ForkPlan> plan = new ArrayList<>();
        boolean readsPlanned = false;
        for (Workload w : workloads) {
            if (!w.kind().reads()) {
                for (StoreSpec s : stores) {
                    if (s.runs(w)) {
                        plan.add(new ForkPlan(w.id() + "." + s.name(), s, List.of(w)));
                    }
                }
                continue;
            }
            if (readsPlanned) {
                continue;
            }
            readsPlanned = true;
            for (StoreSpec s : stores) {
                List<Workload> reads = workloads.stream().filter(r -> r.kind().reads() && s.runs(r)).distinct()
                        .sorted(Comparator.comparing(Workload::kind)).toList();
                if (!reads.isEmpty()) {
                    plan.add(new ForkPlan("reads." + s.name(), s, reads));
                }
            }
        }
        return plan;
    }

    /** Runs one fork and returns a run per workload it was given, with the fork's wall time and id beside its figures. */
    private static List<Run> fork(String java, String classPath, String heap, ForkPlan f, List<String> workerOptions,
                                  Path outDir, Path dataRoot, double timeoutSeconds) throws IOException, InterruptedException {
        StoreSpec store = f.store();
        Path raw = outDir.resolve("raw");
        Path data = dataRoot.resolve(f.id());
        // Chronicle's core library makes a "target" folder in java.io.tmpdir unless this property names one (it left an
        // empty /tmp/target after every run); here it is a folder deleted with the fork's data.
        Path build = dataRoot.resolve(f.id() + "-build");
        deleteTree(data);
        for (Workload w : f.workloads()) {
            // A reused --out folder must not lend this fork an older fork's figures.
            Files.deleteIfExists(Worker.resultFile(raw, w, store, ".properties"));
            Files.deleteIfExists(Worker.resultFile(raw, w, store, ".hlog"));
        }
        List<String> cmd = new ArrayList<>();
        cmd.add(java);
        cmd.add("-Xms" + heap);
        cmd.add("-Xmx" + heap);
        cmd.add("-Djava.awt.headless=true");
        cmd.add("-Dproject.build.directory=" + build);
        // Native access as BucketDB is meant to run (its optional madvise), and for the peers' JNI.
        cmd.add("--enable-native-access=ALL-UNNAMED");
        cmd.addAll(store.jvmFlags());
        cmd.add("-cp");
        cmd.add(classPath);
        cmd.add(Worker.class.getName());
        cmd.addAll(List.of("--store", store.name(), "--workloads", String.join(",", f.workloads().stream().map(Workload::id).toList()),
                "--dir", data.toString(), "--out", raw.toString()));
        cmd.addAll(workerOptions);
        Path log = outDir.resolve("logs").resolve(f.id() + ".log");
        Files.writeString(log, String.join(" ", cmd) + System.lineSeparator());
        long start = System.nanoTime();
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile())).start();
        String problem = null;
        if (!p.waitFor((long) (timeoutSeconds * 1000), TimeUnit.MILLISECONDS)) {
            p.descendants().forEach(ProcessHandle::destroyForcibly);
            p.destroyForcibly();
            p.waitFor();
            problem = String.format("killed after the fork timeout of %.0f s", timeoutSeconds);
        }
        double wall = (System.nanoTime() - start) / 1e9;
        deleteTree(data);
        deleteTree(build);
        List<Run> runs = new ArrayList<>();
        for (Workload w : f.workloads()) {
            Properties result = new Properties();
            Path props = Worker.resultFile(raw, w, store, ".properties");
            String runProblem = null;
            if (Files.exists(props)) {
                // Written when the workload ended, so it stands even if the fork died later (a read fork's next workload).
                try (var in = Files.newInputStream(props)) {
                    result.load(in);
                }
            } else {
                runProblem = problem != null ? problem : "the JVM exited with code " + p.exitValue() + " and wrote no result; last lines of logs/"
                        + log.getFileName() + ": " + lastLines(log, 3);
            }
            // The runner's own view goes beside the fork's figures, so --rerender can rebuild the report.
            result.setProperty("store", store.name());
            result.setProperty("workload", w.id());
            result.setProperty("fork.id", f.id());
            result.setProperty("fork.wallSeconds", Double.toString(wall));
            if (runProblem != null) {
                result.setProperty("fork.problem", runProblem);
            }
            try (var os = Files.newOutputStream(props)) {
                result.store(os, null);
            }
            Path hlog = Worker.resultFile(raw, w, store, ".hlog");
            runs.add(new Run(store, w, result, runProblem, wall, Files.exists(hlog) ? hlog : null));
        }
        return runs;
    }

    /** Rebuilds results.md and the charts of a results folder from its run.properties and raw/*.properties. */
    static void rerender(Path outDir) throws IOException {
        RunInfo info = RunInfo.load(outDir.resolve(RunInfo.FILE));
        List<StoreSpec> stores = info.stores().stream().map(Stores::byName).toList();
        List<Workload> workloads = info.workloads().stream().map(Workload::parse).toList();
        List<Run> runs = new ArrayList<>();
        for (Workload w : workloads) {
            for (StoreSpec s : stores) {
                Path props = outDir.resolve("raw").resolve(w.id() + "." + s.name() + ".properties");
                if (!s.runs(w) || !Files.exists(props)) {
                    continue;
                }
                Properties p = new Properties();
                try (var in = Files.newInputStream(props)) {
                    p.load(in);
                }
                Path hlog = outDir.resolve("raw").resolve(w.id() + "." + s.name() + ".hlog");
                runs.add(new Run(s, w, p, p.getProperty("fork.problem"), Double.parseDouble(p.getProperty("fork.wallSeconds", "NaN")),
                        Files.exists(hlog) ? hlog : null));
            }
        }
        List<String> charts = Charts.write(outDir, stores, workloads, runs);
        System.out.println("wrote " + Report.write(outDir, info, stores, workloads, runs, charts));
    }

    private static String defaultHeap(int entries) {
        long mb = Math.max(1024, entries * 400L >> 20);
        return mb % 1024 == 0 ? (mb / 1024) + "g" : mb + "m";
    }

    private static String lastLines(Path f, int n) throws IOException {
        List<String> lines = Files.readAllLines(f);
        return String.join(" | ", lines.subList(Math.max(0, lines.size() - n), lines.size()));
    }

    /** This JVM's command line as the OS has it, else a reconstruction. */
    private static String command(String[] args) {
        return ProcessHandle.current().info().commandLine()
                .orElse("java -cp " + System.getProperty("java.class.path") + " " + ComparisonRunner.class.getName() + " "
                        + String.join(" ", args));
    }

    private static String gitCommit() {
        String out = Machine.command(List.of("git", "rev-parse", "--short", "HEAD")).trim();
        return out.matches("[0-9a-f]{4,40}") ? out : "?";
    }

    static void deleteTree(Path dir) throws IOException {
        if (!Files.exists(dir)) {
            return;
        }
        try (Stream<Path> paths = Files.walk(dir)) {
            for (Path p : (Iterable<Path>) paths.sorted(Comparator.reverseOrder())::iterator) {
                Files.deleteIfExists(p);
            }
        }
    }
}
