package io.bucketdb.table;

import io.bucketdb.storage.Layouts;
import io.bucketdb.storage.Zeroes;

import java.lang.foreign.MemorySegment;

/**
 * Copies a fixed-width key or value into or between slots, or zeroes one: an 8-byte field as one long load and store,
 * any other width through {@link MemorySegment#copy} or {@link Zeroes#fill}.
 *
 * <p>Why not always {@code MemorySegment.copy} (issue 16): for small sizes the JDK's copy asks whether the two segments
 * overlap, and that check's branch profile is one for the whole JVM. While a table lies in one mapped chunk every
 * copy between slots is within one segment; once it spans two, some are not, the branch flips, and every compiled
 * method that inlined the copy (the writer's put, the split) is thrown back to C1 until C2 recompiles it: on a replay
 * in a fresh JVM, a few hundred milliseconds of recompiling on the cores the replay runs on. A long load and store has
 * no such branch. The bytes written are the same either way.
 */
final class FieldCopy {
    private FieldCopy() {
    }

    /**
     * Copies {@code width} bytes from {@code src[srcOff..]} to {@code dst[dstOff..]}; the ranges do not overlap.
     *
     * @param width the field's fixed width, at least 0
     */
    static void copy(MemorySegment src, long srcOff, MemorySegment dst, long dstOff, int width) {
        if (width == Long.BYTES) {
            dst.set(Layouts.LONG, dstOff, src.get(Layouts.LONG, srcOff));
        } else {
            MemorySegment.copy(src, srcOff, dst, dstOff, width);
        }
    }

    /**
     * Zeroes the {@code width} bytes at {@code seg[off..]}.
     *
     * @param width the field's fixed width, at least 0
     */
    static void zero(MemorySegment seg, long off, int width) {
        if (width == Long.BYTES) {
            seg.set(Layouts.LONG, off, 0L);
        } else {
            Zeroes.fill(seg, off, width);
        }
    }
}
