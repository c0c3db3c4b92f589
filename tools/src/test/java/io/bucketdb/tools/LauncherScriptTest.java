package io.bucketdb.tools;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.*;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * The repository's {@code ./bucketdb} script, run in a copy of the checkout's layout with a stand-in {@code mvn} and JDK
 * (nothing is built): the README's {@code ./bucketdb export /data/idx | ./bucketdb import /data/copy2 -} starts two
 * scripts at once, and when the jar is stale both used to run Maven in the same tree at the same time, which fails
 * (each cleans and compiles the other's classes away).
 */
class LauncherScriptTest {
    private static final Path SCRIPT = Path.of("..", "bucketdb");

    @TempDir
    Path tmp;

    @Test
    void twoScriptsStartedTogetherOnAStaleJarBuildItOnce() throws Exception {
        assumeTrue(Files.isExecutable(Path.of("/bin/bash")) && Files.isExecutable(Path.of("/usr/bin/flock")), "bash and flock");
        Path root = Files.createDirectories(tmp.resolve("checkout"));
        Files.copy(SCRIPT, root.resolve("bucketdb"));
        executable(root.resolve("bucketdb"));
        Files.writeString(root.resolve("pom.xml"), "<project/>");
        for (String module : new String[]{"storage", "recovery", "index", "tools"}) {
            Path src = Files.createDirectories(root.resolve(module).resolve("src/main/java"));
            Files.writeString(src.resolve("A.java"), "class A {}");
        }
        Path jdk = Files.createDirectories(tmp.resolve("jdk/bin"));
        Files.writeString(jdk.getParent().resolve("release"), "JAVA_VERSION=\"25.0.1\"\n");
        Files.writeString(jdk.resolve("java"), "#!/bin/sh\necho \"ran $*\"\n");
        executable(jdk.resolve("java"));
        // A stand-in Maven: records each build, notes an overlap with another one, takes a while, makes the jar.
        Path bin = Files.createDirectories(tmp.resolve("bin"));
        Path log = tmp.resolve("builds.log");
        Files.writeString(bin.resolve("mvn"), """
                #!/bin/sh
                if mkdir "%1$s.running" 2>/dev/null; then echo build >> "%1$s"; else echo overlap >> "%1$s"; fi
                sleep 2
                mkdir -p tools/target && echo jar > tools/target/bucketdb-tools.jar
                rmdir "%1$s.running" 2>/dev/null
                exit 0
                """.formatted(log));
        executable(bin.resolve("mvn"));

        List<Process> runs = new ArrayList<>();
        for (int i = 0; i < 2; i++) {
            ProcessBuilder pb = new ProcessBuilder("/bin/bash", root.resolve("bucketdb").toString(), "stat", "x" + i)
                    .redirectErrorStream(true);
            pb.environment().put("JAVA_HOME", jdk.getParent().toString());
            pb.environment().put("PATH", bin + ":/usr/bin:/bin");
            runs.add(pb.start());
        }
        for (int i = 0; i < runs.size(); i++) {
            Process p = runs.get(i);
            assertTrue(p.waitFor(60, TimeUnit.SECONDS), "the script finishes");
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            assertEquals(0, p.exitValue(), out);
            assertTrue(out.contains("ran --enable-native-access=ALL-UNNAMED -jar " + root.resolve("tools/target/bucketdb-tools.jar")
                    + " stat x" + i), out);
        }
        assertEquals(List.of("build"), Files.readAllLines(log), "Maven runs once, never beside another build of the same tree");
    }

    private static void executable(Path p) throws Exception {
        Files.setPosixFilePermissions(p, PosixFilePermissions.fromString("rwx------"));
    }
}
