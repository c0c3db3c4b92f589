package io.bucketdb.bench.durability;

import io.bucketdb.spi.DurableIO;
import io.bucketdb.Durability;
import io.bucketdb.Options;

import java.io.IOException;
import java.nio.file.FileStore;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDateTime;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;

/**
 * The durability benchmark of issue 3: recovery time after SIGKILL, checkpoint throughput, and bytes
 * written per put. Every step runs in a forked JVM ({@link DurabilityChild}); this JVM only starts
 * them, kills the writers and prints a Markdown report to stdout (progress goes to stderr).
 *
 * <pre>
 * java --enable-native-access=ALL-UNNAMED -cp bench/target/benchmarks.jar io.bucketdb.bench.durability.DurabilityBenchmark [options]
 *   --sizes N,M,...     entries / journaled puts per measurement (default 1000000,10000000)
 *   --parts a,b,...     recovery, checkpoint, bytes (default all three)
 *   --preloaded BOOL    recovery also with N keys already checkpointed before the N puts (default true)
 *   --dir DIR           where indexes are written: a new folder inside DIR, deleted at the end
 *                       (default: a new folder in java.io.tmpdir); must be a disk, not tmpfs
 *   --heap SIZE         -Xms and -Xmx of every child (default 1g; BucketDB's table is off-heap)
 *   --out FILE          also write the report to FILE
 * </pre>
 */
public final class DurabilityBenchmark {
    /** File systems in memory: forces cost nothing there, so the figures would say nothing about disks. */
    private static final Set<String> MEMORY_FILE_SYSTEMS = Set.of("tmpfs", "ramfs");
    private static final double MIB = 1 << 20;
    /** Puts of the recovery row that shows open's fixed cost: few enough that replaying them costs next to nothing. */
    private static final long FIXED_COST_PUTS = 1000;

    private final ChildJvm jvm;
    private final Path root;
    private final List<Long> sizes;

    private DurabilityBenchmark(ChildJvm jvm, Path root, List<Long> sizes) {
        this.jvm = jvm;
        this.root = root;
        this.sizes = sizes;
    }

    public static void main(String[] args) throws Exception {
        Flags f = Flags.parse(args);
        List<Long> sizes = Arrays.stream(f.get("sizes", "1000000,10000000").split(",")).map(String::trim)
                .filter(s -> !s.isEmpty()).map(Long::parseLong).toList();
        List<String> parts = Arrays.stream(f.get("parts", "recovery,checkpoint,bytes").split(",")).map(String::trim).toList();
        boolean preloaded = Boolean.parseBoolean(f.get("preloaded", "true"));
        Path root = f.has("dir")
                ? Files.createTempDirectory(Files.createDirectories(Path.of(f.get("dir", null))), "bucketdb-durability-")
                : Files.createTempDirectory("bucketdb-durability-");
        FileStore store = Files.getFileStore(root);
        if (MEMORY_FILE_SYSTEMS.contains(store.type())) {
            deleteTree(root);
            throw new IllegalArgumentException(root + " is on " + store.type() + ", which keeps files in memory: forces cost "
                    + "nothing there. Pass --dir on a disk.");
        }
        ChildJvm jvm = new ChildJvm(f.get("heap", "1g"));
        Thread cleanup = new Thread(() -> {
            jvm.killCurrent();
            try {
                deleteTree(root);
            } catch (IOException e) {
                System.err.println("could not delete " + root + ": " + e);
            }
        });
        Runtime.getRuntime().addShutdownHook(cleanup);

        String loadStart = loadAverage();
        StringBuilder report = new StringBuilder();
        DurabilityBenchmark bench = new DurabilityBenchmark(jvm, root, sizes);
        if (parts.contains("recovery")) {
            report.append(bench.recovery(preloaded)).append('\n');
        }
        if (parts.contains("checkpoint")) {
            report.append(bench.checkpoint()).append('\n');
        }
        if (parts.contains("bytes")) {
            report.append(bench.bytesPerPut()).append('\n');
        }
        String header = String.format("# BucketDB durability benchmark%n%n%s, Java %s, %d CPUs, load average %s at start, %s at end; "
                        + "indexes in %s (%s, %s).%n%n", LocalDateTime.now().withNano(0), System.getProperty("java.runtime.version"),
                Runtime.getRuntime().availableProcessors(), loadStart, loadAverage(), root, store.type(), store.name());
        String text = header + report;
        System.out.print(text);
        if (f.has("out")) {
            Files.writeString(Path.of(f.get("out", null)), text);
        }
    }

