package io.bucketdb;

import java.nio.file.Path;
import java.util.List;
import java.util.Objects;

/**
 * An index's numbers: what {@code bucketdb stat} prints about the table and the sizes of its files, under the
 * names of its {@code --json} output ({@code b} is printed as {@code B}). Immutable: the histogram and the heap
 * classes are unmodifiable copies. {@code stat} adds what belongs to the moment and the directory rather than to
 * the index: the disk blocks the files take ({@code fileDiskBytes}, {@code directoryDiskBytes}), whether a writer
 * holds the index ({@code live}, {@code lockHolder}), the checkpoint image's age ({@code imageTime},
 * {@code imageAgeMillis}, {@code journalRecordsSinceImage}, {@code journalBytesSinceImage}), the recovery line and
 * the read-only view's position and count ({@code viewLsn}, {@code recordsReplayed}, {@code viewCount}), and the
 * table's bytes per entry ({@code tableBytesPerEntry}) beside {@link #bytesPerEntry()}.
 *
 * <p>{@link BucketDB#stats()} reports an index opened for writing as its writer sees it (the table in
 * memory, the journal it is writing). Opened with {@link Options#withReadOnly}, which takes no lock and
 * works beside a writer, it reports the last checkpoint image on disk: the same record
 * {@code bucketdb stat} prints.
 *
 * @param directory           the index directory
 * @param count               entries
 * @param b                   log2 of the number of buckets
 * @param buckets             buckets in the current array ({@code 2^b})
 * @param loadFactor          entries per bucket of the current array (Go grows above 6.5)
 * @param overflowBuckets     overflow buckets in use
 * @param freeOverflowBuckets overflow buckets on the free list, ready for reuse
 * @param chainHistogram      element {@code k} counts chains of {@code k + 1} buckets (the last: that many or more)
 * @param growing             whether a growth is in progress
 * @param sameSizeGrowth      whether that growth keeps B (packs overflow chains)
 * @param oldBuckets          buckets of the old array while growing, else 0
 * @param evacuated           old buckets already evacuated while growing, else 0
 * @param evacuationMark      the evacuation mark: old buckets below it are evacuated (those above may be too)
 * @param keyWidth            key width in bytes
 * @param valueWidth          value width in bytes
 * @param variableKeys        whether keys are variable-length ({@code keyWidth} is then the slot width: a 4-byte
 *                            length and the inline bytes, or a reference into the value heap)
 * @param variableValues      whether values are variable-length (likewise for {@code valueWidth})
 * @param bucketBytes         bytes of one bucket (tophash bytes, keys, values, overflow reference)
 * @param fileBytes           the table file's length (punched holes and space allocated ahead included; {@code stat}'s
 *                            {@code fileDiskBytes} counts the disk blocks)
 * @param allocatedBytes      bytes of the table file the allocator has handed out (the rest is preallocated)
 * @param freeBytes           bytes in free extents, as the header's free lists count them
 * @param wastedBytes         bytes lost to alignment gaps between extents
 * @param heapBytesInUse      bytes of value-heap blocks holding keys and values too long for their slot (block
 *                            sizes, not the data's lengths; 0 for fixed widths)
 * @param heapBytesFree       bytes of free small heap blocks, ready for reuse (free large blocks are free extents)
 * @param heapLargeBlocks     heap blocks longer than the largest size class, each an extent of its own
 * @param heapLargeBytes      bytes of those large blocks
 * @param heapClasses         the heap's size classes, smallest first, each with its blocks carved, in use and free
 * @param journalBytes        bytes of the journal segment files (preallocated segments count in full; a clean close leaves one header-only segment)
 * @param directoryBytes      the lengths of every file in the index directory added up: table, journal, double-write
 *                            and page-checksum files, and any other
 * @param checksumBytes       bytes of the two page-checksum files checkpoints write
 * @param doubleWriteBytes    bytes of the double-write file (while open, the size of the largest checkpoint since open; 8 KiB, a head and a header image, after a clean close)
 * @param otherBytes          bytes of every other file in the directory (the lock file, anything a user put there)
 * @param checkpointLsn       the journal LSN the last checkpoint covers
 * @param generation          header generation of the last checkpoint
 * @param headerSlot          the header slot that checkpoint wrote: {@code "A"} or {@code "B"}
 * @param cleanClose          for the image on disk: whether its header records a clean close; for an open
 *                            index: whether it was closed cleanly before this open
 * @param replayRecords       journal records after the checkpoint that a recovery would replay
 * @param replayTornBytes     bytes of a torn journal tail that a recovery would drop (0 for an open index)
 * @param valuesOutOfLine     whether fixed-width values ({@code valueWidth} bytes each) are kept in the value heap,
 *                            each slot holding a reference ({@link Options#withValuesOutOfLine})
 */
public record Stats(Path directory, long count, int b, long buckets, double loadFactor, long overflowBuckets,
                    long freeOverflowBuckets, List<Long> chainHistogram, boolean growing, boolean sameSizeGrowth,
                    long oldBuckets, long evacuated, long evacuationMark, int keyWidth, int valueWidth,
                    boolean variableKeys, boolean variableValues, int bucketBytes, long fileBytes, long allocatedBytes,
                    long freeBytes, long wastedBytes, long heapBytesInUse, long heapBytesFree, long heapLargeBlocks,
                    long heapLargeBytes, List<HeapClass> heapClasses, long journalBytes,
                    long directoryBytes, long checksumBytes, long doubleWriteBytes, long otherBytes, long checkpointLsn, long generation, String headerSlot, boolean cleanClose,
                    long replayRecords, long replayTornBytes, boolean valuesOutOfLine) {

    /** Copies {@code chainHistogram} and {@code heapClasses} into unmodifiable lists; rejects nulls. */
    public Stats {
        Objects.requireNonNull(directory, "directory");
        chainHistogram = List.copyOf(chainHistogram);
        heapClasses = List.copyOf(heapClasses);
        Objects.requireNonNull(headerSlot, "headerSlot");
    }

    /** {@return bytes on disk per entry, all files of the index directory counted (0 for an empty index)} */
    public double bytesPerEntry() {
        return count == 0 ? 0 : (double) directoryBytes / count;
    }

    /**
     * One size class of the value heap: blocks of one size carved from pages of the table file.
     *
     * @param blockBytes bytes of one block
     * @param blocks     blocks carved (in use and free)
     * @param inUse      blocks holding a key or value
     * @param free       blocks on the class's free list
     */
    public record HeapClass(int blockBytes, long blocks, long inUse, long free) {
    }
}
