package io.bucketdb.bench.compare;

import io.bucketdb.bench.Keys;
import io.bucketdb.bench.durability.ChildJvm;
import org.HdrHistogram.Histogram;
import org.HdrHistogram.HistogramLogWriter;

import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.lang.management.GarbageCollectorMXBean;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.SplittableRandom;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.Stream;

/**
 * The forked JVM: runs one workload against one store and writes what it measured to a
 * properties file (and, for the single-threaded load, an HdrHistogram log). {@link ComparisonRunner}
 * starts one of these per store and workload, so no store inherits another's heap, JIT state or
 * page cache warmed in the same process.
 *
 * <p>Timed loops check every answer (a get must return the loaded value or nothing), so the JIT
 * cannot drop the work and a broken store cannot look fast.
 */
public final class Worker {
    /** Operations between two reads of the clock in timed loops. */
    private static final int CHUNK = 4096;
    /** Intervals of the put-latency log during a load: N / this many puts each. */
    private static final int LATENCY_INTERVALS = 200;
    /** Fixed seed of the mixed workload's choice between get and put, and of the delete-half probes. */
    private static final long SEED = 0x5DEECE66DL;

    private final StoreSpec spec;
    private final Workload workload;
    private final Shape shape;
    private final int entries;
    private final Path dir;
    private final Path out;
    private final double warmupSeconds;
    private final double measureSeconds;
    private final double writeCapSeconds;
    private final Properties result = new Properties();

    private Worker(StoreSpec spec, Workload workload, Shape shape, int entries, Path dir, Path out,
                   double warmupSeconds, double measureSeconds, double writeCapSeconds) {
        this.spec = spec;
        this.workload = workload;
        this.shape = shape;
        this.entries = entries;
        this.dir = dir;
        this.out = out;
        this.warmupSeconds = warmupSeconds;
        this.measureSeconds = measureSeconds;
        this.writeCapSeconds = writeCapSeconds;
    }

    /**
     * {@code --store NAME --workload ID --entries N --shape 8x8 --dir DATA_DIR --out RESULT_PREFIX
     * --warmup S --measure S --write-cap S}; writes {@code RESULT_PREFIX.properties}. Exit code 0 when
     * the workload ran, 1 when it failed (the properties then hold the error).
     */
    public static void main(String[] args) throws IOException {
        Map<String, String> a = Args.parse(args);
        Path out = Path.of(a.get("out"));
        Properties result;
        boolean ok;
        Worker w = null;
        try {
            w = new Worker(Stores.byName(a.get("store")), Workload.parse(a.get("workload")), Shape.parse(a.getOrDefault("shape", "8x8")),
                    Integer.parseInt(a.get("entries")), Path.of(a.get("dir")), out,
                    Double.parseDouble(a.getOrDefault("warmup", "1")), Double.parseDouble(a.getOrDefault("measure", "2")),
                    Double.parseDouble(a.getOrDefault("write-cap", "30")));
            w.result.setProperty("loadavg.start", Machine.loadAverage());
            w.run();
            w.result.setProperty("status", "ok");
            ok = true;
        } catch (Throwable t) {
            t.printStackTrace();
            if (w == null) {
                w = new Worker(null, null, null, 0, null, out, 0, 0, 0);
            }
            w.result.setProperty("status", "failed");
            w.result.setProperty("error", rootMessage(t));
            ok = false;
        }
        result = w.result;
        result.setProperty("loadavg.end", Machine.loadAverage());
        result.setProperty("java.runtime.version", System.getProperty("java.runtime.version"));
        result.setProperty("jvm.args", String.join(" ", ManagementFactory.getRuntimeMXBean().getInputArguments()));
        try (OutputStream os = Files.newOutputStream(Path.of(out + ".properties"))) {
            result.store(os, null);
        }
        System.out.flush();
        // Some peers leave non-daemon threads behind (Chronicle's, RocksDB's); do not wait for them.
        System.exit(ok ? 0 : 1);
    }

