package io.bucketdb.tools;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * The ledger file a churn writer ({@link ChurnWriter}) appends to and crashtest reads after the kill, one
 * line per event, each line one {@code write} call, so every line the writer finished is in the page cache
 * and survives SIGKILL:
 * <pre>
 *   W &lt;seq&gt; &lt;key&gt; P|D                           about to put version seq of key, or delete key
 *   B &lt;seq&gt; &lt;stride&gt; &lt;key&gt;P|D ...                about to write a batch: operation i has sequence number
 *                                               seq + i * stride and puts (P) or deletes (D) its key
 *   A &lt;seq&gt;                                      operation seq, or the batch with first operation seq, acknowledged
 *   F &lt;message&gt;                                  the index did not open (or could not be read after the open)
 * </pre>
 * The order is the contract the check rests on: an operation's announcement is written before the operation is
 * published, and its acknowledgement only after its call returned or its future completed. So every operation
 * that may be in the index was announced, and every acknowledgement is real.
 *
 * <p>Why not the child's stdout: when a child dies, the JDK's process reaper drains and closes the pipe, and a
 * reader can miss the last lines; a checker that learns of acknowledgements there reports false losses, and
 * one that misses an announcement can call a write in flight a stranger. A line cut by the kill (a batch line
 * longer than a page can be) is the last in the file and has no newline: it is dropped, which is safe for the
 * same reasons (a cut announcement was never published, a cut acknowledgement only counts less).
 */
final class LedgerFile {
    private LedgerFile() {
    }

    /** The writer's side: appends lines, one write each, from any thread. */
    static final class Appender implements AutoCloseable {
        private final FileChannel channel;

        Appender(Path file) throws IOException {
            channel = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.WRITE, StandardOpenOption.APPEND);
        }

        /**
         * Appends {@code line} and a newline with one write. The channel serialises writers, so lines of
         * different threads never interleave; an I/O error halts the writer (it cannot keep its contract).
         */
        void line(CharSequence line) {
            byte[] b = new byte[line.length() + 1];
            for (int i = 0; i < line.length(); i++) {
                b[i] = (byte) line.charAt(i);
            }
            b[line.length()] = '\n';
            ByteBuffer buf = ByteBuffer.wrap(b);
            try {
                while (buf.hasRemaining()) {
                    channel.write(buf);
                }
            } catch (IOException e) {
                System.err.println("writer-child: the ledger file cannot be written: " + e);
                Runtime.getRuntime().halt(Exit.IO);
            }
        }

        @Override
        public void close() throws IOException {
            channel.close();
        }
    }

    /** What one writer's ledger file held. {@code failedOpen}: the writer's F line, or null. */
    record Read(long lines, long announced, long acknowledged, String failedOpen) {
    }

    /**
     * Feeds {@code file} into {@code ledger}. A missing file reads as empty (the writer died before it wrote).
     *
     * @throws IllegalStateException if a complete line is malformed (a writer that broke its contract)
     */
    static Read feed(Path file, Ledger ledger) throws IOException {
        if (!Files.exists(file)) {
            return new Read(0, 0, 0, null);
        }
        String text = Files.readString(file, StandardCharsets.US_ASCII);
        long lines = 0;
        long announced = 0;
        long acknowledged = 0;
        String failed = null;
        int at = 0;
        int end;
        // A last line without its newline was cut by the kill: dropped (see the class comment).
        while ((end = text.indexOf('\n', at)) >= 0) {
            String line = text.substring(at, end);
            at = end + 1;
            lines++;
            try {
                switch (line.charAt(0)) {
                    case 'W' -> {
                        String[] f = line.split(" ");
                        ledger.intent(Long.parseLong(f[1]), Long.parseLong(f[2]), op(f[3]));
                        announced++;
                    }
                    case 'B' -> {
                        String[] f = line.split(" ");
                        long seq = Long.parseLong(f[1]);
                        long stride = Long.parseLong(f[2]);
                        int n = f.length - 3;
                        long[] seqs = new long[n];
                        long[] keys = new long[n];
                        boolean[] deletes = new boolean[n];
                        for (int i = 0; i < n; i++) {
                            String k = f[3 + i];
                            seqs[i] = seq + i * stride;
                            keys[i] = Long.parseLong(k, 0, k.length() - 1, 10);
                            deletes[i] = op(k.substring(k.length() - 1));
                        }
                        ledger.batch(seqs, keys, deletes);
                        announced += n;
                    }
                    case 'A' -> {
                        ledger.ack(Long.parseLong(line, 2, line.length(), 10));
                        acknowledged++;
                    }
                    case 'F' -> failed = line.substring(2);
                    default -> throw new IllegalStateException("unknown line");
                }
            } catch (RuntimeException e) {
                throw new IllegalStateException(file + ", line " + lines + " '" + abbreviate(line) + "': " + e.getMessage(), e);
            }
        }
        return new Read(lines, announced, acknowledged, failed);
    }

    private static boolean op(String f) {
        return switch (f) {
            case "P" -> false;
            case "D" -> true;
            default -> throw new IllegalStateException("expected P or D, found '" + f + "'");
        };
    }

    private static String abbreviate(String line) {
        return line.length() <= 80 ? line : line.substring(0, 80) + "...";
    }
}
