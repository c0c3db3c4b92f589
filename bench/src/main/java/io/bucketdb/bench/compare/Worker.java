package io.bucketdb.bench.compare;

import io.bucketdb.bench.Keys;
import io.bucketdb.bench.durability.ChildJvm;
import org.HdrHistogram.Histogram;
import org.HdrHistogram.HistogramLogWriter;

import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.SplittableRandom;

/**
 * The forked JVM: runs one store's workloads and writes what it measured to one properties file per
 * workload, {@code RAW_DIR/WORKLOAD.STORE.properties} (and, for the single-threaded load, an
 * HdrHistogram log beside it). {@link ComparisonRunner} starts one of these per store for each load
 * and for recovery, and one per store for all its read workloads ({@link Workload.Kind#reads()}):
 * that fork bulk-loads the store once (timed: the bulk-load row), then runs the selected reads in
 * {@link Workload.Kind} order, delete-half last. No store inherits another's heap, JIT state or page
 * cache warmed in the same process.
 *
 * <p>Timed loops check every answer (a get must return the loaded value or nothing), so the JIT
 * cannot drop the work and a broken store cannot look fast. The mixed workload's overwrites are
 * known exactly ({@link MixedRun#lastWrites}), so the delete-half run after it still checks every value.
 */
public final class Worker {
    /** Operations between two reads of the clock in timed loops. */
    private static final int CHUNK = 4096;
    /** Intervals of the put-latency log during a load: N / this many puts each. */
    private static final int LATENCY_INTERVALS = 200;
    /** Fixed seed of the mixed workload's choice between get and put, and of the delete-half probes. */
    private static final long SEED = 0x5DEECE66DL;

    private final StoreSpec spec;
    private final List<Workload> workloads;
    private final Shape shape;
    private final int entries;
    private final Path dir;
    private final Path rawDir;
    private final double warmupSeconds;
    private final double measureSeconds;
    private final double writeCapSeconds;
    /** The workload running now, and what it measured. */
    private Workload workload;
    private Properties result;
    /** The values the mixed workload left (key → last value written), or empty: the delete-half run after it checks them. */
    private Map<Long, Long> overwritten = Map.of();

    private Worker(StoreSpec spec, List<Workload> workloads, Shape shape, int entries, Path dir, Path rawDir,
                   double warmupSeconds, double measureSeconds, double writeCapSeconds) {
        this.spec = spec;
        this.workloads = workloads;
        this.shape = shape;
        this.entries = entries;
        this.dir = dir;
        this.rawDir = rawDir;
        this.warmupSeconds = warmupSeconds;
        this.measureSeconds = measureSeconds;
        this.writeCapSeconds = writeCapSeconds;
    }

    /**
     * {@code --store NAME --workloads ID,ID,... --entries N --shape 8x8 --dir DATA_DIR --out RAW_DIR
     * --warmup S --measure S --write-cap S}; writes {@code RAW_DIR/ID.NAME.properties} per workload.
     * Several workloads must all be reads ({@link Workload.Kind#reads()}). Exit code 0 when every
     * workload ran, 1 when one failed (its properties then hold the error), 2 on bad arguments.
     */
    public static void main(String[] args) throws IOException {
        int code = run(args);
        System.out.flush();
        // Some peers leave non-daemon threads behind (Chronicle's, RocksDB's); do not wait for them.
        System.exit(code);
    }

    /** What {@link #main} does, without exiting the JVM. */
    static int run(String[] args) throws IOException {
        Worker w;
        try {
            Map<String, String> a = Args.parse(args);
            w = new Worker(Stores.byName(a.get("store")), parseWorkloads(a.getOrDefault("workloads", a.get("workload"))),
                    Shape.parse(a.getOrDefault("shape", "8x8")), Integer.parseInt(a.get("entries")), Path.of(a.get("dir")),
                    Path.of(a.get("out")), Double.parseDouble(a.getOrDefault("warmup", "1")),
                    Double.parseDouble(a.getOrDefault("measure", "2")), Double.parseDouble(a.getOrDefault("write-cap", "30")));
        } catch (RuntimeException e) {
            e.printStackTrace();
            return 2;
        }
        return w.runAll() ? 0 : 1;
    }

    /** The fork's workloads: one of any kind, or several reads (then in the order they run: {@link Workload.Kind} order). */
    static List<Workload> parseWorkloads(String ids) {
        if (ids == null || ids.isBlank()) {
            throw new IllegalArgumentException("--workloads is missing");
        }
        List<Workload> list = Arrays.stream(ids.split(",")).map(String::trim).map(Workload::parse).distinct().toList();
        if (list.size() == 1) {
            return list;
        }
        for (Workload w : list) {
            if (!w.kind().reads()) {
                throw new IllegalArgumentException(w.id() + " runs in a fork of its own, not with " + ids);
            }
        }
        return list.stream().sorted(Comparator.comparing(Workload::kind)).toList();
    }

