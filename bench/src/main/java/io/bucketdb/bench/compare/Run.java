package io.bucketdb.bench.compare;

import java.nio.file.Path;
import java.util.Properties;

/**
 * One forked JVM's outcome, as the runner saw it.
 *
 * @param store        the store
 * @param workload     the workload
 * @param result       what the fork wrote (empty if it wrote nothing)
 * @param problem      why there is no result (timed out, crashed), or null
 * @param wallSeconds  the fork's wall time, JVM start to exit
 * @param hlog         the put-latency log, or null
 */
record Run(StoreSpec store, Workload workload, Properties result, String problem, double wallSeconds, Path hlog) {

    boolean ok() {
        return problem == null && "ok".equals(result.getProperty("status"));
    }

    /** Why it did not run to the end. */
    String failure() {
        if (problem != null) {
            return problem;
        }
        return result.getProperty("error", "no result");
    }

    /** A measured number, or NaN when absent. */
    double num(String key) {
        String v = result.getProperty(key);
        return v == null ? Double.NaN : Double.parseDouble(v);
    }

    boolean capped() {
        return Boolean.parseBoolean(result.getProperty("capped"));
    }
}
