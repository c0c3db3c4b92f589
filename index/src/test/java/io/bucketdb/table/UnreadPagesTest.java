package io.bucketdb.table;

import io.bucketdb.BucketDB;
import io.bucketdb.Durability;
import io.bucketdb.Options;
import io.bucketdb.spi.CorruptIndexException;
import io.bucketdb.storage.ExtentClasses;
import io.bucketdb.storage.FileDurableIO;
import io.bucketdb.storage.FreeExtentLayout;
import io.bucketdb.storage.Header;
import io.bucketdb.storage.IndexFileNames;
import io.bucketdb.storage.PageChecksums;
import io.bucketdb.storage.TableFile;
import io.bucketdb.storage.TableGeometry;
import io.bucketdb.storage.VerifiedPages;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.BitSet;

import static io.bucketdb.storage.ExtentClasses.PAGE_SHIFT;
import static org.junit.jupiter.api.Assertions.*;

/**
 * {@link UnreadPages} (issue 19, getpath): a reopened index whose gets have read every live bucket trusts every page,
 * so its gets skip the page check as a new index's do; a damaged page a get reads still raises on that get, and damage
 * in a page no get reads neither fails the open nor a get.
 */
class UnreadPagesTest {
    /** Grows to B = 14 (copying doublings below one piece free their arrays, then in-place splits), then deletes. */
    private static final int KEYS = 80_000;

    @TempDir
    Path tmp;
    private Path dir;

    private static long key(long k) {
        return k * 0x9E3779B97F4A7C15L + 1;
    }

    @BeforeEach
    void build() throws IOException {
        dir = tmp.resolve("idx");
        try (BucketDB db = BucketDB.open(dir, Options.defaults().withDurability(Durability.ASYNC))) {
            for (long k = 0; k < KEYS; k++) {
                db.putLong(key(k), k);
            }
            // Deletes free overflow buckets (and leave pages of them in the newest overflow page's bump range).
            for (long k = 0; k < KEYS; k += 3) {
                db.deleteLong(key(k));
            }
        }
    }

    /** The table opened as the writer's open does, its page checks set, settled or not; every key read once. */
    private static VerifiedPages scanned(TableFile tf, Path dir, boolean settle) throws IOException {
        VerifiedPages pages = VerifiedPages.of(tf, PageChecksums.load(FileDurableIO.INSTANCE, dir, tf.header().generation),
                null, FileDurableIO.INSTANCE);
        tf.verifyPages(pages);
        if (settle) {
            UnreadPages.settle(tf);
        }
        HashTable t = HashTable.open(tf, GrowthListener.NONE);
        for (long k = 0; k < KEYS; k++) {
            assertEquals(k % 3 == 0 ? -1 : k, t.getLong(key(k), -1), "key " + k);
        }
        for (long k = KEYS; k < 2L * KEYS; k++) {
            assertEquals(-1, t.getLong(key(k), -1), "absent key " + k);
        }
        return pages;
    }

    private TableFile open() throws IOException {
        return TableFile.openForWriter(FileDurableIO.INSTANCE, dir.resolve(IndexFileNames.TABLE), TableGeometry.DEFAULT_MAX_CHUNK_SHIFT);
    }

    @Test
    void shouldTrustEveryPageOfAReopenedIndexOnceItsGetsReadEveryBucket() throws IOException {
        try (TableFile tf = open()) {
            VerifiedPages pages = scanned(tf, dir, false);
            // What the change is for: without it, pages no get reads stay unverified for the whole open.
            assertFalse(pages.allTrusted(), "unsettled: free extents, alignment gaps and the overflow bump range stay unverified");
            assertTrue(tf.header().wastedBytes > 0, "the table has alignment gaps: " + tf.header().wastedBytes);
        }
        try (TableFile tf = open()) {
            VerifiedPages pages = scanned(tf, dir, true);
            assertEquals(0, pages.untrustedPages());
            assertTrue(pages.allTrusted());
        }
    }

