package io.bucketdb;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.List;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.*;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * The README's and FILE-FORMATS.md's promise, end to end: every file of an index directory, and the directory itself,
 * is created owner-only (0600 and 0700), the journal segments a roll creates and the spares a checkpoint keeps
 * included, while a writer has it open and after the close. The storage and lock tests check the two places that
 * create files; this checks that nothing of an index is created another way.
 */
class OwnerOnlyFilesTest {
    @TempDir
    Path tmp;

    @Test
    void everyFileOfAnIndexIsOwnerOnly() throws Exception {
        assumeTrue(Files.getFileStore(tmp).supportsFileAttributeView("posix"), "a file system with POSIX permissions");
        Path dir = tmp.resolve("idx");
        Options small = Options.defaults().withDurability(Durability.ASYNC)
                .withJournalSegmentSize(64 * 1024) // rolls, so a checkpoint leaves spares
                .withCheckpointTriggers(256 * 1024, 128 * 1024, Duration.ofHours(1));
        try (BucketDB db = BucketDB.open(dir, small)) {
            for (long k = 0; k < 30_000; k++) {
                db.putLong(k, k);
            }
            db.checkpoint();
            assertOwnerOnly(dir, "while open");
        }
        assertOwnerOnly(dir, "after the close");
        try (BucketDB view = BucketDB.open(dir, Options.defaults().withReadOnly(true))) {
            assertEquals(30_000, view.size());
        }
        assertOwnerOnly(dir, "after a read-only view");
    }

    private static void assertOwnerOnly(Path dir, String when) throws Exception {
        assertEquals("rwx------", PosixFilePermissions.toString(Files.getPosixFilePermissions(dir)), "the directory " + when);
        List<Path> files;
        try (Stream<Path> s = Files.list(dir)) {
            files = s.toList();
        }
        assertTrue(files.stream().anyMatch(f -> f.getFileName().toString().startsWith("journal-")), "journal segments: " + files);
        for (Path f : files) {
            assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(f)), f.getFileName() + " " + when);
        }
    }
}
