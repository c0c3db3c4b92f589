package io.bucketdb.tools;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.*;

/**
 * Standard output that cannot be written ({@code bucketdb export idx > file} on a full disk, /dev/full, a pipe whose
 * reader went away) makes the output incomplete, and the exit code must say so: PrintWriter swallows the error, and every
 * command exited 0.
 */
class OutputFailureTest {
    @TempDir
    Path tmp;

    @Test
    void aCommandWhoseOutputCannotBeWrittenExitsWithAnIoError() throws IOException {
        Path dir = Cli.longIndex(tmp.resolve("idx"), 3_000);
        String d = dir.toString();
        String[][] commands = {{"export", d}, {"export", d, "--salvage"}, {"scan", d}, {"get", d, "7"}, {"stat", d},
                {"stat", d, "--json"}, {"dump", d, "--limit", "3"}, {"verify", d}, {"help"}};
        for (String[] command : commands) {
            Full full = new Full();
            StringWriter err = new StringWriter();
            // As Main.main wraps System.out: a PrintStream, which swallows the error too.
            int code = Main.run(new PrintWriter(new PrintStream(full), true), new PrintWriter(err), command);
            String where = String.join(" ", command) + ": exit " + code + "\n" + err;
            if (full.attempts == 0) {
                assertEquals(0, code, "nothing to write, nothing lost: " + where); // verify prints nothing on stdout
                continue;
            }
            assertEquals(Exit.IO, code, where);
            assertTrue(err.toString().contains(": " + Main.OUTPUT_FAILED), where);
            assertFalse(err.toString().contains("\tat "), where);
        }
    }

    /** An output stream on a full disk: every write fails. */
    private static final class Full extends OutputStream {
        int attempts;

        @Override
        public void write(int b) throws IOException {
            attempts++;
            throw new IOException("No space left on device");
        }

        @Override
        public void write(byte[] b, int off, int len) throws IOException {
            attempts++;
            throw new IOException("No space left on device");
        }
    }
}