    @Test
    void shouldTrustTheBucketArrayOnceItsPagesAreReadWhateverTheOverflowPages() throws IOException {
        try (TableFile tf = open()) {
            VerifiedPages pages = VerifiedPages.of(tf, PageChecksums.load(FileDurableIO.INSTANCE, dir, tf.header().generation),
                    null, FileDurableIO.INSTANCE);
            tf.verifyPages(pages);
            UnreadPages.settle(tf);
            HashTable t = HashTable.open(tf, GrowthListener.NONE);
            assertFalse(pages.bucketsTrusted(), "no page of the array read yet");
            // Absent keys: every bucket of 2^14 is some key's first, but only chains without an emptyRest slot go on.
            for (long k = KEYS; k < 2L * KEYS; k++) {
                assertEquals(-1, t.getLong(key(k), -1));
                if (k == KEYS + 100) {
                    assertFalse(pages.bucketsTrusted(), "after 100 gets");
                }
            }
            assertTrue(pages.bucketsTrusted(), "every page of the array read");
            for (long k = 0; k < KEYS; k++) {
                assertEquals(k % 3 == 0 ? -1 : k, t.getLong(key(k), -1), "key " + k);
            }
            assertTrue(pages.allTrusted());
        }
        try (TableFile tf = open()) {
            VerifiedPages pages = scanned(tf, dir, false);
            assertFalse(pages.bucketsTrusted(), "unsettled, nothing is watched: as allTrusted");
        }
    }

    @Test
    void shouldStillRaiseOnTheGetOfADamagedBucketPage() throws IOException {
        long page;
        try (TableFile tf = open()) {
            Header h = tf.header();
            long[] pieces = BucketArrays.readDirectory(tf, h.bucketDir, h.b);
            page = (pieces[pieces.length / 2] >>> PAGE_SHIFT) + 1;
        }
        flipByte((page << PAGE_SHIFT) + 1000);
        try (BucketDB db = BucketDB.open(dir, Options.defaults().withDurability(Durability.ASYNC))) {
            CorruptIndexException found = null;
            for (long k = 0; k < KEYS && found == null; k++) {
                try {
                    db.getLong(key(k), -1);
                } catch (UncheckedIOException e) {
                    found = assertInstanceOf(CorruptIndexException.class, e.getCause());
                }
            }
            assertNotNull(found, "a get of a key in the damaged page raised");
            assertEquals(page << PAGE_SHIFT, found.offset(), found.getMessage());
        }
    }

    @Test
    void shouldLeaveADamagedPageNoGetReadsUnverifiedWithoutFailingTheOpen() throws IOException {
        long found;
        try (TableFile tf = open()) {
            VerifiedPages pages = scanned(tf, dir, false);
            BitSet free = new BitSet();
            tf.allocator().freeWholePages((s, e) -> free.set((int) (s >>> PAGE_SHIFT), (int) (e >>> PAGE_SHIFT)));
            Header h = tf.header();
            for (int c = 0; c < ExtentClasses.COUNT; c++) { // the first pages of free extents, which hold the links
                long off = h.freeHeads[c];
                for (long n = h.freeCounts[c]; n > 0 && off != 0; n--) {
                    free.set((int) (off >>> PAGE_SHIFT));
                    off = tf.getLong(off + FreeExtentLayout.NEXT_OFFSET);
                }
            }
            long bumpPage = tf.header().ovfBumpNext >>> PAGE_SHIFT;
            found = -1;
            for (long p = 2; p < tf.header().fileEnd >>> PAGE_SHIFT && found < 0; p++) {
                if (!pages.trusted(p) && !free.get((int) p) && p < bumpPage) {
                    found = p; // unverified after every get, not free, not the bump range: an alignment gap
                }
            }
            assertTrue(found > 0, "the table has a page no get and no free list reaches");
        }
        long gap = found;
        flipByte((gap << PAGE_SHIFT) + 77);
        try (TableFile tf = open()) {
            VerifiedPages pages = scanned(tf, dir, true);
            assertFalse(pages.trusted(gap), "the damaged page stays unverified");
            assertEquals(1, pages.untrustedPages(), "every other page is trusted");
            assertThrows(UncheckedIOException.class, () -> pages.check(gap << PAGE_SHIFT, 8),
                    "a read of it as data still raises");
        }
        try (BucketDB db = BucketDB.open(dir, Options.defaults().withDurability(Durability.ASYNC))) {
            for (long k = 0; k < KEYS; k++) {
                assertEquals(k % 3 == 0 ? -1 : k, db.getLong(key(k), -1), "key " + k);
            }
        }
    }

    private void flipByte(long off) throws IOException {
        try (FileChannel ch = FileChannel.open(dir.resolve(IndexFileNames.TABLE), StandardOpenOption.READ, StandardOpenOption.WRITE)) {
            ByteBuffer b = ByteBuffer.allocate(1);
            ch.read(b, off);
            b.put(0, (byte) (b.get(0) ^ 0x10));
            ch.write(b.flip(), off);
        }
    }
}
