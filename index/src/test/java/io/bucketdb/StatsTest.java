package io.bucketdb;

import io.bucketdb.inspect.IndexInspector;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.*;

/**
 * {@link Stats} is a value: nothing reachable through its accessors changes it. An open index reports its
 * live numbers, heap included.
 */
class StatsTest {
    @TempDir
    Path tmp;

    @Test
    void theHistogramCannotBeChangedThroughTheRecordOrTheListItWasBuiltFrom() {
        List<Long> histogram = new ArrayList<>(List.of(5L, 2L, 1L));
        List<Stats.HeapClass> classes = new ArrayList<>(List.of(new Stats.HeapClass(16, 256, 200, 56)));
        Stats s = new Stats(tmp, 10, 1, 2, 5.0, 1, 0, histogram, false, false, 0, 0, 0, 24, 32, true, true, 464, 1 << 20,
                1 << 16, 0, 0, 3200, 896, 0, 0, classes, 1 << 20, 3 << 20, 8192, 1 << 20, 45, 12, 4, "B", true, 0, 0, false);
        histogram.set(0, 99L);
        assertEquals(List.of(5L, 2L, 1L), s.chainHistogram(), "a copy was taken");
        assertThrows(UnsupportedOperationException.class, () -> s.chainHistogram().set(0, 7L));
        assertThrows(UnsupportedOperationException.class, () -> s.chainHistogram().add(7L));
        assertEquals(List.of(5L, 2L, 1L), s.chainHistogram());
        classes.clear();
        assertEquals(List.of(new Stats.HeapClass(16, 256, 200, 56)), s.heapClasses(), "a copy was taken");
        assertThrows(UnsupportedOperationException.class, () -> s.heapClasses().clear());
        assertThrows(NullPointerException.class, () -> new Stats(tmp, 10, 1, 2, 5.0, 1, 0, null, false, false, 0, 0, 0,
                8, 8, false, false, 144, 0, 0, 0, 0, 0, 0, 0, 0, List.of(), 0, 0, 0, 0, 0, 0, 0, "A", true, 0, 0, false));
        assertThrows(NullPointerException.class, () -> new Stats(tmp, 10, 1, 2, 5.0, 1, 0, List.of(), false, false, 0, 0, 0,
                8, 8, false, false, 144, 0, 0, 0, 0, 0, 0, 0, 0, null, 0, 0, 0, 0, 0, 0, 0, "A", true, 0, 0, false));
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
                    s.evacuationMark(), s.keyWidth(), s.valueWidth(), s.variableKeys(), s.variableValues(), s.bucketBytes(),
                    s.fileBytes(), s.allocatedBytes(), s.freeBytes(), s.wastedBytes(), s.heapBytesInUse(), s.heapBytesFree(),
                    s.heapLargeBlocks(), s.heapLargeBytes(), s.heapClasses(), s.journalBytes(), s.directoryBytes(), s.checksumBytes(), s.doubleWriteBytes(), s.otherBytes(),
                    s.checkpointLsn(), s.generation(), s.headerSlot(), s.cleanClose(), s.replayRecords(), s.replayTornBytes(), s.valuesOutOfLine()));
            assertFalse(s.variableKeys() || s.variableValues(), s::toString);
            assertEquals(0, s.heapBytesInUse() + s.heapBytesFree() + s.heapLargeBlocks(), "fixed widths use no heap: " + s);
        }
    }

    /**
     * An open variable-length index reports its heap as the writer has it, before any checkpoint wrote it:
     * after close, the inspector reads the same numbers from the file. Overwrites with other lengths and
     * deletes leave free blocks; values beyond the largest size class take large blocks.
     */
    @Test
    void anOpenVariableLengthIndexReportsTheHeapTheFileShowsAfterClose() throws Exception {
        Path dir = tmp.resolve("var");
        Stats live;
        try (BucketDB db = BucketDB.open(dir, Options.defaults().withVariableKeys(12).withVariableValues(16)
                .withDurability(Durability.ASYNC))) {
            Stats empty = db.stats();
            assertTrue(empty.variableKeys() && empty.variableValues(), empty::toString);
            assertEquals(0, empty.heapBytesInUse(), empty::toString);
            for (int round = 0; round < 2; round++) {
                for (int i = 0; i < 500; i++) {
                    db.put(("key-" + i + "-" + "k".repeat(i % 40)).getBytes(StandardCharsets.UTF_8),
                            new byte[(i * 31 + round * 17) % (i % 50 == 0 ? 20_000 : 700)]);
                }
            }
            for (int i = 0; i < 500; i += 3) {
                db.delete(("key-" + i + "-" + "k".repeat(i % 40)).getBytes(StandardCharsets.UTF_8));
            }
            live = db.stats();
            assertTrue(live.heapBytesInUse() > 0 && live.heapBytesFree() > 0 && live.heapLargeBlocks() > 0, live::toString);
            assertEquals(live.heapBytesInUse(), live.heapLargeBytes()
                    + live.heapClasses().stream().mapToLong(c -> c.inUse() * c.blockBytes()).sum(), live::toString);
            for (Stats.HeapClass c : live.heapClasses()) {
                assertEquals(c.blocks(), c.inUse() + c.free(), c::toString);
            }
            List<Stats.HeapClass> classes = live.heapClasses();
            assertThrows(UnsupportedOperationException.class, () -> classes.set(0, classes.get(1)));
            assertThrows(UnsupportedOperationException.class, classes::clear);
        }
        Stats onDisk;
        try (IndexInspector in = IndexInspector.open(dir)) {
            onDisk = in.stats();
        }
        assertEquals(live.variableKeys(), onDisk.variableKeys());
        assertEquals(live.variableValues(), onDisk.variableValues());
        assertEquals(live.heapBytesInUse(), onDisk.heapBytesInUse());
        assertEquals(live.heapBytesFree(), onDisk.heapBytesFree());
        assertEquals(live.heapLargeBlocks(), onDisk.heapLargeBlocks());
        assertEquals(live.heapLargeBytes(), onDisk.heapLargeBytes());
        assertEquals(live.heapClasses(), onDisk.heapClasses());
        assertThrows(UnsupportedOperationException.class, () -> onDisk.heapClasses().remove(0));
    }
}
