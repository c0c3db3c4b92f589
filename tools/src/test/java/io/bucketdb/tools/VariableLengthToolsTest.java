package io.bucketdb.tools;

import io.bucketdb.BucketDB;
import io.bucketdb.Options;
import io.bucketdb.storage.HeapClasses;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;

import static io.bucketdb.tools.StatCommandTest.field;
import static org.junit.jupiter.api.Assertions.*;

/**
 * The tools on an index of variable-length keys and values: {@code stat} shows the heap, {@code dump}
 * says where a key's bytes live, {@code verify} passes, and {@code compact} copies the heap data and
 * leaves none of the space churn freed behind.
 */
class VariableLengthToolsTest {
    @TempDir
    Path tmp;

    private static byte[] key(int i) {
        return Cli.variableKey(i);
    }

    private static byte[] value(int i, int round) {
        return Cli.variableValue(i, round);
    }

    private Path churned() throws IOException {
        return Cli.variableIndex(tmp.resolve("idx"));
    }

    @Test
    void statShowsTheHeapAndDumpShowsWhereBytesLive() throws IOException {
        Path dir = churned();
        Cli.Result stat = Cli.run("stat", dir.toString());
        assertEquals(0, stat.code(), stat::toString);
        assertTrue(stat.out().contains("key variable-length (16 bytes inline, 20-byte slot)"), stat::toString);
        assertTrue(stat.out().contains("heap "), stat::toString);
        assertTrue(stat.out().contains(" in use, "), stat::toString);
        Cli.Result json = Cli.run("stat", dir.toString(), "--json");
        assertEquals("true", field(json.out(), "variableValues"), json::toString);
        assertTrue(Long.parseLong(field(json.out(), "heapBytesInUse")) > 1000 * 100, json::toString);
        assertTrue(Long.parseLong(field(json.out(), "heapBytesFree")) > 0, "deletes left free blocks: " + json);

        Cli.Result longKey = Cli.run("dump", dir.toString(), "--key", new String(key(49), StandardCharsets.UTF_8), "--format", "utf8");
        assertEquals(0, longKey.code(), longKey::toString);
        assertTrue(longKey.out().contains("stored") && longKey.out().contains("key 57 B heap @ "), longKey::toString);
        Cli.Result shortKey = Cli.run("dump", dir.toString(), "--key", new String(key(1), StandardCharsets.UTF_8), "--format", "utf8");
        assertEquals(0, shortKey.code(), shortKey::toString);
        assertTrue(shortKey.out().contains("key 8 B inline"), shortKey::toString);
        assertEquals(0, Cli.run("verify", dir.toString()).code());
    }

    @Test
    void compactCopiesHeapDataAndReclaimsFragmentation() throws IOException {
        Path dir = churned();
        long before = Long.parseLong(field(Cli.run("stat", dir.toString(), "--json").out(), "heapBytesFree"));
        assertTrue(before > 0);
        Cli.Result r = Cli.run("compact", dir.toString());
        assertEquals(0, r.code(), r::toString);
        Cli.Result after = Cli.run("stat", dir.toString(), "--json");
        // A copy carves each class's pages in order, so only the tail of each class's last page is free; the copy is a
        // new file, so it has the page-fit classes of format version 6 (43 of them).
        long free = Long.parseLong(field(after.out(), "heapBytesFree"));
        assertTrue(free < before && free < HeapClasses.PAGE_FIT.count() * 4096L, "compaction left " + free + " free heap bytes (before: " + before + ")");
        assertEquals("true", field(after.out(), "variableKeys"));
        assertEquals(0, Cli.run("verify", dir.toString()).code());
        try (BucketDB db = BucketDB.open(dir, Options.defaults().withReadOnly(true))) {
            assertEquals(1000, db.size());
            for (int i = 0; i < 2000; i++) {
                assertArrayEquals(i % 2 == 0 ? null : value(i, 2), db.get(key(i)), "key " + i);
            }
        }
    }
}