    private static String rootMessage(Throwable t) {
        StringBuilder sb = new StringBuilder(t.toString());
        for (Throwable c = t.getCause(); c != null && c != c.getCause(); c = c.getCause()) {
            sb.append(" <- caused by ").append(c);
        }
        return sb.toString().replace('\n', ' ');
    }

    private void run() throws Exception {
        result.setProperty("store", spec.name());
        result.setProperty("workload", workload.id());
        result.setProperty("entries", Integer.toString(entries));
        result.setProperty("threads", Integer.toString(workload.threads()));
        result.setProperty("shape", shape.toString());
        Files.createDirectories(dir);
        if (workload.kind() == Workload.Kind.RECOVER) {
            recover();
            return;
        }
        if (workload.kind() == Workload.Kind.LOAD) {
            if (workload.threads() == 1) {
                loadOneThread();
            } else {
                loadThreads(workload.threads());
            }
            return;
        }
        KvStore store = spec.opener().open(creating());
        boolean closed = false;
        try {
            long t0 = System.nanoTime();
            store.bulkLoad(0, entries);
            store.settle();
            result.setProperty("preloadSeconds", fmt(seconds(System.nanoTime() - t0)));
            requireSize(store, entries, "after the untimed load");
            switch (workload.kind()) {
                case GET_HIT -> gets(store, Keys.sampleLoaded(entries), true);
                case GET_MISS -> gets(store, Keys.numbered(entries, Keys.PROBES), false);
                case MIXED -> mixed(store);
                case DELETE_HALF -> {
                    deleteHalf(store);
                    closed = true; // deleteHalf compacts and closes it
                }
                case ITERATE -> iterate(store);
                default -> throw new AssertionError(workload);
            }
        } finally {
            if (!closed) {
                store.close();
            }
        }
    }

    /** How every workload opens its store: created empty, in the run's shape, with the store's own checkpoints. */
    private StoreSpec.Open creating() {
        return new StoreSpec.Open(dir, entries, true, shape, true);
    }

    // ------------------------------------------------------------------ loads

    /**
     * Puts keys 0 .. N-1 in one thread, timing each put. Every N/200 puts the interval's histogram
     * goes to the log. Stops early (and says so) when the write cap is reached. Then closes the
     * store (timed), measures its files, and opens it again (timed).
     */
    private void loadOneThread() throws Exception {
        Histogram total = new Histogram(3_600_000_000_000L, 3);
        Histogram interval = new Histogram(3_600_000_000_000L, 3);
        int step = Math.max(1, entries / LATENCY_INTERVALS);
        Path hlog = Path.of(out + ".hlog");
        KvStore store = spec.opener().open(creating());
        long loaded;
        long elapsed;
        GcCounter gc = new GcCounter();
        try (PrintStream ps = new PrintStream(Files.newOutputStream(hlog), false, "US-ASCII");
             KvStore.Session s = KvStore.longView(store)) {
            HistogramLogWriter log = new HistogramLogWriter(ps);
            long startMs = System.currentTimeMillis();
            log.outputComment("put latency (ns) while loading " + spec.name() + " from empty to " + entries
                    + " entries; one interval per " + step + " puts");
            log.outputLogFormatVersion();
            log.outputStartTime(startMs);
            log.setBaseTime(startMs);
            log.outputLegend();
            long capAt = System.nanoTime() + nanos(writeCapSeconds);
            long start = System.nanoTime();
            long intervalStartMs = startMs;
            int n = 0;
            long t1 = start;
            while (n < entries) {
                long k = Keys.key(n);
                long v = Keys.valueOf(k);
                long t0 = System.nanoTime();
                s.put(k, v);
                t1 = System.nanoTime();
                interval.recordValue(t1 - t0);
                n++;
                boolean capped = (n & 63) == 0 && t1 > capAt;
                if (n % step == 0 || n == entries || capped) {
                    long nowMs = System.currentTimeMillis();
                    interval.setStartTimeStamp(intervalStartMs);
                    interval.setEndTimeStamp(nowMs);
                    log.outputIntervalHistogram(interval);
                    total.add(interval);
                    interval.reset();
                    intervalStartMs = nowMs;
                    if (capped) {
                        break;
                    }
                }
            }
            elapsed = t1 - start;
            loaded = n;
        }
        result.setProperty("hlog", hlog.getFileName().toString());
        gc.report(result);
        result.setProperty("ops", Long.toString(loaded));
        result.setProperty("seconds", fmt(seconds(elapsed)));
        result.setProperty("opsPerSec", fmt(loaded / seconds(elapsed)));
        result.setProperty("capped", Boolean.toString(loaded < entries));
        result.setProperty("p50Ns", Long.toString(total.getValueAtPercentile(50)));
        result.setProperty("p99Ns", Long.toString(total.getValueAtPercentile(99)));
        result.setProperty("p9999Ns", Long.toString(total.getValueAtPercentile(99.99)));
        result.setProperty("maxNs", Long.toString(total.getMaxValue()));
        result.setProperty("meanNs", fmt(total.getMean()));
        if (loaded == entries) {
            requireSize(store, entries, "after the load");
        }
        long c0 = System.nanoTime();
        store.close();
        if (!spec.onDisk()) {
            return;
        }
        result.setProperty("closeMs", fmt(millis(System.nanoTime() - c0)));
        long[] du = DiskUsage.of(dir);
        result.setProperty("bytesOnDisk", Long.toString(du[0]));
        result.setProperty("apparentBytes", Long.toString(du[1]));
        result.setProperty("bytesPerEntry", fmt((double) du[0] / loaded));
        result.setProperty("files", DiskUsage.listing(dir));
        long o0 = System.nanoTime();
        KvStore reopened = spec.opener().open(creating().reopen());
        result.setProperty("openMs", fmt(millis(System.nanoTime() - o0)));
        try {
            requireSize(reopened, loaded, "after reopening");
            checkSample(reopened, loaded, "after reopening");
        } finally {
            reopened.close();
        }
    }

