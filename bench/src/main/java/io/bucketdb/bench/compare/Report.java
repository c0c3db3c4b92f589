package io.bucketdb.bench.compare;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.DoubleFunction;

/** Writes {@code results.md}: a table per workload, every figure with its ratio BucketDB/peer. */
final class Report {
    private Report() {
    }

    /** Figures about the loaded store, which mean nothing when the load stopped early at the write cap. */
    private static final java.util.Set<String> AFTER_LOAD = java.util.Set.of("closeMs", "bytesPerEntry", "openMs");

    /** One column of a workload's table. */
    record Metric(String key, String header, boolean higherIsBetter, DoubleFunction<String> format) {
    }

    static List<Metric> metrics(Workload w) {
        return switch (w.kind()) {
            case LOAD -> w.threads() == 1
                    ? List.of(new Metric("opsPerSec", "puts/s", true, Report::rate),
                    new Metric("p50Ns", "put p50", false, Report::nanos),
                    new Metric("p99Ns", "put p99", false, Report::nanos),
                    new Metric("p999Ns", "put p99.9", false, Report::nanos),
                    new Metric("p9999Ns", "put p99.99", false, Report::nanos),
                    new Metric("maxNs", "put max", false, Report::nanos),
                    // The putting thread's own minor page faults (ThreadKernelCounts): BucketDB's writer is that thread.
                    new Metric("callerMinorFaults", "putter's page faults", false, Report::count),
                    new Metric("closeMs", "close", false, Report::millis),
                    new Metric("bytesPerEntry", "disk bytes/entry", false, Report::bytes),
                    new Metric("openMs", "open", false, Report::millis))
                    : w.readers() > 0
                    ? List.of(new Metric("opsPerSec", "puts/s", true, Report::rate),
                    new Metric("readsPerSec", "gets/s (busy readers)", true, Report::rate))
                    : List.of(new Metric("opsPerSec", "puts/s", true, Report::rate));
            // N puts into an empty store, each store's fastest way from one producer (batched transactions,
            // BucketDB's BulkLoad): the read fork's preload, timed without the settling after it.
            case BULK_LOAD -> List.of(new Metric("opsPerSec", "puts/s", true, Report::rate),
                    new Metric("seconds", "time to load N", false, v -> millis(v * 1000)));
            case GET_HIT -> List.of(new Metric("opsPerSec", "gets/s", true, Report::rate));
            case GET_MISS -> List.of(new Metric("opsPerSec", "gets/s", true, Report::rate));
            case MIXED -> List.of(new Metric("opsPerSec", "ops/s", true, Report::rate));
            case DELETE_HALF -> List.of(new Metric("delete.opsPerSec", "deletes/s", true, Report::rate),
                    new Metric("opsPerSec", "gets/s after", true, Report::rate),
                    new Metric("bytesPerEntryAfterDelete", "disk bytes/entry left", false, Report::bytes),
                    new Metric("compactMs", "compaction", false, Report::millis),
                    new Metric("bytesPerEntryCompacted", "disk bytes/entry compacted", false, Report::bytes));
            case RECOVER -> List.of(new Metric("recoveryMs", "open after SIGKILL", false, Report::millis),
                    new Metric("recoveryMsPerMillionOps", "per million ops", false, Report::millis));
            case ITERATE -> List.of(new Metric("opsPerSec", "entries/s", true, Report::rate),
                    new Metric("passMs", "full pass", false, Report::millis));
        };
    }

    static String title(Workload w) {
        return switch (w.kind()) {
            case LOAD -> w.threads() == 1 ? "Load from empty, 1 thread (put latency, close, bytes on disk, open)"
                    : w.readers() > 0 ? "Load from empty, " + w.threads() + " writer threads beside " + w.readers()
                    + " busy reader threads"
                    : "Load from empty, " + w.threads() + " writer threads";
            case BULK_LOAD -> "Load from empty, one producer, each store's fastest way";
            case GET_HIT -> "Random get, hits";
            case GET_MISS -> "Random get, misses";
            case MIXED -> "50/50 get / overwriting put";
            case DELETE_HALF -> "Delete half, then random get";
            case ITERATE -> "Full iteration";
            case RECOVER -> "Recovery: open after SIGKILL, N puts since the last checkpoint";
        };
    }

