package io.bucketdb.storage.testkit;

import java.security.SecureRandom;
import java.util.Random;

/**
 * Seeds for randomized tests, for the tests of every module: a fresh one per run, or the one given with
 * {@code -Dbucketdb.seed=N} to rerun a failure. A failure names its seed and how to rerun it.
 */
public final class Seeds {
    /** The system property that fixes the seed. */
    public static final String PROPERTY = "bucketdb.seed";

    /** A test body that draws from the seeded random. */
    @FunctionalInterface
    public interface Body {
        /**
         * Runs the test.
         *
         * @param random the random seeded for this run
         * @throws Exception if the test fails
         */
        void run(Random random) throws Exception;
    }

    /** A test body that takes its seed from {@link #seed()} itself. */
    @FunctionalInterface
    public interface ThrowingRunnable {
        /**
         * Runs the test.
         *
         * @throws Exception if the test fails
         */
        void run() throws Exception;
    }

    private Seeds() {
    }

    /** {@return the seed given with {@code -Dbucketdb.seed=N} (decimal or 0x hex), else a fresh random one} */
    public static long seed() {
        String s = System.getProperty(PROPERTY);
        return s != null && !s.isBlank() ? Long.decode(s.trim()) : new SecureRandom().nextLong();
    }

    /** {@return whether the long torture runs were asked for ({@code -Dbucketdb.torture=true})} */
    public static boolean torture() {
        return Boolean.getBoolean("bucketdb.torture");
    }

    /**
     * Runs {@code body} with a random seeded by {@link #seed()}; any failure names the seed and how to rerun.
     *
     * @param body the test
     * @throws Exception never: failures are rethrown as {@link AssertionError}s naming the seed
     */
    public static void run(Body body) throws Exception {
        long seed = seed();
        try {
            body.run(new Random(seed));
        } catch (Throwable t) {
            String message = "failed with seed " + seed + "; rerun with -D" + PROPERTY + "=" + seed;
            System.err.println(message);
            throw new AssertionError(message + ": " + t, t);
        }
    }

    /**
     * Runs {@code body}, which draws from {@code seed}, and adds the seed (and how to rerun) to an assertion or
     * runtime failure.
     *
     * @param seed the seed the body uses
     * @param body the test
     * @throws Exception what the body throws, other than assertion and runtime failures
     */
    public static void run(long seed, ThrowingRunnable body) throws Exception {
        try {
            body.run();
        } catch (AssertionError | RuntimeException e) {
            throw new AssertionError("seed " + seed + " (rerun with -D" + PROPERTY + "=" + seed + "): " + e.getMessage(), e);
        }
    }
}
