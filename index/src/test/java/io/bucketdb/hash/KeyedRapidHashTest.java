package io.bucketdb.hash;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.bucketdb.storage.testkit.Seeds;
import io.bucketdb.storage.Header;
import io.bucketdb.storage.HeaderLayout;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/** {@link KeyedRapidHash} against the reference C, and what it is for: the public-secret collision family no longer collides. */
class KeyedRapidHashTest {

    private static final String VECTORS = "keyed-rapidhash-v3-vectors.csv";
    /** rapidhash V3's public {@code secret[1]}: 8-to-16-byte keys starting with it hash by length alone under {@link RapidHash}. */
    static final long PUBLIC_SECRET_1 = 0x8bb84b93962eacc9L;

    private record Vector(int len, long seed, long hash) {
        @Override
        public String toString() {
            return "len=" + len + " seed=" + Long.toHexString(seed) + " expected=" + Long.toHexString(hash);
        }
    }

    private record Vectors(List<Vector> hashes, List<long[]> secrets) {
    }

    private static Vectors vectors() throws IOException {
        List<Vector> hashes = new ArrayList<>();
        List<long[]> secrets = new ArrayList<>();
        try (InputStream raw = KeyedRapidHashTest.class.getResourceAsStream(VECTORS)) {
            assertTrue(raw != null, "missing test resource " + VECTORS);
            BufferedReader reader = new BufferedReader(new InputStreamReader(raw, StandardCharsets.US_ASCII));
            for (String line; (line = reader.readLine()) != null; ) {
                if (line.isBlank() || line.startsWith("#")) {
                    continue;
                }
                String[] f = line.split(",");
                if (f[0].equals("secrets")) {
                    long[] row = new long[9];
                    for (int i = 0; i < 9; i++) {
                        row[i] = Long.parseUnsignedLong(f[i + 1], 16);
                    }
                    secrets.add(row);
                } else {
                    hashes.add(new Vector(Integer.parseInt(f[0]), Long.parseUnsignedLong(f[1], 16), Long.parseUnsignedLong(f[2], 16)));
                }
            }
        }
        return new Vectors(hashes, secrets);
    }

    @Test
    void shouldDeriveTheSecretsTheCReferenceDerives() throws IOException {
        List<long[]> rows = vectors().secrets();
        assertEquals(6, rows.size(), "secret rows in " + VECTORS);
        for (long[] row : rows) {
            long[] secrets = KeyedRapidHash.secrets(row[0]);
            for (int i = 0; i < 8; i++) {
                assertEquals(row[i + 1], secrets[i], "secret[" + i + "] of seed " + Long.toHexString(row[0]));
                assertEquals(32, Long.bitCount(secrets[i]), "every byte of a secret has four bits set");
                assertEquals(1, secrets[i] & 1, "secrets are odd");
            }
        }
    }

