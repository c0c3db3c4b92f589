package io.bucketdb;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The memory this process can count on, for the default checkpoint limits ({@link Options#defaults()}):
 * the machine's memory, or a container's limit where that is lower. Read once per JVM from
 * {@code /proc/meminfo} and the cgroup limit files, because {@code OperatingSystemMXBean} costs a
 * fresh JVM about 60 ms of class loading at the first open. Where none of those files exist (not
 * Linux), it assumes {@link #ASSUMED} bytes.
 */
final class MachineMemory {
    /** What is assumed where the memory cannot be read: 4 GiB, which gives the smallest defaults. */
    static final long ASSUMED = 4L << 30;

    private static final long BYTES = read();

    private MachineMemory() {
    }

    /** {@return the memory in bytes this process can count on} */
    static long bytes() {
        return BYTES;
    }

    /**
     * The default dirty limit for a machine with {@code memory} bytes: a sixteenth of it, between
     * 256 MiB and 4 GiB. Each checkpoint writes every dirty page twice however few entries changed in
     * it, so on a large table with random puts a small limit means many checkpoints that each rewrite
     * whole pages for a few entries; a sixteenth stays below where Linux itself starts writing back
     * dirty page cache (10% of memory, {@code vm.dirty_background_ratio}).
     */
    static long defaultDirtyLimit(long memory) {
        return Math.clamp(memory / 16, 256L << 20, 4L << 30);
    }

    /** The default private memory limit: a quarter of {@code memory}, and at least twice the default dirty limit. */
    static long defaultPrivateMemoryLimit(long memory) {
        return Math.max(memory / 4, 2 * defaultDirtyLimit(memory));
    }

    private static long read() {
        long total = meminfoTotal(Path.of("/proc/meminfo"));
        long limit = Math.min(cgroupLimit(Path.of("/sys/fs/cgroup/memory.max")),
                cgroupLimit(Path.of("/sys/fs/cgroup/memory/memory.limit_in_bytes")));
        long bytes = Math.min(total, limit);
        return bytes == Long.MAX_VALUE ? ASSUMED : bytes;
    }

    /** {@return {@code MemTotal} of a {@code /proc/meminfo} file in bytes, or {@code Long.MAX_VALUE} if unreadable} */
    static long meminfoTotal(Path meminfo) {
        try {
            for (String line : Files.readAllLines(meminfo)) {
                if (line.startsWith("MemTotal:")) {
                    String[] f = line.substring("MemTotal:".length()).trim().split("\\s+");
                    long kib = Long.parseLong(f[0]);
                    return kib > 0 ? kib << 10 : Long.MAX_VALUE;
                }
            }
        } catch (IOException | RuntimeException e) {
            // Not Linux, or a format this does not know: no figure from here.
        }
        return Long.MAX_VALUE;
    }

    /** {@return a cgroup memory limit file's limit in bytes, or {@code Long.MAX_VALUE} if unlimited or unreadable} */
    static long cgroupLimit(Path file) {
        try {
            String s = Files.readString(file).trim();
            long v = Long.parseLong(s);
            return v > 0 ? v : Long.MAX_VALUE;
        } catch (IOException | RuntimeException e) {
            // "max", a missing file (no cgroup, or the other cgroup version): no limit from here.
            return Long.MAX_VALUE;
        }
    }
}
