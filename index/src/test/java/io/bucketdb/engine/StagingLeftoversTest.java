package io.bucketdb.engine;

import io.bucketdb.BucketDB;
import io.bucketdb.Durability;
import io.bucketdb.Options;
import io.bucketdb.spi.DurableIO;
import io.bucketdb.storage.FileDurableIO;
import io.bucketdb.storage.ForwardingDurableIO;
import io.bucketdb.storage.IndexFileNames;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.*;

/**
 * {@link StagingLeftovers}: the staging directory a crashed build leaves beside an index goes away at the next writable
 * open of the index, and only then: not while a build holds it, not at a read-only open, not when it holds an
 * interrupted compaction's new index; a failure to remove it does not fail the open.
 */
class StagingLeftoversTest {
    @TempDir
    Path tmp;

    private static Options options() {
        return Options.defaults().withChunking(16, 16).withDurability(Durability.ASYNC);
    }

    private static Path index(Path dir, long keys, long mul) throws IOException {
        try (BucketDB db = BucketDB.open(dir, options())) {
            for (long k = 0; k < keys; k++) {
                db.putLong(k, k * mul);
            }
        }
        return dir;
    }

    /** A build killed before its commit: the staging directory with its files, the lock file among them, and the lock free. */
    private static Path crashedBuild(Path target) throws IOException {
        Path staging = index(StagedIndex.staging(target), 500, 7);
        Files.writeString(staging.resolve("journal-0000000000000009.log"), "torn");
        return staging;
    }

    @Test
    void aWritableOpenRemovesTheStagingDirectoryOfABuildThatCrashedAndSaysSo() throws IOException {
        Path dir = index(tmp.resolve("idx"), 100, 3);
        Path staging = crashedBuild(dir);
        long bytes = StagingLeftovers.find(dir).orElseThrow().bytes();
        assertTrue(bytes > 0, "the leftover has files");
        assertTrue(StagingLeftovers.find(dir).orElseThrow().removable());
        // The last holder's name in the lock file, longer than the one the removal writes when it takes the lock (a pid
        // of another length: CI saw 1319053 shown and 1319052 removed): the lock file is not part of the size.
        Files.writeString(staging.resolve(IndexFileNames.LOCK), "pid 1234567890123 on a host with a long name\n");
        assertEquals(bytes, StagingLeftovers.find(dir).orElseThrow().bytes(), "the size without the lock file");
        try (BucketDB db = BucketDB.open(dir, options())) {
            assertEquals(bytes, db.recovery().leftoverBytesRemoved());
            assertFalse(db.recovery().needed(), "the index itself needed nothing");
            assertEquals(300 - 3, db.getLong(99, -1));
        }
        assertFalse(Files.exists(staging), "removed");
        assertTrue(StagingLeftovers.find(dir).isEmpty());
        try (BucketDB db = BucketDB.open(dir, options())) {
            assertEquals(0, db.recovery().leftoverBytesRemoved(), "nothing left to remove");
        }
    }

    @Test
    void creatingTheTargetOfACrashedBuildRemovesItsStagingDirectory() throws IOException {
        Path target = tmp.resolve("new");
        Path staging = crashedBuild(target);
        try (BucketDB db = BucketDB.open(target, options())) {
            assertEquals(0, db.size(), "a new, empty index: the staged one was never committed");
            assertTrue(db.recovery().leftoverBytesRemoved() > 0);
        }
        assertFalse(Files.exists(staging));
    }

    @Test
    void aReadOnlyOpenChangesNothing() throws IOException {
        Path dir = index(tmp.resolve("idx"), 100, 3);
        Path staging = crashedBuild(dir);
        List<String> before = listing(staging);
        try (BucketDB db = BucketDB.open(dir, options().withReadOnly(true))) {
            assertEquals(100, db.size());
            assertEquals(0, db.recovery().leftoverBytesRemoved());
        }
        assertEquals(before, listing(staging));
        assertTrue(StagingLeftovers.find(dir).orElseThrow().crashed());
    }

    @Test
    void aBuildRunningInThisProcessKeepsItsStagingDirectory() throws IOException {
        Path target = tmp.resolve("out");
        try (StagedIndex build = StagedIndex.begin(null, target)) {
            try (BucketDB staged = build.create(options())) {
                staged.putLong(1, 2);
            }
            StagingLeftovers.Leftover l = StagingLeftovers.find(target).orElseThrow();
            assertFalse(l.crashed());
            assertTrue(l.holder().contains("pid " + ProcessHandle.current().pid()), l.holder());
            try (BucketDB db = BucketDB.open(target, options())) {
                assertEquals(0, db.recovery().leftoverBytesRemoved());
            }
            assertTrue(Files.exists(build.directory().resolve(IndexFileNames.TABLE)), "the running build's index is kept");
        }
    }

