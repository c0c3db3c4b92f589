package io.bucketdb.bench.pipeline;

import io.bucketdb.BucketDB;
import io.bucketdb.Durability;
import io.bucketdb.Options;
import io.bucketdb.WaitStrategy;
import io.bucketdb.bench.Keys;
import io.bucketdb.bench.compare.Args;
import io.bucketdb.bench.compare.Machine;
import org.apache.commons.io.FileUtils;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDateTime;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CompletableFuture;

/**
 * The write pipeline's benchmark (issue 4): put throughput and latency percentiles for several
 * producer counts in {@code SYNC} and {@code ASYNC} with the group-commit size distribution, and
 * get throughput with one and two readers, with and without a writer beside them. Prints a
 * Markdown report on standard output (progress goes to standard error).
 *
 * <pre>
 * java --enable-native-access=ALL-UNNAMED -cp bench/target/benchmarks.jar \
 *     io.bucketdb.bench.pipeline.PipelineBenchmark [options]
 *   --dir DIR             the indexes go into a new folder inside DIR, deleted at the end (default: a new
 *                         folder in java.io.tmpdir); use a real disk,
 *                         not tmpfs, or SYNC's forces cost nothing
 *   --producers 1,2,...   producer threads of the put runs (default 1,2,4,16,64)
 *   --durability A,B      durability modes of the put runs (default SYNC,ASYNC)
 *   --warmup S            untimed seconds before each measured run (default 1)
 *   --seconds S           measured seconds of each run (default 3)
 *   --keys N              put keys are drawn from N keys (default 1000000): inserts first, then overwrites
 *   --readers 1,2         reader threads of the get runs (default 1,2)
 *   --preload N           keys loaded before the get runs (default 500000)
 *   --read-durability D   durability of the get runs' index, for its writer (default ASYNC)
 *   --wait S              PARK, YIELD or BUSY_SPIN (default PARK)
 *   --out FILE            also write the report to FILE
 *   --keep                keep the index folders
 * </pre>
 *
 * Every configuration opens a fresh index; opening, loading and closing are not timed.
 */
public final class PipelineBenchmark {
    private PipelineBenchmark() {
    }

