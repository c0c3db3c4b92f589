package io.bucketdb.tools;

import io.bucketdb.BucketDB;
import io.bucketdb.storage.IndexFileNames;
import io.bucketdb.storage.NativeFileOps;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * Issue 19: {@code stat} accounts for the free space checkpoints gave back. Its {@code fileDiskBytes} and
 * {@code directoryDiskBytes} are the disk blocks of the table file and of the whole directory, as coreutils'
 * {@code stat} counts them; after large values were deleted and a checkpoint punched their extents out, the table
 * takes fewer blocks than its size, and the text output says how much is not allocated.
 */
class StatDiskBytesTest {
    private static final int PAGE = 4096;

    @TempDir
    Path tmp;

    @Test
    void statCountsTheDiskBlocksLeftAfterFreeSpaceWasGivenBack() throws Exception {
        assumeTrue(NativeFileOps.isAvailable(), "disk blocks are read through native access");
        assumeTrue(blocks(Path.of(System.getProperty("java.io.tmpdir"))) >= 0, "coreutils stat counts the blocks here");
        Path dir = tmp.resolve("idx");
        try (BucketDB db = BucketDB.open(dir, Cli.options().withVariableKeys(12).withVariableValues(16))) {
            for (int k = 0; k < 8; k++) {
                db.put(key(k), value(k));
            }
            db.checkpoint();
            for (int k = 0; k < 4; k++) {
                db.delete(key(k));
            }
        } // the closing checkpoint gives the four freed extents back

        Cli.Result r = Cli.run("stat", dir.toString(), "--json");
        assertEquals(0, r.code(), r::toString);
        String json = r.out().strip();
        Path table = dir.resolve(IndexFileNames.TABLE);
        long fileDisk = Long.parseLong(StatCommandTest.field(json, "fileDiskBytes"));
        long fileBytes = Long.parseLong(StatCommandTest.field(json, "fileBytes"));
        assertEquals(blocks(table), fileDisk, "the table's disk blocks as coreutils stat counts them: " + json);
        assertEquals(Files.size(table), fileBytes);
        // Each freed value took an 8-page extent: at least six whole pages of each are given back.
        assertTrue(fileDisk <= fileBytes - 4 * 6 * PAGE, "a table of " + fileBytes + " bytes takes " + fileDisk
                + " bytes of blocks after four 8-page values were freed");
        long dirDisk = Long.parseLong(StatCommandTest.field(json, "directoryDiskBytes"));
        assertEquals(directoryBlocks(dir), dirDisk, json);

        Cli.Result text = Cli.run("stat", dir.toString());
        assertEquals(0, text.code(), text::toString);
        String fileLine = text.out().lines().filter(l -> l.startsWith("file ")).findFirst().orElseThrow();
        assertTrue(fileLine.contains(" in disk blocks (") && fileLine.endsWith(" not allocated)"), fileLine);

        // The entries left are all there, and the index still verifies with its holes.
        try (BucketDB db = BucketDB.open(dir, Cli.options().withVariableKeys(12).withVariableValues(16))) {
            assertEquals(4, db.size());
            for (int k = 4; k < 8; k++) {
                assertTrue(java.util.Arrays.equals(value(k), db.get(key(k))), "key " + k);
            }
        }
        Cli.Result verify = Cli.run("verify", dir.toString());
        assertEquals(0, verify.code(), verify::toString);
    }

    /** Bytes in disk blocks of {@code file} by coreutils {@code stat} (512-byte blocks times their count); -1 if it fails. */
    private static long blocks(Path file) throws IOException, InterruptedException {
        Process p = new ProcessBuilder("stat", "-c", "%b %B", file.toString()).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.US_ASCII).strip();
        if (p.waitFor() != 0) {
            return -1;
        }
        String[] f = out.split(" ");
        return Long.parseLong(f[0]) * Long.parseLong(f[1]);
    }

    private static long directoryBlocks(Path dir) throws IOException, InterruptedException {
        long sum = 0;
        try (Stream<Path> files = Files.walk(dir)) {
            for (Path f : files.filter(Files::isRegularFile).toList()) {
                sum += blocks(f);
            }
        }
        return sum;
    }

    private static byte[] key(int k) {
        return ("key-" + k).getBytes(StandardCharsets.US_ASCII);
    }

    /** 7 pages and a bit: a raw heap extent of 8 pages. */
    private static byte[] value(int k) {
        byte[] v = new byte[7 * PAGE + 100];
        for (int i = 0; i < v.length; i++) {
            v[i] = (byte) (k * 31 + i * 7);
        }
        return v;
    }
}
