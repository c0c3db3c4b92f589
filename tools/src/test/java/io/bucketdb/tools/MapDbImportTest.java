package io.bucketdb.tools;

import io.bucketdb.BucketDB;
import io.bucketdb.Codec;
import io.bucketdb.Options;
import io.bucketdb.engine.StagedIndex;
import io.bucketdb.storage.IndexFileNames;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.mapdb.DB;
import org.mapdb.DBMaker;
import org.mapdb.HTreeMap;
import org.mapdb.Serializer;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.function.Consumer;

import static io.bucketdb.tools.StatCommandTest.assertBad;
import static io.bucketdb.tools.StatCommandTest.field;
import static org.junit.jupiter.api.Assertions.*;

/** {@code bucketdb import --from-mapdb}: MapDB HTreeMaps built here, copied and checked key by key; every bad input refused. */
class MapDbImportTest {
    @TempDir
    Path tmp;

    /** A MapDB file written and closed by MapDB itself. */
    private Path mapdb(String name, Consumer<DB> fill) {
        Path file = tmp.resolve(name);
        DB db = DBMaker.fileDB(file.toFile()).make();
        try {
            fill.accept(db);
        } finally {
            db.close();
        }
        return file;
    }

    private static byte[] key12(int i) {
        return ByteBuffer.allocate(12).putInt(i).putLong(~(long) i * 0x9E3779B97F4A7C15L).array();
    }

    private static byte[] value4(int i) {
        return ByteBuffer.allocate(4).putInt(i * 7).array();
    }

    private Path standard() {
        return mapdb("app.db", db -> {
            HTreeMap<Long, Long> longs = db.hashMap("longs", Serializer.LONG, Serializer.LONG).create();
            for (long k = 0; k < 10_000; k++) {
                longs.put(k * 31, Cli.value(k));
            }
            HTreeMap<byte[], byte[]> bytes = db.hashMap("bytes", Serializer.BYTE_ARRAY, Serializer.BYTE_ARRAY).create();
            for (int i = 0; i < 2_000; i++) {
                bytes.put(key12(i), value4(i));
            }
            db.treeMap("sorted", Serializer.LONG, Serializer.LONG).create().put(1L, 2L);
        });
    }

    @Test
    void shouldCopyALongToLongMap() throws IOException {
        Path file = standard();
        Path dir = tmp.resolve("longs");
        Cli.Result r = Cli.run("import", dir.toString(), "--from-mapdb", file.toString(), "--map", "longs");
        assertEquals(0, r.code(), r::toString);
        assertEquals("imported 10,000 entries from MapDB map 'longs' (LONG -> LONG) of " + file + " into " + dir
                + ": 8-byte keys, 8-byte values, B=11\nread them with db.asMap(Codec.LONG, Codec.LONG) or getLong\n", r.out());
        assertEquals("", r.err());
        try (BucketDB db = BucketDB.open(dir, Options.defaults().withReadOnly(true))) {
            assertEquals(10_000, db.size());
            for (long k = 0; k < 10_000; k++) {
                assertEquals(Cli.value(k), db.getLong(k * 31, -1), "key " + k * 31);
            }
            assertEquals(-1, db.getLong(1, -1));
        }
        Cli.Result stat = Cli.run("stat", dir.toString(), "--json");
        assertEquals("false", field(stat.out(), "growing"));
        assertEquals("11", field(stat.out(), "B"), "sized for the map: no growth while loading");
        assertEquals(0, Cli.run("verify", dir.toString()).code());
        assertFalse(Files.exists(StagedIndex.staging(dir)));
    }

    @Test
    void shouldCopyAByteArrayMapAtTheWidthOfItsEntries() throws IOException {
        Path file = standard();
        Path dir = tmp.resolve("bytes");
        Cli.Result r = Cli.run("import", dir.toString(), "--from-mapdb", file.toString(), "--map", "bytes");
        assertEquals(0, r.code(), r::toString);
        assertTrue(r.out().contains("(BYTE_ARRAY -> BYTE_ARRAY)") && r.out().contains("12-byte keys, 4-byte values"), r::toString);
        try (BucketDB db = BucketDB.open(dir, Options.defaults().withReadOnly(true))) {
            assertEquals(2_000, db.size());
            for (int i = 0; i < 2_000; i++) {
                assertArrayEquals(value4(i), db.get(key12(i)), "key " + i);
            }
        }
        Path explicit = tmp.resolve("explicit");
        assertEquals(0, Cli.run("import", explicit.toString(), "--from-mapdb", file.toString(), "--map", "bytes",
                "--key-width", "12", "--value-width", "4").code());
    }

    @Test
    void shouldCopyStringKeysReadableThroughTheUtf8Codec() throws IOException {
        Path file = mapdb("users.db", db -> {
            HTreeMap<String, Long> m = db.hashMap("byName", Serializer.STRING, Serializer.LONG).create();
            for (int i = 0; i < 500; i++) {
                m.put(String.format("user-%05d", i), (long) i);
            }
            m.put("üser-0001", 9L); // 10 bytes in UTF-8, like the others
        });
        Path dir = tmp.resolve("names");
        Cli.Result r = Cli.run("import", dir.toString(), "--from-mapdb", file.toString(), "--map", "byName");
        assertEquals(0, r.code(), r::toString);
        assertTrue(r.out().contains("10-byte keys, 8-byte values") && r.out().contains("db.asMap(Codec.UTF8, Codec.LONG)"), r::toString);
        try (BucketDB db = BucketDB.open(dir, Options.defaults().withReadOnly(true))) {
            Map<String, Long> m = db.asMap(Codec.UTF8, Codec.LONG);
            assertEquals(501, m.size());
            for (int i = 0; i < 500; i++) {
                assertEquals(i, m.get(String.format("user-%05d", i)));
            }
            assertEquals(9L, m.get("üser-0001"));
        }
    }

