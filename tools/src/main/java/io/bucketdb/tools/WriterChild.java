package io.bucketdb.tools;

import io.bucketdb.BucketDB;
import io.bucketdb.Durability;
import io.bucketdb.Growth;
import io.bucketdb.Options;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.io.FileDescriptor;
import java.io.FileOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.SplittableRandom;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicLong;

/**
 * {@code bucketdb writer-child} (hidden): the writer process that {@code crashtest} and {@code demo} start
 * and kill with SIGKILL ({@link WriterProcess} is the parent's side). It writes until it is killed and
 * reports on stdout, one line per event:
 * <pre>
 *   O &lt;records replayed&gt;                       opened the index
 *   W &lt;seq&gt; &lt;key&gt; P|D                          churn: about to put version seq of key, or delete key
 *   A &lt;seq&gt;                                     churn: operation seq acknowledged (its call returned or its future completed)
 *   L &lt;n&gt;                                       load: keys 0..n-1 acknowledged
 *   D                                           load: every key acknowledged; waiting to be killed
 *   G &lt;k&gt; &lt;B&gt; &lt;growing&gt; &lt;same-size&gt; &lt;evacuated&gt; &lt;old buckets&gt; &lt;overflow&gt;   growth state after k operations
 *   CB / CE                                     churn: an explicit checkpoint begins / ended
 * </pre>
 * The order of these lines is the contract the parent's check rests on: an operation's {@code W} line
 * is written and flushed before the operation is published, and its {@code A} line is written only after
 * the operation completed. So every operation that may be in the index has been announced, and every
 * acknowledgement the parent reads is real. (A line cut by the kill is dropped by the parent.)
 *
 * <p>The child halts when its stdin closes: the parent died, and no writer may outlive it.
 */
@Command(name = WriterChild.NAME, hidden = true,
        description = "Internal: the writer process crashtest and demo start and kill.")
final class WriterChild implements Callable<Integer> {
    static final String NAME = "writer-child";

    /** What the child does. */
    enum Workload {
        /** crashtest: threads put, overwrite and delete random keys, blocking and async, with explicit checkpoints. */
        CHURN,
        /** demo: puts keys 0..N-1 (value 100k+7) through a window of async puts, in order. */
        LOAD
    }

    /** Writer threads of the churn workload: more than one, so the ring sees concurrent producers. */
    static final int CHURN_THREADS = 3;
    /** Asynchronous operations one churn thread keeps in flight at most. */
    private static final int CHURN_BURST = 16;
    /** Asynchronous puts the load keeps in flight (a power of two): the ring batches them into group commits. */
    static final int LOAD_WINDOW = 4096;
    /**
     * The churn workload checkpoints after this many dirty bytes or journal bytes (defaults: 256 MiB and
     * 256 MiB), so checkpoints run every few hundred writes and kills land inside them.
     */
    static final long CHURN_CHECKPOINT_BYTES = 2L << 20;

    @Parameters(index = "0", paramLabel = "DIR")
    Path dir;

    @Option(names = "--workload", required = true)
    Workload workload;

    @Option(names = "--durability", defaultValue = "SYNC")
    Durability durability;

    @Option(names = "--value-size", defaultValue = "8")
    int valueSize;

    @Option(names = "--seed", defaultValue = "1")
    long seed;

    @Option(names = "--first-seq", defaultValue = "1")
    long firstSeq;

    @Option(names = "--key-cap", defaultValue = "1048576")
    long keyCap;

    @Option(names = "--keys", defaultValue = "0")
    long keys;

    private Report out;

    /** How crashtest's writers open the index; the parent reopens it with the same options. */
    static Options churnOptions(Durability durability, int valueSize) {
        return Options.defaults().withKeyWidth(8).withValueWidth(valueSize).withDurability(durability)
                .withPrivateMemoryLimit(0) // every checkpoint releases the pages it wrote back: that path is under test too
                .withCheckpointTriggers(CHURN_CHECKPOINT_BYTES, CHURN_CHECKPOINT_BYTES, Duration.ofSeconds(1));
    }

    /**
     * How the demo's writer opens the index: ASYNC (acknowledged after the journal write, which a process kill
     * cannot lose), and otherwise the defaults, checkpoint triggers included.
     */
    static Options loadOptions() {
        return Options.defaults().withDurability(Durability.ASYNC);
    }

    /** The demo's value of key k. */
    static long loadValue(long key) {
        return key * 100 + 7;
    }