    /** Recovery after SIGKILL: N puts journaled after the last checkpoint, replayed by BucketDB.open in a fresh JVM. */
    private String recovery(boolean preloaded) throws Exception {
        MarkdownTable t = new MarkdownTable("entries at checkpoint", "puts journaled after it", "journal MiB",
                "records replayed", "growth markers checked", "open s", "records/s", "journal MiB/s");
        List<Long> counts = new ArrayList<>(List.of(FIXED_COST_PUTS));
        counts.addAll(sizes);
        for (long n : counts) {
            for (boolean pre : preloaded && n != FIXED_COST_PUTS ? List.of(false, true) : List.of(false)) {
                Path dir = dataDir("recovery-" + n + (pre ? "-preloaded" : ""));
                List<String> args = new ArrayList<>(List.of("--dir", dir.toString(), "--ops", Long.toString(n)));
                if (pre) {
                    args.add("--preloaded");
                }
                progress("recovery: %,d puts%s, then SIGKILL", n, pre ? " over " + String.format("%,d", n) + " checkpointed keys" : "");
                Map<String, String> written = jvm.runAndKill("journal", args);
                Map<String, String> r = jvm.run("recover", args);
                deleteTree(dir);
                double seconds = num(r, "openNanos") / 1e9;
                double journal = num(written, "journalBytes");
                t.row(String.format("%,d", pre ? n : 0), String.format("%,d", n), mib(journal), String.format("%,d", (long) num(r, "replayed")),
                        String.format("%,d", (long) num(r, "markers")), String.format("%.2f", seconds),
                        String.format("%,.0f", num(r, "replayed") / seconds), String.format("%.1f", journal / MIB / seconds));
            }
        }
        return """
                ## Recovery after SIGKILL

                A child JVM puts N random keys (ASYNC, a window of 4096 puts in flight) with every checkpoint trigger \
                off, so all N puts are in the journal after the last checkpoint; it is killed with SIGKILL once the last \
                put is acknowledged. A fresh JVM then times `BucketDB.open`, which replays the journal, and checks that \
                all N records were replayed and the keys hold their values. With N entries at the checkpoint, the index \
                was loaded with N keys and checkpointed first, and the N puts overwrite them (no growth during replay). \
                The journal was just written, so it is read from the page cache. The first row, %,d puts, shows \
                what open costs whatever the journal holds (mapping, class loading, scanning the rest of the last \
                journal segment); records/s divides by the whole open time.

                """.formatted(FIXED_COST_PUTS) + t.render();
    }

    /** Checkpoint throughput: load N keys with checkpoints off, then time one checkpoint() of everything dirty. */
    private String checkpoint() throws Exception {
        MarkdownTable t = new MarkdownTable("entries", "table file MiB", "dirty pages MiB (in place)", "double-write MiB",
                "forces", "checkpoint s", "dirty MiB/s", "all writes MiB/s");
        for (long n : sizes) {
            Path dir = dataDir("checkpoint-" + n);
            progress("checkpoint: %,d keys", n);
            Map<String, String> r = jvm.run("checkpoint", List.of("--dir", dir.toString(), "--entries", Long.toString(n)));
            deleteTree(dir);
            double seconds = num(r, "checkpointNanos") / 1e9;
            double inPlace = num(r, "tableBytes");
            double all = inPlace + num(r, "doublewriteBytes") + num(r, "journalBytes");
            t.row(String.format("%,d", n), mib(num(r, "tableFileBytes")), mib(inPlace), mib(num(r, "doublewriteBytes")),
                    (long) num(r, "forces"), String.format("%.2f", seconds), String.format("%.1f", inPlace / MIB / seconds),
                    String.format("%.1f", all / MIB / seconds));
        }
        return """
                ## Checkpoint throughput

                A child JVM puts N random keys with every checkpoint trigger off, then times one `checkpoint()`: every \
                dirty page goes to `doublewrite.bdb` (forced), then in place to `table.bdb` (forced), then the header \
                (forced). Dirty MiB/s counts each dirty page once; all writes MiB/s counts the double write too.

                """ + t.render();
    }

