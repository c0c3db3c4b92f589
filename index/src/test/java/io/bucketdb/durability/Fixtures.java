package io.bucketdb.durability;

import io.bucketdb.BucketDB;
import io.bucketdb.Durability;
import io.bucketdb.Options;
import io.bucketdb.inspect.IndexInspector;
import io.bucketdb.storage.sim.CrashMode;
import io.bucketdb.storage.sim.CrashSimulator;
import org.apache.commons.io.FileUtils;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

/** Shared steps of the durability tests: crash images, recovery with a check, quiet abandonment. */
final class Fixtures {
    private Fixtures() {
    }

    /** Options for opening a recovered image on real files (no simulator). */
    static Options realOptions() {
        return Options.defaults().withDurability(Durability.ASYNC);
    }

    /**
     * Builds crash image number {@code which} of {@code dir} into {@code image}: 0 = KEEP_ALL, 1 = DROP_ALL,
     * otherwise seeded with {@code seed}. Returns a description for failure messages.
     */
    static String image(CrashSimulator sim, Path dir, Path image, int which, long seed) throws IOException {
        FileUtils.deleteDirectory(image.toFile());
        switch (which) {
            case 0 -> {
                sim.writeCrashImage(dir, image, CrashMode.KEEP_ALL);
                return "KEEP_ALL";
            }
            case 1 -> {
                sim.writeCrashImage(dir, image, CrashMode.DROP_ALL);
                return "DROP_ALL";
            }
            default -> {
                sim.writeCrashImage(dir, image, seed);
                return "image seed " + seed;
            }
        }
    }

    /**
     * Options for checking a crash image: real files, written through a fresh simulator that skips the
     * forces (they matter only to a later power loss, which these checks do not simulate), which keeps
     * thousands of recoveries fast on a busy disk.
     */
    static Options imageOptions() {
        return realOptions().withDurableIO(new CrashSimulator());
    }

    /**
     * Opens {@code image} on real files, checks the oracle and that the page checksums survived, closes, and
     * when asked checks the structure and every page checksum of what recovery and close left.
     */
    static void recoverAndCheck(Path image, CrashOracle oracle, boolean verify, String where) {
        try (BucketDB recovered = BucketDB.open(image, imageOptions())) {
            oracle.check(recovered, where);
            checksumsKept(recovered, where);
        } catch (IOException | RuntimeException e) {
            throw new AssertionError(where + ": recovery failed: " + e, e);
        }
        if (verify) {
            try (IndexInspector inspector = IndexInspector.open(image)) {
                assertEquals(List.of(), inspector.verify(), where + ": structure after recovery and close");
            } catch (IOException e) {
                throw new AssertionError(where + ": verify failed: " + e, e);
            }
        }
    }

    /**
     * A checkpoint forces its page checksum file before the head of its double-write batch, so no crash or
     * I/O failure can leave a checkpoint (finished by recovery or not) without its checksums: open must
     * load them, never rebuild them.
     */
    static void checksumsKept(BucketDB recovered, String where) {
        assertFalse(recovered.recovery().checksumsRebuilt(), where + ": the page checksums of the recovered checkpoint were lost: "
                + recovered.recovery());
    }

    /** Closes an index abandoned at a crash, releasing threads, mappings and the lock; errors are expected. */
    static void abandon(BucketDB db) {
        if (db == null) {
            return;
        }
        try {
            db.close();
        } catch (Exception | AssertionError expected) {
            // the simulator is dead or the index failed; close still releases what it holds
        }
    }

    /**
     * A scratch directory for tests that write thousands of small indexes: on tmpfs ({@code /dev/shm}) when
     * there is one, else under {@code java.io.tmpdir}. These tests check logic, not the disk, and on a busy
     * shared disk the file churn, not the CPU, dominated their run time. Delete it with {@link #delete}.
     */
    static Path scratch(String prefix) throws IOException {
        Path shm = Path.of("/dev/shm");
        Path parent = java.nio.file.Files.isDirectory(shm) && java.nio.file.Files.isWritable(shm) ? shm
                : Path.of(System.getProperty("java.io.tmpdir"));
        return java.nio.file.Files.createTempDirectory(parent, prefix);
    }

    /** A digest of every file under {@code dir} (names and contents), to skip recovering identical images twice. */
    static String digest(Path dir) throws IOException {
        try (java.util.stream.Stream<Path> files = java.nio.file.Files.walk(dir)) {
            java.security.MessageDigest md = java.security.MessageDigest.getInstance("SHA-256");
            for (Path p : files.filter(java.nio.file.Files::isRegularFile).sorted().toList()) {
                md.update(dir.relativize(p).toString().getBytes(java.nio.charset.StandardCharsets.UTF_8));
                md.update((byte) 0);
                md.update(java.nio.file.Files.readAllBytes(p));
            }
            return java.util.HexFormat.of().formatHex(md.digest());
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    static void delete(Path dir) throws IOException {
        FileUtils.deleteDirectory(dir.toFile());
    }
}
