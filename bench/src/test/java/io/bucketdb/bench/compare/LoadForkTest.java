package io.bucketdb.bench.compare;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.io.TempDir;

import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Properties;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A load fork run in this JVM ({@link Worker#run}): writer threads (and busy readers beside them) load
 * every key, the result file reports what they did, and the store holds every key afterwards.
 */
class LoadForkTest {
    private static final int N = 4000;

    @ParameterizedTest
    @ValueSource(strings = {"load-2t", "load-2t-1r"})
    void threadedLoadsPutEveryKeyAndReportTheirReaders(String workload, @TempDir Path tmp) throws Exception {
        for (String store : new String[] {"bucketdb", "chm"}) { // hashmap is a one-thread store (Writers.ONE_THREAD): the runner gives it no threaded load
            Path raw = tmp.resolve("raw-" + store);
            int code = Worker.run(new String[] {"--store", store, "--workloads", workload, "--entries", Integer.toString(N),
                    "--shape", "8x8", "--dir", tmp.resolve("data-" + store).toString(), "--out", raw.toString(),
                    "--write-cap", "60"});
            Properties p = new Properties();
            try (InputStream in = Files.newInputStream(raw.resolve(workload + "." + store + ".properties"))) {
                p.load(in);
            }
            assertEquals(0, code, store + ": " + p.getProperty("error"));
            assertEquals("ok", p.getProperty("status"), store);
            assertEquals(Integer.toString(N), p.getProperty("ops"), store + " loads every key");
            assertEquals("false", p.getProperty("capped"), store);
            if (workload.endsWith("r")) {
                assertEquals("1", p.getProperty("readers"), store);
                // A fast store can finish before a reader's first get: the rate is reported, not necessarily above 0.
                assertTrue(Double.parseDouble(p.getProperty("readsPerSec")) >= 0, store + " reports its readers' rate");
            } else {
                assertNull(p.getProperty("readers"), store);
            }
        }
    }
}
