package io.bucketdb.engine;

import io.bucketdb.BucketDB;
import io.bucketdb.Options;
import io.bucketdb.storage.testkit.Seeds;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * A read-only view in this process of an index a writer process ({@link ViewWriterChild}) keeps writing and
 * checkpointing (segments recycled): the view holds every write acknowledged before its open or refresh, stands
 * still between refreshes while the writer checkpoints in place beneath it, never goes back, never shows a value
 * no write put there; after a SIGKILL of the writer a new view holds every acknowledged write.
 */
class LiveViewProcessTest {
    private static final int KEYS = 509;

    @TempDir
    Path tmp;

    private final AtomicLong acked = new AtomicLong();
    private final AtomicLong checkpoints = new AtomicLong();
    /** The highest write any view showed: at the end, it must be one the writer made (the pipe's reports lag). */
    private long maxSeen;

    @Test
    void aViewOfAWriterProcessHoldsEveryAcknowledgedWriteAndNeverMixesMoments() throws Exception {
        long seed = Seeds.seed();
        Seeds.run(seed, () -> {
            Path dir = tmp.resolve("idx");
            Path err = tmp.resolve("child.err");
            Process child = new ProcessBuilder(List.of(
                    Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                    "--enable-native-access=ALL-UNNAMED", "-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC", "-Xmx128m",
                    "-cp", System.getProperty("java.class.path"),
                    ViewWriterChild.class.getName(), dir.toString(), Long.toString(seed), Integer.toString(KEYS)))
                    .redirectError(err.toFile())
                    .start();
            Thread pump = new Thread(() -> pump(child));
            pump.start();
            try {
                awaitAcks(child, err, 3 * KEYS);
                Options readOnly = Options.defaults().withReadOnly(true).withChunking(16, 16);
                long[] seen = new long[KEYS];
                long openedAfter = acked.get();
                int refreshes = 0;
                Set<Long> checkpointLsns = new HashSet<>();
                try (BucketDB view = BucketDB.open(dir, readOnly)) {
                    check(view, openedAfter, seen, "open");
                    while (refreshes < 100 || checkpointLsns.size() < 4) {
                        if (refreshes > 20_000 || !child.isAlive()) {
                            fail("after " + refreshes + " refreshes the view saw checkpoints " + checkpointLsns + "; the writer "
                                    + (child.isAlive() ? "reported " + checkpoints.get() : "died: " + Files.readString(err)));
                        }
                        // Between refreshes the view stands still, while the writer writes and checkpoints in place.
                        for (int pass = 0; pass < 2; pass++) {
                            for (int k = 0; k < KEYS; k++) {
                                assertEquals(seen[k], view.getLong(k, -1), "refresh " + refreshes + ", key " + k + ": the view moved");
                            }
                        }
                        long before = acked.get();
                        view.refresh();
                        refreshes++;
                        checkpointLsns.add(view.recovery().checkpointLsn());
                        check(view, before, seen, "refresh " + refreshes);
                    }
                }
                child.toHandle().destroyForcibly();
                assertTrue(child.waitFor(60, TimeUnit.SECONDS), "the writer did not die");
                pump.join();
                long last = acked.get();
                try (BucketDB view = BucketDB.open(dir, readOnly)) {
                    check(view, last, new long[KEYS], "after SIGKILL");
                }
                assertTrue(maxSeen <= last + ViewWriterChild.MAX_BATCH, "a view showed write " + maxSeen
                        + ", but the writer began none after " + (last + ViewWriterChild.MAX_BATCH));
                System.out.printf("LiveViewProcessTest: %d refreshes over %d checkpoints of the writer, %d writes acknowledged%n",
                        refreshes, checkpointLsns.size(), last);
            } finally {
                child.toHandle().destroyForcibly();
                child.waitFor(60, TimeUnit.SECONDS);
                pump.join();
            }
        });
    }

    /**
     * Every key holds at least its last write acknowledged before the view's moment ({@code ackedBefore}), at least
     * what the view showed before, and a value a write to that key put there (that the write was made at all is
     * checked at the end, when the writer's last report has arrived).
     */
    private void check(BucketDB view, long ackedBefore, long[] seen, String where) {
        for (int k = 0; k < KEYS; k++) {
            long value = view.getLong(k, -1);
            long must = lastWrite(k, ackedBefore);
            if (value == -1) {
                assertEquals(0, must, where + ", key " + k + ": absent, but write " + must + " to it was acknowledged");
            } else {
                assertEquals(k, value % KEYS, where + ", key " + k + ": value " + value + " was never written to it");
                assertTrue(value >= must, where + ", key " + k + ": holds write " + value + ", but write " + must + " was acknowledged");
                maxSeen = Math.max(maxSeen, value);
            }
            assertTrue(value >= seen[k], where + ", key " + k + ": went back from write " + seen[k] + " to " + value);
            seen[k] = value;
        }
    }

    /** The last write up to {@code a} that went to key {@code k}, 0 if none. */
    private static long lastWrite(int k, long a) {
        long i = a - Math.floorMod(a - k, KEYS);
        return i >= 1 ? i : 0;
    }

    private void pump(Process child) {
        try (BufferedReader in = new BufferedReader(new InputStreamReader(child.getInputStream(), StandardCharsets.US_ASCII))) {
            String line;
            while ((line = in.readLine()) != null) {
                if (line.startsWith("A ")) {
                    acked.set(Long.parseLong(line.substring(2)));
                } else if (line.startsWith("C ")) {
                    checkpoints.set(Long.parseLong(line.substring(2)));
                }
            }
        } catch (IOException e) {
            // the child died and the pipe broke: what was read counts
        }
    }

    private void awaitAcks(Process child, Path err, long n) throws Exception {
        while (acked.get() < n) {
            if (!child.isAlive()) {
                fail("the writer died: " + Files.readString(err));
            }
            TimeUnit.MILLISECONDS.sleep(10);
        }
    }
}
