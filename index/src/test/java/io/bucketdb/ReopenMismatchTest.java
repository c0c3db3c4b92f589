package io.bucketdb;

import io.bucketdb.storage.IndexFileNames;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.*;

/**
 * Reopening an index with options that disagree with its files: what the files decide is kept (or the open is
 * refused, naming both sides, with every file as it was), and what an open may choose for itself does not cost a
 * record the journal holds.
 */
class ReopenMismatchTest {
    private static final Options VARIABLE = Options.defaults().withVariableKeys().withVariableValues();

    @TempDir
    Path tmp;

    @Test
    void lowerLengthLimitsOnReopenStillRecoverTheLongerRecordsOfTheJournal() throws IOException {
        byte[] big = new byte[10_000];
        big[9_999] = 7;
        Path image = crashImage(tmp.resolve("live"), VARIABLE, db -> {
            db.put("big".getBytes(), big);
            db.put("small".getBytes(), new byte[]{1});
        });
        Options lower = VARIABLE.withMaxLengths(64, 1_000);
        for (Options o : new Options[]{lower.withReadOnly(true), lower.withTruncateOnDamage(true), lower}) {
            Path dir = copy(image, tmp.resolve("open-" + System.nanoTime()));
            try (BucketDB db = BucketDB.open(dir, o)) {
                assertEquals(2, db.size(), o.toString());
                assertArrayEquals(big, db.get("big".getBytes()), "the acknowledged 10,000-byte value, " + o);
                assertArrayEquals(new byte[]{1}, db.get("small".getBytes()), o.toString());
                if (!o.readOnly()) {
                    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> db.put("x".getBytes(), big));
                    assertTrue(e.getMessage().contains("limit of 1000 bytes"), e.getMessage());
                }
            }
        }
    }

    @Test
    void otherWidthsAfterACrashAreRefusedBeforeAnyFileChanges() throws IOException {
        // Enough puts that the table grew past the space its last checkpoint (at creation) allocated: the file is
        // longer than that checkpoint's allocation end, a tail the writer's open cuts off.
        Path image = crashImage(tmp.resolve("grown"), Options.defaults().withJournalSegmentSize(1 << 20), db -> {
            for (long k = 0; k < 50_000; k++) {
                db.putLongAsync(k, -k);
            }
            db.putLong(-1, 1);
        });
        Map<String, byte[]> before = files(image);
        Options[] others = {
                Options.defaults().withKeyWidth(16),
                Options.defaults().withVariableKeys().withVariableValues(),
                Options.defaults().withCodecs(Codec.UUID, Codec.UTF8),
        };
        for (Options o : others) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> BucketDB.open(image, o).close(), o.toString());
            assertTrue(e.getMessage().contains("stores 8-byte keys and 8-byte values") && e.getMessage().contains("the options asked for"),
                    e.getMessage());
            Map<String, byte[]> after = files(image);
            assertEquals(before.keySet(), after.keySet(), "a refused open creates or deletes no file: " + o);
            for (String name : before.keySet()) {
                assertArrayEquals(before.get(name), after.get(name), name + " is changed by an open refused for " + o);
            }
        }
        try (BucketDB db = BucketDB.open(image)) {
            assertEquals(50_001, db.size(), "the refused opens lost nothing");
            assertEquals(-49_999, db.getLong(49_999, 0));
        }
    }

    @Test
    void aDirectoryWithoutATableIsCreatedOnlyWhenAskedAndItsOtherFilesAreLeftAlone() throws IOException {
        Path missing = tmp.resolve("missing");
        IOException none = assertThrows(IOException.class, () -> BucketDB.open(missing, Options.defaults().withCreateIfMissing(false)));
        assertTrue(none.getMessage().contains("no index in " + missing), none.getMessage());
        assertThrows(IOException.class, () -> BucketDB.open(missing, Options.defaults().withReadOnly(true)));
        assertFalse(Files.exists(missing), "a refused open creates no directory");

        Path other = Files.createDirectories(tmp.resolve("other"));
        Files.writeString(other.resolve("notes.txt"), "mine");
        Files.writeString(other.resolve(IndexFileNames.LOCK), "pid 1\n");
        for (Options o : new Options[]{Options.defaults().withCreateIfMissing(false), Options.defaults().withReadOnly(true)}) {
            assertThrows(IOException.class, () -> BucketDB.open(other, o), o.toString());
            try (Stream<Path> files = Files.list(other)) {
                assertEquals(2, files.count(), "nothing created by " + o);
            }
        }
        try (BucketDB db = BucketDB.open(other)) {
            db.putLong(1, 1);
        }
        assertEquals("mine", Files.readString(other.resolve("notes.txt")), "an index created beside other files leaves them alone");
        try (BucketDB db = BucketDB.open(other, Options.defaults().withCreateIfMissing(false))) {
            assertEquals(1, db.getLong(1, -1));
        }
    }

    @Test
    void eachFileOfAClosedIndexMissingInTurnIsRebuiltOrRefusedClearly() throws IOException {
        Path closed = tmp.resolve("closed");
        try (BucketDB db = BucketDB.open(closed)) {
            for (long k = 0; k < 1_000; k++) {
                db.putLong(k, -k);
            }
        }
        for (String name : files(closed).keySet()) {
            Path dir = copy(closed, tmp.resolve("without-" + name));
            Files.delete(dir.resolve(name));
            if (name.equals(IndexFileNames.TABLE)) {
                Map<String, byte[]> before = files(dir);
                IOException e = assertThrows(IOException.class, () -> BucketDB.open(dir));
                assertTrue(e.getMessage().contains("no " + IndexFileNames.TABLE) && e.getMessage().contains("journal segments"), e.getMessage());
                assertEquals(before.keySet(), files(dir).keySet(), "no empty index replaces the lost table");
                continue;
            }
            // The double-write file, a page checksum file, the journal of a clean close: nothing the next open needs.
            try (BucketDB db = BucketDB.open(dir)) {
                assertEquals(1_000, db.size(), "without " + name);
                assertEquals(-999, db.getLong(999, 0), "without " + name);
            }
        }
    }

    @Test
    void aJournalSegmentMissingAfterACrashIsDamageNamingIt() throws IOException {
        Path image = crashImage(tmp.resolve("segments"), Options.defaults().withJournalSegmentSize(1 << 20), db -> {
            for (long k = 0; k < 60_000; k++) {
                db.putLongAsync(k, k);
            }
            db.putLong(-1, 1);
        });
        List<String> segments = files(image).keySet().stream().filter(IndexFileNames::isJournal).filter(n -> n.endsWith(".log")).sorted().toList();
        assertTrue(segments.size() >= 3, "the load spans several segments: " + segments);
        // Every segment but the newest. A missing newest one looks like a crash between the force of the full segment
        // before it and its creation: no record names a roll, so the open cannot tell the writes it held were lost.
        for (String name : segments.subList(0, segments.size() - 1)) {
            Path dir = copy(image, tmp.resolve("without-" + name));
            Files.delete(dir.resolve(name));
            io.bucketdb.spi.CorruptIndexException e = assertThrows(io.bucketdb.spi.CorruptIndexException.class, () -> BucketDB.open(dir));
            assertTrue(e.file().getFileName().toString().startsWith("journal-"), e.getMessage());
            assertTrue(e.getMessage().contains("journal"), e.getMessage());
        }
    }

    // ---------------------------------------------------------------- helpers

    interface Writes {
        void apply(BucketDB db) throws IOException;
    }

    /**
     * The files of an index as a process kill would leave them after {@code writes} were acknowledged: copied while it
     * is open (the journal's acknowledged frames are in the page cache, the table file changes only at checkpoints and
     * none runs: the triggers are far off), without the lock file.
     */
    private Path crashImage(Path dir, Options options, Writes writes) throws IOException {
        Path image = tmp.resolve("image");
        try (BucketDB db = BucketDB.open(dir, options)) {
            writes.apply(db);
            copy(dir, image);
        }
        return image;
    }

    private static Path copy(Path from, Path to) throws IOException {
        Files.createDirectories(to);
        try (Stream<Path> files = Files.list(from)) {
            for (Path p : files.toList()) {
                if (!p.getFileName().toString().equals(IndexFileNames.LOCK)) {
                    Files.copy(p, to.resolve(p.getFileName()));
                }
            }
        }
        return to;
    }

    /** Every file of {@code dir} but the lock file (advisory, rewritten by each writer's open), by name. */
    static Map<String, byte[]> files(Path dir) throws IOException {
        Map<String, byte[]> m = new TreeMap<>();
        try (Stream<Path> files = Files.list(dir)) {
            for (Path p : files.toList()) {
                String name = p.getFileName().toString();
                if (!name.equals(IndexFileNames.LOCK)) {
                    m.put(name, Files.readAllBytes(p));
                }
            }
        }
        return m;
    }
}
