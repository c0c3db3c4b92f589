package io.bucketdb.recovery;

import java.security.SecureRandom;
import java.util.Random;

/**
 * Seeds for randomized tests: a fresh one per run, or the one given with {@code -Dbucketdb.seed=N} to
 * rerun a failure. A failure names its seed.
 */
final class Seeds {
    static final String PROPERTY = "bucketdb.seed";

    /** A test body that draws from the seeded random. */
    @FunctionalInterface
    interface Body {
        void run(Random random) throws Exception;
    }

    private Seeds() {
    }

    static void run(Body body) throws Exception {
        String given = System.getProperty(PROPERTY);
        long seed = given != null ? Long.parseLong(given) : new SecureRandom().nextLong();
        try {
            body.run(new Random(seed));
        } catch (Throwable t) {
            String message = "failed with seed " + seed + "; rerun with -D" + PROPERTY + "=" + seed;
            System.err.println(message);
            throw new AssertionError(message + ": " + t, t);
        }
    }
}
