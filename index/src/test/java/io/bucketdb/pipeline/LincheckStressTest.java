package io.bucketdb.pipeline;

import io.bucketdb.LincheckJars;
import io.bucketdb.BucketDB;
import io.bucketdb.Durability;
import io.bucketdb.Options;
import io.bucketdb.WriteBatch;
import org.apache.commons.io.FileUtils;
import org.jetbrains.lincheck.datastructures.Operation;
import org.jetbrains.lincheck.datastructures.Param;
import org.jetbrains.lincheck.datastructures.StressOptions;
import org.jetbrains.lincheck.datastructures.IntGen;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Lincheck's stress strategy on the whole index: Lincheck generates small concurrent scenarios of
 * get, contains, put, delete, an async put and a two-key atomic batch over four keys, runs each on
 * a fresh {@link BucketDB} from several threads at once, many times, and checks every outcome for
 * linearizability against {@link Model}, a plain {@code HashMap} with the same operations.
 *
 * <p>Each index is opened one key short of its first doubling (one bucket, growth at the 7th
 * entry), so scenarios run while the table starts to grow and evacuates. Checkpoints are triggered
 * by 4 KiB of dirty pages, so they run during scenarios too.
 *
 * <p>Lincheck's model-checking strategy cannot run here: it has to control every thread of the code
 * under test, and the pipeline's writer thread is started by the index, not by Lincheck, so the
 * model checker reports a hang. It runs on the table's reader/writer protocol without the pipeline
 * ({@code io.bucketdb.table.TableModelCheckingTest}), and {@link LinearizabilityTest} records longer
 * histories of the whole index with its own Wing–Gong checker.
 *
 * <p>Lincheck makes a new instance per scenario run and has no tear-down hook, so the constructor
 * closes and deletes the previous index: runs are sequential, so it is finished by then.
 *
 * <p>Lincheck draws its scenarios itself and takes no seed; a failure prints the (minimized)
 * scenario, which {@code addCustomScenario} replays. More runs:
 * {@code -Dbucketdb.lincheck.iterations=N -Dbucketdb.lincheck.invocations=M}.
 */
@Param(name = "key", gen = IntGen.class, conf = "1:4")
@Param(name = "value", gen = IntGen.class, conf = "1:5")
@ExtendWith(LincheckJars.class)
public class LincheckStressTest {
    private static final int PRELOAD_BASE = 1_000;
    private static BucketDB previous;
    private static Path previousDir;
    private static Path root;
    private static int indexes;
    private static int grown;

    private final BucketDB db;

    public LincheckStressTest() {
        try {
            closePrevious();
            if (root == null) {
                root = Files.createTempDirectory(scratch(), "bucketdb-lincheck-");
            }
            previousDir = Files.createTempDirectory(root, "db-");
            db = BucketDB.open(previousDir, Options.defaults()
                    .withDurability(Durability.ASYNC)
                    .withChunking(16, 16)
                    .withJournalSegmentSize(1 << 20)
                    .withPrivateMemoryLimit(0) // every checkpoint releases the pages it wrote back: that path is under test too
                    .withCheckpointTriggers(4 << 10, 64 << 10, Duration.ofMillis(50)));
            previous = db;
            // Fill the single bucket to one entry short of the doubling (Go grows an 8-slot bucket at
            // its 9th entry): two new keys of the scenario start it, and later writes evacuate.
            for (int i = 0; db.size() < 7; i++) {
                db.putLong(PRELOAD_BASE + i, i);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Operation
    public long get(@Param(name = "key") int key) {
        return db.getLong(key, -1);
    }

    @Operation
    public boolean contains(@Param(name = "key") int key) {
        return db.containsLong(key);
    }

    @Operation
    public boolean put(@Param(name = "key") int key, @Param(name = "value") int value) throws Exception {
        return db.putLong(key, value);
    }

    @Operation
    public boolean putAsync(@Param(name = "key") int key, @Param(name = "value") int value) {
        return db.putLongAsync(key, value).join();
    }

    @Operation
    public boolean delete(@Param(name = "key") int key) throws Exception {
        return db.deleteLong(key);
    }

    @Operation
    public void batch(@Param(name = "key") int key, @Param(name = "value") int value) {
        db.write(new WriteBatch().putLong(key, value).deleteLong(key % 4 + 1)); // another of the four keys
    }

    /** The sequential specification: what each operation means, on a {@code HashMap}. */
    public static final class Model {
        private final Map<Long, Long> map = new HashMap<>();

        public long get(int key) {
            return map.getOrDefault((long) key, -1L);
        }

        public boolean contains(int key) {
            return map.containsKey((long) key);
        }

        public boolean put(int key, int value) {
            return map.put((long) key, (long) value) == null;
        }

        public boolean putAsync(int key, int value) {
            return put(key, value);
        }

        public boolean delete(int key) {
            return map.remove((long) key) != null;
        }

        public void batch(int key, int value) {
            map.put((long) key, (long) value);
            map.remove((long) (key % 4 + 1));
        }
    }

    @Test
    void shouldBeLinearizableUnderLincheckStress() throws IOException {
        new StressOptions()
                .iterations(Integer.getInteger("bucketdb.lincheck.iterations", 40))
                .invocationsPerIteration(Integer.getInteger("bucketdb.lincheck.invocations", 25))
                .threads(3)
                .actorsPerThread(3)
                .actorsBefore(1)
                .actorsAfter(1)
                .sequentialSpecification(Model.class)
                .check(LincheckStressTest.class);
        closePrevious();
        System.out.println("LincheckStressTest: " + indexes + " indexes, " + grown + " of them grew during their scenario");
        assertTrue(grown > 0, "some scenarios ran across a growth");
    }

    @AfterAll
    static void closeLast() throws IOException {
        closePrevious();
        if (root != null) {
            FileUtils.deleteDirectory(root.toFile());
            root = null;
        }
    }

    private static void closePrevious() throws IOException {
        if (previous != null) {
            indexes++;
            grown += previous.growth().b() > 0 || previous.growth().growing() ? 1 : 0;
            previous.close();
            FileUtils.deleteDirectory(previousDir.toFile());
            previous = null;
        }
    }

    /** On tmpfs when there is one: the test checks ordering, not the disk, and forces there are cheap. */
    private static Path scratch() {
        Path shm = Path.of("/dev/shm");
        return Files.isDirectory(shm) && Files.isWritable(shm) ? shm : Path.of(System.getProperty("java.io.tmpdir"));
    }
}
