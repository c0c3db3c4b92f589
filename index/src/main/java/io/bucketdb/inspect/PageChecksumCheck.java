package io.bucketdb.inspect;

import io.bucketdb.spi.CorruptIndexException;
import io.bucketdb.storage.ExtentClasses;
import io.bucketdb.storage.FileDurableIO;
import io.bucketdb.storage.Header;
import io.bucketdb.storage.PageChecksums;
import io.bucketdb.storage.PageChecksumsLayout;

import java.io.IOException;
import java.nio.file.Path;
import java.util.function.Consumer;

/**
 * The part of {@code verify} that finds damage at rest (issue 5): every data page of the table file
 * below the allocation end is checked against the CRC32C that checkpoints recorded for it in the page
 * checksum file of the active header's generation ({@link PageChecksumsLayout}). A single flipped
 * byte anywhere in those pages, including free space no structure reads, is reported as its page.
 * The structural checks cannot see such damage when it leaves the structure valid (a value byte), and
 * this check cannot see structural damage that a checkpoint wrote (a writer bug): the two complement each other.
 */
final class PageChecksumCheck {
    private PageChecksumCheck() {
    }

    /** Reports what is wrong to {@code report}: mismatched pages in {@code table}, or damage in the checksum file. */
    static void run(Path dir, Path table, Header h, FileView view, Consumer<Problem> report) {
        Path sumsFile = PageChecksums.path(dir, h.generation);
        PageChecksums sums;
        try {
            sums = PageChecksums.load(FileDurableIO.INSTANCE, dir, h.generation);
        } catch (CorruptIndexException e) {
            // Without trusted checksums no page can be judged; opening the index for writing rebuilds them.
            report.accept(Problem.of(e));
            return;
        } catch (IOException e) {
            report.accept(new Problem(sumsFile, 0, "a readable page checksum file", e.toString()));
            return;
        }
        long pages = PageChecksumsLayout.pageCount(h.fileEnd);
        if (sums.pages() != pages) {
            report.accept(new Problem(sumsFile, PageChecksumsLayout.PAGE_COUNT_OFFSET, pages
                    + " page checksums (one per page below the table's allocation end " + h.fileEnd + ")", String.valueOf(sums.pages())));
        }
        long end = PageChecksumsLayout.FIRST_PAGE + Math.min(pages, sums.pages());
        for (long page = PageChecksumsLayout.FIRST_PAGE; page < end; page++) {
            long off = page << ExtentClasses.PAGE_SHIFT;
            if (!view.contains(off, ExtentClasses.PAGE_SIZE)) {
                return; // a file shorter than its allocation end: the header check reports that
            }
            int recorded = sums.get(page);
            int found = view.crc32c(off, ExtentClasses.PAGE_SIZE);
            if (found == recorded) {
                continue;
            }
            if (recorded == PageChecksumsLayout.NEVER_WRITTEN) {
                // No checkpoint wrote this page, or its CRC32C is 0: zeros pass (see PageChecksumsLayout).
                if (!view.isZero(off, ExtentClasses.PAGE_SIZE)) {
                    report.accept(new Problem(table, off, "page " + page + " all zeros (" + sumsFile.getFileName()
                            + " records no checkpoint writing it, at offset " + PageChecksumsLayout.entryOffset(page) + ")",
                            "non-zero bytes, CRC32C " + hex(found)));
                }
                continue;
            }
            report.accept(new Problem(table, off, "page " + page + " with CRC32C " + hex(recorded) + " (as " + sumsFile.getFileName()
                    + " records for checkpoint generation " + h.generation + ", at offset " + PageChecksumsLayout.entryOffset(page) + ")",
                    "CRC32C " + hex(found)));
        }
    }

    private static String hex(int crc) {
        return String.format("0x%08x", crc);
    }
}