    /**
     * A build in another JVM: while it runs (holding the staging directory's lock), a writable open of its target leaves
     * the staging directory alone; once the build's process is killed, the next writable open removes it.
     */
    @Test
    void aBuildRunningInAnotherProcessIsLeftAloneAndRemovedOnceItIsKilled() throws Exception {
        Path target = tmp.resolve("out");
        Process child = new ProcessBuilder(List.of(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC", "-Xmx128m",
                "-cp", System.getProperty("java.class.path"),
                CrashedBuildChild.class.getName(), target.toString(), "1000"))
                .redirectErrorStream(true)
                .start();
        try {
            BufferedReader said = new BufferedReader(new InputStreamReader(child.getInputStream(), StandardCharsets.UTF_8));
            String line = said.readLine();
            assertEquals("staged 1000", line);
            Path staging = StagedIndex.staging(target);
            StagingLeftovers.Leftover running = StagingLeftovers.find(target).orElseThrow();
            assertTrue(running.holder() != null && running.holder().contains("pid " + child.pid()), running.toString());
            try (BucketDB db = BucketDB.open(target, options())) {
                assertEquals(0, db.recovery().leftoverBytesRemoved());
            }
            assertTrue(Files.exists(staging.resolve(IndexFileNames.TABLE)), "the running build's index is kept");
            child.destroyForcibly(); // SIGKILL: the lock goes with the process, the directory stays
            assertTrue(child.waitFor(60, TimeUnit.SECONDS), "the child did not die");
            assertTrue(StagingLeftovers.find(target).orElseThrow().crashed());
            long bytes = StagingLeftovers.find(target).orElseThrow().bytes();
            try (BucketDB db = BucketDB.open(target, options())) {
                assertEquals(bytes, db.recovery().leftoverBytesRemoved());
            }
            assertFalse(Files.exists(staging));
        } finally {
            child.destroyForcibly();
            child.waitFor(60, TimeUnit.SECONDS);
        }
    }

    /** Between the swap's renames the staging directory holds the compaction's finished index: the open finishes the swap. */
    @Test
    void anInterruptedCompactionIsFinishedNotRemoved() throws IOException {
        Path dir = tmp.resolve("idx");
        index(StagedIndex.retired(dir), 1_000, 2);
        index(StagedIndex.staging(dir), 1_000, 5);
        try (BucketDB db = BucketDB.open(dir, options().withCreateIfMissing(false))) {
            assertEquals(5 * 999, db.getLong(999, -1), "the compaction's new index, finished by the open");
            assertEquals(0, db.recovery().leftoverBytesRemoved());
        }
        assertFalse(Files.exists(StagedIndex.retired(dir)));
        assertFalse(Files.exists(StagedIndex.staging(dir)));
    }

    /** An index in each of DIR, the staging and the retired directory: no compaction leaves that, so nothing is removed. */
    @Test
    void leftoversNoCompactionLeavesAreKept() throws IOException {
        Path dir = index(tmp.resolve("idx"), 10, 1);
        index(StagedIndex.retired(dir), 10, 2);
        Path staging = index(StagedIndex.staging(dir), 10, 3);
        assertFalse(StagingLeftovers.find(dir).orElseThrow().removable(), "stat must not promise its removal");
        try (BucketDB db = BucketDB.open(dir, options())) {
            assertEquals(0, db.recovery().leftoverBytesRemoved());
        }
        assertTrue(Files.exists(staging.resolve(IndexFileNames.TABLE)));
    }

    /** A delete that fails (EIO, a read-only parent): the open succeeds, the leftover stays, and a later open removes it. */
    @Test
    void aFailedRemovalDoesNotFailTheOpen() throws IOException {
        Path dir = index(tmp.resolve("idx"), 100, 3);
        Path staging = crashedBuild(dir);
        DurableIO failing = new ForwardingDurableIO(FileDurableIO.INSTANCE) {
            @Override
            public void delete(Path file) throws IOException {
                if (file.toAbsolutePath().startsWith(staging)) {
                    throw new IOException("injected: cannot delete " + file);
                }
                super.delete(file);
            }
        };
        try (BucketDB db = BucketDB.open(dir, options().withDurableIO(failing))) {
            assertEquals(0, db.recovery().leftoverBytesRemoved());
            assertEquals(100, db.size());
        }
        assertTrue(Files.isDirectory(staging), "kept");
        assertTrue(StagingLeftovers.find(dir).orElseThrow().crashed(), "and its lock released");
        try (BucketDB db = BucketDB.open(dir, options())) {
            assertTrue(db.recovery().leftoverBytesRemoved() > 0);
        }
        assertFalse(Files.exists(staging));
    }

    private static List<String> listing(Path dir) throws IOException {
        try (var s = Files.walk(dir)) {
            return s.map(p -> p + " " + p.toFile().length() + " " + p.toFile().lastModified()).sorted().toList();
        }
    }
}
