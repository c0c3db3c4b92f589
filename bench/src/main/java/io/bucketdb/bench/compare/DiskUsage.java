package io.bucketdb.bench.compare;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;

/** The disk a directory takes. */
final class DiskUsage {
    private DiskUsage() {
    }

    /** "name=bytes" of every file under {@code dir} (apparent sizes), largest first, comma-separated. */
    static String listing(Path dir) throws IOException {
        try (Stream<Path> files = Files.walk(dir)) {
            return files.filter(Files::isRegularFile)
                    .sorted(java.util.Comparator.comparingLong((Path f) -> f.toFile().length()).reversed())
                    .map(f -> dir.relativize(f) + "=" + f.toFile().length())
                    .collect(java.util.stream.Collectors.joining(", "));
        }
    }

    /**
     * {allocated bytes, apparent bytes} of the files under {@code dir}. Allocated bytes are what
     * {@code du -B1} reports (sparse files count only their written blocks); where {@code du}
     * cannot run, the apparent size stands in for both.
     */
    static long[] of(Path dir) throws IOException {
        long apparent = 0;
        try (Stream<Path> files = Files.walk(dir)) {
            for (Path f : (Iterable<Path>) files.filter(Files::isRegularFile)::iterator) {
                apparent += Files.size(f);
            }
        }
        long allocated = apparent;
        try {
            Process p = new ProcessBuilder("du", "-s", "-B1", dir.toString()).redirectErrorStream(true).start();
            String outText = new String(p.getInputStream().readAllBytes()).trim();
            if (p.waitFor() == 0) {
                allocated = Long.parseLong(outText.split("\\s+")[0]);
            }
        } catch (IOException | NumberFormatException e) {
            // keep the apparent size
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        return new long[] {allocated, apparent};
    }
}