    static Path write(Path outDir, RunInfo info, List<StoreSpec> stores, List<Workload> workloads, List<Run> runs,
                      List<String> charts) throws IOException {
        StringBuilder md = new StringBuilder();
        md.append("# BucketDB side by side with its peers\n\n");
        md.append("- started ").append(info.startedAt()).append(", commit `").append(info.commit()).append("`, ")
                .append(String.format(Locale.ROOT, "%.1f", info.totalSeconds() / 60)).append(" minutes in all\n");
        md.append("- ").append(info.entries()).append(" entries, keys → values of ").append(info.shape().keyBytes())
                .append(" → ").append(info.shape().valueBytes()).append(" bytes; every fork: `-Xms").append(info.heap())
                .append(" -Xmx").append(info.heap()).append("`, worker options `").append(String.join(" ", info.workerOptions())).append("`\n");
        md.append("- load average (1, 5, 15 min) at the start: ").append(info.loadStart()).append("; at the end: ")
                .append(info.loadEnd()).append(" (each fork's is in the last table)\n\n");
        md.append("Command:\n\n```sh\n").append(info.command()).append("\n```\n\n");
        md.append("""
                **How to read.** Each cell is the store's figure and, in brackets, the ratio BucketDB / that store \
                measured in the same run. For rates (…/s) a ratio above 1 means BucketDB is faster; for latencies, \
                times and bytes a ratio below 1 means BucketDB is lower (better). Ratios compare with the BucketDB \
                variant of the same durability where there is one, else with `bucketdb`.

                **Durability.** `bucketdb` (ASYNC) acknowledges a put after its journal record is written (survives a \
                process crash); `bucketdb-sync` after the force that covers it (survives power loss). Each peer is \
                compared with the variant that promises what it promises.

                """);

        md.append("## Stores\n\n| store | durability when a put returns | writers | extra JVM flags | settings | compaction | recovery |\n"
                + "|---|---|---|---|---|---|---|\n");
        for (StoreSpec s : stores) {
            md.append("| ").append(s.label()).append(" (`").append(s.name()).append("`) | ").append(s.durability().description())
                    .append(" | ").append(s.writers().name().toLowerCase(Locale.ROOT).replace('_', ' ')).append(" | ")
                    .append(s.jvmFlags().isEmpty() ? "" : "`" + String.join(" ", s.jvmFlags()) + "`").append(" | ")
                    .append(s.settings().replace("|", "\\|")).append(" | ")
                    .append(s.compaction() == null ? "none" : s.compaction()).append(" | ")
                    .append(s.recovery() == null ? "–" : s.recovery()).append(" |\n");
        }
        md.append("\n");

        List<String> losses = new ArrayList<>();
        List<String> failures = new ArrayList<>();
        for (Workload w : workloads) {
            md.append("## ").append(title(w)).append("\n\n");
            List<Metric> metrics = metrics(w);
            boolean bulk = w.kind() == Workload.Kind.BULK_LOAD;
            if (bulk) {
                md.append(BULK_LOAD_INTRO);
            }
            md.append("| store | durability |");
            for (Metric m : metrics) {
                md.append(' ').append(m.header()).append(m.higherIsBetter() ? " ↑" : " ↓").append(" |");
            }
            md.append(bulk ? " method |" : "");
            md.append("\n|---|---|");
            md.append("---:|".repeat(metrics.size()));
            md.append(bulk ? "---|" : "");
            md.append("\n");
            List<String> notes = new ArrayList<>();
            List<String> notRun = new ArrayList<>();
            for (StoreSpec s : stores) {
                if (!s.runs(w)) {
                    notRun.add("`" + s.name() + "` (" + whyNotRun(s, w) + ")");
                    continue;
                }
                Run run = find(runs, s, w);
                if (run == null) {
                    continue;
                }
                md.append("| ").append(s.label()).append(" | ").append(s.durability().name().toLowerCase(Locale.ROOT)).append(" |");
                if (!run.ok()) {
                    md.append(" failed (see below) |").append(" |".repeat(metrics.size() - 1 + (bulk ? 1 : 0))).append("\n");
                    failures.add(w.id() + " / `" + s.name() + "`: " + run.failure());
                    continue;
                }
                StoreSpec baseSpec = Stores.baselineFor(s, stores);
                Run base = baseSpec == null ? null : find(runs, baseSpec, w);
                if (base == null) {
                    // The same-durability variant does not run this workload (recover): compare with the baseline.
                    base = stores.stream().filter(x -> x.name().equals(Stores.BUCKETDB)).findFirst().map(x -> find(runs, x, w)).orElse(null);
                }
                for (Metric m : metrics) {
                    double v = run.num(m.key());
                    md.append(' ');
                    if (run.capped() && AFTER_LOAD.contains(m.key())) {
                        md.append("– † |");
                        continue;
                    }
                    if (Double.isNaN(v)) {
                        md.append("– |");
                        continue;
                    }
                    md.append(m.format().apply(v));
                    if (m.key().equals("opsPerSec") && run.capped()) {
                        md.append(" †");
                    }
                    if (base != null && base != run && base.ok() && !(base.capped() && AFTER_LOAD.contains(m.key()))) {
                        double b = base.num(m.key());
                        if (!Double.isNaN(b) && v != 0) {
                            double r = b / v;
                            md.append(" (").append(ratio(r)).append(")");
                            boolean loses = m.higherIsBetter() ? r < 1 : r > 1;
                            if (loses) {
                                losses.add(w.id() + ", " + m.header() + ": " + s.label() + " " + m.format().apply(v) + " vs BucketDB "
                                        + m.format().apply(b) + " (" + ratio(r) + ")");
                            }
                        }
                    }
                    md.append(" |");
                }
                if (bulk) {
                    md.append(' ').append(s.bulkLoad().replace("|", "\\|")).append(" |");
                }
                md.append("\n");
                if (run.capped()) {
                    notes.add(String.format(Locale.ROOT, "† %s stopped at the write cap: %s of %d entries in %.1f s%s.", s.label(),
                            run.result().getProperty("ops"), info.entries(), run.num("seconds"),
                            metrics.stream().anyMatch(m -> AFTER_LOAD.contains(m.key()))
                                    ? "; close, bytes on disk and open of that smaller store are left out (raw/ has them)" : ""));
                }
            }
            md.append("\n");
            for (String n : notes) {
                md.append(n).append("\n\n");
            }
            if (!notRun.isEmpty()) {
                md.append("Not run: ").append(String.join(", ", notRun)).append(".\n\n");
            }
            if (bulk) {
                String goal = loadGoal(stores, runs, w);
                if (goal != null) {
                    md.append(goal).append("\n\n");
                }
            }
        }

        ReadLoadSection.append(md, stores, workloads, runs);
        md.append("## Where BucketDB loses in this run\n\n");
        if (losses.isEmpty()) {
            md.append("Nowhere among the figures above.\n\n");
        } else {
            for (String l : losses) {
                md.append("- ").append(l).append("\n");
            }
            md.append("\n");
        }
        md.append("## Failures\n\n");
        if (failures.isEmpty()) {
            md.append("None.\n\n");
        } else {
            for (String f : failures) {
                md.append("- ").append(f.replace("|", "\\|")).append("\n");
            }
            md.append("\nEach fork's output is in `logs/`.\n\n");
        }

        md.append("## Charts\n\n");
        for (String c : charts) {
            md.append("![").append(c).append("](").append(c).append(")\n\n");
        }
        md.append("The put-latency logs (HdrHistogram interval logs, one interval per N/200 puts, values in ns) are `raw/load.*.hlog`; "
                + "`raw/*.properties` hold every figure each fork measured.\n\n");

        md.append("## Machine\n\n");
        for (Map.Entry<String, String> e : info.machine().entrySet()) {
            if (e.getValue().startsWith("\n")) {
                md.append("- ").append(e.getKey()).append(":\n\n```\n").append(e.getValue().substring(1)).append("\n```\n");
            } else {
                md.append("- ").append(e.getKey()).append(": ").append(e.getValue()).append("\n");
            }
        }
        md.append("\n## Forks\n\n| fork | workloads | wall s | load average at start → end | GC count / ms (timed part) |\n"
                + "|---|---|---:|---|---|\n");
        // A read fork runs several workloads: one line per fork, its workloads' load averages and GC side by side.
        Map<String, List<Run>> forks = new java.util.LinkedHashMap<>();
        for (Run r : runs) {
            forks.computeIfAbsent(r.result().getProperty("fork.id", r.workload().id() + "." + r.store().name()), k -> new ArrayList<>()).add(r);
        }
        for (Map.Entry<String, List<Run>> f : forks.entrySet()) {
            List<Run> rs = f.getValue();
            md.append("| ").append(f.getKey()).append(" | ").append(String.join(", ", rs.stream().map(r -> r.workload().id()).toList()))
                    .append(" | ").append(String.format(Locale.ROOT, "%.1f", rs.get(0).wallSeconds())).append(" | ")
                    .append(rs.get(0).result().getProperty("loadavg.start", "?")).append(" → ")
                    .append(rs.get(rs.size() - 1).result().getProperty("loadavg.end", "?")).append(" | ")
                    .append(String.join(", ", rs.stream().map(r -> r.result().getProperty("gcCount", "?") + " / "
                            + r.result().getProperty("gcMs", "?")).toList()))
                    .append(" |\n");
        }
        Path file = outDir.resolve("results.md");
        Files.writeString(file, md);
        return file;
    }

