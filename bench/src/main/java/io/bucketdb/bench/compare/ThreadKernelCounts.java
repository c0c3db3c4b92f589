package io.bucketdb.bench.compare;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Properties;

/**
 * The calling thread's minor page faults and CPU time in user and kernel mode during a timed section, from Linux's
 * {@code /proc/thread-self/stat}: in a one-thread load, BucketDB's writer is the calling thread (it takes the writer
 * role), so these are the writer's own faults, which the rate alone cannot show (docs/BENCHMARKS.md, "wtouch").
 * Reports nothing where the file is missing (not Linux).
 */
final class ThreadKernelCounts {
    private static final Path STAT = Path.of("/proc/thread-self/stat");
    /** Linux's {@code USER_HZ}: the clock ticks {@code stat} counts CPU time in, 100 on every Linux ABI. */
    private static final long TICKS_PER_SECOND = 100;

    private final long[] start;

    /** Starts counting on the calling thread. */
    ThreadKernelCounts() {
        start = now();
    }

    /** Adds {@code callerMinorFaults}, {@code callerUserMs} and {@code callerSystemMs} to {@code p}; the same thread. */
    void report(Properties p) {
        long[] end = now();
        if (start == null || end == null) {
            return;
        }
        p.setProperty("callerMinorFaults", Long.toString(end[0] - start[0]));
        p.setProperty("callerUserMs", Long.toString((end[1] - start[1]) * 1000 / TICKS_PER_SECOND));
        p.setProperty("callerSystemMs", Long.toString((end[2] - start[2]) * 1000 / TICKS_PER_SECOND));
    }

    /** {@return minor faults, user ticks and system ticks of the calling thread so far; null where not readable} */
    static long[] now() {
        String s;
        try {
            s = Files.readString(STAT);
        } catch (IOException | UnsupportedOperationException e) {
            return null;
        }
        // The name (field 2) is in parentheses and may hold spaces: count from the last ')'. Fields from there start at
        // field 3 (state); minflt is field 10, utime 14, stime 15.
        String[] f = s.substring(s.lastIndexOf(')') + 2).split(" ");
        return new long[] {Long.parseLong(f[7]), Long.parseLong(f[11]), Long.parseLong(f[12])};
    }
}
