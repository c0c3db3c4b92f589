package io.bucketdb;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;

import static org.junit.jupiter.api.Assertions.*;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * The writer lock as another process sees it. POSIX record locks belong to the process and any
 * close of the lock file drops them, so a refused second open inside the holder's process must
 * not touch the file. The timeout is a hang guard for the child process, not a speed assertion.
 */
@Timeout(120)
class DirectoryLockTest {
    @TempDir
    Path tmp;

    @Test
    void shouldKeepTheLockForOtherProcessesAfterARefusedOpenInTheHolder() throws Exception {
        Path dir = tmp.resolve("idx");
        try (BucketDB db = BucketDB.open(dir)) {
            db.putLong(1, 1);
            for (int i = 0; i < 3; i++) {
                IOException e = assertThrows(IOException.class, () -> BucketDB.open(dir));
                assertTrue(e.getMessage().contains("held by this process: pid " + ProcessHandle.current().pid()), e.getMessage());
            }
            assertEquals("refused: index " + dir + " is locked by another writer: lock file " + dir.resolve("LOCK") + " is held by pid "
                    + ProcessHandle.current().pid(), probe(dir).split(" \\(started")[0], "another process is still refused");
        }
        assertEquals("opened", probe(dir), "released at close");
    }

    @Test
    void shouldKeepTheLockAfterARefusedOpenThroughAnotherPathToTheDirectory() throws Exception {
        Path dir = tmp.resolve("idx");
        Path link = Files.createSymbolicLink(tmp.resolve("link"), dir.getFileName());
        try (BucketDB db = BucketDB.open(dir)) {
            db.putLong(1, 1);
            for (Path other : List.of(link, tmp.resolve("sub").resolve("..").resolve("idx"), dir.toAbsolutePath())) {
                Files.createDirectories(tmp.resolve("sub"));
                IOException e = assertThrows(IOException.class, () -> BucketDB.open(other), other.toString());
                assertTrue(e.getMessage().contains("held by this process"), e.getMessage());
            }
            assertTrue(probe(link).startsWith("refused: "), "another process is still refused, by either path");
            assertTrue(probe(dir).startsWith("refused: "));
            db.putLong(2, 2);
            assertEquals(2, db.getLong(2, -1), "the first open goes on working");
        }
        assertEquals("opened", probe(link), "released at close");
    }

    @Test
    void shouldBeTakenAgainAfterClose() throws IOException {
        Path dir = tmp.resolve("again");
        for (int i = 0; i < 3; i++) {
            try (BucketDB db = BucketDB.open(dir)) {
                db.putLong(i, i);
            }
        }
        try (BucketDB db = BucketDB.open(dir)) {
            assertEquals(2, db.getLong(2, -1));
        }
    }

    @Test
    void shouldCreateTheLockFileOwnerOnly() throws IOException {
        assumeTrue(FileSystems.getDefault().supportedFileAttributeViews().contains("posix"), "POSIX permissions");
        Path dir = tmp.resolve("perm");
        try (BucketDB db = BucketDB.open(dir)) {
            db.putLong(1, 1);
            assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(dir.resolve("LOCK"))),
                    "the lock file names the holder's pid: owner-only like the index's other files");
        }
    }

    /** Runs {@link Probe} in a child JVM and returns what it printed. */
    @Test
    void shouldKeepTheLockOfAnIndexAbandonedWithoutCloseAfterItIsCollected() throws Exception {
        Path dir = tmp.resolve("abandoned");
        java.lang.ref.WeakReference<BucketDB> abandoned = openAndAbandon(dir);
        // The handle goes, the index's threads stay: they must keep the lock reachable, or the GC closes the
        // lock file's channel (its cleaner) and another process could open the index beside them.
        for (int i = 0; i < 20 && (abandoned.get() != null || i < 5); i++) {
            System.gc();
            Thread.sleep(20); // lets the cleaner thread run; a longer wait only makes the check stricter
        }
        assumeTrue(abandoned.get() == null, "the abandoned handle was not collected: nothing to check");
        assertTrue(probe(dir).startsWith("refused: index " + dir + " is locked by another writer"), "the OS lock is kept");
    }

    private static java.lang.ref.WeakReference<BucketDB> openAndAbandon(Path dir) throws IOException {
        BucketDB db = BucketDB.open(dir);
        db.putLong(1, 1);
        return new java.lang.ref.WeakReference<>(db);
    }

    private static String probe(Path dir) throws Exception {
        Process child = new ProcessBuilder(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "--enable-native-access=ALL-UNNAMED", "-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC", "-Xmx64m",
                "-cp", System.getProperty("java.class.path"), Probe.class.getName(), dir.toString()))
                .redirectErrorStream(true)
                .start();
        String out = new String(child.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
        assertEquals(0, child.waitFor(), out);
        return out;
    }

    /** The other process: tries to open the index for writing and says what happened. */
    public static final class Probe {
        private Probe() {
        }

        public static void main(String[] args) {
            try (BucketDB db = BucketDB.open(Path.of(args[0]))) {
                System.out.println("opened");
            } catch (IOException e) {
                System.out.println("refused: " + e.getMessage());
            }
        }
    }
}
