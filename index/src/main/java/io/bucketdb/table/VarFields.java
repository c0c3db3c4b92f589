package io.bucketdb.table;

import io.bucketdb.hash.KeyHash;
import io.bucketdb.storage.BlockNumberLayout;
import io.bucketdb.storage.ChunkedMapping;
import io.bucketdb.spi.CorruptIndexException;
import io.bucketdb.storage.Header;
import io.bucketdb.storage.HeaderLayout;
import io.bucketdb.storage.Layouts;
import io.bucketdb.storage.MappedChunks;
import io.bucketdb.storage.TableFile;
import io.bucketdb.storage.ValueHeap;
import io.bucketdb.storage.VarSlotLayout;
import io.bucketdb.storage.VerifiedPages;
import io.bucketdb.storage.Zeroes;

import java.lang.foreign.MemorySegment;

/**
 * Variable-length keys and values: a slot holds the length and either the bytes (when they fit the inline width) or
 * a reference to a value-heap block ({@link VarSlotLayout}). The heap extends the table's seqlock protocol
 * ({@link HashTable}, {@link StripedSeqLock}):
 * <ul>
 *   <li>The writer fills a new heap block <em>before</em> it opens the stripe's write window, and
 *       publishes the reference inside the window, so a reader that validates saw a complete block.</li>
 *   <li>The writer frees (zeroes, relinks) a replaced or deleted block <em>inside</em> the write
 *       window of the stripe whose slot referred to it. A freed block can be reused at once for
 *       another key, so a reader that followed an old reference may copy bytes of a different entry,
 *       or zeros; the stamp of its stripe changed, so it retries. Heap bytes are therefore copied (or
 *       handed to a reader function) first and trusted only after the stamp validates.</li>
 *   <li>A reader bounds every length and heap reference it read against the mapped chunks before it
 *       touches memory: a torn slot can hold anything. Only a slot that validates and is still out
 *       of bounds is reported as damage.</li>
 *   <li>Growth moves slots byte for byte, references included: heap blocks never move.</li>
 * </ul>
 * Readers pass the chunks of the snapshot they read in ({@code ArraySnapshot.chunks}); the writer passes the
 * mapping's current chunks.
 *
 * <p>Value slots go through the {@code value} methods, which know the file's two kinds: a {@link VarSlotLayout} slot
 * (variable-length values, and fixed-width values out of line in format versions 5 to 7), or a
 * {@link BlockNumberLayout} slot (fixed-width values out of line since version 8), which holds only the block's number:
 * every value then has the header's {@code outlineValueWidth}. The protocol above holds for both.
 */
final class VarFields {
    private final TableFile tf;
    private final Header h;
    private final ChunkedMapping mapping;
    private final VerifiedPages pages;
    private final ValueHeap heap;
    private final KeyHash keyHash;
    /** Bytes kept inline in a variable-length key slot. */
    private final int keyInline;
    /** Bytes kept inline in a variable-length value slot (0 for a block-number slot). */
    private final int valueInline;
    /** The numbering of a block-number value slot (format version 8), else null. */
    private final BlockNumberLayout numbers;
    /** With {@link #numbers}: every value's length. */
    private final long fixedLength;

    VarFields(TableFile tf, KeyHash keyHash, int keyInline, int valueInline) {
        this.tf = tf;
        this.h = tf.header();
        this.mapping = tf.mapping();
        this.pages = tf.pages();
        this.heap = tf.heap();
        this.keyHash = keyHash;
        this.keyInline = keyInline;
        this.valueInline = valueInline;
        this.numbers = BlockNumberLayout.of(h);
        this.fixedLength = numbers == null ? 0 : h.outlineValueWidth;
    }

    /** The length of the value in the slot at {@code seg[off]}: stored in a variable-length slot, fixed for a numbered one. */
    long valueLength(MemorySegment seg, long off) {
        return numbers == null ? fieldLength(seg, off) : fixedLength;
    }

    /** The file offset of the heap block of a numbered value slot at {@code seg[off]} (0 in an empty slot). */
    private long numberedRef(MemorySegment seg, long off) {
        return numbers.offset(seg.get(Layouts.INT, off + BlockNumberLayout.NUMBER_OFFSET));
    }

    /** {@link #copyField} for the value slot at {@code seg[off]}, of length {@code len} ({@link #valueLength}). */
    boolean copyValue(MemorySegment[] chunks, MemorySegment seg, long off, long len, MemorySegment dst, long dstOff) {
        if (numbers == null) {
            return copyField(chunks, seg, off, valueInline, len, dst, dstOff);
        }
        long ref = numberedRef(seg, off);
        return ref >= HeaderLayout.DATA_START && MappedChunks.copyOut(mapping, chunks, pages, ref, dst, dstOff, len);
    }

    /** {@link #fieldView} for the value slot at {@code seg[off]}. */
    MemorySegment valueView(MemorySegment[] chunks, MemorySegment seg, long off) {
        return numbers == null ? fieldView(chunks, seg, off, valueInline) : heapSlice(chunks, numberedRef(seg, off), fixedLength);
    }

    /**
     * Writer thread, before a new value's block is filled: whether the block at {@code ref} can be named by this
     * file's value slots (a numbered slot reaches only {@link BlockNumberLayout#limit()}).
     */
    boolean valueRefFits(long ref) {
        return numbers == null || numbers.numbered(ref);
    }

    /** The end of the value heap a numbered file's slots can reach, for the error that says so. */
    long valueRefLimit() {
        return numbers == null ? Long.MAX_VALUE : numbers.limit();
    }

