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
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;

/**
 * {@code bucketdb writer-child} (hidden): the writer process that {@code crashtest} and {@code demo} start
 * and kill with SIGKILL ({@link WriterProcess} is the parent's side). It writes until it is killed. The churn
 * workload ({@link ChurnWriter}, crashtest's) announces and acknowledges every operation in a ledger file
 * ({@link LedgerFile}), the record the check rests on; on stdout, one line per event, it only reports what
 * the parent aims its kill at:
 * <pre>
 *   O &lt;records replayed&gt; &lt;open nanos&gt;           opened the index (and, with --check-out, read it into that file)
 *   F &lt;message&gt;                                the index did not open, or could not be read (also in the ledger)
 *   P &lt;n&gt; &lt;d&gt; &lt;s&gt;                              churn: n operations acknowledged, d doublings and s same-size growths begun so far
 *   BS / BE                                    churn: a batch of at least 32 operations is published / acknowledged
 *   L &lt;n&gt;                                      load: keys 0..n-1 acknowledged
 *   D                                          load: every key acknowledged; waiting to be killed
 *   G &lt;k&gt; &lt;B&gt; &lt;growing&gt; &lt;same-size&gt; &lt;evacuated&gt; &lt;old buckets&gt; &lt;overflow&gt;   growth state after k operations
 *   CB / CE                                    churn: an explicit checkpoint begins / ended
 * </pre>
 * Lines on stdout can be lost when the child dies: nothing that decides a check goes there.
 *
 * <p>With {@code --check-out FILE --check-keys N} (crashtest's chain mode) the child reads keys 0..N-1 and
 * the cursor of the index it just opened into FILE ({@link OpenCheckFile}) before it writes anything: that
 * open is the recovery from the previous kill, and the file is its check.
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

    /** Asynchronous puts the load keeps in flight (a power of two): the ring batches them into group commits. */
    static final int LOAD_WINDOW = 4096;
    /**
     * The churn workload checkpoints after this many dirty bytes or journal bytes (defaults: 256 MiB and
     * 256 MiB), so checkpoints run every few hundred writes and kills land inside them.
     */
    static final long CHURN_CHECKPOINT_BYTES = 2L << 20;
    /** See {@link #chainOptions}. */
    static final long CHAIN_CHECKPOINT_BYTES = 64L << 20;
    static final long CHAIN_SEGMENT_BYTES = 256L << 10;

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

    @Option(names = "--first-seqs", split = ",", description = "each churn thread's first sequence number (default 3,1,2)")
    long[] firstSeqs = {3, 1, 2};

    @Option(names = "--key-cap", defaultValue = "1048576")
    long keyCap;

    @Option(names = "--keys", defaultValue = "0")
    long keys;

    @Option(names = "--ledger")
    Path ledgerFile;

    @Option(names = "--check-out")
    Path checkOut;

    @Option(names = "--check-keys", defaultValue = "0")
    long checkKeys;

    @Option(names = "--chain", description = "open with chainOptions (rare checkpoints, small journal segments)")
    boolean chain;

    @Option(names = "--explicit-checkpoints", negatable = true, defaultValue = "true")
    boolean explicitCheckpoints;

    @Option(names = "--check-only", description = "open and write the check file, then wait to be killed without writing")
    boolean checkOnly;

    private Report out;

    /** How crashtest's writers open the index; the parent reopens it with the same options. */
    static Options churnOptions(Durability durability, int valueSize) {
        return Options.defaults().withKeyWidth(8).withValueWidth(valueSize).withDurability(durability)
                .withPrivateMemoryLimit(0) // every checkpoint releases the pages it wrote back: that path is under test too
                .withCheckpointTriggers(CHURN_CHECKPOINT_BYTES, CHURN_CHECKPOINT_BYTES, Duration.ofSeconds(1));
    }

    /**
     * How the writers of {@code crashtest --chain} open the index: checkpoints only when a life asks for them
     * (or after 64 MiB), so most lives end, killed, with no checkpoint since the recovery they began with, as the
     * crash chains under test need; and 256 KiB journal segments, so lives cross segment rolls.
     */
    static Options chainOptions(Durability durability, int valueSize) {
        return Options.defaults().withKeyWidth(8).withValueWidth(valueSize).withDurability(durability)
                .withPrivateMemoryLimit(0)
                .withJournalSegmentSize(CHAIN_SEGMENT_BYTES)
                .withCheckpointTriggers(CHAIN_CHECKPOINT_BYTES, CHAIN_CHECKPOINT_BYTES, Duration.ofHours(1));
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
        Options options = workload == Workload.LOAD ? loadOptions()
                : chain ? chainOptions(durability, valueSize) : churnOptions(durability, valueSize);
        if (workload == Workload.LOAD) {
            BucketDB db = BucketDB.open(dir, options);
            out.line("O " + db.recovery().recordsReplayed() + " 0");
            load(db);
        } else {
            churn(options);
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

    /**
     * Opens the index (the recovery from the previous kill), in chain mode reads it into the check file, then
     * starts the churn. A failed open or read is this life's finding: it goes to the ledger and stdout, and the
     * child exits with {@link Exit#PROBLEMS}.
     */
    private void churn(Options options) throws Exception {
        if (ledgerFile == null) {
            throw new IllegalArgumentException("--ledger is required for the churn workload");
        }
        LedgerFile.Appender ledger = new LedgerFile.Appender(ledgerFile);
        BucketDB db;
        long openNanos;
        try {
            long start = System.nanoTime();
            db = BucketDB.open(dir, options);
            openNanos = System.nanoTime() - start;
            if (checkOut != null) {
                OpenCheckFile.write(db, valueSize, checkKeys, checkOut);
            }
        } catch (Exception | AssertionError e) {
            String message = (e.getClass().getSimpleName() + ": " + e.getMessage()).replace('\n', ' ');
            ledger.line("F " + message);
            out.line("F " + message);
            e.printStackTrace();
            Runtime.getRuntime().halt(Exit.PROBLEMS);
            return;
        }
        out.line("O " + db.recovery().recordsReplayed() + " " + openNanos);
        if (!checkOnly) {
            new ChurnWriter(db, ledger, out, valueSize, firstSeqs, keyCap).start(seed, explicitCheckpoints);
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
