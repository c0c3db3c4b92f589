package io.bucketdb.tools;

import io.bucketdb.Growth;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * The demo's first act: a writer process ({@link WriterChild}, workload {@code load}) puts keys 0..N-1 and
 * reports its progress and every growth state; this side draws them (progress bar, growth lines) and kills
 * the writer with SIGKILL in the middle of the last doubling that starts before N keys.
 *
 * <p>That doubling is the first one that starts after N/2 keys: the table doubles at twice as many keys
 * each time, so exactly one doubling starts between N/2 and N. "The middle" is the first report after a
 * third of its old buckets were evacuated. If the load ends before that is seen (small N), the writer is
 * killed after its last acknowledgement instead, and the outcome says so.
 */
final class KilledLoad {
    /**
     * What the writer had reported when it was killed.
     *
     * @param acknowledged keys 0..acknowledged-1 were acknowledged (the writer printed so after their futures completed)
     * @param issued       puts the writer had published at its last growth report
     * @param atKill       the growth state of that report
     * @param midGrowth    whether the kill was aimed into a doubling (false: the load ended first)
     */
    record Outcome(long pid, long acknowledged, long issued, Growth atKill, boolean midGrowth) {
    }

    private static final long OPEN_TIMEOUT_NANOS = TimeUnit.SECONDS.toNanos(120);

    private KilledLoad() {
    }

    /** Runs the writer on {@code dir} until the aim, kills it and returns what it had reported. */
    static Outcome run(Path dir, long keys, GrowthWatch watch, Progress bar, PrintWriter out) throws IOException, InterruptedException {
        Watcher w = new Watcher(keys, watch, bar, out);
        List<String> args = List.of(dir.toString(), "--workload", "load", "--keys", Long.toString(keys));
        try (WriterProcess child = WriterProcess.start(args, w::accept)) {
            long openBy = System.nanoTime() + OPEN_TIMEOUT_NANOS;
            while (!w.aimed && !w.done) {
                if (!child.isAlive()) {
                    child.waitFor(1000);
                    throw new CliException(Exit.IO, "the writer process " + child.pid() + " exited by itself with code "
                            + child.exitCode() + ": " + child.lastError());
                }
                if (!w.opened && System.nanoTime() - openBy > 0) {
                    throw new CliException(Exit.IO, "the writer process " + child.pid() + " did not open the index within "
                            + TimeUnit.NANOSECONDS.toSeconds(OPEN_TIMEOUT_NANOS) + " s");
                }
                // 100 µs: a doubling near 5M keys lasts about a second, the last ones of a small demo milliseconds.
                TimeUnit.MICROSECONDS.sleep(100);
            }
            boolean aimed = w.aimed;
            if (!child.kill()) {
                throw new CliException(Exit.IO, "the writer process " + child.pid() + " exited by itself with code "
                        + child.exitCode() + " before it was killed: " + child.lastError());
            }
            if (child.handlerFailure() != null) {
                throw new CliException(Exit.IO, "the writer process " + child.pid() + " reported something unexpected: "
                        + child.handlerFailure().getMessage());
            }
            return new Outcome(child.pid(), w.acknowledged, w.issued, w.growth, aimed);
        }
    }

    /**
     * Follows the writer's reports on its reader thread: prints growth lines and draws the bar there (the
     * caller's thread prints nothing until the writer is dead), and sets {@link #aimed} for the caller.
     */
    private static final class Watcher {
        private final long keys;
        private final GrowthWatch watch;
        private final Progress bar;
        private final PrintWriter out;
        volatile boolean opened;
        volatile boolean aimed;
        volatile boolean done;
        volatile long acknowledged;
        volatile long issued;
        volatile Growth growth;
        private int doublingB = -1;
        private boolean startedPastHalf;

        Watcher(long keys, GrowthWatch watch, Progress bar, PrintWriter out) {
            this.keys = keys;
            this.watch = watch;
            this.bar = bar;
            this.out = out;
        }

        void accept(String line) {
            String[] f = line.split(" ");
            switch (f[0]) {
                case "O" -> opened = true;
                case "G" -> {
                    long ops = Long.parseLong(f[1]);
                    Growth g = WriterChild.parseGrowth(f);
                    String text = watch.observe(g, ops);
                    if (text != null) {
                        bar.println(out, "   " + text);
                    }
                    bar.update(ops);
                    if (g.growing() && !g.sameSizeGrowth()) {
                        if (g.b() != doublingB) {
                            doublingB = g.b();
                            // It began after the previous report: past half if that report was.
                            startedPastHalf = issued >= keys / 2;
                        }
                        if (startedPastHalf && g.evacuated() * 3 >= g.oldBuckets()) {
                            aimed = true;
                        }
                    }
                    issued = ops;
                    growth = g;
                }
                case "L" -> acknowledged = Long.parseLong(f[1]);
                case "D" -> done = true;
                default -> throw new IllegalStateException("unknown line '" + line + "'");
            }
        }
    }
}
