package io.bucketdb.table;

import io.bucketdb.storage.ExtentClasses;
import io.bucketdb.storage.FileDurableIO;
import io.bucketdb.storage.Header;
import io.bucketdb.storage.TableFile;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Issue 19's goal for growth: the file's peak during a doubling is at most 1.1 times the file after it, so a doubling
 * never holds the old array and a new one at once. A copying doubling of {@code 2^oldB} buckets allocates a fresh
 * array of {@code 2^(oldB+1)} while the old one lives until the growth ends; an in-place split (format version 7)
 * allocates only the upper half and keeps the old array as the lower one.
 *
 * <p>"The file" is its allocation: the allocation end less the free extents (what a checkpoint punches out as holes
 * where it can, {@code HolePuncher}), so an old array freed when a copying growth ends counts as given back.
 */
class SplitGrowthSpaceTest {
    @TempDir
    Path dir;

    @Test
    void aDoublingOfWholePiecesShouldNeverHoldASecondArray() throws Exception {
        // 64 KiB alignment: pieces of 256 eight-byte buckets; the doubling from 2^10 buckets (four pieces) to 2^11.
        TableFile file = TableFile.create(FileDurableIO.INSTANCE, dir.resolve("t.bdb"), 8, 8, 16, 7, 16);
        try {
            HashTable table = HashTable.create(file, GrowthListener.NONE);
            Header h = file.header();
            long k = 0;
            while (!(h.growing() && h.oldB == 10)) {
                table.putLong(k, ~k);
                k++;
            }
            assertTrue(h.oldB >= h.pieceShift, "the old array is whole pieces");
            long peak = inUse(file);
            while (h.growing()) {
                table.putLong(k, ~k);
                k++;
                peak = Math.max(peak, inUse(file));
            }
            long after = inUse(file);
            assertTrue(peak <= after + after / 10, "peak allocation " + peak + " during the doubling, "
                    + after + " in use after it (allocation end " + h.fileEnd + ")");
            for (long i = 0; i < k; i++) {
                assertEquals(~i, table.getLong(i, 0), "key " + i);
            }
        } finally {
            file.closeAndTrim();
        }
    }

    /** The allocation end less the free extents (the small arrays earlier copying doublings freed, among others). */
    private static long inUse(TableFile file) {
        Header h = file.header();
        long used = h.fileEnd;
        for (int c = 0; c < ExtentClasses.COUNT; c++) {
            used -= h.freeCounts[c] * file.allocator().extentBytes(c);
        }
        return used;
    }
}
