package io.bucketdb.engine;

import io.bucketdb.BucketDB;
import io.bucketdb.Cursor;
import io.bucketdb.Durability;
import io.bucketdb.Options;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.*;

/**
 * {@link StagedIndex}: building beside a target, the rename swap, and what each crash point of
 * the swap leaves, re-created by hand (the directories exactly as the protocol leaves them at
 * that point), then handed to the next writing open or the next build.
 */
class StagedIndexTest {
    @TempDir
    Path tmp;

    private static Options options() {
        return Options.defaults().withChunking(16, 16).withDurability(Durability.ASYNC);
    }

    /** An index holding keys {@code from..to-1} mapped to {@code key * mul}. */
    private static Path build(Path dir, long from, long to, long mul) throws IOException {
        try (BucketDB db = BucketDB.open(dir, options())) {
            for (long k = from; k < to; k++) {
                db.putLong(k, k * mul);
            }
        }
        return dir;
    }

    private static void assertHolds(Path dir, long from, long to, long mul) throws IOException {
        try (BucketDB db = BucketDB.open(dir, options().withReadOnly(true))) {
            assertEquals(to - from, db.size(), dir + " size");
            for (long k = from; k < to; k++) {
                assertEquals(k * mul, db.getLong(k, -1), dir + " key " + k);
            }
        }
    }

    @Test
    void shouldReplaceAnIndexInPlaceAndHoldItsLockUntilDone() throws IOException {
        Path dir = build(tmp.resolve("idx"), 0, 5_000, 2);
        try (StagedIndex s = StagedIndex.begin(dir, dir)) {
            assertEquals(StagedIndex.staging(dir), s.directory());
            try (BucketDB src = s.openSource(options()); BucketDB dst = s.create(options().withExpectedEntries(src.size()))) {
                Cursor c = src.cursor();
                while (c.next()) {
                    dst.putLong(c.keyLong(), c.valueLong() + 1);
                }
            }
            IOException locked = assertThrows(IOException.class, () -> BucketDB.open(dir, options()));
            assertTrue(locked.getMessage().contains("is locked by another writer"), locked.getMessage());
            s.commit();
        }
        try (BucketDB db = BucketDB.open(dir, options())) {
            assertEquals(5_000, db.size());
            assertEquals(2 * 77 + 1, db.getLong(77, -1), "the new contents are in place");
        }
        assertFalse(Files.exists(StagedIndex.staging(dir)));
        assertFalse(Files.exists(StagedIndex.retired(dir)));
    }

    @Test
    void shouldDeleteTheBuildAndKeepTheSourceWithoutACommit() throws IOException {
        Path dir = build(tmp.resolve("idx"), 0, 100, 3);
        try (StagedIndex s = StagedIndex.begin(dir, dir)) {
            try (BucketDB dst = s.create(options())) {
                dst.putLong(1, 1);
            }
        }
        assertFalse(Files.exists(StagedIndex.staging(dir)));
        assertHolds(dir, 0, 100, 3);
        BucketDB.open(dir, options()).close(); // the lock was released
    }

    @Test
    void shouldCreateANewIndexAndRefuseAnOccupiedTargetOrASecondBuild() throws IOException {
        Path out = tmp.resolve("out");
        try (StagedIndex s = StagedIndex.begin(null, out)) {
            IOException second = assertThrows(IOException.class, () -> StagedIndex.begin(null, out));
            assertTrue(second.getMessage().contains("another build of " + out + " is running"), second.getMessage());
            try (BucketDB dst = s.create(options())) {
                dst.putLong(5, 50);
            }
            assertFalse(Files.exists(out), "nothing at the target before the commit");
            s.commit();
        }
        assertHolds(out, 5, 6, 10);
        IOException occupied = assertThrows(IOException.class, () -> StagedIndex.begin(null, out));
        assertTrue(occupied.getMessage().contains("already exists"), occupied.getMessage());
    }

    @Test
    void shouldClearABuildThatCrashed() throws IOException {
        Path dir = build(tmp.resolve("idx"), 0, 100, 3);
        Path stale = build(StagedIndex.staging(dir), 0, 10, 9); // as a killed compaction leaves it (its lock is free)
        Files.writeString(stale.resolve("journal-0000000000000009.log"), "torn");
        assertHolds(dir, 0, 100, 3); // opens ignore it
        try (StagedIndex s = StagedIndex.begin(dir, dir); BucketDB dst = s.create(options())) {
            assertEquals(0, dst.size(), "the new build starts empty");
        }
        assertFalse(Files.exists(stale));
    }