    private static String rootMessage(Throwable t) {
        StringBuilder sb = new StringBuilder(t.toString());
        for (Throwable c = t.getCause(); c != null && c != c.getCause(); c = c.getCause()) {
            sb.append(" <- caused by ").append(c);
        }
        return sb.toString().replace('\n', ' ');
    }

    private boolean runAll() throws IOException {
        Files.createDirectories(dir);
        Files.createDirectories(rawDir);
        Workload first = workloads.get(0);
        if (!first.kind().reads()) {
            return part(first, true, switch (first.kind()) {
                case RECOVER -> this::recover;
                case LOAD -> first.threads() == 1 && first.readers() == 0 ? this::loadOneThread
                        : this::loadThreads;
                default -> throw new AssertionError(first);
            });
        }
        return runReads();
    }

    /**
     * The read fork: one bulk load (timed: the bulk-load row, written only if that workload was
     * selected), then each selected read workload on the same store. A workload that fails leaves the
     * store in an unknown state: those after it are not run and say why.
     */
    private boolean runReads() throws IOException {
        Workload bulk = new Workload(Workload.Kind.BULK_LOAD, 1);
        KvStore[] store = new KvStore[1];
        boolean closed = false;
        try {
            boolean ok = part(bulk, workloads.contains(bulk), () -> {
                store[0] = spec.opener().open(creating());
                GcCounter gc = new GcCounter();
                long t0 = System.nanoTime();
                store[0].bulkLoad(0, entries);
                long t1 = System.nanoTime();
                gc.report(result);
                store[0].settle();
                long t2 = System.nanoTime();
                rate("", entries, t1 - t0);
                result.setProperty("settleSeconds", fmt(seconds(t2 - t1)));
                result.setProperty("preloadSeconds", fmt(seconds(t2 - t0)));
                requireSize(store[0], entries, "after the bulk load");
            });
            String preloadSeconds = result.getProperty("preloadSeconds");
            String skip = ok ? null : "not run: the bulk load before it failed (" + result.getProperty("error") + ")";
            boolean allOk = ok;
            for (Workload w : workloads) {
                if (w.equals(bulk)) {
                    continue;
                }
                if (skip != null) {
                    skipped(w, skip);
                    allOk = false;
                    continue;
                }
                KvStore s = store[0];
                ok = part(w, true, () -> {
                    // The untimed preload of every read, as each read's own fork reported it before.
                    result.setProperty("preloadSeconds", preloadSeconds);
                    switch (w.kind()) {
                        case GET_HIT -> gets(s, Keys.sampleLoaded(entries), true);
                        case GET_MISS -> gets(s, Keys.numbered(entries, Keys.PROBES), false);
                        case MIXED -> {
                            // A store that forces every put does a few hundred operations a second: no warmup, and
                            // the write cap as the measuring time, so the figure rests on enough operations.
                            boolean forced = spec.durability() == Durability.SYNC;
                            overwritten = MixedRun.run(s, entries, SEED, forced ? 0 : warmupSeconds,
                                    forced ? writeCapSeconds : measureSeconds, result);
                            // Back to rest before the next read, as after the bulk load (RocksDB's memtable).
                            s.settle();
                            requireSize(s, entries, "after the mixed run");
                        }
                        case ITERATE -> iterate(s);
                        case DELETE_HALF -> deleteHalf(s); // compacts and closes the store
                        default -> throw new AssertionError(w);
                    }
                });
                if (w.kind() == Workload.Kind.DELETE_HALF && ok) {
                    closed = true;
                }
                if (!ok) {
                    skip = "not run: " + w.id() + " failed before it in this fork";
                    allOk = false;
                }
            }
            return allOk;
        } finally {
            if (store[0] != null && !closed) {
                try {
                    store[0].close();
                } catch (Exception e) {
                    // The figures are written; a store that fails to close after a failure changes nothing.
                    e.printStackTrace();
                }
            }
        }
    }

    /** A workload's body; it writes its figures into {@link #result}. */
    private interface Body {
        void run() throws Exception;
    }

    /**
     * Runs one workload with a fresh {@link #result}, records whether it ran, and writes the result
     * file if {@code write}. Returns whether it ran to the end.
     */
    private boolean part(Workload w, boolean write, Body body) throws IOException {
        begin(w);
        long t0 = System.nanoTime();
        boolean ok;
        try {
            body.run();
            result.setProperty("status", "ok");
            ok = true;
        } catch (Throwable t) {
            t.printStackTrace();
            result.setProperty("status", "failed");
            result.setProperty("error", rootMessage(t));
            ok = false;
        }
        result.setProperty("part.seconds", fmt(seconds(System.nanoTime() - t0)));
        if (write) {
            save();
        }
        return ok;
    }

    /** Writes a failed result for a workload that was not run, and why. */
    private void skipped(Workload w, String why) throws IOException {
        begin(w);
        result.setProperty("status", "failed");
        result.setProperty("error", why);
        save();
    }