    /** Bytes handed to write() per put, by file, with default options, SYNC and ASYNC. */
    private String bytesPerPut() throws Exception {
        MarkdownTable t = new MarkdownTable("entries", "durability", "checkpoints", "journal B/put", "table B/put",
                "double-write B/put", "total B/put", "close() B/put", "total with close B/put", "forces per 1000 puts", "puts s");
        for (long n : sizes) {
            for (Durability d : List.of(Durability.SYNC, Durability.ASYNC)) {
                Path dir = dataDir("bytes-" + n + "-" + d);
                progress("bytes per put: %,d keys, %s", n, d);
                Map<String, String> r = jvm.run("bytes", List.of("--dir", dir.toString(), "--entries", Long.toString(n),
                        "--durability", d.name()));
                deleteTree(dir);
                double total = num(r, "journalBytes") + num(r, "tableBytes") + num(r, "doublewriteBytes") + num(r, "otherBytes");
                t.row(String.format("%,d", n), d, (long) num(r, "checkpoints"), perPut(num(r, "journalBytes"), n),
                        perPut(num(r, "tableBytes"), n), perPut(num(r, "doublewriteBytes"), n), perPut(total, n),
                        perPut(num(r, "closeBytes"), n), perPut(total + num(r, "closeBytes"), n),
                        String.format("%.2f", num(r, "forces") * 1000 / n), String.format("%.1f", num(r, "loadNanos") / 1e9));
            }
        }
        return """
                ## Bytes written per put

                A child JVM opens a new index with default options (%s) and puts N random keys through a window of 4096 puts in flight, so SYNC forces once per batch \
                (group commit). Every write and force goes through a counting `DurableIO`; the figures are bytes handed \
                to `write` while the puts ran (the new index's own creation excluded), per put and by file. \
                Checkpoints are those the default triggers started during the puts; total B/put is what the puts \
                cost up to there. close() B/put is the final checkpoint `close()` writes (every page still dirty, \
                twice: double write and in place); an index that stays open pays it at its next triggered checkpoint \
                instead. Device-level writes are higher: each force of a partly written journal page rewrites that \
                page, and the file system adds its own journal.

                """.formatted(defaultTriggers()) + t.render();
    }

    /** The default checkpoint triggers, read from {@code Options} so the text cannot go stale. */
    private static String defaultTriggers() {
        Options d = Options.defaults();
        return String.format("checkpoint at %d MiB dirty, %d MiB of journal or %d s", d.dirtyLimitBytes() >> 20,
                d.journalLimitBytes() >> 20, d.checkpointInterval().toSeconds());
    }

    private Path dataDir(String name) {
        return root.resolve(name);
    }

    private static double num(Map<String, String> result, String name) {
        String v = result.get(name);
        if (v == null) {
            throw new IllegalStateException("the child reported no " + name + ": " + result);
        }
        return Double.parseDouble(v);
    }

    private static String mib(double bytes) {
        return String.format("%.1f", bytes / MIB);
    }

    private static String perPut(double bytes, long puts) {
        return String.format("%.1f", bytes / puts);
    }

    private static void progress(String format, Object... args) {
        System.err.printf("[%s] %s%n", LocalDateTime.now().withNano(0).toLocalTime(), String.format(format, args));
    }

    private static String loadAverage() {
        try {
            String[] f = Files.readString(Path.of("/proc/loadavg")).trim().split("\\s+");
            return f[0] + " " + f[1] + " " + f[2];
        } catch (IOException | RuntimeException e) {
            return "?";
        }
    }

    private static void deleteTree(Path dir) throws IOException {
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
