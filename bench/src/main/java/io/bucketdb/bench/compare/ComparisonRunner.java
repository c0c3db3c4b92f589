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
 * <p>Each (workload, store) pair runs in a fresh JVM ({@link Worker}) started with the same
 * {@code java}, the same class path and that store's own flags (Chronicle Map's {@code --add-opens}
 * live here and nowhere else). Workloads run one after another, each against every store in turn,
 * so the figures of one table were taken close together in time.
 *
 * <pre>
 * java -cp bench/target/benchmarks.jar io.bucketdb.bench.compare.ComparisonRunner [options]
 *   --entries N         entries to load (default 1000000; 10000000 for the larger run)
 *   --stores a,b,...    stores to run (default all: see --list)
 *   --workloads a,b,... workloads (default: load, load-4t, load-64t, get-hit, get-miss, mixed, delete-half, iterate, recover)
 *   --threads 4,64      writer threads of the multi-threaded loads
 *   --shape 8x8         key and value bytes: 8x8 (the long path) or KxV such as 16x100 (the byte path)
 *   --warmup S          untimed seconds before each timed read or mix (default 1)
 *   --measure S         timed seconds of each read or mix (default 2)
 *   --write-cap S       a load stops after this many seconds and reports what it did (default 20)
 *   --sync-cap S        the same for stores that force every write, and their mixed run's length (default 10)
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
            System.out.println("workloads: load, load-<T>t, get-hit, get-miss, mixed, delete-half, iterate, recover");
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
                "--warmup", a.getOrDefault("warmup", "1"), "--measure", a.getOrDefault("measure", "2"));
        String writeCap = a.getOrDefault("write-cap", "20");
        String syncCap = a.getOrDefault("sync-cap", "10");

        List<String> shownOptions = new ArrayList<>(workerOptions);
        shownOptions.addAll(List.of("--write-cap", writeCap + " (stores that force every write: " + syncCap + ")"));
        RunInfo info = RunInfo.started(entries, shape, heap, command(args), Machine.loadAverage(), Machine.facts(dataRoot),
                LocalDateTime.now().withNano(0).toString(), gitCommit(), shownOptions,
                stores.stream().map(StoreSpec::name).toList(), workloads.stream().map(Workload::id).toList());
        List<Run> runs = new ArrayList<>();
        int total = 0;
        for (Workload w : workloads) {
            for (StoreSpec s : stores) {
                if (s.runs(w)) {
                    total++;
                }
            }
        }
        System.out.printf("comparison: %d entries, %d forks, results in %s%n", entries, total, outDir);
        long startAll = System.nanoTime();
        int i = 0;
        for (Workload w : workloads) {
            for (StoreSpec s : stores) {
                if (!s.runs(w)) {
                    continue;
                }
                i++;
                System.out.printf("[%d/%d] %-12s %-14s ", i, total, w.id(), s.name());
                System.out.flush();
                List<String> options = new ArrayList<>(workerOptions);
                options.addAll(List.of("--write-cap", s.durability() == Durability.SYNC ? syncCap : writeCap));
                Run run = fork(java, classPath, heap, s, w, options, outDir, dataRoot, forkTimeout);
                runs.add(run);
                System.out.println(run.ok()
                        ? String.format("%s (%.1f s)", Report.rate(run.num("opsPerSec")), run.wallSeconds())
                        : "FAILED: " + run.failure());
            }
        }
        deleteTree(dataRoot);
        info = info.finished(Machine.loadAverage(), (System.nanoTime() - startAll) / 1e9);
        info.save(outDir.resolve(RunInfo.FILE));
        List<String> charts = Charts.write(outDir, stores, workloads, runs);
        Path md = Report.write(outDir, info, stores, workloads, runs, charts);
        System.out.println("wrote " + md);
    }

    private static Run fork(String java, String classPath, String heap, StoreSpec store, Workload w, List<String> workerOptions,
                            Path outDir, Path dataRoot, double timeoutSeconds) throws IOException, InterruptedException {
        String base = w.id() + "." + store.name();
        Path prefix = outDir.resolve("raw").resolve(base);
        Path data = dataRoot.resolve(base);
        deleteTree(data);
        List<String> cmd = new ArrayList<>();
        cmd.add(java);
        cmd.add("-Xms" + heap);
        cmd.add("-Xmx" + heap);
        cmd.add("-Djava.awt.headless=true");
        // Native access as BucketDB is meant to run (its optional madvise), and for the peers' JNI.
        cmd.add("--enable-native-access=ALL-UNNAMED");
        cmd.addAll(store.jvmFlags());
        cmd.add("-cp");
        cmd.add(classPath);
        cmd.add(Worker.class.getName());
        cmd.addAll(List.of("--store", store.name(), "--workload", w.id(), "--dir", data.toString(), "--out", prefix.toString()));
        cmd.addAll(workerOptions);
        Path log = outDir.resolve("logs").resolve(base + ".log");
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
        Properties result = new Properties();
        Path props = Path.of(prefix + ".properties");
        if (Files.exists(props)) {
            try (var in = Files.newInputStream(props)) {
                result.load(in);
            }
        } else if (problem == null) {
            problem = "the JVM exited with code " + p.exitValue() + " and wrote no result; last lines of logs/" + log.getFileName()
                    + ": " + lastLines(log, 3);
        }
        deleteTree(data);
        // The runner's own view goes beside the fork's figures, so --rerender can rebuild the report.
        result.setProperty("store", store.name());
        result.setProperty("workload", w.id());
        result.setProperty("fork.wallSeconds", Double.toString(wall));
        if (problem != null) {
            result.setProperty("fork.problem", problem);
        }
        try (var os = Files.newOutputStream(props)) {
            result.store(os, null);
        }
        Path hlog = Path.of(prefix + ".hlog");
        return new Run(store, w, result, problem, wall, Files.exists(hlog) ? hlog : null);
    }

    /** Rebuilds results.md and the charts of a results folder from its run.properties and raw/*.properties. */
    private static void rerender(Path outDir) throws IOException {
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
