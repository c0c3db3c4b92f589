package io.bucketdb;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;

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
    void expectedEntriesOnReopenAreIgnoredWithOneWarningNamingTheOptionAndTheDirectory() throws Exception {
        Path dir = tmp.resolve("sized");
        try (BucketDB db = BucketDB.open(dir, Options.defaults().withExpectedEntries(10_000))) {
            db.putLong(1, 1);
        }
        List<String> warnings = warningsDuring(() -> {
            try (BucketDB db = BucketDB.open(dir, Options.defaults().withExpectedEntries(1_000_000))) {
                assertEquals(1, db.getLong(1, -1));
            }
        });
        assertEquals(1, warnings.size(), warnings.toString());
        assertTrue(warnings.getFirst().contains("withExpectedEntries") && warnings.getFirst().contains(dir.toString()), warnings.toString());
        // Nothing to say when the option was not set, and a new index uses it.
        assertEquals(List.of(), warningsDuring(() -> BucketDB.open(dir).close()));
        assertEquals(List.of(), warningsDuring(() -> BucketDB.open(tmp.resolve("new"), Options.defaults().withExpectedEntries(100)).close()));
    }

    @Test
    void anotherHashSeedOnReopenIsNamedInOneWarning() throws Exception {
        Path dir = tmp.resolve("seeded");
        BucketDB.open(dir, Options.defaults().withHashSeed(1)).close();
        List<String> warnings = warningsDuring(() -> BucketDB.open(dir, Options.defaults().withHashSeed(2)).close());
        assertEquals(1, warnings.size(), warnings.toString());
        assertTrue(warnings.getFirst().contains("withHashSeed") && warnings.getFirst().contains(dir.toString()), warnings.toString());
    }

    private interface IoAction {
        void run() throws Exception;
    }

    /** The WARNING messages BucketDB logs (System.Logger, routed to java.util.logging) while {@code action} runs. */
    private static List<String> warningsDuring(IoAction action) throws Exception {
        Logger logger = Logger.getLogger(BucketDB.class.getName());
        List<String> warnings = new ArrayList<>();
        Handler capture = new Handler() {
            @Override
            public void publish(LogRecord r) {
                if (r.getLevel().intValue() >= Level.WARNING.intValue()) {
                    synchronized (warnings) {
                        warnings.add(r.getMessage());
                    }
                }
            }

            @Override
            public void flush() {
            }

            @Override
            public void close() {
            }
        };
        logger.addHandler(capture);
        try {
            action.run();
        } finally {
            logger.removeHandler(capture);
        }
        return warnings;
    }
}