    private void begin(Workload w) {
        workload = w;
        result = new Properties();
        result.setProperty("store", spec.name());
        result.setProperty("workload", w.id());
        result.setProperty("entries", Integer.toString(entries));
        result.setProperty("threads", Integer.toString(w.threads()));
        result.setProperty("shape", shape.toString());
        result.setProperty("loadavg.start", Machine.loadAverage());
    }

    private void save() throws IOException {
        result.setProperty("loadavg.end", Machine.loadAverage());
        result.setProperty("java.runtime.version", System.getProperty("java.runtime.version"));
        result.setProperty("jvm.args", String.join(" ", ManagementFactory.getRuntimeMXBean().getInputArguments()));
        try (OutputStream os = Files.newOutputStream(resultFile(rawDir, workload, spec, ".properties"))) {
            result.store(os, null);
        }
    }

    /** Where a workload's figures ({@code .properties}) or put-latency log ({@code .hlog}) of a store go. */
    static Path resultFile(Path rawDir, Workload w, StoreSpec store, String suffix) {
        return rawDir.resolve(w.id() + "." + store.name() + suffix);
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
        Path hlog = resultFile(rawDir, workload, spec, ".hlog");
        KvStore store = spec.opener().open(creating());
        long loaded;
        long elapsed;
        GcCounter gc = new GcCounter();
        ThreadKernelCounts kernel;
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
            kernel = new ThreadKernelCounts();
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
            kernel.report(result);
        }
        result.setProperty("hlog", hlog.getFileName().toString());
        gc.report(result);
        result.setProperty("ops", Long.toString(loaded));
        result.setProperty("seconds", fmt(seconds(elapsed)));
        result.setProperty("opsPerSec", fmt(loaded / seconds(elapsed)));
        result.setProperty("capped", Boolean.toString(loaded < entries));
        result.setProperty("p50Ns", Long.toString(total.getValueAtPercentile(50)));
        result.setProperty("p99Ns", Long.toString(total.getValueAtPercentile(99)));
        result.setProperty("p999Ns", Long.toString(total.getValueAtPercentile(99.9)));
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
        // The child's own temporary directory, deleted here: a killed JVM runs no shutdown hook, so what a store
        // extracts into java.io.tmpdir (RocksDB's 15 MB native library) would otherwise stay in /tmp after every run.
        Path childTmp = Files.createDirectories(dir.resolveSibling(dir.getFileName() + "-child-tmp"));
        List<String> jvmArgs = new ArrayList<>(ManagementFactory.getRuntimeMXBean().getInputArguments());
        jvmArgs.add("-Djava.io.tmpdir=" + childTmp);
        ChildJvm child = new ChildJvm(jvmArgs, CrashChild.class.getName());
        Map<String, String> loaded;
        try {
            loaded = child.runAndKill("load", List.of("--store", spec.name(), "--entries", Integer.toString(entries),
                    "--shape", shape.toString(), "--dir", dir.toString()));
        } finally {
            ComparisonRunner.deleteTree(childTmp);
        }
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

    /** {@link ThreadedLoad} of the fork's first workload into a store created empty. */
    private void loadThreads() throws Exception {
        Workload w = workloads.get(0);
        KvStore store = spec.opener().open(creating());
        try {
            ThreadedLoad.run(store, entries, w.threads(), w.readers(), writeCapSeconds, result);
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

    /**
     * Deletes keys 0, 2, 4, ... (timed), then gets uniformly over all N keys (timed, half hit). A hit must
     * return the loaded value, or the last value the mixed run wrote if it ran before in this fork.
     */
    private void deleteHalf(KvStore store) throws Exception {
        SplittableRandom random = new SplittableRandom(SEED);
        long[] keys = new long[Keys.PROBES];
        long[] expected = new long[Keys.PROBES];
        for (int i = 0; i < keys.length; i++) {
            int n = random.nextInt(entries);
            keys[i] = Keys.key(n);
            expected[i] = (n & 1) == 0 ? Keys.MISSING : overwritten.getOrDefault(keys[i], Keys.valueOf(keys[i]));
        }
        overwritten = Map.of();
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
        rate(result, prefix, ops, nanos);
    }

    /** Writes {@code ops}, seconds and ops per second into {@code result}, under {@code prefix.} unless it is empty. */
    static void rate(Properties result, String prefix, long ops, long nanos) {
        String p = prefix.isEmpty() ? "" : prefix + ".";
        result.setProperty(p + "ops", Long.toString(ops));
        result.setProperty(p + "seconds", fmt(seconds(nanos)));
        result.setProperty(p + "opsPerSec", fmt(ops / seconds(nanos)));
    }

    static void requireSize(KvStore store, long expected, String when) throws Exception {
        long size = store.size();
        if (size != expected) {
            throw new IllegalStateException("the store holds " + size + " entries " + when + ", expected " + expected);
        }
    }

    static long nanos(double seconds) {
        return (long) (seconds * 1e9);
    }

    static double seconds(long nanos) {
        return nanos / 1e9;
    }

    static double millis(long nanos) {
        return nanos / 1e6;
    }

    static String fmt(double v) {
        return Double.toString(v);
    }

}
