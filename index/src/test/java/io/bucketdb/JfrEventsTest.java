package io.bucketdb;

import io.bucketdb.storage.sim.CrashMode;
import io.bucketdb.storage.sim.CrashSimulator;
import jdk.jfr.Recording;
import jdk.jfr.consumer.RecordedEvent;
import jdk.jfr.consumer.RecordingFile;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

import static org.junit.jupiter.api.Assertions.*;

/**
 * BucketDB's JFR events, recorded in-process around a workload that grows the table, checkpoints inline
 * and in the background, forces the journal, crashes (a simulated power loss that keeps every write) and
 * reopens; the recording is dumped to a file and read back as {@code jfr print} would read it.
 */
class JfrEventsTest {
    static final List<String> EVENTS = List.of("io.bucketdb.GrowthStart", "io.bucketdb.GrowthEnd", "io.bucketdb.Evacuation",
            "io.bucketdb.Checkpoint", "io.bucketdb.JournalForce", "io.bucketdb.Recovery");

    @TempDir
    Path tmp;

    @Test
    void growthEvacuationCheckpointsForcesAndRecoveryAreRecordedWithTheirNumbers() throws Exception {
        Path src = tmp.resolve("src");
        Path image = tmp.resolve("image");
        Path jfr = tmp.resolve("rec.jfr");
        Recovery recovery;
        try (Recording recording = new Recording()) {
            for (String name : EVENTS) {
                recording.enable(name).withThreshold(Duration.ZERO);
            }
            recording.start();
            CrashSimulator sim = new CrashSimulator();
            BucketDB db = BucketDB.open(src, Options.defaults().withDurableIO(sim).withDurability(Durability.SYNC)
                    .withChunking(16, 16)
                    .withJournalSegmentSize(256 * 1024).withJournalBufferSize(64 * 1024)
                    .withCheckpointTriggers(256 * 1024, 1L << 30, Duration.ofHours(1))
                    .withCheckpointsInBackground(false));
            for (long k = 0; k < 20_000; k++) {
                db.putLong(k, k + 1);
            }
            // Journaled after the last checkpoint, so reopening has records to replay: the explicit checkpoint
            // first, so that this put cannot be the one that crosses the dirty trigger (where that falls depends
            // on the random hash seed; when it did, the closing checkpoint found nothing dirty).
            db.checkpoint();
            db.putLong(-1, -1);
            sim.writeCrashImage(src, image, CrashMode.KEEP_ALL);
            try {
                db.close();
            } catch (Exception ignored) {
                // the simulator's files are gone with its image; close only releases threads and the lock
            }
            try (BucketDB reopened = BucketDB.open(image, Options.defaults().withDurability(Durability.ASYNC)
                    .withCheckpointTriggers(64 * 1024, 1L << 30, Duration.ofHours(1)).withCheckpointsInBackground(true))) {
                recovery = reopened.recovery();
                for (long k = 20_000; k < 30_000; k++) {
                    reopened.putLong(k, k + 1);
                }
                assertEquals(20_001, reopened.getLong(20_000, 0));
            }
            recording.stop();
            recording.dump(jfr);
        }
        Map<String, List<RecordedEvent>> byName = RecordingFile.readAllEvents(jfr).stream()
                .sorted((a, b) -> a.getStartTime().compareTo(b.getStartTime()))
                .collect(Collectors.groupingBy(e -> e.getEventType().getName()));
        for (String name : EVENTS) {
            assertFalse(byName.getOrDefault(name, List.of()).isEmpty(), name + " recorded; got " + byName.keySet());
            assertEquals("BucketDB", byName.get(name).get(0).getEventType().getCategoryNames().get(0), name);
        }

        int lastB = -1;
        for (RecordedEvent e : byName.get("io.bucketdb.GrowthStart")) {
            int b = e.getInt("b");
            long oldBuckets = e.getLong("oldBuckets");
            if (!e.getBoolean("sameSize")) {
                assertTrue(b > lastB, "doublings raise B: " + b + " after " + lastB);
                assertEquals(1L << (b - 1), oldBuckets, e.toString());
                assertTrue(e.getLong("count") >= 6 * oldBuckets, "a doubling starts above 6.5 entries per bucket: " + e);
                lastB = b;
            }
        }
        assertTrue(lastB >= 11, "30,000 entries need B=13; last doubling seen to B=" + lastB);
        for (RecordedEvent e : byName.get("io.bucketdb.GrowthEnd")) {
            assertTrue(e.getInt("b") > 0 && e.getLong("oldBuckets") > 0 && e.getLong("count") > 0, e.toString());
        }
        for (RecordedEvent e : byName.get("io.bucketdb.Evacuation")) {
            long buckets = e.getLong("buckets");
            assertTrue(buckets > 0 && buckets <= 1024, e.toString());
            assertTrue(e.getLong("evacuated") >= buckets && e.getLong("evacuated") <= e.getLong("oldBuckets"), e.toString());
        }
        // A doubling of a table with at least 1024 old buckets reports its last sample at the full count.
        assertTrue(byName.get("io.bucketdb.Evacuation").stream()
                .anyMatch(e -> e.getLong("evacuated") == e.getLong("oldBuckets") && e.getLong("oldBuckets") >= 1024));

        List<RecordedEvent> checkpoints = byName.get("io.bucketdb.Checkpoint");
        long previousLsn = -1;
        for (RecordedEvent e : checkpoints) {
            long lsn = e.getLong("checkpointLsn");
            boolean nothingNew = lsn == previousLsn;
            previousLsn = lsn;
            if (e.getLong("pages") == 0 && (lsn == 0 || nothingNew)) {
                // The open of the new index records durably that it is not closed cleanly (a header, no pages); and
                // a close right after a background checkpoint that covered the last write installs only the clean header.
                continue;
            }
            assertTrue(e.getLong("pages") > 0 && e.getLong("bytes") >= e.getLong("pages") * 4096, e.toString());
            assertTrue(e.getLong("generation") > 0, e.toString());
        }
        assertTrue(checkpoints.stream().anyMatch(e -> e.getBoolean("background")), "a background checkpoint");
        assertTrue(checkpoints.stream().anyMatch(e -> !e.getBoolean("background")), "an inline checkpoint");

        for (RecordedEvent e : byName.get("io.bucketdb.JournalForce")) {
            assertTrue(e.getLong("bytes") > 0 && e.getLong("records") > 0, e.toString());
        }

        // Filtered by directory: the recording is process-wide, and other tests share this JVM.
        List<RecordedEvent> recoveries = byName.get("io.bucketdb.Recovery").stream()
                .filter(e -> image.toString().equals(e.getString("directory"))).toList();
        assertEquals(1, recoveries.size(), "one open of the crash image");
        RecordedEvent r = recoveries.get(0);
        assertTrue(recovery.recordsReplayed() > 0, recovery.toString());
        assertEquals(recovery.recordsReplayed(), r.getLong("recordsReplayed"));
        assertEquals(recovery.tornBytes(), r.getLong("tornBytes"));
        assertEquals(recovery.checkpointFinished(), r.getBoolean("checkpointFinished"));
        assertEquals(recovery.checkpointLsn(), r.getLong("checkpointLsn"));
        // Where the open's time went: each phase took time, and together they fit in the event.
        long phases = 0;
        for (String phase : List.of("finishing", "tableOpening", "replaying", "endingCheckpoint", "journalOpening")) {
            long nanos = r.getDuration(phase).toNanos();
            assertTrue(nanos > 0, phase + " in " + r);
            phases += nanos;
        }
        assertTrue(phases <= r.getDuration().toNanos(), r.toString());
        assertTrue(r.getLong("pagesWritten") > 0, "the replayed pages were checkpointed: " + r);
        assertFalse(r.hasField("phaseStart"), "the event's own bookkeeping is not recorded: " + r);
    }
}
