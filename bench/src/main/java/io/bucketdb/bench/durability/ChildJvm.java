package io.bucketdb.bench.durability;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Starts steps of a child main class ({@link DurabilityChild} here, {@code compare.CrashChild} for the
 * comparison's recovery workload) the way {@code compare.ComparisonRunner} starts its forks: the same
 * {@code java} as this JVM, the same class path, and the given JVM arguments (here fixed
 * {@code -Xms}/{@code -Xmx} and {@code --enable-native-access=ALL-UNNAMED}, BucketDB's
 * {@code posix_fallocate} and {@code madvise} as it is meant to run). A step prints {@code result
 * name=value ...} lines, and {@code done} where it may be killed. The child's stderr goes to ours, so a
 * failure shows its stack trace.
 */
public final class ChildJvm {
    private final String java;
    private final String classPath;
    private final List<String> jvmArgs;
    private final String mainClass;
    /** The child running now, for the shutdown hook; null between children. */
    private volatile Process current;

    ChildJvm(String heap) {
        this(List.of("-Xms" + heap, "-Xmx" + heap, "--enable-native-access=ALL-UNNAMED"), DurabilityChild.class.getName());
    }

    /** Children of {@code mainClass} with these JVM arguments (heap, flags; not the class path). */
    public ChildJvm(List<String> jvmArgs, String mainClass) {
        this.java = ProcessHandle.current().info().command()
                .orElse(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        this.classPath = System.getProperty("java.class.path");
        this.jvmArgs = List.copyOf(jvmArgs);
        this.mainClass = mainClass;
    }

    /** Runs a step to its end and returns the name=value pairs of its {@code result} lines. */
    public Map<String, String> run(String step, List<String> args) throws IOException, InterruptedException {
        return run(step, args, false);
    }

    /**
     * Runs a step until it prints {@code done}, then kills it with SIGKILL ({@code destroyForcibly} on
     * Unix) and returns what it reported before.
     */
    public Map<String, String> runAndKill(String step, List<String> args) throws IOException, InterruptedException {
        return run(step, args, true);
    }

    /** Kills the running child, if any (the shutdown hook calls this on Ctrl-C). */
    public void killCurrent() {
        Process p = current;
        if (p != null) {
            p.destroyForcibly();
        }
    }

    private Map<String, String> run(String step, List<String> args, boolean killAtDone) throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>();
        cmd.add(java);
        cmd.addAll(jvmArgs);
        cmd.addAll(List.of("-cp", classPath, mainClass, step));
        cmd.addAll(args);
        Process p = new ProcessBuilder(cmd).redirectError(ProcessBuilder.Redirect.INHERIT).start();
        current = p;
        try {
            Map<String, String> result = new HashMap<>();
            boolean done = false;
            try (BufferedReader out = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
                String line;
                while ((line = out.readLine()) != null) {
                    if (line.startsWith("result ")) {
                        for (String pair : line.substring("result ".length()).split(" ")) {
                            int eq = pair.indexOf('=');
                            result.put(pair.substring(0, eq), pair.substring(eq + 1));
                        }
                    } else if (killAtDone && line.equals("done")) {
                        done = true;
                        p.destroyForcibly();
                        break;
                    }
                }
            }
            int exit = p.waitFor();
            if (killAtDone ? !done : exit != 0) {
                throw new IOException("child step " + String.join(" ", cmd.subList(cmd.indexOf(step), cmd.size()))
                        + " exited with code " + exit + (killAtDone ? " before it reported done" : ""));
            }
            return result;
        } finally {
            current = null;
        }
    }
}
