package io.bucketdb.recovery;

import io.bucketdb.storage.IndexFileNames;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Names of journal files. A live segment is {@code journal-<16 lowercase hex digits>.log}; a recycled
 * one waiting for reuse is {@code journal-<its old sequence>.spare}, a name no reader looks at. Listing
 * reads the directory directly: only changes must pass through {@link io.bucketdb.spi.DurableIO}.
 */
final class SegmentFiles {
    private static final Pattern SEGMENT = IndexFileNames.JOURNAL_SEGMENT;
    private static final Pattern SPARE = IndexFileNames.JOURNAL_SPARE;

    /** A segment file and the sequence its name carries. */
    record Entry(long sequence, Path path) {
    }

    private SegmentFiles() {
    }

    static Path segmentPath(Path directory, long sequence) {
        return directory.resolve(IndexFileNames.journalSegment(sequence));
    }

    static Path sparePath(Path directory, long sequence) {
        return directory.resolve(IndexFileNames.journalSpare(sequence));
    }

    /** Segment files in {@code directory}, by ascending sequence; empty if the directory does not exist. */
    static List<Entry> segments(Path directory) throws IOException {
        return list(directory, SEGMENT);
    }

    /** Spare files in {@code directory}, oldest first. */
    static List<Path> spares(Path directory) throws IOException {
        return list(directory, SPARE).stream().map(Entry::path).toList();
    }

    private static List<Entry> list(Path directory, Pattern pattern) throws IOException {
        List<Entry> entries = new ArrayList<>();
        try (DirectoryStream<Path> stream = Files.newDirectoryStream(directory, IndexFileNames.JOURNAL_PREFIX + "*")) {
            for (Path path : stream) {
                Matcher m = pattern.matcher(path.getFileName().toString());
                if (m.matches()) {
                    entries.add(new Entry(HexFormat.fromHexDigitsToLong(m.group(1)), path));
                }
            }
        } catch (NoSuchFileException e) {
            return List.of();
        }
        entries.sort(Comparator.comparingLong(Entry::sequence));
        return entries;
    }
}
