package io.bucketdb.bench.compare;

import java.util.List;
import java.util.Locale;

/**
 * The "writes under read load" section of {@code results.md} (issue 16): for each {@code load-<T>t-<R>r}
 * workload that ran beside its {@code load-<T>t}, the share of its write rate every store keeps with
 * R busy reader threads, as a row per store, so the read-load ratio is a figure of every peer.
 */
final class ReadLoadSection {
    /** The goal: writes keep at least this share of their rate beside busy readers. */
    static final double GOAL = 0.7;

    private ReadLoadSection() {
    }

    /** Appends the section to {@code md} if some readers workload ran beside its plain load; otherwise nothing. */
    static void append(StringBuilder md, List<StoreSpec> stores, List<Workload> workloads, List<Run> runs) {
        for (Workload w : workloads) {
            if (w.kind() != Workload.Kind.LOAD || w.readers() == 0) {
                continue;
            }
            Workload plain = new Workload(Workload.Kind.LOAD, w.threads());
            if (!workloads.contains(plain)) {
                continue;
            }
            md.append("## Writes under read load: ").append(w.threads()).append(" writers, then the same beside ")
                    .append(w.readers()).append(" busy readers\n\n");
            md.append("| store | durability | puts/s alone | puts/s beside readers | kept (beside ÷ alone) ↑ |\n|---|---|---:|---:|---:|\n");
            for (StoreSpec s : stores) {
                Run alone = Report.find(runs, s, plain);
                Run beside = Report.find(runs, s, w);
                if (alone == null || beside == null || !alone.ok() || !beside.ok()) {
                    continue;
                }
                double a = alone.num("opsPerSec");
                double b = beside.num("opsPerSec");
                md.append("| ").append(s.label()).append(" | ").append(s.durability().name().toLowerCase(Locale.ROOT)).append(" | ")
                        .append(Report.rate(a)).append(" | ").append(Report.rate(b)).append(" | ")
                        .append(a > 0 ? String.format(Locale.ROOT, "×%.2f", b / a) : "–").append(" |\n");
            }
            md.append(String.format(Locale.ROOT, "%nThe issue's goal: BucketDB keeps ≥ ×%.1f of its write rate (each variant "
                    + "against itself; a peer's share is for comparison, measured in the same run).%n%n", GOAL));
        }
    }
}
