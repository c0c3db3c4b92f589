package io.bucketdb;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Options refuse what no index can take when they are built, and say what they hold. */
class OptionsTest {
    @TempDir
    Path tmp;

    @Test
    void widthsOutsideWhatABucketHoldsAreRefusedAtTheBuilder() {
        Options d = Options.defaults();
        assertTrue(assertThrows(IllegalArgumentException.class, () -> d.withKeyWidth(0)).getMessage().contains("1..4096"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> d.withKeyWidth(5000)).getMessage().contains("withVariableKeys"));
        assertThrows(IllegalArgumentException.class, () -> d.withValueWidth(-1));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> d.withValueWidth(4097)).getMessage().contains("withVariableValues"));
        assertEquals(4096, d.withKeyWidth(4096).withValueWidth(0).keyWidth());
    }

    @Test
    void chunkingOutsideTheTableGeometryIsRefusedAtTheBuilder() {
        Options d = Options.defaults();
        assertThrows(IllegalArgumentException.class, () -> d.withChunking(15, 20));
        assertThrows(IllegalArgumentException.class, () -> d.withChunking(31, 31));
        assertThrows(IllegalArgumentException.class, () -> d.withChunking(20, 19));
        assertThrows(IllegalArgumentException.class, () -> d.withChunking(20, 41));
        assertEquals(17, d.withChunking(16, 17).maxChunkShift());
    }

    @Test
    void toStringSaysWhatTheOptionsHold() {
        String s = Options.defaults().withKeyWidth(16).withVariableValues(40).withDurability(Durability.ASYNC).toString();
        assertTrue(s.contains("16-byte keys"), s);
        assertTrue(s.contains("variable values (inline 40)"), s);
        assertTrue(s.contains("ASYNC"), s);
        assertTrue(Options.defaults().toString().contains("an existing index keeps its own"), Options.defaults().toString());
    }

    @Test
    void anotherHashSeedOnReopenKeepsTheIndexsOwn() throws Exception {
        Path dir = tmp.resolve("idx");
        try (BucketDB db = BucketDB.open(dir, Options.defaults().withHashSeed(1))) {
            for (long k = 0; k < 1_000; k++) {
                db.putLong(k, k);
            }
        }
        try (BucketDB other = BucketDB.open(dir, Options.defaults().withHashSeed(2))) {
            for (long k = 0; k < 1_000; k++) {
                assertEquals(k, other.getLong(k, -1), "key " + k);
            }
        }
        try (BucketDB view = BucketDB.open(dir, Options.defaults().withHashSeed(3).withReadOnly(true))) {
            assertEquals(999, view.getLong(999, -1));
        }
    }

    @Test
    void expectedEntriesOnReopenAreIgnoredAndSaidSo() throws Exception {
        Path dir = tmp.resolve("sized");
        try (BucketDB db = BucketDB.open(dir, Options.defaults().withExpectedEntries(10_000))) {
            assertEquals(List.of(), db.ignoredOptions(), "a new index uses the option");
            db.putLong(1, 1);
        }
        try (BucketDB db = BucketDB.open(dir, Options.defaults().withExpectedEntries(1_000_000))) {
            assertEquals(List.of("withExpectedEntries"), db.ignoredOptions());
            assertEquals(1, db.getLong(1, -1));
        }
        try (BucketDB db = BucketDB.open(dir)) {
            assertEquals(List.of(), db.ignoredOptions(), "nothing to say when the option was not set");
        }
        try (BucketDB view = BucketDB.open(dir, Options.defaults().withExpectedEntries(5).withReadOnly(true))) {
            assertEquals(List.of("withExpectedEntries"), view.ignoredOptions());
        }
    }

    @Test
    void anotherHashSeedOnReopenIsSaidToBeIgnored() throws Exception {
        Path dir = tmp.resolve("seeded");
        BucketDB.open(dir, Options.defaults().withHashSeed(1)).close();
        try (BucketDB db = BucketDB.open(dir, Options.defaults().withHashSeed(2).withExpectedEntries(7))) {
            assertEquals(List.of("withExpectedEntries", "withHashSeed"), db.ignoredOptions());
        }
        try (BucketDB db = BucketDB.open(dir, Options.defaults().withHashSeed(1))) {
            assertEquals(List.of(), db.ignoredOptions(), "the index's own seed is not ignored");
        }
    }

    @Test
    void anotherPlaceForValuesOnReopenIsSaidToBeIgnored() throws Exception {
        Path dir = tmp.resolve("outline");
        Options wide = Options.defaults().withKeyWidth(16).withValueWidth(100);
        try (BucketDB db = BucketDB.open(dir, wide.withValuesOutOfLine(true))) {
            assertEquals(List.of(), db.ignoredOptions(), "a new index uses the option");
            db.put(new byte[16], new byte[100]);
        }
        try (BucketDB db = BucketDB.open(dir, wide.withValuesOutOfLine(false))) {
            assertEquals(List.of("withValuesOutOfLine"), db.ignoredOptions());
            assertEquals(100, db.get(new byte[16]).length, "the values stay where they are");
        }
        try (BucketDB db = BucketDB.open(dir, wide.withValuesOutOfLine(true))) {
            assertEquals(List.of(), db.ignoredOptions(), "the index's own choice is not ignored");
        }
        try (BucketDB db = BucketDB.open(dir, wide)) {
            assertEquals(List.of(), db.ignoredOptions(), "nothing to say when no choice was made");
        }
        try (BucketDB view = BucketDB.open(dir, Options.defaults().withValuesOutOfLine(false).withReadOnly(true))) {
            assertEquals(List.of("withValuesOutOfLine"), view.ignoredOptions());
        }
    }
}
