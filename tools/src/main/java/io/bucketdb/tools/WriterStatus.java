package io.bucketdb.tools;

import io.bucketdb.Growth;

import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;

/**
 * What a churn writer ({@link ChurnWriter}) reported on stdout so far: only what crashtest aims its kills at
 * and counts (the check rests on the ledger file, not on these lines). Written by the {@link WriterProcess}'s
 * reader thread only, read by the aiming thread, hence volatile (one writer, so plain increments are fine).
 */
final class WriterStatus {
    /** How long a writer may take to open the index: a new JVM on a busy two-core machine can take seconds. */
    static final long OPEN_TIMEOUT_NANOS = TimeUnit.SECONDS.toNanos(120);

    volatile boolean opened;
    volatile String failed;
    volatile long replayed;
    volatile long openNanos;
    volatile long acks;
    volatile boolean growing;
    volatile boolean sameSize;
    volatile int b;
    volatile boolean inCheckpoint;
    volatile boolean inBatch;
    /** Growths the writer saw begin (not counting one it recovered in the middle of), as of its last P line. */
    volatile int doublingsSeen;
    volatile int sameSizeSeen;

    void accept(String line) {
        switch (line.charAt(0)) {
            case 'G' -> {
                Growth g = WriterChild.parseGrowth(line.split(" "));
                sameSize = g.sameSizeGrowth();
                growing = g.growing();
                b = g.b();
            }
            case 'P' -> {
                String[] f = line.split(" ");
                doublingsSeen = Integer.parseInt(f[2]);
                sameSizeSeen = Integer.parseInt(f[3]);
                acks = Long.parseLong(f[1]);
            }
            case 'B' -> inBatch = line.equals("BS");
            case 'C' -> inCheckpoint = line.equals("CB");
            case 'O' -> {
                String[] f = line.split(" ");
                replayed = Long.parseLong(f[1]);
                openNanos = Long.parseLong(f[2]);
                opened = true;
            }
            case 'F' -> failed = line.substring(2);
            default -> throw new IllegalStateException("unknown line '" + line + "'");
        }
    }

    /** Waits until the writer opened the index; false if it failed to (then it exits by itself). */
    boolean awaitOpen(WriterProcess child) throws InterruptedException {
        long until = System.nanoTime() + OPEN_TIMEOUT_NANOS;
        while (!opened) {
            if (!child.isAlive()) {
                child.waitFor(1000);
                if (child.exitCode() == Exit.PROBLEMS) {
                    return false;
                }
                throw died(child);
            }
            if (System.nanoTime() - until >= 0) {
                throw new CliException(Exit.IO, "writer process " + child.pid() + " did not open the index within "
                        + TimeUnit.NANOSECONDS.toSeconds(OPEN_TIMEOUT_NANOS) + " s");
            }
            TimeUnit.MICROSECONDS.sleep(100);
        }
        return true;
    }

    /**
     * Waits until {@code condition} holds, the child died, or {@code until}. Returns whether the condition
     * held. A child that died by itself is a failure.
     */
    static boolean await(WriterProcess child, BooleanSupplier condition, long until) throws InterruptedException {
        while (!condition.getAsBoolean()) {
            if (!child.isAlive()) {
                child.waitFor(1000);
                throw died(child);
            }
            if (System.nanoTime() - until >= 0) {
                return false;
            }
            // Polling every 100 µs: fine enough to land in a checkpoint or a batch, and the parent sleeps meanwhile.
            TimeUnit.MICROSECONDS.sleep(100);
        }
        return true;
    }

    static CliException died(WriterProcess child) {
        return new CliException(Exit.IO, "writer process " + child.pid() + " exited by itself with code " + child.exitCode()
                + " before it was killed: " + child.lastError());
    }
}
