package io.bucketdb.tools;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * The parent's side of a writer child ({@link WriterChild}): starts {@code bucketdb writer-child} in a new JVM
 * (the binary and class path of this one, so the tools jar runs itself), hands every complete line it prints
 * to a handler on a reader thread, and kills it with SIGKILL.
 *
 * <p>Only complete lines reach the handler: a line cut by the kill is dropped. That is safe because the child
 * flushes an operation's intent line before it publishes the operation, so a cut intent belongs to an
 * operation that never reached the index, and a cut acknowledgement only makes the parent count less.
 *
 * <p>Threads: the handler runs on the reader thread only; after {@link #kill} returns the reader has seen
 * the end of the output and has ended, so whatever the handler built is visible to the caller.
 */
final class WriterProcess implements AutoCloseable {
    /** How a process killed by SIGKILL exits, as {@link Process#waitFor} reports it on Linux and macOS (128 + 9). */
    static final int KILLED_EXIT = 137;

    /** Receives the child's output, one complete line at a time, on the reader thread. */
    @FunctionalInterface
    interface LineHandler {
        void line(String line);
    }

    private final Process process;
    private final Thread reader;
    private final Path errFile;
    private volatile Throwable handlerFailure;

    private WriterProcess(Process process, Path errFile, LineHandler handler) {
        this.process = process;
        this.errFile = errFile;
        this.reader = Thread.ofPlatform().name("bucketdb-writer-output " + process.pid()).daemon()
                .start(() -> readLines(process.getInputStream(), handler));
    }

    /** Starts {@code bucketdb writer-child ARGS} in a new JVM. */
    static WriterProcess start(List<String> args, LineHandler handler) throws IOException {
        return start(List.of(), args, handler);
    }

    /** Starts {@code bucketdb writer-child ARGS} in a new JVM with the extra JVM options {@code jvmOptions}. */
    static WriterProcess start(List<String> jvmOptions, List<String> args, LineHandler handler) throws IOException {
        List<String> command = new ArrayList<>(List.of(javaBinary(), "--enable-native-access=ALL-UNNAMED",
                // One GC thread: the machines this runs on may have two cores, and the parent needs one.
                "-XX:+UseSerialGC"));
        command.addAll(jvmOptions);
        command.addAll(List.of("-cp", System.getProperty("java.class.path"), Main.class.getName(), WriterChild.NAME));
        command.addAll(args);
        Path err = Files.createTempFile("bucketdb-writer-", ".err");
        try {
            return new WriterProcess(new ProcessBuilder(command).redirectError(err.toFile()).start(), err, handler);
        } catch (IOException | RuntimeException e) {
            Files.deleteIfExists(err);
            throw e;
        }
    }

    /** The java launcher running this JVM (so the child runs on the same JDK), else java.home's. */
    static String javaBinary() {
        return ProcessHandle.current().info().command()
                .orElse(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    }

    long pid() {
        return process.pid();
    }

    boolean isAlive() {
        return process.isAlive();
    }

    /**
     * Sends SIGKILL, waits for the child to die and for the reader to see the end of its output.
     * Returns whether our signal killed it (false: it had exited by itself; see {@link #exitCode}).
     */
    boolean kill() throws InterruptedException {
        // Through the ProcessHandle on purpose: Process.destroyForcibly() also closes our end of the pipe,
        // which would drop lines the child wrote just before it died, among them intents of operations
        // that may be in the index. ProcessHandle.destroyForcibly() only sends the signal.
        boolean sent = process.toHandle().destroyForcibly();
        process.waitFor();
        reader.join();
        return sent && process.exitValue() == KILLED_EXIT;
    }

    /** Waits for the child to exit by itself (at most {@code millis}), as when it failed. */
    boolean waitFor(long millis) throws InterruptedException {
        return process.waitFor(millis, TimeUnit.MILLISECONDS);
    }

    int exitCode() {
        return process.exitValue();
    }

    /** A failure of the line handler (a line it could not make sense of), or null. */
    Throwable handlerFailure() {
        return handlerFailure;
    }

    /** The child's last meaningful stderr line, for a one-line report of why it died. */
    String lastError() {
        try {
            List<String> lines = Files.readAllLines(errFile, StandardCharsets.UTF_8);
            String best = null;
            for (String l : lines) {
                String t = l.strip();
                // The exception line says why; "at ..." frames and JVM warnings do not.
                if (!t.isEmpty() && !t.startsWith("at ") && !t.startsWith("...") && !t.startsWith("WARNING")) {
                    best = t;
                    if (t.contains("Exception") || t.contains("Error")) {
                        return t;
                    }
                }
            }
            return best == null ? "no message on stderr" : best;
        } catch (IOException e) {
            return "its stderr could not be read: " + e.getMessage();
        }
    }

    /** Kills the child if it still runs and removes its stderr file. */
    @Override
    public void close() throws IOException {
        if (process.isAlive()) {
            try {
                kill();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        // The child watches its stdin and halts when it closes (see WriterChild), so no child outlives us.
        OutputStream in = process.getOutputStream();
        in.close();
        Files.deleteIfExists(errFile);
    }

    private void readLines(InputStream in, LineHandler handler) {
        byte[] buf = new byte[1 << 16];
        byte[] line = new byte[256];
        int len = 0;
        try (in) {
            int n;
            while ((n = in.read(buf)) > 0) {
                for (int i = 0; i < n; i++) {
                    byte b = buf[i];
                    if (b != '\n') {
                        if (len == line.length) {
                            line = java.util.Arrays.copyOf(line, len * 2);
                        }
                        line[len++] = b;
                        continue;
                    }
                    String s = new String(line, 0, len, StandardCharsets.US_ASCII);
                    len = 0;
                    if (handlerFailure == null) {
                        try {
                            handler.line(s);
                        } catch (RuntimeException e) {
                            // Keep draining, so the child never blocks on a full pipe; the caller reports this.
                            handlerFailure = e;
                        }
                    }
                }
            }
        } catch (IOException e) {
            if (handlerFailure == null) {
                handlerFailure = e;
            }
        }
        // A last line without its newline was cut by the kill: dropped (see the class comment).
    }
}