    /** Every 997th loaded key must hold its value. */
    private static void checkSample(KvStore store, long loaded, String when) throws Exception {
        try (KvStore.Session s = KvStore.longView(store)) {
            for (int n = 0; n < loaded; n += 997) {
                long k = Keys.key(n);
                long v = s.get(k, Keys.MISSING);
                if (v != Keys.valueOf(k)) {
                    throw new IllegalStateException(when + ", get(key " + n + ") returned " + v);
                }
            }
        }
    }

    /**
     * Recovery after SIGKILL: a child JVM ({@link CrashChild}, this JVM's flags and heap) creates the
     * store with its own checkpoints off, loads keys 0 .. N-1 and is killed with SIGKILL
     * ({@code Process.destroyForcibly}) once its load has returned. This JVM then times the next open,
     * which replays whatever the store logged since its last checkpoint, and checks the size and a sample.
     */
    private void recover() throws Exception {
        ChildJvm child = new ChildJvm(ManagementFactory.getRuntimeMXBean().getInputArguments(), CrashChild.class.getName());
        Map<String, String> loaded = child.runAndKill("load", List.of("--store", spec.name(), "--entries", Integer.toString(entries),
                "--shape", shape.toString(), "--dir", dir.toString()));
        result.setProperty("childLoadSeconds", loaded.getOrDefault("loadSeconds", "?"));
        result.setProperty("filesAtKill", DiskUsage.listing(dir));
        long o0 = System.nanoTime();
        KvStore store = spec.opener().open(creating().reopen());
        long openNanos = System.nanoTime() - o0;
        try {
            result.setProperty("recoveryMs", fmt(millis(openNanos)));
            result.setProperty("recoveryMsPerMillionOps", fmt(millis(openNanos) / (entries / 1e6)));
            requireSize(store, entries, "after recovery");
            checkSample(store, entries, "after recovery");
        } finally {
            store.close();
        }
    }

