package io.bucketdb;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.*;

/** {@link Stats} is a value: nothing reachable through its accessors changes it. */
class StatsTest {
    @TempDir
    Path tmp;

    @Test
    void theHistogramCannotBeChangedThroughTheRecordOrTheListItWasBuiltFrom() {
        List<Long> histogram = new ArrayList<>(List.of(5L, 2L, 1L));
        Stats s = new Stats(tmp, 10, 1, 2, 5.0, 1, 0, histogram, false, false, 0, 0, 0, 8, 8, 144, 1 << 20, 1 << 16,
                0, 0, 1 << 20, 3 << 20, 12, 4, "B", true, 0, 0);
        histogram.set(0, 99L);
        assertEquals(List.of(5L, 2L, 1L), s.chainHistogram(), "a copy was taken");
        assertThrows(UnsupportedOperationException.class, () -> s.chainHistogram().set(0, 7L));
        assertThrows(UnsupportedOperationException.class, () -> s.chainHistogram().add(7L));
        assertEquals(List.of(5L, 2L, 1L), s.chainHistogram());
        assertThrows(NullPointerException.class, () -> new Stats(tmp, 10, 1, 2, 5.0, 1, 0, null, false, false, 0, 0, 0,
                8, 8, 144, 0, 0, 0, 0, 0, 0, 0, 0, "A", true, 0, 0));
    }

    @Test
    void anOpenIndexReportsItsLiveNumbersAndTheRecordsACrashWouldReplay() throws Exception {
        try (BucketDB db = BucketDB.open(tmp.resolve("idx"), Options.defaults().withDurability(Durability.SYNC))) {
            for (long k = 0; k < 1000; k++) {
                db.putLong(k, k);
            }
            Stats s = db.stats();
            assertEquals(1000, s.count());
            assertEquals(1L << s.b(), s.buckets());
            assertEquals(s.buckets(), s.chainHistogram().stream().mapToLong(Long::longValue).sum(), "every chain counted once");
            assertTrue(s.replayRecords() >= 1000, "1000 puts journaled after the creating checkpoint: " + s);
            assertTrue(s.journalBytes() > 0 && s.directoryBytes() > s.fileBytes() + s.journalBytes() - 1, s::toString);
            assertTrue(s.cleanClose(), "a new index counts as closed cleanly");
            List<Long> h = s.chainHistogram();
            assertThrows(UnsupportedOperationException.class, h::clear);
            assertEquals(s, new Stats(s.directory(), s.count(), s.b(), s.buckets(), s.loadFactor(), s.overflowBuckets(),
                    s.freeOverflowBuckets(), s.chainHistogram(), s.growing(), s.sameSizeGrowth(), s.oldBuckets(), s.evacuated(),
                    s.evacuationMark(), s.keyWidth(), s.valueWidth(), s.bucketBytes(), s.fileBytes(), s.allocatedBytes(),
                    s.freeBytes(), s.wastedBytes(), s.journalBytes(), s.directoryBytes(), s.checkpointLsn(), s.generation(),
                    s.headerSlot(), s.cleanClose(), s.replayRecords(), s.replayTornBytes()));
        }
    }
}
