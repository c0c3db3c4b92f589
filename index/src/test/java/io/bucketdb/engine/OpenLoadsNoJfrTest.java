package io.bucketdb.engine;

import io.bucketdb.BucketDB;
import io.bucketdb.Durability;
import io.bucketdb.Options;
import io.bucketdb.storage.sim.CrashMode;
import io.bucketdb.storage.sim.CrashSimulator;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * An open that recovers (replay through growth, the ending checkpoint), and the SYNC writes after it (journal forces),
 * in a JVM without a recording load no JFR event class: the first one a JVM loads brings up Flight Recorder's event machinery, 60-100 ms of the open's thread
 * (issue 16, part "recovery"). Checked in a child JVM's class-load log ({@code -Xlog:class+load}), since this JVM's
 * other tests start recordings.
 */
class OpenLoadsNoJfrTest {
    @TempDir
    Path tmp;

    @Test
    void aRecoveringOpenAndForcedWritesWithoutARecordingLoadNoFlightRecorderEventClass() throws Exception {
        CrashSimulator sim = new CrashSimulator();
        Path dir = tmp.resolve("live");
        BucketDB db = BucketDB.open(dir, Options.defaults().withDurableIO(sim).withDurability(Durability.SYNC)
                .withCheckpointTriggers(Long.MAX_VALUE, Long.MAX_VALUE, Duration.ofDays(1)));
        Path image = tmp.resolve("image");
        try {
            for (long k = 0; k < 20_000; k++) { // grows the table: replay takes growth steps, the checkpoint writes pages
                db.putLong(k, ~k);
            }
            sim.writeCrashImage(dir, image, CrashMode.KEEP_ALL);
        } finally {
            sim.crashAfter(sim.operationCount());
            try {
                db.close();
            } catch (IOException | RuntimeException expected) {
                // the simulated process is dead
            }
        }
        Path log = tmp.resolve("classes.log");
        Path out = tmp.resolve("child.out");
        Process child = new ProcessBuilder(List.of(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "--enable-native-access=ALL-UNNAMED", "-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC", "-Xmx256m",
                "-Xlog:class+load=info:file=" + log,
                "-cp", System.getProperty("java.class.path"),
                OpenChild.class.getName(), image.toString()))
                .redirectErrorStream(true).redirectOutput(out.toFile())
                .start();
        assertTrue(child.waitFor(120, TimeUnit.SECONDS), "the child did not finish");
        String said = Files.readString(out);
        assertEquals(0, child.exitValue(), said);
        assertTrue(said.contains("replayed 20000 size 20100"), said);
        List<String> jfr = Files.readAllLines(log).stream()
                .filter(l -> l.contains(" jdk.jfr.Event ") || l.contains(" jdk.jfr.internal."))
                .toList();
        assertTrue(jfr.isEmpty(), "JFR classes loaded by the open: " + jfr);
    }
}
