package io.bucketdb.storage;

import java.io.IOException;
import java.lang.foreign.MemorySegment;

/**
 * Drops the private (copy-on-write) copies of mapped pages whose bytes the file already holds, so
 * they read from the page cache again and stop counting as this process's private memory.
 *
 * <p>With native access enabled this is {@code madvise(MADV_DONTNEED)} through the FFM linker
 * ({@link NativeFileOps}). Without it, {@link MemorySegment#unload()}: on Linux the JDK implements it
 * with the same {@code madvise(MADV_DONTNEED)} call, which on a private mapping discards the private
 * copies; {@code PageReleaseTest} checks that a released page reads the file's bytes again on this
 * JDK, for both paths. Remapping the chunk, the other way to get there, would pull the segment out
 * from under lock-free readers.
 */
public final class PageRelease {
    private PageRelease() {
    }

    /**
     * Releases every page of {@code pages}, a page-aligned slice of a mapped chunk: with {@code madvise(MADV_DONTNEED)}
     * where native calls are bound, else by unloading the segment.
     *
     * @param pages the pages to release; their content must already be in the file
     * @throws IllegalArgumentException if the segment is not native or not page-aligned
     * @throws IOException if {@code madvise} reports an error
     */
    public static void release(MemorySegment pages) throws IOException {
        if (!NativeFileOps.madviseDontNeed(pages)) {
            pages.unload();
        }
    }

    /** The fallback alone, for the test that proves it discards private copies. */
    static void releaseWithoutNativeAccess(MemorySegment pages) {
        pages.unload();
    }
}