    @Override
    public Integer call() throws Exception {
        out = new Report(new FileOutputStream(FileDescriptor.out));
        Thread.ofPlatform().name("stdin-watch").daemon().start(WriterChild::haltWhenStdinCloses);
        Thread.setDefaultUncaughtExceptionHandler((t, e) -> {
            // A writer that failed must not keep running half-alive: the parent sees a non-kill exit and reports this.
            System.err.println("writer-child: thread " + t.getName() + " failed: " + e);
            e.printStackTrace();
            Runtime.getRuntime().halt(Exit.IO);
        });
        Options options = workload == Workload.CHURN ? churnOptions(durability, valueSize) : loadOptions();
        BucketDB db = BucketDB.open(dir, options);
        out.line("O " + db.recovery().recordsReplayed());
        if (workload == Workload.LOAD) {
            load(db);
        } else {
            churn(db);
        }
        // Never reached normally: the parent kills us. Stay open, as a killed writer does.
        Thread.sleep(Long.MAX_VALUE);
        return Exit.OK;
    }

    private static void haltWhenStdinCloses() {
        try {
            while (System.in.read() >= 0) {
                // The parent never writes; reading only waits for the end.
            }
        } catch (IOException ignored) {
            // Treated as the end.
        }
        Runtime.getRuntime().halt(Exit.IO);
    }

    // ------------------------------------------------------------------------------------------------ load

    private void load(BucketDB db) {
        @SuppressWarnings("unchecked")
        CompletableFuture<Boolean>[] window = new CompletableFuture[LOAD_WINDOW];
        long nextReport = 0;
        for (long k = 0; k < keys; k++) {
            int w = (int) (k & (LOAD_WINDOW - 1));
            if (window[w] != null) {
                window[w].join();
            }
            window[w] = db.putLongAsync(k, loadValue(k));
            if (k == nextReport) {
                Growth g = db.growth();
                // Futures complete in order, so the one joined last acknowledges every key before it too.
                long acked = Math.max(0, k - LOAD_WINDOW + 1);
                out.line(growthLine(k + 1, g) + "\nL " + acked);
                nextReport = k + reportInterval(k, g);
            }
        }
        for (CompletableFuture<Boolean> f : window) {
            if (f != null) {
                f.join();
            }
        }
        out.line(growthLine(keys, db.growth()) + "\nL " + keys + "\nD");
    }

    /**
     * Puts between growth reports: often enough that a doubling (which lasts about oldBuckets/2 puts, each
     * evacuating two old buckets) is seen about sixteen times, and that each new growth is seen promptly.
     */
    private static long reportInterval(long k, Growth g) {
        if (g.growing()) {
            return Math.max(64, g.oldBuckets() / 32);
        }
        return Math.max(256, Math.min(1 << 16, Long.highestOneBit(k + 1) / 16));
    }

    static String growthLine(long ops, Growth g) {
        return "G " + ops + " " + g.b() + " " + (g.growing() ? 1 : 0) + " " + (g.sameSizeGrowth() ? 1 : 0) + " "
                + g.evacuated() + " " + g.oldBuckets() + " " + g.overflowBuckets();
    }

    /** Parses a {@code G} line into its operation count and growth state. */
    static Growth parseGrowth(String[] f) {
        return new Growth(Integer.parseInt(f[2]), f[3].equals("1"), f[4].equals("1"), Long.parseLong(f[5]),
                Long.parseLong(f[6]), Long.parseLong(f[7]));
    }

    // ------------------------------------------------------------------------------------------------ churn

    private void churn(BucketDB db) {
        AtomicLong seqs = new AtomicLong(firstSeq);
        for (int t = 0; t < CHURN_THREADS; t++) {
            int thread = t;
            SplittableRandom rnd = new SplittableRandom(seed * 31 + t);
            Thread.ofPlatform().name("churn-" + t).start(() -> churnThread(db, thread, rnd, seqs));
        }
        SplittableRandom rnd = new SplittableRandom(seed ^ 0x5DEECE66DL);
        Thread.ofPlatform().name("checkpoints").start(() -> checkpoints(db, rnd));
        Thread.ofPlatform().name("growth-watch").start(() -> watchGrowth(db, seqs));
    }

