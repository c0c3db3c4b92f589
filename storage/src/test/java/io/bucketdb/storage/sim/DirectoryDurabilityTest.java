package io.bucketdb.storage.sim;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.bucketdb.spi.DurableFile;
import io.bucketdb.spi.DurableIO;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Directories under {@link CrashSimulator}: created and renamed directories are durable only after a sync of
 * the parent, and everything in a directory follows it in every crash image.
 */
class DirectoryDurabilityTest {

    @TempDir
    Path tmp;

    private Path live;
    private SimFixture fixture;

    @BeforeEach
    void createLiveDirectory() throws IOException {
        live = Files.createDirectory(tmp.resolve("live"));
        fixture = new SimFixture(tmp, live);
    }

    @Test
    void shouldLoseACreatedDirectoryAndEverythingInItUntilItsParentIsSynced() throws IOException {
        CrashSimulator sim = new CrashSimulator();
        Path b = live.resolve("a/b");
        sim.createDirectories(b);
        assertEquals(1, sim.operationCount(), "one operation however many levels it creates");
        writeDurably(sim, b.resolve("f"), "data"); // file forced, b synced
        assertEquals("", tree(fixture.imageOf(sim, CrashMode.DROP_ALL)), "a was never made durable in live");
        assertEquals("a a/b a/b/f=data", tree(fixture.imageOf(sim, CrashMode.KEEP_ALL)));

        sim.syncDirectory(live);
        assertEquals("a", tree(fixture.imageOf(sim, CrashMode.DROP_ALL)), "b's entry lives in a, which was not synced");
        sim.syncDirectory(live.resolve("a"));
        assertEquals("a a/b a/b/f=data", tree(fixture.imageOf(sim, CrashMode.DROP_ALL)));
    }

    @Test
    void shouldNeverKeepAFileWhoseDirectoryWasLost() throws IOException {
        CrashSimulator sim = new CrashSimulator();
        sim.createDirectories(live.resolve("d"));
        writeDurably(sim, live.resolve("d/f"), "data");
        Files.writeString(live.resolve("d/LOCK"), "made outside the simulator");
        Set<String> outcomes = new HashSet<>();
        for (long seed = 0; seed < 30; seed++) {
            String tree = tree(fixture.imageOf(sim, seed));
            assertTrue(Set.of("", "d d/LOCK=made outside the simulator d/f=data").contains(tree), "seed " + seed + ": " + tree);
            outcomes.add(tree);
        }
        assertEquals(2, outcomes.size(), "the directory is kept or lost with everything in it: " + outcomes);
    }

    @Test
    void shouldMakeADirectoryRenameDurableOnlyAfterTheParentIsSynced() throws IOException {
        Files.createDirectory(live.resolve("d"));
        Files.writeString(live.resolve("d/f"), "old"); // existed before the simulator: durable
        CrashSimulator sim = new CrashSimulator();
        sim.rename(live.resolve("d"), live.resolve("e"));
        assertEquals("d d/f=old", tree(fixture.imageOf(sim, CrashMode.DROP_ALL)));
        assertEquals("e e/f=old", tree(fixture.imageOf(sim, CrashMode.KEEP_ALL)));
        Set<String> outcomes = new HashSet<>();
        for (long seed = 0; seed < 20; seed++) {
            String tree = tree(fixture.imageOf(sim, seed));
            assertTrue(Set.of("d d/f=old", "e e/f=old").contains(tree), "seed " + seed + ": a rename is atomic: " + tree);
            outcomes.add(tree);
        }
        assertEquals(2, outcomes.size(), "lost and kept both occur");
        sim.syncDirectory(live);
        assertEquals("e e/f=old", tree(fixture.imageOf(sim, CrashMode.DROP_ALL)));
    }