    @Test
    void shouldRefuseAnEntryOfAnotherWidthNamingItsKeyAndImportNothing() throws IOException {
        Path file = mapdb("mixed.db", db -> {
            HTreeMap<String, byte[]> m = db.hashMap("mixed", Serializer.STRING, Serializer.BYTE_ARRAY).create();
            for (int i = 0; i < 300; i++) {
                m.put("k" + (1000 + i), new byte[]{(byte) i});
            }
            m.put("k1", new byte[]{1});
            HTreeMap<String, byte[]> even = db.hashMap("even", Serializer.STRING, Serializer.BYTE_ARRAY).create();
            for (int i = 0; i < 300; i++) {
                even.put("k" + (1000 + i), new byte[]{(byte) i});
            }
        });
        Path dir = tmp.resolve("mixed");
        Cli.Result r = Cli.run("import", dir.toString(), "--from-mapdb", file.toString(), "--map", "mixed", "--key-width", "5");
        assertBad(r, 2, "map 'mixed' key \"k1\": the key is 2 bytes in UTF-8; the index takes 5-byte keys (--key-width); nothing was imported");
        assertFalse(Files.exists(dir.resolve(IndexFileNames.TABLE)), "no index at DIR");
        assertFalse(Files.exists(StagedIndex.staging(dir)), "and no half-built one beside it");

        assertBad(Cli.run("import", dir.toString(), "--from-mapdb", file.toString(), "--map", "even", "--value-width", "2"), 2,
                "the value is 1 bytes; the index takes 2-byte values (--value-width); nothing was imported");
        assertBad(Cli.run("import", dir.toString(), "--from-mapdb", standard().toString(), "--map", "longs", "--key-width", "4"), 2,
                "MapDB LONG keys are 8 bytes; --key-width 4 does not fit");
    }

    @Test
    void shouldNameTheMapsAFileHoldsWhenTheNameIsWrong() throws IOException {
        Path file = standard();
        Path dir = tmp.resolve("idx");
        assertBad(Cli.run("import", dir.toString(), "--from-mapdb", file.toString(), "--map", "long"), 2,
                "no map 'long' in " + file + "; its HTreeMaps: bytes, longs");
        assertBad(Cli.run("import", dir.toString(), "--from-mapdb", file.toString(), "--map", "sorted"), 2,
                "'sorted' in " + file + " is a MapDB TreeMap, not an HTreeMap; its HTreeMaps: bytes, longs");
        Path generic = mapdb("generic.db", db -> db.hashMap("any").create());
        assertBad(Cli.run("import", dir.toString(), "--from-mapdb", generic.toString(), "--map", "any"), 2,
                "map 'any' stores its keys with the MapDB serializer org.mapdb.DB#defaultSerializer; import reads LONG, INTEGER, UUID, STRING and BYTE_ARRAY");
        assertFalse(Files.exists(dir));
    }

    @Test
    void shouldRefuseMissingFilesFilesThatAreNotMapDbAndOccupiedDirectories() throws IOException {
        Path dir = tmp.resolve("idx");
        assertBad(Cli.run("import", dir.toString(), "--from-mapdb", tmp.resolve("none.db").toString(), "--map", "m"), 3,
                "none.db: no such file");
        Path junk = Files.writeString(tmp.resolve("junk.db"), "not a MapDB file at all. ".repeat(200));
        assertBad(Cli.run("import", dir.toString(), "--from-mapdb", junk.toString(), "--map", "m"), 3, "is not a MapDB 3 file it can read");
        Path index = Cli.longIndex(tmp.resolve("index"), 5);
        assertBad(Cli.run("import", index.toString(), "--from-mapdb", standard().toString(), "--map", "longs"), 2,
                "already holds an index; --from-mapdb creates a new one");
        assertBad(Cli.run("import", dir.toString(), "--from-mapdb", junk.toString()), 2, "--from-mapdb needs --map NAME");
        assertBad(Cli.run("import", dir.toString(), "x.jsonl", "--from-mapdb", junk.toString(), "--map", "m"), 2,
                "give FILE or --from-mapdb, not both");
        assertBad(Cli.run("import", dir.toString()), 2, "missing FILE");
        Path empty = mapdb("empty.db", db -> db.hashMap("nothing", Serializer.BYTE_ARRAY, Serializer.LONG).create());
        assertBad(Cli.run("import", dir.toString(), "--from-mapdb", empty.toString(), "--map", "nothing"), 2,
                "map 'nothing' is empty: give --key-width for its BYTE_ARRAY keys");
        assertFalse(Files.exists(dir));
        assertEquals(0, Cli.run("import", dir.toString(), "--from-mapdb", empty.toString(), "--map", "nothing", "--key-width", "3").code(),
                "an empty map makes an empty index once the width is known");
    }

    @Test
    void shouldExplainItselfInHelp() {
        Cli.Result r = Cli.run("import", "--help");
        assertEquals(0, r.code(), r::toString);
        assertTrue(r.out().contains("--from-mapdb=FILE") && r.out().contains("bucketdb import /data/users --from-mapdb users.db --map byId"),
                r::toString);
    }
}
