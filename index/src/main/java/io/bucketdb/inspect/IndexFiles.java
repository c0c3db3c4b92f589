package io.bucketdb.inspect;

import io.bucketdb.storage.IndexFileNames;
import io.bucketdb.storage.PageChecksums;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;

/**
 * Bytes on disk of each kind of file in an index directory, so that {@code stat}'s bytes per entry and
 * {@code compact}'s before and after count every file an index costs, not only the table. Journal
 * segments and spares are preallocated while the index is open, so they count in full; after a clean
 * close the journal is one header-only segment and the double-write file 8 KiB (no pages).
 *
 * @param table       the table file
 * @param journal     journal segments ({@code journal-*.log}) and spare segments ({@code journal-*.spare})
 * @param checksums   the two page checksum files checkpoints write ({@code page-checksums-0.bdb}, {@code -1.bdb})
 * @param doubleWrite the double-write file
 * @param other       everything else (the lock file, what a user put there)
 */
public record IndexFiles(long table, long journal, long checksums, long doubleWrite, long other) {

    /**
     * Lists {@code dir} now; a file a live writer removes meanwhile is left out.
     *
     * @param dir the index directory
     * @return the bytes of each kind of file
     * @throws IOException if the directory cannot be listed
     */
    public static IndexFiles of(Path dir) throws IOException {
        String tableName = IndexFileNames.TABLE;
        String sums0 = PageChecksums.path(dir, 0).getFileName().toString();
        String sums1 = PageChecksums.path(dir, 1).getFileName().toString();
        long table = 0;
        long journal = 0;
        long checksums = 0;
        long doubleWrite = 0;
        long other = 0;
        try (DirectoryStream<Path> files = Files.newDirectoryStream(dir)) {
            for (Path p : files) {
                if (!Files.isRegularFile(p)) {
                    continue;
                }
                String n = p.getFileName().toString();
                long size;
                try {
                    size = Files.size(p);
                } catch (NoSuchFileException e) {
                    continue; // a live writer recycled it while we listed
                }
                if (n.equals(tableName)) {
                    table += size;
                } else if (IndexFileNames.isJournal(n)) {
                    journal += size;
                } else if (n.equals(sums0) || n.equals(sums1)) {
                    checksums += size;
                } else if (n.equals(IndexFileNames.DOUBLE_WRITE)) {
                    doubleWrite += size;
                } else {
                    other += size;
                }
            }
        }
        return new IndexFiles(table, journal, checksums, doubleWrite, other);
    }

    /** {@return bytes of every file of the directory} */
    public long total() {
        return table + journal + checksums + doubleWrite + other;
    }
}
