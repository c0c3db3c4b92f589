package io.bucketdb.bench.compare;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/** Facts about the machine a run happened on, for the report. Linux files and tools; blanks elsewhere. */
public final class Machine {
    private Machine() {
    }

    /** The three load averages from {@code /proc/loadavg}, or "?" where there is none. */
    public static String loadAverage() {
        try {
            String[] parts = Files.readString(Path.of("/proc/loadavg")).trim().split("\\s+");
            return parts[0] + " " + parts[1] + " " + parts[2];
        } catch (IOException | RuntimeException e) {
            return "?";
        }
    }

    /** CPU model, logical CPUs, cache, memory, kernel, file system of {@code dataDir}, JDK. */
    static Map<String, String> facts(Path dataDir) {
        Map<String, String> f = new LinkedHashMap<>();
        String model = "?";
        String cache = "?";
        int cpus = 0;
        try {
            for (String line : Files.readAllLines(Path.of("/proc/cpuinfo"))) {
                int colon = line.indexOf(':');
                if (colon < 0) {
                    continue;
                }
                String key = line.substring(0, colon).trim();
                String value = line.substring(colon + 1).trim();
                switch (key) {
                    case "processor" -> cpus++;
                    case "model name" -> model = value;
                    case "cache size" -> cache = value;
                    default -> {
                    }
                }
            }
        } catch (IOException e) {
            // not Linux
        }
        f.put("CPU", model + " (/proc/cpuinfo: " + cpus + " logical CPUs, cache size " + cache + ")");
        f.put("available processors (JVM)", Integer.toString(Runtime.getRuntime().availableProcessors()));
        f.put("memory (free -m)", "\n" + command(List.of("free", "-m")));
        f.put("kernel", command(List.of("uname", "-srm")).trim());
        f.put("data directory file system (df -hT)", "\n" + command(List.of("df", "-hT", dataDir.toString())));
        f.put("JDK", System.getProperty("java.vm.vendor") + " " + System.getProperty("java.runtime.version")
                + " (" + System.getProperty("java.home") + ")");
        return f;
    }

    /** The output of a short command, or a note that it could not run. */
    static String command(List<String> cmd) {
        try {
            Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
            String out = new String(p.getInputStream().readAllBytes());
            if (!p.waitFor(10, TimeUnit.SECONDS)) {
                p.destroyForcibly();
            }
            return out.stripTrailing();
        } catch (IOException e) {
            return "(" + String.join(" ", cmd) + " could not run: " + e.getMessage() + ")";
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return "(interrupted)";
        }
    }
}
