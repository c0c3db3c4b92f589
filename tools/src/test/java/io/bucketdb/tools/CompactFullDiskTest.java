package io.bucketdb.tools;

import io.bucketdb.BucketDB;
import io.bucketdb.Options;
import io.bucketdb.storage.sim.CrashSimulator;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code bucketdb compact} on a full disk (issue 15, defect 7): the cleanly closed source opens (it takes no
 * journal space before a write), the copy cannot be built, and the command says that it needs space and that
 * the index is unchanged; the index then opens with every entry.
 */
class CompactFullDiskTest {
    @TempDir
    Path tmp;

    @Test
    void compactOnAFullDiskSaysItNeedsSpaceAndChangesNothing() throws Exception {
        Path dir = tmp.resolve("idx");
        try (BucketDB db = BucketDB.open(dir)) {
            io.bucketdb.WriteBatch load = new io.bucketdb.WriteBatch();
            for (long k = 0; k < 20_000; k++) {
                load.putLong(k, k * 7);
            }
            db.write(load);
            io.bucketdb.WriteBatch deletes = new io.bucketdb.WriteBatch();
            for (long k = 0; k < 20_000; k += 2) {
                deletes.deleteLong(k);
            }
            db.write(deletes);
        }
        CrashSimulator disk = new CrashSimulator(42);
        disk.limitSpace(0); // no file may grow: every byte the copy needs is refused
        CliException e = assertThrows(CliException.class,
                () -> new Compaction(dir, dir, new PrintWriter(new StringWriter()), false, disk).run());
        assertEquals(Exit.IO, e.exitCode());
        assertTrue(e.getMessage().contains("compact needs free space") && e.getMessage().contains("unchanged"), e.getMessage());
        disk.unlimitSpace();
        try (BucketDB db = BucketDB.open(dir, Options.defaults())) {
            assertEquals(10_000, db.size());
            for (long k = 1; k < 20_000; k += 2) {
                assertEquals(k * 7, db.getLong(k, -1), "key " + k);
            }
        }
    }
}
