package io.bucketdb.spi;

import java.io.Closeable;
import java.io.IOException;
import java.lang.foreign.MemorySegment;

/**
 * A shared writable mapping of an allocated range of a journal file, made by {@link DurableFile#mapAppendWindow}: the
 * journal's appends copy their frames in with {@link #put}, without a system call, and the bytes are in the page cache
 * at once, so they survive a process kill and positional reads of the file see them (Linux keeps the page cache and
 * shared mappings coherent). Only {@link #force} makes them survive a power loss (docs/DESIGN.md, "Hard rules": the
 * journal, not the table file, may be appended so; its frames carry CRCs and a torn tail is dropped).
 *
 * <h2>Threads and lifetime</h2>
 * One thread at a time puts (the journal's appender); one thread at a time forces, possibly beside the putting thread
 * (a force covers every put that returned before it began, and a page a put changes while it is being written back
 * stays dirty for the next force). {@link #close} unmaps at once: the caller makes sure that no put or force runs or
 * follows, and closes the window before the file shrinks, is deleted or is closed, so no access ever reaches an unmapped
 * page or a page past the end of the file.
 */
public interface AppendWindow extends Closeable {

    /** {@return the file offset of the window's first byte} */
    long start();

    /** {@return the file offset just past the window's last byte} */
    long end();

    /**
     * Copies {@code length} bytes of {@code src} from {@code srcOffset} into the file at {@code position}; no system
     * call, not durable until {@link #force} covers them.
     *
     * @param position the file offset of the first byte, at least {@link #start()}
     * @param src the bytes to copy
     * @param srcOffset where in {@code src} they start
     * @param length how many
     * @throws IndexOutOfBoundsException if {@code [position, position + length)} is not within the window or the source
     *                                   range not within {@code src}
     * @throws IllegalStateException if the window is closed
     * @throws IOException never from a mapping of a real file; a {@link DurableIO} of tests may throw it (a simulated
     *                     process that died, so nothing is acknowledged after the kill; an injected failure)
     */
    void put(long position, MemorySegment src, long srcOffset, long length) throws IOException;

    /**
     * Makes the bytes put into {@code [from, to)} durable, and the file's size with them (an {@code msync} of the
     * range, which Linux completes as an {@code fdatasync} of it). If this throws, nothing put since the last successful
     * force may be assumed durable (Linux marks the pages clean and reports the error once): never retry it, fail
     * instead.
     *
     * @param from the file offset of the first byte to make durable, at least {@link #start()}
     * @param to the file offset just past the last one, at most {@link #end()}
     * @throws IOException if the force fails
     */
    void force(long from, long to) throws IOException;

    /**
     * Faults the pages of {@code [from, to)} (clipped to the window) into the mapping for writing, so a later {@link #put}
     * there takes no fault; for a thread other than the appender's (issue 16). It changes no byte, also of a put that
     * writes the same range meanwhile (an atomic add of 0 per page), and orders nothing against a put or a force; the
     * pages may be written back sooner, with the bytes they hold. A window closed before or during the touch ends it quietly: the
     * caller need not coordinate with {@link #close}, and the touch never holds a close up. Does nothing by default (a
     * window that is not a mapping has nothing to fault in).
     *
     * @param from the file offset to start at
     * @param to the file offset to stop before
     */
    default void touch(long from, long to) {
    }

    /** Unmaps the window (not a force): its memory is released at once. Does nothing the second time. */
    @Override
    void close();
}
