package io.bucketdb.bench.durability;

import io.bucketdb.BucketDB;
import io.bucketdb.Durability;
import io.bucketdb.Options;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.CompletableFuture;
import java.util.stream.Stream;

/**
 * The cost of opening a cleanly closed index, and the directory it leaves: what a restart of a
 * service that closed its index pays. No JMH: the first open in a fresh JVM (class loading
 * included) is one of the figures, and only a new process shows it.
 *
 * <pre>
 * java -cp bench/target/benchmarks.jar io.bucketdb.bench.durability.CleanOpenBenchmark create DIR 1000000
 * java -cp bench/target/benchmarks.jar io.bucketdb.bench.durability.CleanOpenBenchmark open DIR 5
 * </pre>
 * {@code create} loads N 8x8 entries (ASYNC, the pipeline batching them), closes, and prints the close
 * time and the directory's bytes per entry by file. {@code open} opens and closes the index R times in
 * this JVM and prints each open's milliseconds: the first is the fresh-JVM figure, the rest warm.
 */
public final class CleanOpenBenchmark {
    private static final long HASH_SEED = 0x6A09E667F3BCC908L;

    private CleanOpenBenchmark() {
    }

    public static void main(String[] args) throws Exception {
        if (args.length != 3 || !(args[0].equals("create") || args[0].equals("open"))) {
            System.err.println("usage: CleanOpenBenchmark create DIR ENTRIES | open DIR ROUNDS");
            System.exit(2);
        }
        Path dir = Path.of(args[1]);
        int n = Integer.parseInt(args[2]);
        if (args[0].equals("create")) {
            create(dir, n);
        } else {
            open(dir, n);
        }
    }

    private static Options options() {
        return Options.defaults().withHashSeed(HASH_SEED).withDurability(Durability.ASYNC);
    }

    private static void create(Path dir, int entries) throws IOException {
        long t0 = System.nanoTime();
        BucketDB db = BucketDB.open(dir, options());
        @SuppressWarnings("unchecked")
        CompletableFuture<Boolean>[] window = new CompletableFuture[4096];
        for (int i = 0; i < entries; i++) {
            int w = i & (window.length - 1);
            if (window[w] != null) {
                window[w].join();
            }
            long k = i * 0x9E3779B97F4A7C15L;
            window[w] = db.putLongAsync(k, i);
        }
        for (var f : window) {
            if (f != null) {
                f.join();
            }
        }
        long c0 = System.nanoTime();
        db.close();
        long c1 = System.nanoTime();
        System.out.printf("loaded %d entries in %.0f ms, close %.1f ms%n", entries, (c0 - t0) / 1e6, (c1 - c0) / 1e6);
        describe(dir, entries);
    }

    private static void open(Path dir, int rounds) throws IOException {
        long entries = -1;
        for (int r = 0; r < rounds; r++) {
            long o0 = System.nanoTime();
            BucketDB db = BucketDB.open(dir, options());
            long o1 = System.nanoTime();
            entries = db.size();
            boolean recovered = db.recovery().needed();
            long c0 = System.nanoTime();
            db.close();
            long c1 = System.nanoTime();
            System.out.printf("round %d: open %.1f ms, close %.1f ms, %d entries, recovery needed %s%n", r, (o1 - o0) / 1e6,
                    (c1 - c0) / 1e6, entries, recovered);
        }
        describe(dir, entries);
    }

    private static void describe(Path dir, long entries) throws IOException {
        long total = 0;
        try (Stream<Path> files = Files.list(dir)) {
            for (Path p : files.sorted().toList()) {
                long size = Files.size(p);
                total += size;
                System.out.printf("  %-32s %,15d bytes%n", p.getFileName(), size);
            }
        }
        System.out.printf("directory %,d bytes, %.1f bytes/entry%n", total, total / (double) Math.max(1, entries));
    }
}
