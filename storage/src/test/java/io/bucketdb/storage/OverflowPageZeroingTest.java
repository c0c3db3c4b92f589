package io.bucketdb.storage;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.nio.file.Path;
import java.util.Arrays;

import static org.junit.jupiter.api.Assertions.*;

/**
 * Issue 16 (tail3): a new overflow page taken from the end of the file is not zeroed (that space reads as zero
 * already), so starting one dirties, and copies into private memory, only the page that holds its header; one taken
 * from a free list holds old bytes and is zeroed whole. Either way every bucket it hands out reads as zero.
 */
class OverflowPageZeroingTest {
    @TempDir
    Path tmp;

    private TableFile file(String name) throws IOException {
        return TableFile.create(FileDurableIO.INSTANCE, tmp.resolve(name), 8, 8, 16, 42, 16);
    }

    @Test
    void aPageFromTheEndOfTheFileIsNotWrittenBeyondItsHeader() throws IOException {
        try (TableFile tf = file("fresh.bdb")) {
            Header h = tf.header();
            long pageBytes = tf.allocator().extentBytes(ExtentClasses.pieceClass(h.pieceShift));
            assertTrue(pageBytes > 4 * ExtentClasses.PAGE_SIZE, "a piece-class extent spans several pages: " + pageBytes);
            long end = h.fileEnd;
            long dirtyBefore = tf.dirty().count();
            long b = tf.allocator().allocateOverflowBucket();
            long page = b - OverflowPageLayout.BUCKETS;
            assertEquals(1, h.ovfPageCount);
            assertTrue(page >= end, "the page came from the end of the file");
            assertEquals(dirtyBefore + 1, tf.dirty().count(), "only the page header's page is dirty");
            assertTrue(tf.dirty().isDirty(page >>> ExtentClasses.PAGE_SHIFT));
            assertAllZero(tf, b, h.bucketSize(), "the bucket handed out");
            assertAllZero(tf, page + OverflowPageLayout.BUCKETS, pageBytes - OverflowPageLayout.BUCKETS, "the page's buckets");
        }
    }

    @Test
    void aPageFromAFreeListIsZeroedWhole() throws IOException {
        try (TableFile tf = file("reused.bdb")) {
            Header h = tf.header();
            int c = ExtentClasses.pieceClass(h.pieceShift);
            long pageBytes = tf.allocator().extentBytes(c);
            long extent = tf.allocator().allocate(c);
            byte[] junk = new byte[(int) pageBytes];
            Arrays.fill(junk, (byte) 0x5A);
            tf.copyIn(extent, MemorySegment.ofArray(junk), 0, pageBytes);
            tf.allocator().free(extent, c);
            long b = tf.allocator().allocateOverflowBucket();
            assertEquals(extent + OverflowPageLayout.BUCKETS, b, "the freed extent became the overflow page");
            assertAllZero(tf, extent + OverflowPageLayout.BUCKETS, pageBytes - OverflowPageLayout.BUCKETS, "the reused page's buckets");
            long dirtyPages = (pageBytes + ExtentClasses.PAGE_SIZE - 1) / ExtentClasses.PAGE_SIZE;
            for (long p = 0; p < dirtyPages; p++) {
                assertTrue(tf.dirty().isDirty((extent >>> ExtentClasses.PAGE_SHIFT) + p), "page " + p + " of the reused extent is dirty");
            }
        }
    }

    private static void assertAllZero(TableFile tf, long off, long len, String what) {
        for (long o = off; o < off + len; o++) {
            byte v = tf.mapping().segment(o).get(Layouts.BYTE, tf.mapping().local(o));
            if (v != 0) {
                fail(what + ": byte " + (o - off) + " at offset " + o + " is " + v);
            }
        }
    }
}
