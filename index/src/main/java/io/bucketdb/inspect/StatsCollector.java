package io.bucketdb.inspect;

import io.bucketdb.Stats;
import io.bucketdb.recovery.DamagePolicy;
import io.bucketdb.recovery.JournalOptions;
import io.bucketdb.recovery.JournalReader;
import io.bucketdb.recovery.ReplayReport;
import io.bucketdb.storage.ExtentClasses;
import io.bucketdb.storage.FileDurableIO;
import io.bucketdb.storage.Header;
import io.bucketdb.storage.NativeFileOps;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;

/**
 * Assembles {@link Stats}, the one place that turns a header, a chain census, the heap's space and the directory's files
 * into the numbers {@code bucketdb stat} prints, for both {@link IndexInspector#stats()} (the image on
 * disk) and {@code BucketDB.stats()} (an open index).
 */
public final class StatsCollector {
    private StatsCollector() {
    }

    /**
     * What a recovery would replay from the journal.
     *
     * @param records   journal records after the checkpoint LSN
     * @param tornBytes bytes of a torn tail it would drop
     */
    public record PendingReplay(long records, long tornBytes) {
    }

    /**
     * The numbers of an index.
     *
     * @param dir        the index directory
     * @param h          the header the numbers describe
     * @param slot       the header slot it came from (0 = A, 1 = B)
     * @param count      entries
     * @param census     the chain walk: histogram and evacuated old buckets
     * @param heap       the value heap's space (all zero for fixed widths)
     * @param fileBytes  bytes of the table file on disk
     * @param cleanClose see {@link Stats#cleanClose()}
     * @param pending    what a recovery would replay
     */
    public static Stats collect(Path dir, Header h, int slot, long count, Census census, HeapUsage heap, long fileBytes,
                                boolean cleanClose, PendingReplay pending) throws IOException {
        long buckets = 1L << h.b;
        IndexFiles files = IndexFiles.of(dir);
        List<Stats.HeapClass> classes = heap.classes().stream()
                .map(c -> new Stats.HeapClass(c.blockBytes(), c.blocks(), c.inUse(), c.free())).toList();
        return new Stats(dir, count, h.b, buckets, (double) count / buckets, h.overflowBuckets, h.ovfFreeCount,
                Arrays.stream(census.chainHistogram()).boxed().toList(), h.growing(), h.sameSizeGrow(), census.oldBuckets(),
                census.evacuatedOldBuckets(), h.nevacuate, h.keyWidth, h.outlineValues() ? h.outlineValueWidth : h.valueWidth,
                h.varKeys(), h.varValues() && !h.outlineValues(), h.bucketSize(),
                fileBytes, h.fileEnd, freeBytes(h), h.wastedBytes, heap.bytesInUse(), heap.bytesFree(), heap.largeBlocks(),
                heap.largeBytes(), classes, files.journal(), files.total(), files.checksums(), files.doubleWrite(),
                files.other(), h.checkpointLsn, h.generation,
                slot == 0 ? "A" : "B", cleanClose, pending.records(), pending.tornBytes(), h.outlineValues());
    }

    /**
     * The bytes {@code path} takes in disk blocks (issue 19): a file's allocated blocks, a directory's files' sum. Less
     * than the size where checkpoints gave free space back (punched holes) or ranges were never written.
     *
     * @param path a file, or a directory whose regular files are summed
     * @return the bytes in blocks, or -1 where the platform does not tell (no native access)
     * @throws IOException if a file cannot be examined
     */
    public static long diskBytes(Path path) throws IOException {
        if (!java.nio.file.Files.isDirectory(path)) {
            return NativeFileOps.allocatedBytes(path);
        }
        long sum = 0;
        try (java.util.stream.Stream<Path> files = java.nio.file.Files.walk(path)) {
            for (Path f : (Iterable<Path>) files.filter(java.nio.file.Files::isRegularFile)::iterator) {
                long b = NativeFileOps.allocatedBytes(f);
                if (b < 0) {
                    return -1;
                }
                sum += b;
            }
        } catch (java.io.UncheckedIOException e) {
            throw e.getCause();
        }
        return sum;
    }

    /** Bytes held by free extents, as the header's free lists count them. */
    public static long freeBytes(Header h) {
        long sum = 0;
        for (int c = 0; c < ExtentClasses.COUNT; c++) {
            sum += h.freeCounts[c] * ExtentClasses.bytes(c, h.bucketSize());
        }
        return sum;
    }

    /**
     * Reads the journal in {@code dir} after {@code checkpointLsn} as recovery would, changing nothing.
     *
     * @throws io.bucketdb.spi.CorruptIndexException if the journal is damaged (recovery would refuse it too)
     */
    public static PendingReplay pendingReplay(Path dir, long checkpointLsn) throws IOException {
        ReplayReport r = new JournalReader(FileDurableIO.INSTANCE, dir, JournalOptions.defaults())
                .replay(checkpointLsn, DamagePolicy.FAIL, (lsn, record) -> {
                });
        return new PendingReplay(r.recordsRead(), r.tornBytes());
    }
}
