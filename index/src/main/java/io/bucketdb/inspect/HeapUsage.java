package io.bucketdb.inspect;

import io.bucketdb.storage.Header;
import io.bucketdb.storage.HeapClasses;

import java.util.ArrayList;
import java.util.List;

/**
 * The value heap's space as the header accounts for it.
 *
 * @param classes     the small classes (blocks carved from pages)
 * @param largeBlocks heap blocks that are raw extents of their own (values longer than the largest small class)
 * @param largeBytes  the bytes of those extents
 */
public record HeapUsage(List<SmallClass> classes, long largeBlocks, long largeBytes) {
    /**
     * @param blockBytes bytes of one block of the class
     * @param blocks     blocks carved (in use + free)
     * @param free       blocks on the class's free list
     */
    public record SmallClass(int blockBytes, long blocks, long free) {
        public long inUse() {
            return blocks - free;
        }
    }

    /**
     * The heap's space as header {@code h} counts it: the file's last checkpoint for an inspector, the live
     * header for an open index (read on its writer thread, which is the only one that changes it).
     */
    public static HeapUsage of(Header h) {
        // The file's own scheme: 8 power-of-two classes up to format version 5, 43 page-fit ones since 6.
        HeapClasses scheme = h.heapClasses();
        List<SmallClass> classes = new ArrayList<>();
        for (int c = 0; c < scheme.count(); c++) {
            classes.add(new SmallClass(scheme.blockBytes(c), h.heapBlocks[c], h.heapFreeCounts[c]));
        }
        return new HeapUsage(List.copyOf(classes), h.heapLargeBlocks, h.heapLargeBytes);
    }

    /** Bytes of heap blocks in use (block sizes, not the data's lengths). */
    public long bytesInUse() {
        return largeBytes + classes.stream().mapToLong(c -> c.inUse() * c.blockBytes()).sum();
    }

    /** Bytes of free small blocks (free large blocks are free extents of the file). */
    public long bytesFree() {
        return classes.stream().mapToLong(c -> c.free() * c.blockBytes()).sum();
    }
}
