package io.bucketdb.hash;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.ThreadLocalRandom;
import org.junit.jupiter.api.Test;

class RapidHashTest {

    private static final String VECTORS = "rapidhash-v3-vectors.csv";

    /** The pattern the vectors were computed over: key byte i is (i * 31 + 7) mod 256. */
    private static byte patternByte(int i) {
        return (byte) (i * 31 + 7);
    }

    private record Vector(int len, long seed, long hash) {
        @Override
        public String toString() {
            return "len=" + len + " seed=" + Long.toHexString(seed) + " expected=" + Long.toHexString(hash);
        }
    }

    private static List<Vector> vectors() throws IOException {
        List<Vector> out = new ArrayList<>();
        try (InputStream raw = RapidHashTest.class.getResourceAsStream(VECTORS)) {
            assertTrue(raw != null, "missing test resource " + VECTORS);
            BufferedReader reader = new BufferedReader(new InputStreamReader(raw, StandardCharsets.US_ASCII));
            for (String line; (line = reader.readLine()) != null; ) {
                if (line.isBlank() || line.startsWith("#") || line.startsWith("len,")) {
                    continue;
                }
                String[] f = line.split(",");
                out.add(new Vector(Integer.parseInt(f[0]),
                        Long.parseUnsignedLong(f[1], 16), Long.parseUnsignedLong(f[2], 16)));
            }
        }
        return out;
    }