    /**
     * Puts keys 0 .. N-1 from {@code threads} threads at once, thread {@code t} taking the keys
     * numbered {@code t, t + threads, ...}. The time runs from the start signal until the last
     * thread is done.
     */
    private void loadThreads(int threads) throws Exception {
        KvStore store = spec.opener().open(creating());
        try {
            CountDownLatch ready = new CountDownLatch(threads);
            CountDownLatch go = new CountDownLatch(1);
            AtomicBoolean stop = new AtomicBoolean();
            AtomicLong done = new AtomicLong();
            AtomicReference<Throwable> failure = new AtomicReference<>();
            List<Thread> workers = new ArrayList<>();
            for (int t = 0; t < threads; t++) {
                int first = t;
                Thread th = new Thread(() -> {
                    long count = 0;
                    try (KvStore.Session s = KvStore.longView(store)) {
                        ready.countDown();
                        go.await();
                        // The stop flag is read before every put: with forced writes and many
                        // threads, even a few puts per thread past the cap take seconds.
                        for (int n = first; n < entries && !stop.get(); n += threads) {
                            long k = Keys.key(n);
                            s.put(k, Keys.valueOf(k));
                            count++;
                        }
                    } catch (Throwable e) {
                        failure.compareAndSet(null, e);
                    } finally {
                        done.addAndGet(count);
                    }
                }, "writer-" + t);
                workers.add(th);
                th.start();
            }
            ready.await();
            GcCounter gc = new GcCounter();
            long start = System.nanoTime();
            go.countDown();
            long capAt = start + nanos(writeCapSeconds);
            for (Thread th : workers) {
                long left = capAt - System.nanoTime();
                if (left > 0) {
                    th.join(Math.max(1, left / 1_000_000));
                }
                if (System.nanoTime() >= capAt) {
                    stop.set(true);
                }
            }
            for (Thread th : workers) {
                th.join();
            }
            long elapsed = System.nanoTime() - start;
            gc.report(result);
            if (failure.get() != null) {
                throw new IllegalStateException("a writer thread failed", failure.get());
            }
            long loaded = done.get();
            result.setProperty("ops", Long.toString(loaded));
            result.setProperty("seconds", fmt(seconds(elapsed)));
            result.setProperty("opsPerSec", fmt(loaded / seconds(elapsed)));
            result.setProperty("capped", Boolean.toString(loaded < entries));
            if (loaded == entries) {
                requireSize(store, entries, "after the load");
            }
        } finally {
            store.close();
        }
    }

    // ------------------------------------------------------------------ reads and mixes

    private void gets(KvStore store, long[] keys, boolean hits) throws Exception {
        long[] expected = new long[keys.length];
        for (int i = 0; i < keys.length; i++) {
            expected[i] = hits ? Keys.valueOf(keys[i]) : Keys.MISSING;
        }
        try (KvStore.Session s = KvStore.longView(store)) {
            timedGets(s, keys, expected, warmupSeconds);
            GcCounter gc = new GcCounter();
            long[] r = timedGets(s, keys, expected, measureSeconds);
            gc.report(result);
            rate("", r[0], r[1]);
        }
    }

    /** Gets {@code keys} round and round, checking each answer, for at least {@code secs}; returns {ops, nanos}. */
    private static long[] timedGets(KvStore.Session s, long[] keys, long[] expected, double secs) throws Exception {
        int mask = keys.length - 1;
        long start = System.nanoTime();
        long end = start + nanos(secs);
        long ops = 0;
        int i = 0;
        long now;
        do {
            for (int j = 0; j < CHUNK; j++, i = (i + 1) & mask) {
                long v = s.get(keys[i], Keys.MISSING);
                if (v != expected[i]) {
                    throw new IllegalStateException("get(" + keys[i] + ") returned " + v + ", expected " + expected[i]);
                }
            }
            ops += CHUNK;
            now = System.nanoTime();
        } while (now < end);
        return new long[] {ops, now - start};
    }