    @Test
    void shouldMatchEveryReferenceVector() throws IOException {
        List<Vector> vectors = vectors().hashes();
        assertEquals(294, vectors.size(), "vector count in " + VECTORS);
        int maxLen = vectors.stream().mapToInt(Vector::len).max().orElseThrow();
        // The pattern sits at offset 5 of a larger array, so off is honoured and nothing outside the range leaks in.
        int off = 5;
        byte[] buf = new byte[off + maxLen + 3];
        new SplittableRandom(Seeds.seed()).nextBytes(buf);
        for (int i = 0; i < maxLen; i++) {
            buf[off + i] = (byte) (i * 31 + 7);
        }
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment heap = MemorySegment.ofArray(buf);
            MemorySegment offHeap = arena.allocate(buf.length, 1).copyFrom(heap);
            for (Vector v : vectors) {
                KeyedRapidHash hash = new KeyedRapidHash(v.seed);
                assertEquals(v.hash, hash.hash(buf, off, v.len), "byte[]: " + v);
                assertEquals(v.hash, hash.hash(heap, off, v.len), "heap segment: " + v);
                assertEquals(v.hash, hash.hash(offHeap, off, v.len), "native segment: " + v);
                if (v.len == 8) {
                    long key = ByteBuffer.wrap(buf, off, 8).order(ByteOrder.LITTLE_ENDIAN).getLong();
                    assertEquals(v.hash, hash.hashLong(key), "hashLong: " + v);
                }
            }
        }
    }

    @Test
    void hashLongShouldEqualHashOfLittleEndianBytes() throws Exception {
        long seed = Seeds.seed();
        Seeds.run(seed, () -> {
            SplittableRandom random = new SplittableRandom(seed);
            byte[] bytes = new byte[8];
            for (int i = 0; i < 2000; i++) {
                KeyedRapidHash hash = new KeyedRapidHash(random.nextLong());
                long key = random.nextLong();
                ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN).putLong(key);
                assertEquals(hash.hash(bytes, 0, 8), hash.hashLong(key), "key " + Long.toHexString(key));
            }
        });
    }

    /**
     * The defect and its fix at the level of the hash: under {@link RapidHash} the family collapses to one hash per
     * length whatever the seed; under {@link KeyedRapidHash} every key of it hashes apart.
     */
    @Test
    void publicSecretCollisionFamilyShouldNotCollide() throws Exception {
        long seed = Seeds.seed();
        Seeds.run(seed, () -> {
            SplittableRandom random = new SplittableRandom(seed);
            long fileSeed = random.nextLong();
            KeyedRapidHash keyed = new KeyedRapidHash(fileSeed);
            Set<Long> unkeyed = new HashSet<>();
            Set<Long> hashes = new HashSet<>();
            int keys = 0;
            for (int len = 9; len <= 16; len++) {
                for (int i = 0; i < 200; i++) {
                    byte[] key = new byte[len];
                    random.nextBytes(key);
                    ByteBuffer.wrap(key).order(ByteOrder.LITTLE_ENDIAN).putLong(0, PUBLIC_SECRET_1);
                    key[8] = (byte) i; // distinct keys within a length
                    unkeyed.add(RapidHash.hash(key, 0, len, fileSeed));
                    hashes.add(keyed.hash(key, 0, len));
                    keys++;
                }
            }
            // At most one per length (two lengths may even share one): the defect this class fixes.
            assertTrue(unkeyed.size() <= 8, "RapidHash with public secrets: " + unkeyed.size() + " distinct hashes for " + keys + " keys");
            assertEquals(keys, hashes.size(), "KeyedRapidHash: distinct hashes for the " + keys + " family keys");
        });
    }

    /** Flipping any input bit, or any seed bit, flips about half the output bits (SMHasher's avalanche, coarsely). */
    @Test
    void shouldAvalanche() throws Exception {
        long seed = Seeds.seed();
        Seeds.run(seed, () -> {
            SplittableRandom random = new SplittableRandom(seed);
            for (int len : new int[]{3, 8, 12, 16, 40, 130}) {
                long flips = 0;
                long trials = 0;
                for (int t = 0; t < 40; t++) {
                    long s = random.nextLong();
                    KeyedRapidHash hash = new KeyedRapidHash(s);
                    byte[] key = new byte[len];
                    random.nextBytes(key);
                    long base = hash.hash(key, 0, len);
                    for (int bit = 0; bit < len * 8; bit++) {
                        key[bit >> 3] ^= (byte) (1 << (bit & 7));
                        flips += Long.bitCount(base ^ hash.hash(key, 0, len));
                        key[bit >> 3] ^= (byte) (1 << (bit & 7));
                        trials++;
                    }
                    for (int bit = 0; bit < 64; bit++) {
                        flips += Long.bitCount(base ^ new KeyedRapidHash(s ^ (1L << bit)).hash(key, 0, len));
                        trials++;
                    }
                }
                double mean = (double) flips / trials;
                assertTrue(Math.abs(mean - 32) < 1.0, "len " + len + ": mean output bits flipped " + mean + ", expected about 32");
            }
        });
    }

    @Test
    void shouldRejectRangesOutsideTheInput() {
        KeyedRapidHash hash = new KeyedRapidHash(1);
        byte[] key = new byte[10];
        assertThrows(IndexOutOfBoundsException.class, () -> hash.hash(key, 5, 6));
        assertThrows(IndexOutOfBoundsException.class, () -> hash.hash(key, -1, 2));
        MemorySegment seg = MemorySegment.ofArray(key);
        assertThrows(IndexOutOfBoundsException.class, () -> hash.hash(seg, 5, 6));
        assertThrows(IndexOutOfBoundsException.class, () -> hash.hash(seg, 0, Long.MAX_VALUE));
    }

    @Test
    void theHeaderShouldPickTheHash() {
        Header h = new Header();
        h.hashSeed = 77;
        KeyHash old = KeyHash.of(h);
        assertEquals(UnkeyedRapidHash.KIND, old.kind());
        assertEquals(RapidHash.hashLong(5, 77), old.hashLong(5));
        h.flags = HeaderLayout.KEYED_HASH | HeaderLayout.VAR_KEYS;
        KeyHash keyed = KeyHash.of(h);
        assertEquals(KeyedRapidHash.KIND, keyed.kind());
        assertEquals(new KeyedRapidHash(77).hashLong(5), keyed.hashLong(5));
        assertNotEquals(old.hashLong(5), keyed.hashLong(5));
        assertThrows(IllegalArgumentException.class, () -> KeyHash.of(2, 0));
    }
}
