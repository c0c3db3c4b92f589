package io.bucketdb.tools;

import io.bucketdb.inspect.IndexInspector;
import io.bucketdb.storage.IndexFileNames;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.SplittableRandom;
import java.util.concurrent.ThreadLocalRandom;

import static io.bucketdb.tools.StatCommandTest.assertBad;
import static org.junit.jupiter.api.Assertions.*;

/**
 * Issue 15, defect 10: the read-only commands never print entries from a table page that fails its checksum. Dump
 * and stat of an index with one damaged bucket page exit with 3 and one line naming the table file and the page's
 * offset; export exits with 1 (issue 17: it found damage) naming them and the page; verify goes on reporting the page.
 */
class DamagedPageToolsTest {
    private static final int PAGE = 4096;

    @TempDir
    Path tmp;

    @Test
    void shouldRefuseToExportDumpOrStatADamagedPage() throws IOException {
        long seed = Long.getLong("bucketdb.seed", ThreadLocalRandom.current().nextLong());
        SplittableRandom rnd = new SplittableRandom(seed);
        String why = "seed " + seed + " (rerun with -Dbucketdb.seed=" + seed + ")";
        Path dir = Cli.longIndex(tmp.resolve("idx"), 10_000);
        long page;
        long k = rnd.nextLong(10_000);
        try (IndexInspector in = IndexInspector.open(dir)) {
            byte[] key = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(0, k).array();
            page = in.locate(key).foundBucketOffset() & -PAGE;
        }
        Path table = dir.resolve(IndexFileNames.TABLE);
        try (FileChannel ch = FileChannel.open(table, StandardOpenOption.READ, StandardOpenOption.WRITE)) {
            ByteBuffer b = ByteBuffer.allocate(1);
            long at = page + rnd.nextInt(PAGE);
            ch.read(b, at);
            ch.write(ByteBuffer.wrap(new byte[]{(byte) (b.get(0) ^ (1 + rnd.nextInt(255)))}), at);
        }
        String named = table + " @ offset " + page + ": a page whose CRC32C is";

        // Issue 17: export reads the view, which checks pages as it reads them: exit 1 (damage found), naming the page.
        Cli.Result toFile = Cli.run("export", dir.toString(), "--out", tmp.resolve("out.jsonl").toString());
        assertEquals(1, toFile.code(), () -> why + ": " + toFile);
        assertTrue(toFile.err().contains(named) && toFile.err().contains("(page " + page / PAGE + ")"), () -> why + ": " + toFile);
        assertFalse(java.nio.file.Files.exists(tmp.resolve("out.jsonl")), () -> why + ": the incomplete export is removed");
        Cli.Result toStdout = Cli.run("export", dir.toString(), "--format", "long");
        assertEquals(1, toStdout.code(), () -> why + ": " + toStdout);
        assertTrue(toStdout.err().contains(named), () -> why + ": " + toStdout);
        for (String[] args : new String[][]{{"dump", dir.toString(), "--key", String.valueOf(k), "--format", "long"},
                {"dump", dir.toString(), "--limit", "0"}, {"stat", dir.toString()}}) {
            Cli.Result r = Cli.run(args);
            assertEquals(3, r.code(), () -> why + ": " + String.join(" ", args) + ": " + r);
            assertEquals(1, r.errLines().length, () -> why + ": one line on stderr: " + r);
            assertTrue(r.err().contains(named), () -> why + ": " + r);
        }
        Cli.Result verify = Cli.run("verify", dir.toString());
        assertEquals(1, verify.code(), () -> why + ": " + verify);
        assertTrue(verify.out().contains(String.valueOf(page)), () -> why + ": verify names the page: " + verify);
    }
    /**
     * A failed export removes its FILE only if that is a regular file: '--out /dev/stdout' (a symbolic link), a device or
     * a named pipe is left where it is. It unlinked whatever FILE named, so a failed 'export --out /dev/full' removed
     * /dev/full. Here FILE is a link to /dev/null in the test's directory.
     */
    @Test
    void aFailedExportRemovesOnlyARegularFileNeverALinkOrDevice() throws IOException {
        Path dir = Cli.longIndex(tmp.resolve("idx"), 2_000);
        long page;
        try (IndexInspector in = IndexInspector.open(dir)) {
            page = in.locate(ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(0, 7).array()).foundBucketOffset() & -PAGE;
        }
        try (FileChannel ch = FileChannel.open(dir.resolve(IndexFileNames.TABLE), StandardOpenOption.READ, StandardOpenOption.WRITE)) {
            long at = page + 200; // in the page of key 7's bucket
            ByteBuffer b = ByteBuffer.allocate(1);
            ch.read(b, at);
            ch.write(ByteBuffer.wrap(new byte[]{(byte) (b.get(0) ^ 0x5A)}), at);
        }
        Path link = java.nio.file.Files.createSymbolicLink(tmp.resolve("stdout"), Path.of("/dev/null"));
        Cli.Result r = Cli.run("export", dir.toString(), "--out", link.toString());
        assertEquals(1, r.code(), r::toString);
        assertTrue(r.err().contains("export stopped at damage") && r.err().contains("what went to " + link + " is incomplete"),
                r::toString);
        assertTrue(java.nio.file.Files.isSymbolicLink(link), "the link is not the export's to remove");

        Path file = tmp.resolve("out.jsonl");
        Cli.Result regular = Cli.run("export", dir.toString(), "--out", file.toString());
        assertEquals(1, regular.code(), regular::toString);
        assertTrue(regular.err().contains(file + " was removed"), regular::toString);
        assertFalse(java.nio.file.Files.exists(file), "a regular file it wrote is removed, as before");
    }
}
