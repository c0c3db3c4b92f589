package io.bucketdb.bench.compare;

import org.HdrHistogram.Histogram;
import org.HdrHistogram.HistogramLogWriter;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** {@link LoadLogTail} on a log written as the load fork writes one, with known slow puts in the first interval and later. */
class LoadLogTailTest {
    private static final long US = 1000;

    @Test
    void theFirstIntervalsSlowPutsAreCountedApartFromTheRest(@TempDir Path tmp) throws Exception {
        Path hlog = tmp.resolve("load.store.hlog");
        try (PrintStream ps = new PrintStream(Files.newOutputStream(hlog), false, "US-ASCII")) {
            HistogramLogWriter log = new HistogramLogWriter(ps);
            log.outputLogFormatVersion();
            log.outputStartTime(0);
            log.setBaseTime(0);
            log.outputLegend();
            Histogram h = new Histogram(3_600_000_000_000L, 3);
            // A cold start: 1,000 puts of 60 µs among the first 50,000.
            h.recordValueWithCount(60 * US, 1000);
            h.recordValueWithCount(400, 49_000);
            interval(log, h, 0);
            // The rest: 199 intervals of 50,000 puts, 5 of 100 µs in each, and 10 of 20 µs in one.
            for (int i = 1; i < 200; i++) {
                h.recordValueWithCount(100 * US, 5);
                if (i == 7) {
                    h.recordValueWithCount(20 * US, 10);
                    h.recordValueWithCount(500, 49_985);
                } else {
                    h.recordValueWithCount(500, 49_995);
                }
                interval(log, h, i);
            }
        }
        LoadLogTail.Split s = LoadLogTail.split(hlog, 45 * US);
        assertEquals(50_000, s.firstPuts());
        assertEquals(1000, s.firstOver());
        assertEquals(9_950_000, s.otherPuts());
        assertEquals(995, s.otherOver());
        // All 10M puts: 1,995 over 45 µs, so the 1,000th slowest is a cold one.
        assertNear(60 * US, s.p9999AllNanos());
        // Without the first interval: 995 of 100 µs, then the 20 µs ones hold the 996th to the 1,005th slowest.
        assertNear(20 * US, s.p9999OtherNanos());
        assertNear(20 * US, s.slowest1000OtherNanos());
    }

    private static void interval(HistogramLogWriter log, Histogram h, int i) {
        h.setStartTimeStamp(i * 10L);
        h.setEndTimeStamp(i * 10L + 10);
        log.outputIntervalHistogram(h);
        h.reset();
    }

    /** HdrHistogram keeps 3 significant digits: a value comes back as the top of its bucket. */
    private static void assertNear(long expected, long actual) {
        assertEquals(expected, actual, expected / 500.0, () -> "expected about " + expected + " ns, got " + actual);
    }
}
