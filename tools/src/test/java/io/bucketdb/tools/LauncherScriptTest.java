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
 * (each cleans and compiles the other's classes away). And {@code ./bucketdb bench} did not rebuild its jar after a
 * change in the streams module, which the bench jar holds.
 */
class LauncherScriptTest {
    private static final Path SCRIPT = Path.of("..", "bucketdb");

    @TempDir
    Path tmp;

    @Test
    void twoScriptsStartedTogetherOnAStaleJarBuildItOnce() throws Exception {
        Path root = checkout();
        List<Process> runs = new ArrayList<>();
        for (int i = 0; i < 2; i++) {
            runs.add(script(root, "stat", "x" + i));
        }
        for (int i = 0; i < runs.size(); i++) {
            String out = finish(runs.get(i));
            assertTrue(out.contains("ran --enable-native-access=ALL-UNNAMED -jar " + root.resolve("tools/target/bucketdb-tools.jar")
                    + " stat x" + i), out);
        }
        assertEquals(List.of("build"), Files.readAllLines(log()), "Maven runs once, never beside another build of the same tree");
    }

    /** {@code ./bucketdb bench} runs a jar that shades the streams module too: a change there must rebuild it. */
    @Test
    void benchRebuildsItsJarWhenAStreamsSourceChanged() throws Exception {
        Path root = checkout();
        Path jar = Files.createDirectories(root.resolve("bench/target")).resolve("benchmarks.jar");
        Files.writeString(jar, "jar");
        Path streams = Files.createDirectories(root.resolve("streams/src/main/java")).resolve("S.java");
        Files.writeString(streams, "class S {}");
        long now = System.currentTimeMillis();
        try (var sources = Files.walk(root)) {
            for (Path f : sources.filter(Files::isRegularFile).toList()) {
                Files.setLastModifiedTime(f, java.nio.file.attribute.FileTime.fromMillis(now - 60_000));
            }
        }
        Files.setLastModifiedTime(jar, java.nio.file.attribute.FileTime.fromMillis(now - 30_000));
        Files.setLastModifiedTime(streams, java.nio.file.attribute.FileTime.fromMillis(now));
        String out = finish(script(root, "bench", "--list"));
        assertTrue(out.contains("ran -cp " + jar + " io.bucketdb.bench.compare.ComparisonRunner --list"), out);
        assertTrue(Files.exists(log()) && Files.readAllLines(log()).contains("build"), "the bench jar was rebuilt: " + out);
    }

    /** A copy of the checkout's layout with {@code ./bucketdb}, one source per module, a stand-in JDK and Maven. */
    private Path checkout() throws Exception {
        assumeTrue(Files.isExecutable(Path.of("/bin/bash")) && Files.isExecutable(Path.of("/usr/bin/flock")), "bash and flock");
        Path root = Files.createDirectories(tmp.resolve("checkout"));
        Files.copy(SCRIPT, root.resolve("bucketdb"));
        executable(root.resolve("bucketdb"));
        Files.writeString(root.resolve("pom.xml"), "<project/>");
        for (String module : new String[]{"storage", "recovery", "index", "tools", "bench"}) {
            Path src = Files.createDirectories(root.resolve(module).resolve("src/main/java"));
            Files.writeString(src.resolve("A.java"), "class A {}");
        }
        Path jdk = Files.createDirectories(tmp.resolve("jdk/bin"));
        Files.writeString(jdk.getParent().resolve("release"), "JAVA_VERSION=\"25.0.1\"\n");
        Files.writeString(jdk.resolve("java"), "#!/bin/sh\necho \"ran $*\"\n");
        executable(jdk.resolve("java"));
        // A stand-in Maven: records each build, notes an overlap with another one, takes a while, makes the jars.
        Path bin = Files.createDirectories(tmp.resolve("bin"));
        Files.writeString(bin.resolve("mvn"), """
                #!/bin/sh
                if mkdir "%1$s.running" 2>/dev/null; then echo build >> "%1$s"; else echo overlap >> "%1$s"; fi
                sleep 2
                mkdir -p tools/target bench/target && echo jar > tools/target/bucketdb-tools.jar && echo jar > bench/target/benchmarks.jar
                rmdir "%1$s.running" 2>/dev/null
                exit 0
                """.formatted(log()));
        executable(bin.resolve("mvn"));
        return root;
    }

    private Path log() {
        return tmp.resolve("builds.log");
    }

    private Process script(Path root, String... args) throws Exception {
        List<String> command = new ArrayList<>(List.of("/bin/bash", root.resolve("bucketdb").toString()));
        command.addAll(List.of(args));
        ProcessBuilder pb = new ProcessBuilder(command).redirectErrorStream(true);
        pb.environment().put("JAVA_HOME", tmp.resolve("jdk").toString());
        pb.environment().put("PATH", tmp.resolve("bin") + ":/usr/bin:/bin");
        return pb.start();
    }

    private static String finish(Process p) throws Exception {
        assertTrue(p.waitFor(60, TimeUnit.SECONDS), "the script finishes");
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertEquals(0, p.exitValue(), out);
        return out;
    }

    private static void executable(Path p) throws Exception {
        Files.setPosixFilePermissions(p, PosixFilePermissions.fromString("rwx------"));
    }
}