    public static void main(String[] args) throws Exception {
        Map<String, String> a = Args.parse(args);
        if (a.containsKey("help")) {
            System.out.println("options: see the Javadoc of " + PipelineBenchmark.class.getName() + " or bench/README.md");
            return;
        }
        List<Integer> producers = ints(a.getOrDefault("producers", "1,2,4,16,64"));
        List<Durability> modes = Arrays.stream(a.getOrDefault("durability", "SYNC,ASYNC").split(","))
                .map(s -> Durability.valueOf(s.trim().toUpperCase(Locale.ROOT))).toList();
        long warmup = nanos(a.getOrDefault("warmup", "1"));
        long measure = nanos(a.getOrDefault("seconds", "3"));
        long keySpace = Long.parseLong(a.getOrDefault("keys", "1000000"));
        List<Integer> readers = ints(a.getOrDefault("readers", "1,2"));
        long preload = Long.parseLong(a.getOrDefault("preload", "500000"));
        Durability readDurability = Durability.valueOf(a.getOrDefault("read-durability", "ASYNC").toUpperCase(Locale.ROOT));
        WaitStrategy wait = WaitStrategy.valueOf(a.getOrDefault("wait", "PARK").toUpperCase(Locale.ROOT));
        boolean keep = a.containsKey("keep");
        if (keySpace < 1 || preload < 1 || measure <= 0 || warmup < 0) {
            throw new IllegalArgumentException("--keys and --preload must be positive, --seconds positive, --warmup not negative");
        }
        // Always a new folder of our own, also inside --dir: the end of the run deletes it, and it must
        // never delete what the user keeps in DIR.
        Path root = a.containsKey("dir")
                ? Files.createTempDirectory(Files.createDirectories(Path.of(a.get("dir")).toAbsolutePath()), "bucketdb-pipeline-bench-")
                : Files.createTempDirectory("bucketdb-pipeline-bench-");
        String fileSystem = Files.getFileStore(root).type();
        if (fileSystem.equals("tmpfs")) {
            progress("warning: %s is on tmpfs, where a force costs nothing: SYNC figures will flatter%n", root);
        }
        String loadBefore = Machine.loadAverage();
        Options base = Options.defaults().withWaitStrategy(wait);

        List<Report.PutRow> puts = new ArrayList<>();
        int run = 0;
        for (Durability mode : modes) {
            for (int p : producers) {
                Path dir = root.resolve("put-" + mode + "-" + p + "-" + run++);
                progress("put %s, producers: %d ... ", mode, p);
                PutLoad.Result r;
                try (BucketDB db = BucketDB.open(dir, base.withDurability(mode))) {
                    r = PutLoad.run(db, p, keySpace, warmup, measure, 42 + run);
                }
                progress("%,.0f puts/s%n", r.perSecond());
                puts.add(new Report.PutRow(mode, p, r));
                delete(dir, keep);
            }
        }

        List<Report.ReadRow> reads = new ArrayList<>();
        if (!readers.isEmpty()) {
            Path dir = root.resolve("get");
            try (BucketDB db = BucketDB.open(dir, base.withDurability(readDurability))) {
                progress("loading %,d keys for the get runs ... ", preload);
                load(db, preload);
                progress("done%n");
                long nextNew = preload;
                for (boolean writer : new boolean[]{false, true}) {
                    for (int r : readers) {
                        progress("get, readers: %d, writer: %s ... ", r, writer ? "yes" : "no");
                        ReadLoad.Result res = ReadLoad.run(db, r, writer, preload, nextNew, warmup, measure, 7 + r);
                        nextNew += 10_000_000; // the next writer run inserts keys no earlier run touched
                        progress("%,.0f reads/s%n", res.readsPerSecond());
                        reads.add(new Report.ReadRow(r, writer, res));
                    }
                }
            }
            delete(dir, keep);
        }
        if (!keep) {
            delete(root, false);
        }

        Report.Setup setup = new Report.Setup(LocalDateTime.now().withNano(0).toString(), root.toString(), fileSystem, wait, warmup / 1e9, measure / 1e9,
                keySpace, preload, readDurability, loadBefore, Machine.loadAverage());
        String md = Report.markdown(setup, puts, reads);
        System.out.print(md);
        if (a.containsKey("out")) {
            Path out = Path.of(a.get("out"));
            if (out.getParent() != null) {
                Files.createDirectories(out.getParent());
            }
            Files.writeString(out, md);
            progress("report written to %s%n", out.toAbsolutePath());
        }
    }

    /** Loads keys numbered {@code 0 .. n-1} through a window of async puts, so they share group commits. */
    private static void load(BucketDB db, long n) {
        ArrayDeque<CompletableFuture<Boolean>> window = new ArrayDeque<>();
        for (long i = 0; i < n; i++) {
            long key = Keys.key(i);
            window.add(db.putLongAsync(key, Keys.valueOf(key)));
            if (window.size() >= 512) {
                window.poll().join();
            }
        }
        window.forEach(CompletableFuture::join);
    }

    private static void delete(Path dir, boolean keep) throws java.io.IOException {
        if (!keep) {
            FileUtils.deleteDirectory(dir.toFile());
        }
    }

    private static List<Integer> ints(String csv) {
        return Arrays.stream(csv.split(",")).map(String::trim).filter(s -> !s.isEmpty()).map(Integer::parseInt).toList();
    }

    private static long nanos(String seconds) {
        return (long) (Double.parseDouble(seconds) * 1e9);
    }

    private static void progress(String format, Object... args) {
        System.err.printf(format, args);
        System.err.flush();
    }
}
