package io.bucketdb.storage;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

/**
 * Zeroes memory without allocating. {@code seg.asSlice(off, len).fill((byte) 0)} makes a slice object
 * per call that the JIT does not reliably remove, and the writer zeroes bytes on every evacuation
 * (new buckets, emptied old ones) and every delete: a copy from one shared block of zeroes keeps those
 * paths allocation-free.
 */
public final class Zeroes {
    /** 64 KiB of zeroes (native memory is zeroed on allocation), never written. */
    private static final MemorySegment ZEROES = Arena.global().allocate(64 << 10);

    private Zeroes() {
    }

    /**
     * Sets {@code [off, off + len)} of {@code seg} to zero.
     *
     * @param seg the memory to clear
     * @param off the first byte to clear
     * @param len the number of bytes to clear
     */
    public static void fill(MemorySegment seg, long off, long len) {
        while (len > 0) {
            long n = Math.min(len, ZEROES.byteSize());
            MemorySegment.copy(ZEROES, 0, seg, off, n);
            off += n;
            len -= n;
        }
    }
}