    /**
     * A new index (a build, an import, {@code compact --to}) for a target whose compaction stopped between its renames is
     * refused before anything changes: it emptied the compaction's finished new index to build its own there, and a
     * crash of that build left the next writing open to finish the swap with the half-built index (deleting the old).
     */
    @Test
    void shouldRefuseANewIndexWhereACompactionWasInterrupted() throws IOException {
        Path dir = betweenRenames();
        IOException e = assertThrows(IOException.class, () -> StagedIndex.begin(null, dir));
        assertTrue(e.getMessage().contains("interrupted") && e.getMessage().contains(dir.toString()), e.getMessage());
        IOException b = assertThrows(IOException.class, () -> BucketDB.build(dir, options()));
        assertTrue(b.getMessage().contains("interrupted"), b.getMessage());
        assertHolds(StagedIndex.staging(dir), 0, 1_000, 5);
        assertHolds(StagedIndex.retired(dir), 0, 1_000, 2);
        try (BucketDB db = BucketDB.open(dir, options().withCreateIfMissing(false))) {
            assertEquals(5 * 999, db.getLong(999, -1), "the compaction's new index, finished by the open");
        }
    }

    /** The state between the swap's two renames: the old index retired, the checked new one staged, nothing at DIR. */
    private Path betweenRenames() throws IOException {
        Path dir = tmp.resolve("idx");
        build(StagedIndex.retired(dir), 0, 1_000, 2);
        build(StagedIndex.staging(dir), 0, 1_000, 5);
        return dir;
    }

    @Test
    void shouldFinishAnInterruptedSwapOnTheNextWritingOpen() throws IOException {
        Path dir = betweenRenames();
        IOException ro = assertThrows(IOException.class, () -> BucketDB.open(dir, options().withReadOnly(true)));
        assertTrue(ro.getMessage().contains("a compaction was interrupted"), ro.getMessage());
        try (BucketDB db = BucketDB.open(dir, options().withCreateIfMissing(false))) {
            assertEquals(1_000, db.size());
            assertEquals(5 * 999, db.getLong(999, -1), "the new index, not an empty one");
        }
        assertFalse(Files.exists(StagedIndex.retired(dir)));
        assertFalse(Files.exists(StagedIndex.staging(dir)));
    }

    @Test
    void shouldFinishAnInterruptedSwapWhenTheNextBuildBegins() throws IOException {
        Path dir = betweenRenames();
        try (StagedIndex s = StagedIndex.begin(dir, dir)) {
            assertFalse(Files.exists(StagedIndex.retired(dir)));
        }
        assertHolds(dir, 0, 1_000, 5);
    }

    @Test
    void shouldRefuseToOpenWhileTheCompactionStillHoldsTheOldIndex() throws IOException {
        Path dir = betweenRenames();
        try (BucketDB compactor = BucketDB.open(StagedIndex.retired(dir), options())) { // holds the lock the swap moved
            IOException e = assertThrows(IOException.class, () -> BucketDB.open(dir, options()));
            assertTrue(e.getMessage().contains("is being replaced by a compaction") && e.getMessage().contains("pid "
                    + ProcessHandle.current().pid()), e.getMessage());
            assertFalse(Files.exists(dir), "no empty index was created where the index belongs");
        }
        assertHolds(StagedIndex.staging(dir), 0, 1_000, 5);
    }

    @Test
    void shouldNameTheOldIndexWhenTheNewOneIsGone() throws IOException {
        Path dir = tmp.resolve("idx");
        Path old = build(StagedIndex.retired(dir), 0, 10, 2);
        IOException e = assertThrows(IOException.class, () -> BucketDB.open(dir, options()));
        assertTrue(e.getMessage().contains("rename " + old + " back to " + dir), e.getMessage());
        assertHolds(old, 0, 10, 2);
    }

    @Test
    void shouldUseTheNewIndexAfterTheSecondRenameAndDeleteTheOldOneLater() throws IOException {
        Path dir = build(tmp.resolve("idx"), 0, 300, 5);
        Path old = build(StagedIndex.retired(dir), 0, 300, 2);
        assertHolds(dir, 0, 300, 5);
        assertTrue(Files.exists(old), "an open leaves it: it costs disk, not data");
        try (StagedIndex s = StagedIndex.begin(dir, dir)) {
            assertFalse(Files.exists(old));
        }
        assertHolds(dir, 0, 300, 5);
    }

    @Test
    void shouldRefuseLeftoversTheProtocolNeverLeaves() throws IOException {
        Path dir = build(tmp.resolve("idx"), 0, 10, 1);
        build(StagedIndex.retired(dir), 0, 10, 2);
        build(StagedIndex.staging(dir), 0, 10, 3);
        IOException e = assertThrows(IOException.class, () -> StagedIndex.begin(dir, dir));
        assertTrue(e.getMessage().contains("all hold indexes"), e.getMessage());
        assertHolds(dir, 0, 10, 1);
        assertHolds(StagedIndex.retired(dir), 0, 10, 2);
        assertHolds(StagedIndex.staging(dir), 0, 10, 3);
    }

    @Test
    void shouldNameSiblingsBesideTheIndex() {
        Path dir = tmp.resolve("a").resolve("idx");
        assertEquals(tmp.resolve("a").resolve(".idx.bucketdb-new"), StagedIndex.staging(dir));
        assertEquals(tmp.resolve("a").resolve(".idx.bucketdb-old"), StagedIndex.retired(dir.resolve(".")));
    }
}
