package io.bucketdb.bench.compare;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;

/**
 * What the report says about a run as a whole; saved as {@value #FILE} in the results folder so
 * that {@code --rerender} can rebuild the report without running anything.
 */
record RunInfo(int entries, Shape shape, String heap, String command, String loadStart, Map<String, String> machine,
               String startedAt, String commit, List<String> workerOptions, List<String> stores, List<String> workloads,
               String loadEnd, double totalSeconds) {

    static final String FILE = "run.properties";

    static RunInfo started(int entries, Shape shape, String heap, String command, String loadStart, Map<String, String> machine,
                           String startedAt, String commit, List<String> workerOptions, List<String> stores, List<String> workloads) {
        return new RunInfo(entries, shape, heap, command, loadStart, machine, startedAt, commit, workerOptions, stores, workloads,
                null, Double.NaN);
    }

    RunInfo finished(String end, double seconds) {
        return new RunInfo(entries, shape, heap, command, loadStart, machine, startedAt, commit, workerOptions, stores, workloads,
                end, seconds);
    }

    void save(Path file) throws IOException {
        Properties p = new Properties();
        p.setProperty("entries", Integer.toString(entries));
        p.setProperty("shape", shape.toString());
        p.setProperty("heap", heap);
        p.setProperty("command", command);
        p.setProperty("loadStart", loadStart);
        p.setProperty("loadEnd", loadEnd);
        p.setProperty("startedAt", startedAt);
        p.setProperty("commit", commit);
        p.setProperty("totalSeconds", Double.toString(totalSeconds));
        p.setProperty("workerOptions", String.join("\u001f", workerOptions));
        p.setProperty("stores", String.join(",", stores));
        p.setProperty("workloads", String.join(",", workloads));
        int i = 0;
        for (Map.Entry<String, String> e : machine.entrySet()) {
            p.setProperty("machine." + i + ".name", e.getKey());
            p.setProperty("machine." + i + ".value", e.getValue());
            i++;
        }
        try (OutputStream os = Files.newOutputStream(file)) {
            p.store(os, null);
        }
    }

    static RunInfo load(Path file) throws IOException {
        Properties p = new Properties();
        try (InputStream in = Files.newInputStream(file)) {
            p.load(in);
        }
        Map<String, String> machine = new LinkedHashMap<>();
        for (int i = 0; p.containsKey("machine." + i + ".name"); i++) {
            machine.put(p.getProperty("machine." + i + ".name"), p.getProperty("machine." + i + ".value"));
        }
        return new RunInfo(Integer.parseInt(p.getProperty("entries")), Shape.parse(p.getProperty("shape")), p.getProperty("heap"),
                p.getProperty("command"), p.getProperty("loadStart"), machine, p.getProperty("startedAt"), p.getProperty("commit"),
                new ArrayList<>(Arrays.asList(p.getProperty("workerOptions").split("\u001f"))),
                Arrays.asList(p.getProperty("stores").split(",")), Arrays.asList(p.getProperty("workloads").split(",")),
                p.getProperty("loadEnd"), Double.parseDouble(p.getProperty("totalSeconds")));
    }
}
