package io.bucketdb;

import java.util.concurrent.ThreadLocalRandom;

/**
 * Seeds for randomized tests: {@code -Dbucketdb.seed=N} reruns a failure; otherwise a fresh
 * random seed. Tests print the seed in every failure message.
 */
public final class Seeds {
    private Seeds() {
    }

    public static long seed() {
        String s = System.getProperty("bucketdb.seed");
        return s != null && !s.isBlank() ? Long.decode(s.trim()) : ThreadLocalRandom.current().nextLong();
    }

    /** Whether the long torture runs were asked for ({@code -Dbucketdb.torture=true}). */
    public static boolean torture() {
        return Boolean.getBoolean("bucketdb.torture");
    }

    /** Runs {@code body} and adds the seed (and how to rerun) to any failure. */
    public static void run(long seed, ThrowingRunnable body) throws Exception {
        try {
            body.run();
        } catch (AssertionError | RuntimeException e) {
            AssertionError wrapped = new AssertionError("seed " + seed + " (rerun with -Dbucketdb.seed=" + seed + "): " + e.getMessage(), e);
            throw wrapped;
        }
    }

    @FunctionalInterface
    public interface ThrowingRunnable {
        void run() throws Exception;
    }
}