    @Test
    void shouldMatchEveryReferenceVector() throws IOException {
        List<Vector> vectors = vectors();
        assertEquals(996, vectors.size(), "vector count in " + VECTORS);
        int maxLen = vectors.stream().mapToInt(Vector::len).max().orElseThrow();
        // The pattern sits at offset 3 of a larger array, so that off is honoured and nothing
        // outside [off, off + len) leaks into the hash.
        int off = 3;
        byte[] buf = new byte[off + maxLen + 5];
        ThreadLocalRandom.current().nextBytes(buf);
        for (int i = 0; i < maxLen; i++) {
            buf[off + i] = patternByte(i);
        }
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment heap = MemorySegment.ofArray(buf);
            MemorySegment offHeap = arena.allocate(buf.length, 1).copyFrom(heap);
            for (Vector v : vectors) {
                assertEquals(v.hash, RapidHash.hash(buf, off, v.len, v.seed), "byte[]: " + v);
                assertEquals(v.hash, RapidHash.hash(heap, off, v.len, v.seed), "heap segment: " + v);
                assertEquals(v.hash, RapidHash.hash(offHeap, off, v.len, v.seed), "native segment: " + v);
            }
        }
    }

    /** Published by the rapidhash Rust crate (hoxxep/rapidhash README) for {@code rapidhash_v3}. */
    @Test
    void shouldMatchRustCrateHelloWorld() {
        byte[] key = "hello world".getBytes(StandardCharsets.US_ASCII);
        assertEquals(3397907815814400320L, RapidHash.hash(key, 0, key.length, 0));
    }

    /**
     * SMHasher3's verification value for "rapidhash v3, 64-bit" (fwojcik/smhasher3,
     * hashes/rapidhash.cpp): hash prefixes of 0, 1, 2, ... of length 0..255 with seed 256 - length,
     * hash the concatenated little-endian outputs with seed 0, and take the low 32 bits. This covers
     * every short-key branch and, through the 2048-byte final input, the block loop.
     */
    @Test
    void shouldMatchSmhasher3Verification() {
        byte[] key = new byte[256];
        byte[] hashes = new byte[256 * Long.BYTES];
        ByteBuffer out = ByteBuffer.wrap(hashes).order(ByteOrder.LITTLE_ENDIAN);
        for (int i = 0; i < 256; i++) {
            key[i] = (byte) i;
            out.putLong(i * Long.BYTES, RapidHash.hash(key, 0, i, 256 - i));
        }
        int verification = (int) RapidHash.hash(hashes, 0, hashes.length, 0);
        assertEquals(0x1FDC65EE, verification, () -> "got 0x" + Integer.toHexString(verification));
    }

    @Test
    void hashLongShouldEqualHashOfLittleEndianBytes() {
        long master = ThreadLocalRandom.current().nextLong();
        SplittableRandom random = new SplittableRandom(master);
        byte[] bytes = new byte[Long.BYTES];
        ByteBuffer le = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN);
        long[] edgeKeys = {0, 1, -1, Long.MIN_VALUE, Long.MAX_VALUE, 0x8bb84b93962eacc9L};
        long[] edgeSeeds = {0, 1, -1, Long.MIN_VALUE};
        for (long key : edgeKeys) {
            for (long seed : edgeSeeds) {
                le.putLong(0, key);
                assertEquals(RapidHash.hash(bytes, 0, 8, seed), RapidHash.hashLong(key, seed),
                        "key=" + Long.toHexString(key) + " seed=" + Long.toHexString(seed));
            }
        }
        for (int n = 0; n < 100_000; n++) {
            long key = random.nextLong();
            long seed = (n & 1) == 0 ? 0x9e3779b97f4a7c15L : random.nextLong();
            le.putLong(0, key);
            long expected = RapidHash.hash(bytes, 0, 8, seed);
            long actual = RapidHash.hashLong(key, seed);
            if (expected != actual) {
                throw new AssertionError("hashLong differs from hash of LE bytes: key=" + Long.toHexString(key)
                        + " seed=" + Long.toHexString(seed) + " (random seed " + master + ", iteration " + n + ")");
            }
        }
    }

    @Test
    void byteArrayAndSegmentShouldAgreeOnRandomInput() {
        long master = ThreadLocalRandom.current().nextLong();
        SplittableRandom random = new SplittableRandom(master);
        byte[] buf = new byte[1024];
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment offHeap = arena.allocate(buf.length, 8);
            for (int n = 0; n < 2_000; n++) {
                random.nextBytes(buf);
                MemorySegment.copy(buf, 0, offHeap, ValueLayout.JAVA_BYTE, 0, buf.length);
                int len = n < 600 ? n % 300 : random.nextInt(buf.length + 1);
                int off = random.nextInt(buf.length - len + 1);
                long seed = random.nextLong();
                long expected = RapidHash.hash(buf, off, len, seed);
                String where = "len=" + len + " off=" + off + " (random seed " + master + ", iteration " + n + ")";
                assertEquals(expected, RapidHash.hash(MemorySegment.ofArray(buf), off, len, seed), "heap " + where);
                assertEquals(expected, RapidHash.hash(offHeap, off, len, seed), "native " + where);
                // A slice starting at the key gives the same hash as an offset into the whole.
                assertEquals(expected, RapidHash.hash(offHeap.asSlice(off, len), 0, len, seed), "slice " + where);
            }
        }
    }

    /**
     * Flipping one input bit, or one seed bit, flips about half of the 64 output bits. Averaged over
     * many random keys, every bit position must land in 28..36; the expected spread of such an
     * average is about 0.3 bits, so the band is loose.
     */
    @Test
    void everyInputAndSeedBitShouldAvalanche() {
        long master = ThreadLocalRandom.current().nextLong();
        SplittableRandom random = new SplittableRandom(master);
        int samples = 200;
        int[] lengths = {1, 2, 3, 4, 7, 8, 12, 16, 17, 33, 64, 113, 250};
        for (int len : lengths) {
            byte[] key = new byte[len];
            long[] flipped = new long[len * 8 + 64];
            for (int s = 0; s < samples; s++) {
                random.nextBytes(key);
                long seed = random.nextLong();
                long base = RapidHash.hash(key, 0, len, seed);
                for (int bit = 0; bit < len * 8; bit++) {
                    key[bit >>> 3] ^= (byte) (1 << (bit & 7));
                    flipped[bit] += Long.bitCount(base ^ RapidHash.hash(key, 0, len, seed));
                    key[bit >>> 3] ^= (byte) (1 << (bit & 7));
                }
                for (int bit = 0; bit < 64; bit++) {
                    flipped[len * 8 + bit] += Long.bitCount(base ^ RapidHash.hash(key, 0, len, seed ^ (1L << bit)));
                }
            }
            for (int i = 0; i < flipped.length; i++) {
                double mean = (double) flipped[i] / samples;
                String which = i < len * 8 ? "input bit " + i : "seed bit " + (i - len * 8);
                assertTrue(mean >= 28 && mean <= 36, "len=" + len + " " + which + " flips " + mean
                        + " output bits on average (random seed " + master + ")");
            }
        }
        for (int bit = 0; bit < 64; bit++) {
            long sum = 0;
            for (int s = 0; s < samples; s++) {
                long key = random.nextLong();
                long seed = random.nextLong();
                sum += Long.bitCount(RapidHash.hashLong(key, seed) ^ RapidHash.hashLong(key ^ (1L << bit), seed));
            }
            double mean = (double) sum / samples;
            assertTrue(mean >= 28 && mean <= 36,
                    "hashLong key bit " + bit + " flips " + mean + " bits (random seed " + master + ")");
        }
    }

    @Test
    void shouldRejectRangesOutsideTheInput() {
        byte[] key = new byte[10];
        assertThrows(IndexOutOfBoundsException.class, () -> RapidHash.hash(key, 5, 6, 0));
        assertThrows(IndexOutOfBoundsException.class, () -> RapidHash.hash(key, -1, 2, 0));
        assertThrows(IndexOutOfBoundsException.class, () -> RapidHash.hash(key, 0, -1, 0));
        MemorySegment seg = MemorySegment.ofArray(key);
        assertThrows(IndexOutOfBoundsException.class, () -> RapidHash.hash(seg, 5, 6, 0));
        assertThrows(IndexOutOfBoundsException.class, () -> RapidHash.hash(seg, 0, Long.MAX_VALUE, 0));
        assertThrows(IndexOutOfBoundsException.class, () -> RapidHash.hash(seg, Long.MAX_VALUE, 1, 0));
    }

    @Test
    void emptyInputShouldHashLikeTheVectorForLengthZero() {
        // An empty range at the very end of the input is valid and reads nothing.
        assertEquals(RapidHash.hash(new byte[0], 0, 0, 7), RapidHash.hash(new byte[4], 4, 0, 7));
        assertEquals(RapidHash.hash(new byte[0], 0, 0, 7), RapidHash.hash(MemorySegment.NULL, 0, 0, 7));
    }
}
