package io.bucketdb.table;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.bucketdb.BucketDB;
import io.bucketdb.Durability;
import io.bucketdb.Options;
import io.bucketdb.inspect.IndexInspector;
import io.bucketdb.storage.BlockNumberLayout;
import io.bucketdb.storage.Header;
import io.bucketdb.storage.HeaderLayout;
import io.bucketdb.storage.IndexFileNames;
import io.bucketdb.storage.VarSlotLayout;

import java.io.IOException;
import java.net.URISyntaxException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.function.IntFunction;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Format version 8 names a fixed-width value kept out of line by the 4-byte number of its heap block
 * ({@link BlockNumberLayout}) instead of a 12-byte slot of its length and heap reference (issue 19). Index directories
 * of version 7 with such values, made by the code of commit {@code 5521bef} (test resources {@code format-v7/}: 16-byte
 * keys and 100-byte values, and variable-length keys and 100-byte values; see the README there), keep their 12-byte
 * slots for life: they open with every entry, take writes, deletes and growth, pass {@code verify}, and stay version 7,
 * while a new index of the same shape is version 8 with 4-byte slots.
 */
class FormatVersion7FileTest {
    /** The {@code outline} fixture: k below this, then every {@code k % 7 == 0} deleted and {@code k % 11 == 3} overwritten. */
    private static final int FIXED = 600;
    /** The {@code outline-var} fixture: k below this, then every {@code k % 7 == 0} deleted. */
    private static final int VAR = 300;

    @TempDir
    Path dir;

    @Test
    void aVersion7IndexOfFixedKeysAndValuesOutOfLineShouldKeepItsTwelveByteSlots(@TempDir Path other) throws Exception {
        copyFixture("outline");
        checkVersion7();
        Options o = Options.defaults().withKeyWidth(16).withValueWidth(100).withDurability(Durability.ASYNC);
        checkOldFile(o, FormatVersion7FileTest::fixedKey, FIXED, k -> k % 11 == 3 ? value(k, 1) : k % 7 == 0 ? null : value(k, 0));
        // A new index of the same shape is version 8: 4-byte slots, 176-byte buckets.
        Path fresh = other.resolve("fresh");
        try (BucketDB db = BucketDB.open(fresh, o)) {
            for (int k = 0; k < FIXED; k++) {
                db.put(fixedKey(k), value(k, 0));
            }
        }
        try (IndexInspector in = IndexInspector.open(fresh)) {
            Header h = in.header();
            assertEquals(HeaderLayout.FORMAT_VERSION, h.formatVersion());
            assertTrue(h.valueBlockNumbers() && h.outlineValues(), "flags " + h.flags);
            assertEquals(BlockNumberLayout.SIZE, h.valueWidth);
            assertEquals(176, h.bucketSize());
            assertArrayEquals(value(5, 0), in.get(fixedKey(5)));
            assertEquals(List.of(), in.verify());
        }
    }

    @Test
    void aVersion7IndexOfVariableKeysAndValuesOutOfLineShouldKeepItsTwelveByteSlots() throws Exception {
        copyFixture("outline-var");
        checkVersion7();
        Options o = Options.defaults().withVariableKeys().withValueWidth(100).withDurability(Durability.ASYNC);
        checkOldFile(o, FormatVersion7FileTest::varKey, VAR, k -> k % 7 == 0 ? null : value(k, 0));
    }

    /**
     * Opens the copied fixture, checks its {@code n} entries ({@code expected} gives each key number's value, null for
     * none), then writes, deletes and grows it, and checks every entry after a reopen; the file stays version 7.
     */
    private void checkOldFile(Options o, IntFunction<byte[]> key, int n, IntFunction<byte[]> expected) throws IOException {
        long present = 0;
        try (BucketDB db = BucketDB.open(dir, o)) {
            assertTrue(db.stats().valuesOutOfLine());
            for (int k = 0; k < n + 50; k++) {
                byte[] want = k < n ? expected.apply(k) : null;
                present += want == null ? 0 : 1;
                assertArrayEquals(want, db.get(key.apply(k)), "key number " + k);
            }
            assertEquals(present, db.size());
            for (int k = n; k < 4 * n; k++) { // grows
                db.put(key.apply(k), value(k, 2));
            }
            for (int k = 1; k < 4 * n; k += 5) {
                db.delete(key.apply(k));
            }
            for (int k = 2; k < n; k += 7) {
                db.put(key.apply(k), value(k, 3)); // overwrites: frees the old block
            }
        }
        checkVersion7();
        try (BucketDB db = BucketDB.open(dir, o)) {
            for (int k = 0; k < 4 * n + 50; k++) {
                byte[] want = k >= 4 * n ? null : k < n && k % 7 == 2 ? value(k, 3) : k % 5 == 1 ? null
                        : k >= n ? value(k, 2) : expected.apply(k);
                assertArrayEquals(want, db.get(key.apply(k)), "key number " + k + " after the reopen");
            }
        }
        try (IndexInspector in = IndexInspector.open(dir)) {
            assertTrue(in.header().b > 7, "grew, B=" + in.header().b);
        }
    }

    /** Both header slots carry version 7, the value slots are 12 bytes, and {@code verify} passes. */
    private void checkVersion7() throws IOException {
        try (FileChannel ch = FileChannel.open(dir.resolve(IndexFileNames.TABLE))) {
            for (int slot = 0; slot < 2; slot++) {
                ByteBuffer b = ByteBuffer.allocate(HeaderLayout.SIZE).order(ByteOrder.LITTLE_ENDIAN);
                ch.read(b, HeaderLayout.slotOffset(slot));
                if (b.getLong(HeaderLayout.MAGIC_OFFSET) == HeaderLayout.MAGIC) {
                    assertEquals(7, b.getInt(HeaderLayout.FORMAT_VERSION_OFFSET), "slot " + slot + " version");
                }
            }
        }
        try (IndexInspector in = IndexInspector.open(dir)) {
            Header h = in.header();
            assertEquals(7, h.formatVersion());
            assertTrue(h.outlineValues() && !h.valueBlockNumbers(), "flags " + h.flags);
            assertEquals(VarSlotLayout.OUTLINE_SLOT_WIDTH, h.valueWidth);
            assertEquals(List.of(), in.verify(), "verify of " + dir);
        }
    }

    private void copyFixture(String name) throws IOException, URISyntaxException {
        Path src = Path.of(FormatVersion7FileTest.class.getResource("format-v7/" + name).toURI());
        try (Stream<Path> files = Files.list(src)) {
            for (Path f : (Iterable<Path>) files::iterator) {
                Files.copy(f, dir.resolve(f.getFileName()));
            }
        }
    }

    /** The fixtures' keys and values, as their generator (format-v7/README.md) writes them. */
    private static byte[] fixedKey(int k) {
        return ByteBuffer.allocate(16).putLong(k * 0x9E3779B97F4A7C15L).putLong(~k).array();
    }

    /** The variable keys are the {@code format-v5} fixtures' (the generators share them). */
    private static byte[] varKey(int k) {
        return FormatVersionFileTest.v5Key(k);
    }

    private static byte[] value(int k, int round) {
        byte[] v = new byte[100];
        for (int i = 0; i < 100; i++) {
            v[i] = (byte) (k * 31 + i + 13 * round);
        }
        return v;
    }
}