    /** Half gets, half overwriting puts of present keys; gets check only that the key is present. */
    private void mixed(KvStore store) throws Exception {
        long[] keys = Keys.sampleLoaded(entries);
        boolean[] isPut = new boolean[keys.length];
        SplittableRandom random = new SplittableRandom(SEED);
        for (int i = 0; i < isPut.length; i++) {
            isPut[i] = random.nextBoolean();
        }
        try (KvStore.Session s = KvStore.longView(store)) {
            // A store that forces every put does a few hundred operations a second: no warmup, and
            // the write cap as the measuring time, so the figure rests on enough operations.
            boolean forced = spec.durability() == Durability.SYNC;
            double warmup = forced ? 0 : warmupSeconds;
            double measure = forced ? writeCapSeconds : measureSeconds;
            if (warmup > 0) {
                timedMixed(s, keys, isPut, warmup);
            }
            GcCounter gc = new GcCounter();
            long[] r = timedMixed(s, keys, isPut, measure);
            gc.report(result);
            rate("", r[0], r[1]);
        }
    }

    private static long[] timedMixed(KvStore.Session s, long[] keys, boolean[] isPut, double secs) throws Exception {
        int mask = keys.length - 1;
        long start = System.nanoTime();
        long end = start + nanos(secs);
        long ops = 0;
        long value = 1;
        int i = 0;
        long now;
        // Small chunks: with forced writes one chunk may take a while.
        int chunk = 64;
        do {
            for (int j = 0; j < chunk; j++, i = (i + 1) & mask) {
                if (isPut[i]) {
                    s.put(keys[i], value++);
                } else if (s.get(keys[i], Keys.MISSING) == Keys.MISSING) {
                    throw new IllegalStateException("get(" + keys[i] + ") of a present key found nothing");
                }
            }
            ops += chunk;
            now = System.nanoTime();
        } while (now < end);
        return new long[] {ops, now - start};
    }

    /** Deletes keys 0, 2, 4, ... (timed), then gets uniformly over all N keys (timed, half hit). */
    private void deleteHalf(KvStore store) throws Exception {
        try (KvStore.Session s = KvStore.longView(store)) {
            GcCounter gc = new GcCounter();
            long start = System.nanoTime();
            long deleted = 0;
            for (int n = 0; n < entries; n += 2) {
                s.delete(Keys.key(n));
                deleted++;
            }
            long elapsed = System.nanoTime() - start;
            gc.report(result);
            rate("delete", deleted, elapsed);
            requireSize(store, entries - deleted, "after deleting half");
            SplittableRandom random = new SplittableRandom(SEED);
            long[] keys = new long[Keys.PROBES];
            long[] expected = new long[Keys.PROBES];
            for (int i = 0; i < keys.length; i++) {
                int n = random.nextInt(entries);
                keys[i] = Keys.key(n);
                expected[i] = (n & 1) == 0 ? Keys.MISSING : Keys.valueOf(keys[i]);
            }
            timedGets(s, keys, expected, warmupSeconds);
            long[] r = timedGets(s, keys, expected, measureSeconds);
            rate("", r[0], r[1]);
        }
        compactAndClose(store, entries / 2);
    }

    /**
     * Bytes per remaining entry after deleting half: the files as they are (store open), then after the
     * store's compaction ({@link KvStore#compactAndClose}, timed) where it has one. Closes the store.
     */
    private void compactAndClose(KvStore store, long remaining) throws Exception {
        if (!spec.onDisk()) {
            store.close();
            return;
        }
        long[] before = DiskUsage.of(dir);
        result.setProperty("bytesPerEntryAfterDelete", fmt((double) before[0] / remaining));
        result.setProperty("filesAfterDelete", DiskUsage.listing(dir));
        long c0 = System.nanoTime();
        Path compacted = store.compactAndClose(dir);
        if (compacted == null) {
            return;
        }
        result.setProperty("compactMs", fmt(millis(System.nanoTime() - c0)));
        long[] after = DiskUsage.of(compacted);
        result.setProperty("bytesPerEntryCompacted", fmt((double) after[0] / remaining));
        result.setProperty("filesCompacted", DiskUsage.listing(compacted));
    }

