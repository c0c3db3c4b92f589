package io.bucketdb.hash;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.bucketdb.BucketDB;
import io.bucketdb.Durability;
import io.bucketdb.Options;
import io.bucketdb.inspect.IndexInspector;
import io.bucketdb.inspect.Location;
import io.bucketdb.storage.Header;
import io.bucketdb.storage.HeaderLayout;
import io.bucketdb.storage.IndexFileNames;

import java.io.IOException;
import java.net.URISyntaxException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Index directories written before the hash kind existed (test resources
 * {@code legacy-rapidhash-v3/}, made by the code of commit {@code fafb790}: see the README there)
 * keep opening with the hash they were written with, rapidhash V3 with the public secrets: every
 * entry is found by the index and by the inspector, {@code verify} finds nothing wrong, and writes
 * after the upgrade keep using that hash and keep the file at format version 2.
 */
class LegacyHashFileTest {
    private static final int LONGS = 1000;
    private static final int NAMES = 400;
    private static final int FLOOD = 64;
    /** The fixture's 8-byte flood keys (numbers 0, 9, ..., 63) are all {@code secret[1]}: one key, last written by number 63. */
    private static final int DISTINCT_FLOOD = FLOOD - 7;

    @TempDir
    Path dir;

    @Test
    void aFixedWidthIndexFromBeforeShouldOpenWithItsHash() throws Exception {
        copyFixture("long");
        checkUnkeyed(RapidHash.hashLong(5 * 0x9E3779B97F4A7C15L, 0x5EED0F1E5L));
        try (BucketDB db = BucketDB.open(dir, Options.defaults().withDurability(Durability.ASYNC))) {
            assertEquals(LONGS, db.size());
            for (long k = 0; k < LONGS; k++) {
                assertEquals(~k, db.getLong(k * 0x9E3779B97F4A7C15L, 0), "key number " + k);
            }
            for (long k = LONGS; k < 2 * LONGS; k++) { // enough to grow the table with the old hash
                db.putLong(k * 0x9E3779B97F4A7C15L, ~k);
            }
        }
        try (BucketDB db = BucketDB.open(dir, Options.defaults().withDurability(Durability.ASYNC))) {
            assertEquals(2 * LONGS, db.size());
            for (long k = 0; k < 2 * LONGS; k++) {
                assertEquals(~k, db.getLong(k * 0x9E3779B97F4A7C15L, 0), "key number " + k + " after the reopen");
            }
        }
        checkUnkeyed(RapidHash.hashLong(5 * 0x9E3779B97F4A7C15L, 0x5EED0F1E5L));
        try (IndexInspector in = IndexInspector.open(dir)) {
            for (long k = 0; k < 2 * LONGS; k++) {
                assertEquals(~k, in.getLong(k * 0x9E3779B97F4A7C15L, 0), "inspector, key number " + k);
            }
        }
    }

    @Test
    void aVariableLengthIndexFromBeforeShouldOpenWithItsHash() throws Exception {
        copyFixture("var");
        byte[] probe = name(7);
        checkUnkeyed(RapidHash.hash(probe, 0, probe.length, 0x5EED0F1E6L));
        try (BucketDB db = BucketDB.open(dir, Options.defaults().withVariableKeys().withVariableValues().withDurability(Durability.ASYNC))) {
            assertEquals(NAMES + DISTINCT_FLOOD, db.size());
            for (int k = 0; k < NAMES; k++) {
                assertArrayEquals(("value-" + k).getBytes(StandardCharsets.UTF_8), db.get(name(k)), "key " + k);
            }
            for (int k = 0; k < FLOOD; k++) {
                assertArrayEquals(("flood-" + lastWriter(k)).getBytes(StandardCharsets.UTF_8), db.get(flood(k)), "flood key " + k);
            }
            db.put("after".getBytes(StandardCharsets.UTF_8), "the upgrade".getBytes(StandardCharsets.UTF_8));
        }
        checkUnkeyed(RapidHash.hash(probe, 0, probe.length, 0x5EED0F1E6L));
        try (IndexInspector in = IndexInspector.open(dir)) {
            for (int k = 0; k < FLOOD; k++) {
                assertArrayEquals(("flood-" + lastWriter(k)).getBytes(StandardCharsets.UTF_8), in.get(flood(k)), "inspector, flood key " + k);
            }
            assertArrayEquals("the upgrade".getBytes(StandardCharsets.UTF_8), in.get("after".getBytes(StandardCharsets.UTF_8)));
        }
    }

    /**
     * The file is still hash kind 0 at format version 2 in both header slots, {@code verify} (which
     * rehashes every key) finds it sound, and the inspector places a probe key where the public-secret
     * hash says.
     */
    private void checkUnkeyed(long probeHash) throws IOException {
        Path table = dir.resolve(IndexFileNames.TABLE);
        try (FileChannel ch = FileChannel.open(table)) {
            for (int slot = 0; slot < 2; slot++) {
                ByteBuffer b = ByteBuffer.allocate(HeaderLayout.SIZE).order(ByteOrder.LITTLE_ENDIAN);
                ch.read(b, HeaderLayout.slotOffset(slot));
                assertEquals(HeaderLayout.UNKEYED_FORMAT_VERSION, b.getInt(HeaderLayout.FORMAT_VERSION_OFFSET), "slot " + slot + " version");
                assertEquals(0, b.getInt(HeaderLayout.FLAGS_OFFSET) & HeaderLayout.KEYED_HASH, "slot " + slot + " hash kind");
            }
        }
        try (IndexInspector in = IndexInspector.open(dir)) {
            Header h = in.header();
            assertFalse(h.keyedHash());
            assertEquals(UnkeyedRapidHash.KIND, KeyHash.of(h).kind());
            assertEquals(java.util.List.of(), in.verify(), "verify of " + dir);
            byte[] probe = h.varKeys() ? name(7) : le(5 * 0x9E3779B97F4A7C15L);
            Location loc = in.locate(probe);
            assertTrue(loc.found());
            assertEquals(probeHash, loc.hash());
        }
    }

    private void copyFixture(String name) throws IOException, URISyntaxException {
        Path src = Path.of(LegacyHashFileTest.class.getResource("legacy-rapidhash-v3/" + name).toURI());
        try (Stream<Path> files = Files.list(src)) {
            for (Path f : (Iterable<Path>) files::iterator) {
                Files.copy(f, dir.resolve(f.getFileName()));
            }
        }
    }

    private static byte[] name(int k) {
        return ("user-" + k + "-" + "x".repeat(k % 40)).getBytes(StandardCharsets.UTF_8);
    }

    private static byte[] flood(int k) {
        byte[] key = new byte[8 + k % 9];
        ByteBuffer.wrap(key).order(ByteOrder.LITTLE_ENDIAN).putLong(KeyedRapidHashTest.PUBLIC_SECRET_1);
        for (int i = 8; i < key.length; i++) {
            key[i] = (byte) (k * 31 + i);
        }
        return key;
    }

    private static int lastWriter(int k) {
        return k % 9 == 0 ? 63 : k;
    }

    private static byte[] le(long v) {
        return ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(v).array();
    }
}