    @Test
    void shouldKeepAFileCreatedAfterADirectoryRenameInThatDirectoryUnderEitherName() throws IOException {
        CrashSimulator sim = new CrashSimulator();
        sim.createDirectories(live.resolve("d"));
        sim.syncDirectory(live);
        writeDurably(sim, live.resolve("d/f"), "first");
        sim.rename(live.resolve("d"), live.resolve("e"));
        writeDurably(sim, live.resolve("e/g"), "second"); // syncs e: the same directory inode as d
        Set<String> outcomes = new TreeSet<>();
        for (long seed = 0; seed < 30; seed++) {
            String tree = tree(fixture.imageOf(sim, seed));
            assertTrue(Set.of("d d/f=first d/g=second", "e e/f=first e/g=second").contains(tree),
                    "seed " + seed + ": the new file is in the renamed directory, whatever its name: " + tree);
            outcomes.add(tree);
        }
        assertEquals(2, outcomes.size(), outcomes.toString());
    }

    /**
     * The compaction swap of {@code StagedIndex}: DIR -> OLD, then NEW -> DIR, with no sync yet. A crash never
     * loses both indexes and never leaves the second rename without the first.
     */
    @Test
    void shouldNeverLoseBothSidesOfAnUnsyncedDirectorySwap() throws IOException {
        Files.createDirectory(live.resolve("DIR"));
        Files.writeString(live.resolve("DIR/table"), "old index");
        CrashSimulator sim = new CrashSimulator();
        sim.createDirectories(live.resolve("NEW"));
        writeDurably(sim, live.resolve("NEW/table"), "new index");
        sim.syncDirectory(live);
        sim.rename(live.resolve("DIR"), live.resolve("OLD"));
        sim.rename(live.resolve("NEW"), live.resolve("DIR"));
        Set<String> outcomes = new TreeSet<>();
        for (long seed = 0; seed < 60; seed++) {
            String tree = tree(fixture.imageOf(sim, seed));
            assertTrue(Set.of("DIR DIR/table=old index NEW NEW/table=new index",
                            "NEW NEW/table=new index OLD OLD/table=old index",
                            "DIR DIR/table=new index OLD OLD/table=old index").contains(tree), "seed " + seed + ": " + tree);
            outcomes.add(tree);
        }
        assertEquals(3, outcomes.size(), outcomes.toString());
        sim.syncDirectory(live);
        assertEquals("DIR DIR/table=new index OLD OLD/table=old index", tree(fixture.imageOf(sim, CrashMode.DROP_ALL)));
    }

    @Test
    void shouldBringBackADeletedDirectoryTreeUntilTheDeletesAreSynced() throws IOException {
        CrashSimulator sim = new CrashSimulator();
        sim.createDirectories(live.resolve("d"));
        sim.syncDirectory(live);
        writeDurably(sim, live.resolve("d/f"), "data");
        sim.delete(live.resolve("d/f"));
        sim.delete(live.resolve("d"));
        assertFalse(Files.exists(live.resolve("d")));
        assertEquals("d d/f=data", tree(fixture.imageOf(sim, CrashMode.DROP_ALL)));
        assertEquals("", tree(fixture.imageOf(sim, CrashMode.KEEP_ALL)));
        sim.syncDirectory(live);
        assertEquals("", tree(fixture.imageOf(sim, CrashMode.DROP_ALL)), "the directory went, and its files with it");
    }

    private static void writeDurably(CrashSimulator sim, Path file, String content) throws IOException {
        try (DurableFile f = sim.open(file, DurableIO.Mode.CREATE_NEW)) {
            f.write(0, ByteBuffer.wrap(content.getBytes(StandardCharsets.UTF_8)));
            f.force();
        }
        sim.syncDirectory(file.getParent());
    }



    /** Every path under {@code root} in order, files with their content: {@code "d d/f=data"}. */
    private static String tree(Path root) throws IOException {
        StringBuilder out = new StringBuilder();
        try (Stream<Path> walk = Files.walk(root)) {
            for (Path p : walk.filter(p -> !p.equals(root)).sorted().toList()) {
                out.append(out.isEmpty() ? "" : " ").append(root.relativize(p).toString().replace('\\', '/'));
                if (Files.isRegularFile(p)) {
                    out.append('=').append(Files.readString(p));
                }
            }
        }
        return out.toString();
    }
}
