package io.bucketdb.bench.compare;

import java.lang.management.GarbageCollectorMXBean;
import java.lang.management.ManagementFactory;
import java.util.Properties;

/** Garbage collections during a timed section. */
final class GcCounter {
    private final long count0;
    private final long millis0;

    GcCounter() {
        long[] now = now();
        count0 = now[0];
        millis0 = now[1];
    }

    void report(Properties p) {
        long[] now = now();
        p.setProperty("gcCount", Long.toString(now[0] - count0));
        p.setProperty("gcMs", Long.toString(now[1] - millis0));
    }

    private static long[] now() {
        long c = 0;
        long ms = 0;
        for (GarbageCollectorMXBean gc : ManagementFactory.getGarbageCollectorMXBeans()) {
            c += Math.max(0, gc.getCollectionCount());
            ms += Math.max(0, gc.getCollectionTime());
        }
        return new long[] {c, ms};
    }
}
