package io.bucketdb.tools;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * A writer process ({@link AckingWriter}) acknowledges SYNC puts, none checkpointed, and is killed with SIGKILL:
 * without {@code recover}, {@code export} returns every acknowledged entry and {@code get} finds the last one,
 * through the read-only view's replay of the journal.
 */
class ToolsAfterKillTest {
    private static final int KEYS = 97;

    @TempDir
    Path tmp;

    @Test
    void exportAndGetSeeEveryAcknowledgedWriteOfAKilledWriter() throws Exception {
        Path dir = tmp.resolve("idx");
        Path err = tmp.resolve("writer.err");
        Process writer = new ProcessBuilder(List.of(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "--enable-native-access=ALL-UNNAMED", "-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC", "-Xmx128m",
                "-cp", System.getProperty("java.class.path"),
                AckingWriter.class.getName(), dir.toString(), Integer.toString(KEYS)))
                .redirectError(err.toFile())
                .start();
        long acked = 0;
        try (BufferedReader in = new BufferedReader(new InputStreamReader(writer.getInputStream(), StandardCharsets.US_ASCII))) {
            String line;
            while (acked < 1_500 && (line = in.readLine()) != null) {
                acked = Long.parseLong(line.substring(2));
            }
            if (acked < 1_500) {
                fail("the writer died: " + Files.readString(err));
            }
            assertTrue(writer.toHandle().destroyForcibly(), "SIGKILL not sent");
            assertTrue(writer.waitFor(60, TimeUnit.SECONDS), "the writer did not die");
            while ((line = in.readLine()) != null) { // acknowledgements printed before the kill count too
                acked = Long.parseLong(line.substring(2));
            }
        } finally {
            writer.destroyForcibly();
        }

        Cli.Result export = Cli.run("export", dir.toString(), "--format", "long");
        assertEquals(0, export.code(), export::toString);
        Map<Long, Long> exported = new HashMap<>();
        Matcher m = Pattern.compile("\\{\"key\":(-?\\d+),\"value\":(-?\\d+)}").matcher(export.out());
        while (m.find()) {
            exported.put(Long.parseLong(m.group(1)), Long.parseLong(m.group(2)));
        }
        assertEquals(KEYS, exported.size(), export::toString);
        for (long k = 0; k < KEYS; k++) {
            long last = acked - Math.floorMod(acked - k, KEYS); // the last acknowledged write to key k
            long v = exported.get(k);
            assertTrue(v >= last && v % KEYS == k, "key " + k + ": exported write " + v + ", but write " + last + " was acknowledged");
        }
        Cli.Result get = Cli.run("get", dir.toString(), Long.toString(acked % KEYS));
        assertEquals(0, get.code(), get::toString);
        assertTrue(Long.parseLong(get.out().trim()) >= acked, get::toString);
        assertTrue(export.err().contains("no writer holds it"), export::toString);
    }
}
