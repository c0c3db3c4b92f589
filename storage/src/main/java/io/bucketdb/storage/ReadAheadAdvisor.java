package io.bucketdb.storage;

import java.lang.foreign.MemorySegment;

/**
 * Where a {@link ChunkedMapping} sends its read-ahead hints ({@link ChunkedMapping#adviseReadAhead}): the kernel's
 * {@code madvise} through {@link NativeFileOps} in an index, a recording double in a test (the hints change no byte, so
 * a test can only see them here or in {@code /proc/self/smaps}).
 */
public interface ReadAheadAdvisor {
    /** The kernel's advice ({@link NativeFileOps#adviseRandom}, {@link NativeFileOps#adviseNormal}). */
    ReadAheadAdvisor NATIVE = (pages, readAhead) ->
            readAhead ? NativeFileOps.adviseNormal(pages) : NativeFileOps.adviseRandom(pages);

    /**
     * Advises the pages of {@code pages}, a page-aligned slice of one mapped chunk.
     *
     * @param pages     the pages
     * @param readAhead {@code true} for {@code MADV_NORMAL} (faults read ahead), {@code false} for {@code MADV_RANDOM}
     * @return whether the advice was taken; {@code false} (refused, or no native access) changes nothing
     */
    boolean advise(MemorySegment pages, boolean readAhead);
}
