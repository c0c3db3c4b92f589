package io.bucketdb.table;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.bucketdb.WriteBatch;
import io.bucketdb.engine.EntryChecks;
import io.bucketdb.storage.BlockNumberLayout;
import io.bucketdb.storage.FileDurableIO;
import io.bucketdb.storage.Header;
import io.bucketdb.storage.HeaderLayout;
import io.bucketdb.storage.TableFile;

import java.io.IOException;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A table whose values are named by 4-byte block numbers (format version 8) has a value heap that ends where the
 * numbers stop ({@link BlockNumberLayout#limit()}, 256 GiB for 100-byte values). A put that could need a block beyond
 * is refused on the caller's thread, before it is journaled: applied, it would fail the index closed, and each replay
 * of its record would fail again. Other tables never refuse for that reason.
 */
class ValueHeapReachTest {
    private static final GrowthListener QUIET = new GrowthListener() {
    };

    @TempDir
    Path dir;

    @Test
    void putsAreRefusedBeforeTheJournalOnceTheHeapNearsTheNumbersReach() throws IOException {
        try (TableFile tf = TableFile.create(FileDurableIO.INSTANCE, dir.resolve("n.bdb"), 16, 100, HeaderLayout.OUTLINE_VALUES, 16, 7, 16)) {
            HashTable table = HashTable.create(tf, QUIET);
            Header h = tf.header();
            assertTrue(h.valueBlockNumbers());
            long limit = BlockNumberLayout.of(h).limit();
            assertEquals(256L << 30, limit);
            EntryChecks checks = EntryChecks.of(table);
            byte[] value = new byte[100];
            assertFalse(table.valueHeapNearItsEnd());
            assertDoesNotThrow(() -> checks.checkPutValue(value));
            assertTrue(table.put(new byte[16], value), "a put far from the limit is applied");
            long end = h.fileEnd;
            try {
                // A sixteenth of the reach, and room for a doubling of the array, are kept back.
                h.fileEnd = limit - (limit >>> 4) - 2 * ((long) h.bucketSize() << h.b) - 4096;
                assertFalse(table.valueHeapNearItsEnd());
                h.fileEnd += 8192;
                assertTrue(table.valueHeapNearItsEnd());
                IllegalStateException e = assertThrows(IllegalStateException.class, () -> checks.checkPutValue(value));
                assertTrue(e.getMessage().contains("is full") && e.getMessage().contains("nothing was written"), e.getMessage());
                WriteBatch batch = new WriteBatch();
                batch.put(new byte[16], value);
                assertThrows(IllegalStateException.class, () -> checks.checkBatch(batch), "a batch with a put is refused whole");
                WriteBatch deletes = new WriteBatch();
                deletes.delete(new byte[16]);
                assertDoesNotThrow(() -> checks.checkBatch(deletes), "deletes still go through");
                assertDoesNotThrow(() -> checks.checkValue(value), "reads into a buffer check only the width");
            } finally {
                h.fileEnd = end;
            }
        }
    }

    @Test
    void tablesWithoutBlockNumbersNeverRefuseForIt() throws IOException {
        for (int flags : new int[]{0, HeaderLayout.VAR_VALUES}) {
            try (TableFile tf = TableFile.create(FileDurableIO.INSTANCE, dir.resolve("t" + flags + ".bdb"), 16,
                    flags == 0 ? 100 : 32, flags, 16, 7, 16)) {
                HashTable table = HashTable.create(tf, QUIET);
                long end = tf.header().fileEnd;
                tf.header().fileEnd = 1L << 50;
                try {
                    assertFalse(table.valueHeapNearItsEnd());
                } finally {
                    tf.header().fileEnd = end;
                }
            }
        }
    }
}
