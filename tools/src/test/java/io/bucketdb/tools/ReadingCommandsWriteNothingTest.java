package io.bucketdb.tools;

import io.bucketdb.inspect.IndexInspector;
import io.bucketdb.storage.IndexFileNames;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.*;

/**
 * The reading commands (get, scan, stat, dump, verify, export, backup) promise a read-only view: no lock taken and no byte
 * of the index written, so they are safe on an index whose writer crashed before anyone ran recover, and on a damaged
 * one that someone means to rescue. Every file of the index, its name and its bytes, is the same after each of them.
 */
class ReadingCommandsWriteNothingTest {
    @TempDir
    Path tmp;

    /** A writer "killed" after 3,000 acknowledged SYNC puts, none checkpointed: a view must replay them in memory only. */
    @Test
    void readingACrashedIndexChangesNoFile() throws IOException {
        Path dir = Cli.crashed(tmp, "crashed", 3_000);
        assertEquals(List.of(), runAll(dir));
        Cli.Result get = Cli.run("get", dir.toString(), "2999");
        assertEquals("29990\n", get.out(), "the view shows the acknowledged writes: " + get);
    }

    /** A table page that fails its checksum: the commands stop or report it, and repair nothing behind the user's back. */
    @Test
    void readingADamagedIndexChangesNoFile() throws IOException {
        Path dir = Cli.longIndex(tmp.resolve("damaged"), 2_000);
        long page;
        try (IndexInspector in = IndexInspector.open(dir)) {
            page = in.locate(ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(0, 7).array()).foundBucketOffset() & -4096;
        }
        try (FileChannel ch = FileChannel.open(dir.resolve(IndexFileNames.TABLE), StandardOpenOption.READ, StandardOpenOption.WRITE)) {
            long off = page + 200; // in the page of key 7's bucket, which get, dump --key and export read
            ByteBuffer b = ByteBuffer.allocate(1);
            ch.read(b, off);
            ch.write(ByteBuffer.wrap(new byte[]{(byte) (b.get(0) ^ 0x5A)}), off);
        }
        assertEquals(List.of(), runAll(dir));
        assertEquals(1, Cli.run("verify", dir.toString()).code(), "the damage is there to be found");
        assertEquals(1, Cli.run("export", dir.toString()).code(), "and export reads through it");
    }

    /**
     * A staging directory a build killed before its commit left beside the index: the reading commands show it (stat,
     * verify) and change none of its files; only a writable open removes it.
     */
    @Test
    void readingAnIndexBesideACrashedBuildLeavesTheBuildsFiles() throws IOException {
        Path dir = Cli.longIndex(tmp.resolve("idx"), 500);
        Path staging = Cli.longIndex(tmp.resolve(".idx" + IndexFileNames.STAGING_SUFFIX), 100); // its lock free, as a kill leaves it
        Map<String, String> before = files(staging);
        assertEquals(List.of(), runAll(dir));
        assertEquals(before, files(staging), "the crashed build's files");
    }

    /** Runs every reading command on {@code dir}; returns what changed in it (empty when nothing did). */
    private List<String> runAll(Path dir) throws IOException {
        Map<String, String> before = files(dir);
        String d = dir.toString();
        List<String[]> commands = List.of(
                new String[]{"get", d, "7"}, new String[]{"scan", d}, new String[]{"stat", d}, new String[]{"stat", d, "--json"},
                new String[]{"dump", d}, new String[]{"dump", d, "--json"}, new String[]{"dump", d, "--key", "7"},
                new String[]{"verify", d}, new String[]{"export", d, "--out", tmp.resolve("all.jsonl").toString()},
                new String[]{"export", d, "--salvage", "--out", tmp.resolve("rescued.jsonl").toString()},
                new String[]{"backup", d, tmp.resolve("backup").toString()});
        List<String> changed = new ArrayList<>();
        for (String[] command : commands) {
            Cli.Result r = Cli.run(command);
            assertFalse(r.err().contains("\tat "), r::toString);
            Map<String, String> after = files(dir);
            if (!after.equals(before)) {
                changed.add(String.join(" ", command) + " (exit " + r.code() + "): " + before + " -> " + after);
                before = after;
            }
        }
        return changed;
    }

    /** Every file of {@code dir} by name, with the SHA-256 of its bytes. */
    private static Map<String, String> files(Path dir) throws IOException {
        Map<String, String> m = new TreeMap<>();
        try (Stream<Path> s = Files.list(dir)) {
            for (Path p : s.toList()) {
                try {
                    m.put(p.getFileName().toString(), HexFormat.of().formatHex(
                            java.security.MessageDigest.getInstance("SHA-256").digest(Files.readAllBytes(p))));
                } catch (java.security.NoSuchAlgorithmException e) {
                    throw new AssertionError(e);
                }
            }
        }
        return m;
    }
}
