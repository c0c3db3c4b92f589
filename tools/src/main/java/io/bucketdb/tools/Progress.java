package io.bucketdb.tools;

import java.io.PrintWriter;

/**
 * A one-line progress bar with rate and ETA, drawn on stderr only when the tool runs on a terminal
 * ({@code System.console() != null}); elsewhere (pipes, files, tests) every call does nothing, so
 * output stays clean for scripts. Redraws at most five times a second.
 */
final class Progress {
    private static final long REDRAW_NANOS = 200_000_000L;
    private static final int WIDTH = 30;

    private final PrintWriter err;
    private final boolean enabled;
    private final String label;
    private final String unit;
    private final long total;
    private final long startNanos = System.nanoTime();
    private long lastDraw;
    private long done;
    private boolean drawn;

    /**
     * @param total the amount of work, or 0 if unknown (then only the count and rate are shown)
     * @param unit  what is counted ("keys", "bytes")
     */
    Progress(PrintWriter err, boolean enabled, String label, long total, String unit) {
        this.err = err;
        this.enabled = enabled;
        this.label = label;
        this.total = total;
        this.unit = unit;
    }

    /** Whether a progress bar would be drawn here: only on a terminal. */
    static boolean onTerminal() {
        // Since JDK 22 a Console may exist with the streams redirected (jdk.console=jdk.internal.le): ask it.
        java.io.Console c = System.console();
        return c != null && c.isTerminal();
    }

    /** Reports {@code done} units finished. */
    void update(long done) {
        this.done = done;
        if (!enabled) {
            return;
        }
        long now = System.nanoTime();
        if (now - lastDraw >= REDRAW_NANOS) {
            lastDraw = now;
            draw(now);
        }
    }

    /** Prints {@code line} to {@code target} above the bar (the bar is redrawn below it). */
    void println(PrintWriter target, String line) {
        if (enabled && drawn) {
            err.print("\r\033[K");
            err.flush();
        }
        target.println(line);
        target.flush();
        if (enabled && drawn) {
            draw(System.nanoTime());
        }
    }

    /** Clears the bar. */
    void finish() {
        if (enabled && drawn) {
            err.print("\r\033[K");
            err.flush();
            drawn = false;
        }
    }

    private void draw(long now) {
        double secs = Math.max(1e-9, (now - startNanos) / 1e9);
        double rate = done / secs;
        StringBuilder b = new StringBuilder("\r").append(label).append(' ');
        if (total > 0) {
            int fill = (int) Math.min(WIDTH, WIDTH * done / total);
            b.append('[').append("#".repeat(fill)).append(".".repeat(WIDTH - fill)).append("] ");
            b.append(String.format("%3d%% ", Math.min(100, 100 * done / total)));
            b.append(Text.count(done)).append('/').append(Text.count(total)).append(' ').append(unit);
            if (secs >= 1 && rate > 0 && done < total) { // earlier rates are noise
                b.append(String.format(", ETA %.0fs", (total - done) / rate));
            }
        } else {
            b.append(Text.count(done)).append(' ').append(unit);
        }
        b.append(String.format(", %s %s/s", Text.count((long) rate), unit));
        err.print(b);
        err.print("\033[K");
        err.flush();
        drawn = true;
    }
}