    private static final String BULK_LOAD_INTRO = """
            Keys 0 .. N-1 put into an empty store from one producer thread, the fastest way each store offers \
            (method column); each store's read fork starts with it, and its reads run on the store it built. \
            The time runs from the first put until the last is acknowledged (and, where the method says so, \
            forced); RocksDB's flush and compactions before the reads are not in it.

            """;

    /**
     * The load goal ("load 0 → 10M, 8/8, ASYNC, one producer: ≥ 2× Chronicle Map, ≥ 10× MapDB")
     * against this table's ratios, or null if BucketDB or both peers are missing.
     */
    static String loadGoal(List<StoreSpec> stores, List<Run> runs, Workload w) {
        Run bucketdb = stores.stream().filter(s -> s.name().equals(Stores.BUCKETDB)).findFirst().map(s -> find(runs, s, w)).orElse(null);
        if (bucketdb == null || !bucketdb.ok()) {
            return null;
        }
        List<String> parts = new ArrayList<>();
        for (String[] goal : new String[][] {{"chronicle", "Chronicle Map", "2"}, {"mapdb", "MapDB", "10"}}) {
            Run peer = stores.stream().filter(s -> s.name().equals(goal[0])).findFirst().map(s -> find(runs, s, w)).orElse(null);
            if (peer != null && peer.ok()) {
                double r = bucketdb.num("opsPerSec") / peer.num("opsPerSec");
                parts.add(String.format(Locale.ROOT, "%s %s (goal ≥ ×%s: %s)", goal[1], ratio(r), goal[2],
                        r >= Double.parseDouble(goal[2]) ? "met" : "missed"));
            }
        }
        if (parts.isEmpty()) {
            return null;
        }
        return "The issue's goal \"load 0 → 10M, 8/8, ASYNC, one producer: ≥ 2× Chronicle Map, ≥ 10× MapDB\" is this table "
                + "(the goal is stated at 10M and 8/8); BucketDB (ASYNC) / " + String.join(", ", parts) + ".";
    }

