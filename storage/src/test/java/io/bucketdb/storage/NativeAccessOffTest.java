package io.bucketdb.storage;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Without {@code --enable-native-access} the JVM warns on the first restricted call (JDK 24+); BucketDB must
 * not make one, and must still allocate and map (unadvised). Needs a child JVM, since the flag is fixed at start-up.
 */
class NativeAccessOffTest {

    @TempDir
    Path dir;

    @Test
    void shouldAllocateWithoutWarningWhenNativeAccessIsOff() throws IOException, InterruptedException {
        Path launcher = Path.of(System.getProperty("java.home"), "bin", "java");
        Process process = new ProcessBuilder(List.of(launcher.toString(), "-Xshare:auto", "-cp",
                System.getProperty("java.class.path"), NativeAccessProbe.class.getName(),
                dir.resolve("f").toString()))
                .redirectError(dir.resolve("stderr").toFile())
                .start();
        String out = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
        assertTrue(process.waitFor(60, TimeUnit.SECONDS), "child JVM finished");
        String err = Files.readString(dir.resolve("stderr"));
        assertEquals(0, process.exitValue(), err);
        assertEquals("available=false size=65536 mapped=42,7", out, "mappings work unadvised");
        assertEquals("", err, "no native-access warning");
    }
}