    /**
     * One writer thread. It owns the keys {@code key % CHURN_THREADS == thread}, so two operations on one key
     * are always published by one thread, in sequence order, and reach the journal in that order.
     */
    private void churnThread(BucketDB db, int thread, SplittableRandom rnd, AtomicLong seqs) {
        long[] seq = new long[CHURN_BURST];
        long[] key = new long[CHURN_BURST];
        boolean[] delete = new boolean[CHURN_BURST];
        @SuppressWarnings("unchecked")
        CompletableFuture<Boolean>[] futures = new CompletableFuture[CHURN_BURST];
        StringBuilder lines = new StringBuilder();
        while (true) {
            boolean blocking = rnd.nextInt(4) == 0;
            int n = blocking ? 1 : 1 + rnd.nextInt(CHURN_BURST);
            lines.setLength(0);
            for (int i = 0; i < n; i++) {
                seq[i] = seqs.getAndIncrement();
                // The key space widens with the sequence, so the table keeps growing from one writer to the next.
                long limit = Math.min(keyCap, 256 + seq[i] / 2);
                key[i] = thread + CHURN_THREADS * rnd.nextLong(Math.max(1, limit / CHURN_THREADS));
                delete[i] = rnd.nextInt(100) < 20;
                lines.append("W ").append(seq[i]).append(' ').append(key[i]).append(delete[i] ? " D\n" : " P\n");
            }
            out.lines(lines);
            lines.setLength(0);
            if (blocking) {
                if (delete[0]) {
                    deleteBlocking(db, key[0]);
                } else {
                    putBlocking(db, key[0], seq[0]);
                }
                lines.append("A ").append(seq[0]).append('\n');
            } else {
                for (int i = 0; i < n; i++) {
                    futures[i] = delete[i] ? deleteAsync(db, key[i]) : putAsync(db, key[i], seq[i]);
                }
                for (int i = 0; i < n; i++) {
                    futures[i].join();
                    lines.append("A ").append(seq[i]).append('\n');
                    futures[i] = null;
                }
            }
            out.lines(lines);
        }
    }

    private void putBlocking(BucketDB db, long key, long seq) {
        if (valueSize == 8) {
            db.putLong(key, CrashValue.tag(key, seq));
        } else {
            db.put(CrashValue.keyBytes(key), CrashValue.bytes(key, seq, valueSize));
        }
    }

    private void deleteBlocking(BucketDB db, long key) {
        if (valueSize == 8) {
            db.deleteLong(key);
        } else {
            db.delete(CrashValue.keyBytes(key));
        }
    }

    private CompletableFuture<Boolean> putAsync(BucketDB db, long key, long seq) {
        return valueSize == 8 ? db.putLongAsync(key, CrashValue.tag(key, seq))
                : db.putAsync(CrashValue.keyBytes(key), CrashValue.bytes(key, seq, valueSize));
    }

    private CompletableFuture<Boolean> deleteAsync(BucketDB db, long key) {
        return valueSize == 8 ? db.deleteLongAsync(key) : db.deleteAsync(CrashValue.keyBytes(key));
    }

    /** Explicit checkpoints at random intervals, announced, so the parent can aim a kill into one. */
    private void checkpoints(BucketDB db, SplittableRandom rnd) {
        while (true) {
            sleepMillis(20 + rnd.nextInt(200));
            out.line("CB");
            db.checkpoint();
            out.line("CE");
        }
    }

    /** Reports growth every few milliseconds, so the parent can aim a kill into a growth. */
    private void watchGrowth(BucketDB db, AtomicLong seqs) {
        String last = "";
        while (true) {
            Growth g = db.growth();
            String line = growthLine(seqs.get() - firstSeq, g);
            String state = line.substring(line.indexOf(' ', 2));
            if (!state.equals(last)) {
                out.line(line);
                last = state;
            }
            sleepMillis(2);
        }
    }

    private static void sleepMillis(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        }
    }

    /**
     * The child's stdout. Every call writes its lines with one write and flushes, under one lock, so lines of
     * different threads never interleave and a line is in the pipe before the call returns.
     */
    static final class Report {
        private final OutputStream out;

        Report(OutputStream out) {
            this.out = out;
        }

        /** Writes {@code text} and a newline, and flushes. */
        synchronized void line(String text) {
            write((text + "\n").getBytes(StandardCharsets.US_ASCII));
        }

        /** Writes {@code text} (newline-terminated lines) and flushes. */
        synchronized void lines(CharSequence text) {
            if (!text.isEmpty()) {
                write(text.toString().getBytes(StandardCharsets.US_ASCII));
            }
        }

        private void write(byte[] b) {
            try {
                out.write(b);
                out.flush();
            } catch (IOException e) {
                // The parent is gone: nobody to report to, and no writer may outlive it.
                Runtime.getRuntime().halt(Exit.IO);
            }
        }
    }
}