    private static String whyNotRun(StoreSpec s, Workload w) {
        if (w.threads() > 1 && s.writers() == StoreSpec.Writers.ONE_THREAD) {
            return "not thread-safe";
        }
        if (w.kind() == Workload.Kind.RECOVER) {
            return "no recovery to measure";
        }
        if (w.kind() == Workload.Kind.BULK_LOAD) {
            return "forces every write: the row is for unforced loads";
        }
        return "forces every write; reads and deletes are not measured for this variant";
    }

    static Run find(List<Run> runs, StoreSpec s, Workload w) {
        for (Run r : runs) {
            if (r.store().name().equals(s.name()) && r.workload().equals(w)) {
                return r;
            }
        }
        return null;
    }

    static String ratio(double r) {
        if (r >= 100) {
            return String.format(Locale.ROOT, "×%.0f", r);
        }
        if (r >= 10) {
            return String.format(Locale.ROOT, "×%.1f", r);
        }
        if (r >= 0.1) {
            return String.format(Locale.ROOT, "×%.2f", r);
        }
        return String.format(Locale.ROOT, "×%.2g", r);
    }

    static String rate(double perSec) {
        if (Double.isNaN(perSec)) {
            return "–";
        }
        if (perSec >= 1e6) {
            return String.format(Locale.ROOT, "%.2f M/s", perSec / 1e6);
        }
        if (perSec >= 1e3) {
            return String.format(Locale.ROOT, "%.1f k/s", perSec / 1e3);
        }
        return String.format(Locale.ROOT, "%.0f /s", perSec);
    }

    static String nanos(double ns) {
        if (ns >= 1e9) {
            return String.format(Locale.ROOT, "%.2f s", ns / 1e9);
        }
        if (ns >= 1e6) {
            return String.format(Locale.ROOT, "%.2f ms", ns / 1e6);
        }
        if (ns >= 1e3) {
            return String.format(Locale.ROOT, "%.2f µs", ns / 1e3);
        }
        return String.format(Locale.ROOT, "%.0f ns", ns);
    }

    static String millis(double ms) {
        return ms >= 1000 ? String.format(Locale.ROOT, "%.2f s", ms / 1000) : String.format(Locale.ROOT, "%.1f ms", ms);
    }

    static String count(double n) {
        return String.format(Locale.ROOT, "%,.0f", n);
    }

    static String bytes(double b) {
        return String.format(Locale.ROOT, "%.1f B", b);
    }
}
