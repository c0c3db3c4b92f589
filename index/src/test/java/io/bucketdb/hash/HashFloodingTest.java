package io.bucketdb.hash;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.bucketdb.BucketDB;
import io.bucketdb.Durability;
import io.bucketdb.Options;
import io.bucketdb.storage.testkit.Seeds;
import io.bucketdb.inspect.BucketView;
import io.bucketdb.inspect.ChainBucket;
import io.bucketdb.inspect.IndexInspector;
import io.bucketdb.inspect.Slot;
import io.bucketdb.storage.BucketLayout;
import io.bucketdb.storage.Header;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.function.IntUnaryOperator;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 15, hash flooding: keys an attacker chooses from rapidhash V3's public-secret collision
 * family (first 8 bytes = {@code secret[1]}, 8 to 16 bytes long) must spread over a new index's
 * buckets as random keys do. Before the keyed hash they fell into one bucket per length: nine
 * chains of thousands of entries.
 *
 * <p>The index is created with its default, random seed (what an application gets) and sized by
 * {@code withExpectedEntries}, so it never grows and each bucket's chain holds exactly the keys whose
 * hash selects it. The occupancy of the {@code m} buckets is then checked against the Poisson law
 * that {@code n} random keys follow: the fullest bucket, the buckets that need an overflow bucket
 * and the empty buckets, each within six standard deviations. Random keys pass the same check, so a
 * failure means the keys did not spread, not that the check is too strict.
 */
class HashFloodingTest {
    private static final int KEYS = 20_000;
    /** rapidhash V3's public {@code secret[1]} (spelled out so that this test also runs on the code before the fix). */
    private static final long PUBLIC_SECRET_1 = 0x8bb84b93962eacc9L;

    @TempDir
    Path dir;

    @Test
    void collisionFamilyShouldSpreadOverBucketsOfVariableLengthKeys() throws Exception {
        long seed = Seeds.seed();
        Seeds.run(seed, () -> check(Options.defaults().withVariableKeys(), collisionFamily(new SplittableRandom(seed), len -> len)));
    }

    @Test
    void collisionFamilyShouldSpreadOverBucketsOfSixteenByteKeys() throws Exception {
        long seed = Seeds.seed();
        Seeds.run(seed, () -> check(Options.defaults().withKeyWidth(16), collisionFamily(new SplittableRandom(seed), len -> 16)));
    }

    /** The control: random keys of the same lengths pass the same check. */
    @Test
    void randomKeysShouldPassTheSameCheck() throws Exception {
        long seed = Seeds.seed();
        Seeds.run(seed, () -> {
            SplittableRandom random = new SplittableRandom(seed);
            List<byte[]> keys = collisionFamily(random, len -> len);
            for (byte[] key : keys) {
                random.nextBytes(key);
            }
            check(Options.defaults().withVariableKeys(), distinct(keys));
        });
    }

    /**
     * {@code KEYS} distinct keys whose first 8 bytes are rapidhash V3's public {@code secret[1]}: the one
     * key of 8 bytes, all 256 of 9 bytes, and random tails of 10 to 16 bytes; {@code width} maps a
     * length to the key's width (16 for a fixed-width index: every tail is then 8 bytes).
     */
    private static List<byte[]> collisionFamily(SplittableRandom random, IntUnaryOperator width) {
        Set<ByteBuffer> seen = new HashSet<>();
        List<byte[]> keys = new ArrayList<>();
        for (int i = 0; keys.size() < KEYS; i++) {
            int len = width.applyAsInt(i == 0 ? 8 : i <= 256 ? 9 : 10 + random.nextInt(7));
            byte[] key = new byte[len];
            random.nextBytes(key);
            ByteBuffer.wrap(key).order(ByteOrder.LITTLE_ENDIAN).putLong(0, PUBLIC_SECRET_1);
            if (len == 9) {
                key[8] = (byte) i;
            }
            if (seen.add(ByteBuffer.wrap(key))) {
                keys.add(key);
            }
        }
        return keys;
    }

    private static List<byte[]> distinct(List<byte[]> keys) {
        Set<ByteBuffer> seen = new HashSet<>();
        List<byte[]> out = new ArrayList<>();
        for (byte[] key : keys) {
            if (seen.add(ByteBuffer.wrap(key))) {
                out.add(key);
            }
        }
        return out;
    }

    private void check(Options shape, List<byte[]> keys) throws Exception {
        Options options = shape.withValueWidth(8).withExpectedEntries(keys.size()).withDurability(Durability.ASYNC);
        try (BucketDB db = BucketDB.open(dir, options)) {
            for (int i = 0; i < keys.size(); i++) {
                db.put(keys.get(i), value(i));
            }
            for (int i = 0; i < keys.size(); i++) {
                assertArrayEquals(value(i), db.get(keys.get(i)), "key " + i);
            }
        }
        try (IndexInspector in = IndexInspector.open(dir)) {
            Header h = in.header();
            String file = "index with hash seed " + h.hashSeed + " and flags " + h.flags;
            assertFalse(h.growing(), file + ": sized by expectedEntries, it never grows");
            int[] counts = new int[1 << h.b];
            long total = 0;
            for (int j = 0; j < counts.length; j++) {
                BucketView bucket = in.bucket(j);
                for (ChainBucket b : bucket.chain()) {
                    for (Slot s : b.slots()) {
                        if (s.tophash() >= BucketLayout.MIN_TOPHASH) {
                            counts[j]++;
                        }
                    }
                }
                total += counts[j];
            }
            assertEquals(keys.size(), total, file + ": entries in the chains");
            assertPoisson(counts, keys.size(), file);
        }
    }

    private static byte[] value(int i) {
        return ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(i * 0x9E3779B97F4A7C15L).array();
    }

    /** Bucket occupancy of {@code n} keys in {@code counts.length} buckets, against Poisson(n / m). */
    static void assertPoisson(int[] counts, long n, String what) {
        int m = counts.length;
        double lambda = (double) n / m;
        int max = 0;
        long overflowing = 0;
        long empty = 0;
        for (int c : counts) {
            max = Math.max(max, c);
            overflowing += c > BucketLayout.SLOTS ? 1 : 0;
            empty += c == 0 ? 1 : 0;
        }
        double pOverflow = 1 - poissonCdf(lambda, BucketLayout.SLOTS);
        double pEmpty = Math.exp(-lambda);
        String summary = what + ": " + n + " keys in " + m + " buckets (load " + String.format("%.2f", lambda) + "), fullest "
                + max + ", " + overflowing + " need an overflow bucket (expected " + Math.round(m * pOverflow) + "), " + empty
                + " empty (expected " + Math.round(m * pEmpty) + ")";
        // P(X >= 30) for the highest load, 6.5, is about 1e-11 per bucket.
        assertTrue(max < 30, summary);
        assertWithinSixSigma(overflowing, m, pOverflow, summary);
        assertWithinSixSigma(empty, m, pEmpty, summary);
    }

    private static void assertWithinSixSigma(long observed, int m, double p, String summary) {
        double expected = m * p;
        double sd = Math.sqrt(m * p * (1 - p));
        assertTrue(Math.abs(observed - expected) <= 6 * sd + 1, summary);
    }

    private static double poissonCdf(double lambda, int k) {
        double term = Math.exp(-lambda);
        double sum = term;
        for (int i = 1; i <= k; i++) {
            term *= lambda / i;
            sum += term;
        }
        return sum;
    }
}