    /**
     * Writer thread, inside a write window: {@link #writeField} for the value slot at {@code seg[off]} ({@code ref} 0
     * if the bytes go inline; a numbered slot always has a block, which {@link #valueRefFits} accepted).
     */
    void writeValue(MemorySegment seg, long off, MemorySegment src, long srcOff, long len, long ref) {
        if (numbers == null) {
            writeField(seg, off, valueInline, src, srcOff, len, ref);
        } else {
            seg.set(Layouts.INT, off + BlockNumberLayout.NUMBER_OFFSET, numbers.number(ref));
        }
    }

    /** Writer thread, inside a write window: {@link #releaseField} for the value slot at {@code seg[off]}. */
    void releaseValue(MemorySegment seg, long off) {
        if (numbers == null) {
            releaseField(seg, off, valueInline);
        } else {
            heap.free(numberedRef(seg, off), fixedLength);
        }
    }

    /** The length stored in the variable-length slot at {@code seg[off]}. */
    static long fieldLength(MemorySegment seg, long off) {
        return seg.get(Layouts.INT, off + VarSlotLayout.LENGTH_OFFSET) & 0xFFFFFFFFL;
    }

    /**
     * The {@code len} heap bytes at file offset {@code ref} as one slice of {@code chunks}, or null
     * if they are not inside one mapped chunk (damage, a torn read, or a large block that straddles).
     */
    private MemorySegment heapSlice(MemorySegment[] chunks, long ref, long len) {
        return ChainProbe.heapSlice(chunks, mapping, pages, ref, len);
    }

    /**
     * Copies the {@code len} bytes of the variable-length field at {@code seg[off]} (inline width
     * {@code inline}) to {@code dst[dstOff..]}, across chunk boundaries; false if the heap
     * reference leaves {@code chunks}.
     */
    boolean copyField(MemorySegment[] chunks, MemorySegment seg, long off, int inline, long len, MemorySegment dst, long dstOff) {
        if (len <= inline) {
            MemorySegment.copy(seg, off + VarSlotLayout.BODY_OFFSET, dst, dstOff, len);
            return true;
        }
        long ref = seg.get(Layouts.LONG, off + VarSlotLayout.HEAP_REF_OFFSET);
        if (ref < HeaderLayout.DATA_START) {
            return false;
        }
        return MappedChunks.copyOut(mapping, chunks, pages, ref, dst, dstOff, len);
    }

    /** A view of the variable-length field at {@code seg[off]} in place, or null if it is not inside one chunk. */
    MemorySegment fieldView(MemorySegment[] chunks, MemorySegment seg, long off, int inline) {
        long len = fieldLength(seg, off);
        if (len <= inline) {
            return seg.asSlice(off + VarSlotLayout.BODY_OFFSET, len);
        }
        return heapSlice(chunks, seg.get(Layouts.LONG, off + VarSlotLayout.HEAP_REF_OFFSET), len);
    }

    /** 1 if the variable-length key at {@code seg[off]} equals {@code key[keyOff..+keyLen]}, 0 if not, -1 if its heap reference is bad. */
    int keyCompare(MemorySegment[] chunks, MemorySegment seg, long off, MemorySegment key, long keyOff, int keyLen) {
        return ChainProbe.varKeyCompare(chunks, mapping, pages, seg, off, key, keyOff, keyLen, keyInline);
    }

    /** The hash of the variable-length key stored in the slot at {@code seg[off]}; a bad heap reference throws {@link HeapRefException}. */
    long hashStoredKey(MemorySegment[] chunks, MemorySegment seg, long off) {
        long len = fieldLength(seg, off);
        if (len <= keyInline) {
            return keyHash.hash(seg, off + VarSlotLayout.BODY_OFFSET, (int) len);
        }
        MemorySegment stored = heapSlice(chunks, seg.get(Layouts.LONG, off + VarSlotLayout.HEAP_REF_OFFSET), len);
        if (stored == null) {
            throw new HeapRefException();
        }
        return keyHash.hash(stored, 0, (int) len);
    }

    /** A heap reference outside the mapped file met while hashing a stored key (a torn read or damage). */
    static final class HeapRefException extends RuntimeException {
        HeapRefException() {
            super(null, null, false, false);
        }
    }

    /** The writer's report of a slot in {@code bucket} whose heap reference leaves the file. */
    CorruptIndexException badHeapRef(long bucket) {
        return new CorruptIndexException(tf.path(), bucket, "slots whose heap references lie within the file's "
                + h.fileEnd + " allocated bytes");
    }

    /** Writer thread, inside a write window (bytes already marked dirty): fills the variable-length slot at {@code seg[off]}. */
    static void writeField(MemorySegment seg, long off, int inline, MemorySegment src, long srcOff, long len, long ref) {
        seg.set(Layouts.INT, off + VarSlotLayout.LENGTH_OFFSET, (int) len);
        long body = off + VarSlotLayout.BODY_OFFSET;
        if (ref == 0) {
            MemorySegment.copy(src, srcOff, seg, body, len);
            Zeroes.fill(seg, body + len, inline - len);
        } else {
            seg.set(Layouts.LONG, body, ref);
            Zeroes.fill(seg, body + 8, inline - 8);
        }
    }

    /** Writer thread, inside a write window: frees the heap block of the variable-length slot at {@code seg[off]}, if it has one. */
    void releaseField(MemorySegment seg, long off, int inline) {
        long len = fieldLength(seg, off);
        if (len > inline) {
            heap.free(seg.get(Layouts.LONG, off + VarSlotLayout.HEAP_REF_OFFSET), len);
        }
    }
}
