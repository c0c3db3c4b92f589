package io.bucketdb.tools;

import java.io.IOException;
import java.io.PrintWriter;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.function.Supplier;

/**
 * Ctrl-C (SIGINT, or SIGTERM) during a command that writes an index: a shutdown hook closes what the command has
 * open, newest first, and says so on stderr, so the index is closed cleanly (its acknowledged writes checkpointed,
 * its lock released) and a half-built copy is removed ({@code StagedIndex.close}), instead of the JVM exiting with
 * the index open and leaving the next open a recovery to run.
 *
 * <p>The command and the hook share this object's monitor: what the command does {@link #atomically} (creating an
 * index, the rename that commits a build) is never cut in half by the hook, and once the command has
 * {@link #close closed} this, the hook does nothing. After the hook ran, the command's own thread sees its index
 * closed under it; it asks {@link #interrupted()} and stops quietly ({@link #stopped()}), while the JVM finishes
 * exiting with the signal's status (130 for SIGINT).
 */
final class Interruptible implements AutoCloseable {
    /** An action that the hook must not interleave with. */
    @FunctionalInterface
    interface Step<T> {
        T run() throws IOException;
    }

    private final PrintWriter err;
    private final String command;
    private final Supplier<String> outcome;
    private final Deque<AutoCloseable> open = new ArrayDeque<>();
    private final Thread hook;
    private boolean finished;
    private volatile boolean interrupted;

    private Interruptible(PrintWriter err, String command, Supplier<String> outcome) {
        this.err = err;
        this.command = command;
        this.outcome = outcome;
        this.hook = new Thread(this::interrupt, "bucketdb-" + command + "-interrupt");
    }

    /**
     * Installs the hook.
     *
     * @param command the command's name, for the messages
     * @param outcome what closing leaves, said after "closed cleanly: " (e.g. "/data/idx is unchanged")
     */
    static Interruptible install(PrintWriter err, String command, String outcome) {
        return install(err, command, () -> outcome);
    }

    /**
     * Installs the hook with an outcome known only once everything is closed (e.g. how many records an import's
     * closing index acknowledged): {@code outcome} is asked after the last close.
     */
    static Interruptible install(PrintWriter err, String command, Supplier<String> outcome) {
        Interruptible i = new Interruptible(err, command, outcome);
        Runtime.getRuntime().addShutdownHook(i.hook);
        return i;
    }

    /** One that no interrupt reaches (no hook installed), for callers that run without one (tests). */
    static Interruptible none() {
        return new Interruptible(new PrintWriter(java.io.Writer.nullWriter()), "none", () -> "");
    }

    /** Registers {@code c} to be closed by the hook (after everything registered later); returns it. */
    synchronized <T extends AutoCloseable> T add(T c) {
        if (interrupted) {
            closeQuietly(c);
            throw stopped();
        }
        open.push(c);
        return c;
    }

    /** Runs {@code step} with the hook held off; an interrupt that came first stops the command instead. */
    synchronized <T> T atomically(Step<T> step) throws IOException {
        if (interrupted) {
            throw stopped();
        }
        return step.run();
    }

    /** Stops closing {@code c} on an interrupt (the command closed it itself). */
    synchronized void remove(AutoCloseable c) {
        open.remove(c);
    }

    /** Whether the hook ran: whatever the command's thread meets now (a closed index) is its doing. */
    boolean interrupted() {
        return interrupted;
    }

    /** The failure the command's thread leaves with after an interrupt: one line, as the JVM exits. */
    CliException stopped() {
        return new CliException(130, "stopped by the interrupt");
    }

    /** The command finished (or failed) on its own: the hook no longer closes anything. */
    @Override
    public void close() {
        synchronized (this) {
            finished = true;
        }
        try {
            Runtime.getRuntime().removeShutdownHook(hook);
        } catch (IllegalStateException shuttingDown) {
            // the JVM is exiting already; the hook sees finished and does nothing
        }
    }

    private synchronized void interrupt() {
        if (finished) {
            return;
        }
        interrupted = true;
        err.println(command + ": interrupted; closing cleanly");
        err.flush();
        boolean clean = true;
        while (!open.isEmpty()) {
            AutoCloseable c = open.pop();
            try {
                c.close();
            } catch (Exception e) {
                clean = false;
                err.println(command + ": closing " + c + " failed: " + e.getMessage());
            }
        }
        err.println(command + ": " + (clean ? "closed cleanly: " + outcome.get() : "interrupted; the next writing open recovers what was not closed"));
        err.flush();
    }

    private static void closeQuietly(AutoCloseable c) {
        try {
            c.close();
        } catch (Exception ignored) {
            // the command is stopping anyway; the index recovers on its next open
        }
    }
}
