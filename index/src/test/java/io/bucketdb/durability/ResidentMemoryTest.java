package io.bucketdb.durability;

import io.bucketdb.BucketDB;
import io.bucketdb.Durability;
import io.bucketdb.Options;
import io.bucketdb.storage.testkit.Seeds;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.CompletableFuture;

import static org.junit.jupiter.api.Assertions.*;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * Private memory stays bounded by the dirty limit, not the table (docs/DESIGN.md, "Durability"): a table many times
 * larger than a small dirty limit is written uniformly at random, and the private (copy-on-write) pages of its
 * mapping, as Linux reports them in {@code /proc/self/smaps} ("Anonymous" of the table file's mappings), never
 * pass a few times the limit, plus the private memory limit ({@code Options.withPrivateMemoryLimit}) the
 * checkpoints keep. Without the release of written-back pages they grow to the whole table.
 */
class ResidentMemoryTest {
    static final long DIRTY_LIMIT = 1L << 20;
    /** Puts in flight at once, so a pipeline batch dirties at most this many pages. */
    static final int WINDOW = 128;
    /**
     * While a checkpoint runs, the pages it writes (up to twice the limit plus a batch, when the writer had to
     * wait for the previous one) stay private until it releases them, and the writer dirties up to twice the
     * limit plus a batch meanwhile: four times the limit plus two batches, and a page of slack per batch.
     */
    static final long BOUND = 4 * DIRTY_LIMIT + 3L * WINDOW * 4096;

    Path tmp;

    @BeforeEach
    void scratch() throws IOException {
        tmp = Fixtures.scratch("bucketdb-rss");
    }

    @AfterEach
    void deleteScratch() throws IOException {
        Fixtures.delete(tmp);
    }

    @Test
    void randomWritesToATableFarLargerThanTheDirtyLimitKeepPrivateMemoryBounded() throws Exception {
        assertPeakWithin(0, BOUND);
    }

    @Test
    void aPrivateMemoryLimitKeepsThatMuchMoreAndNoMore() throws Exception {
        long limit = 4 * DIRTY_LIMIT;
        assertPeakWithin(limit, limit + BOUND);
    }

    @Test
    void withoutReleasesPrivateMemoryGrowsPastTheBound() throws Exception {
        assumeTrue(Files.isReadable(Path.of("/proc/self/smaps")), "needs Linux /proc/self/smaps");
        long seed = Seeds.seed();
        Seeds.run(seed, () -> {
            long[] peakAndFile = run(seed, Long.MAX_VALUE);
            assertTrue(peakAndFile[0] > BOUND, "with no release the private memory (" + peakAndFile[0]
                    + " bytes) passes the bound " + BOUND + ": the release is what keeps it there");
        });
    }

    private void assertPeakWithin(long privateLimit, long bound) throws Exception {
        assumeTrue(Files.isReadable(Path.of("/proc/self/smaps")), "needs Linux /proc/self/smaps");
        long seed = Seeds.seed();
        Seeds.run(seed, () -> {
            long[] peakAndFile = run(seed, privateLimit);
            assertTrue(peakAndFile[0] <= bound, "private memory of the table mapping peaked at " + peakAndFile[0]
                    + " bytes; bound " + bound + " for a " + peakAndFile[1] + "-byte table, private limit " + privateLimit);
        });
    }

    /** Loads and overwrites at random; returns the peak private bytes seen and the table file's size. */
    private long[] run(long seed, long privateLimit) throws Exception {
        int keys = 400_000;
        Path dir = tmp.resolve("idx-" + privateLimit);
        Options opts = Options.defaults()
                .withDurability(Durability.ASYNC)
                .withChunking(20, 22)
                .withCheckpointTriggers(DIRTY_LIMIT, 64L << 20, Duration.ofHours(1))
                .withPrivateMemoryLimit(privateLimit);
        try (BucketDB db = BucketDB.open(dir, opts)) {
            Path table = dir.resolve("table.bdb").toRealPath();
            long maxPrivate = 0;
            SplittableRandom rnd = new SplittableRandom(seed);
            for (int round = 0; round < 2; round++) { // round 0 loads (with growth), round 1 overwrites
                for (int i = 0; i < keys; i += WINDOW) {
                    CompletableFuture<?>[] window = new CompletableFuture<?>[WINDOW];
                    for (int k = 0; k < WINDOW; k++) {
                        long key = round == 0 ? i + k : rnd.nextInt(keys);
                        window[k] = db.putLongAsync(key, key * 31 + round);
                    }
                    CompletableFuture.allOf(window).join();
                    if (i % (WINDOW * 64) == 0) {
                        maxPrivate = Math.max(maxPrivate, privateBytes(table));
                    }
                }
            }
            maxPrivate = Math.max(maxPrivate, privateBytes(table));
            long fileBytes = Files.size(table);
            assertTrue(fileBytes > 8 * DIRTY_LIMIT, "the table (" + fileBytes + " bytes) is many times the dirty limit");
            assertTrue(db.checkpoints() > 10, "checkpoints ran: " + db.checkpoints());
            for (long k = 0; k < keys; k += 997) {
                long v = db.getLong(k, -1);
                assertTrue(v == k * 31 || v == k * 31 + 1, "key " + k + " reads " + v);
            }
            return new long[] {maxPrivate, fileBytes};
        }
    }

    /** The "Anonymous" bytes (private copies of file pages) of every mapping of {@code file}. */
    static long privateBytes(Path file) throws IOException {
        List<String> lines = Files.readAllLines(Path.of("/proc/self/smaps"));
        String name = file.toString();
        long kb = 0;
        boolean inTable = false;
        for (String line : lines) {
            if (line.matches("^[0-9a-f]+-[0-9a-f]+ .*")) {
                inTable = line.endsWith(" " + name);
            } else if (inTable && line.startsWith("Anonymous:")) {
                kb += Long.parseLong(line.replaceAll("[^0-9]", ""));
            }
        }
        return kb * 1024;
    }
}