    /** One untimed pass, then full passes until the measuring time is used (at least one). */
    private void iterate(KvStore store) throws Exception {
        long expectedSum = 0;
        for (int n = 0; n < entries; n++) {
            expectedSum += Keys.key(n);
        }
        checkScan(store.scan(), expectedSum);
        GcCounter gc = new GcCounter();
        long start = System.nanoTime();
        long end = start + nanos(measureSeconds);
        int passes = 0;
        long now;
        do {
            checkScan(store.scan(), expectedSum);
            passes++;
            now = System.nanoTime();
        } while (now < end);
        gc.report(result);
        rate("", (long) passes * entries, now - start);
        result.setProperty("passes", Integer.toString(passes));
        result.setProperty("passMs", fmt(millis(now - start) / passes));
    }

    private void checkScan(KvStore.Scan scan, long expectedSum) {
        if (scan.count() != entries || scan.keySum() != expectedSum) {
            throw new IllegalStateException("a full iteration saw " + scan.count() + " entries with key sum " + scan.keySum()
                    + ", expected " + entries + " with key sum " + expectedSum);
        }
    }

    // ------------------------------------------------------------------ helpers

    private void rate(String prefix, long ops, long nanos) {
        String p = prefix.isEmpty() ? "" : prefix + ".";
        result.setProperty(p + "ops", Long.toString(ops));
        result.setProperty(p + "seconds", fmt(seconds(nanos)));
        result.setProperty(p + "opsPerSec", fmt(ops / seconds(nanos)));
    }

    private static void requireSize(KvStore store, long expected, String when) throws Exception {
        long size = store.size();
        if (size != expected) {
            throw new IllegalStateException("the store holds " + size + " entries " + when + ", expected " + expected);
        }
    }

    private static long nanos(double seconds) {
        return (long) (seconds * 1e9);
    }

    private static double seconds(long nanos) {
        return nanos / 1e9;
    }

    private static double millis(long nanos) {
        return nanos / 1e6;
    }

    static String fmt(double v) {
        return Double.toString(v);
    }

    /** Garbage collections during a timed section. */
    private static final class GcCounter {
        private final long count0;
        private final long millis0;

        GcCounter() {
            long[] now = now();
            count0 = now[0];
            millis0 = now[1];
        }

        void report(Properties p) {
            long[] now = now();
            p.setProperty("gcCount", Long.toString(now[0] - count0));
            p.setProperty("gcMs", Long.toString(now[1] - millis0));
        }

        private static long[] now() {
            long c = 0;
            long ms = 0;
            for (GarbageCollectorMXBean gc : ManagementFactory.getGarbageCollectorMXBeans()) {
                c += Math.max(0, gc.getCollectionCount());
                ms += Math.max(0, gc.getCollectionTime());
            }
            return new long[] {c, ms};
        }
    }

    /** The disk a directory takes. */
    static final class DiskUsage {
        private DiskUsage() {
        }

        /** "name=bytes" of every file under {@code dir} (apparent sizes), largest first, comma-separated. */
        static String listing(Path dir) throws IOException {
            try (Stream<Path> files = Files.walk(dir)) {
                return files.filter(Files::isRegularFile)
                        .sorted(java.util.Comparator.comparingLong((Path f) -> f.toFile().length()).reversed())
                        .map(f -> dir.relativize(f) + "=" + f.toFile().length())
                        .collect(java.util.stream.Collectors.joining(", "));
            }
        }

        /**
         * {allocated bytes, apparent bytes} of the files under {@code dir}. Allocated bytes are what
         * {@code du -B1} reports (sparse files count only their written blocks); where {@code du}
         * cannot run, the apparent size stands in for both.
         */
        static long[] of(Path dir) throws IOException {
            long apparent = 0;
            try (Stream<Path> files = Files.walk(dir)) {
                for (Path f : (Iterable<Path>) files.filter(Files::isRegularFile)::iterator) {
                    apparent += Files.size(f);
                }
            }
            long allocated = apparent;
            try {
                Process p = new ProcessBuilder("du", "-s", "-B1", dir.toString()).redirectErrorStream(true).start();
                String outText = new String(p.getInputStream().readAllBytes()).trim();
                if (p.waitFor() == 0) {
                    allocated = Long.parseLong(outText.split("\\s+")[0]);
                }
            } catch (IOException | NumberFormatException e) {
                // keep the apparent size
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            return new long[] {allocated, apparent};
        }
    }
}
