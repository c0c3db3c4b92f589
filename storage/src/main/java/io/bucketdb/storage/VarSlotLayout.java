package io.bucketdb.storage;

/**
 * Byte layout of a variable-length key or value slot. An index created with variable-length keys
 * (or values) gives each bucket slot {@code 4 + I} bytes, where I, the inline width, is chosen at
 * creation ({@link #MIN_INLINE}..{@link #MAX_INLINE}); {@link BucketLayout} then lays out slots of
 * that width like fixed-width ones.
 *
 * <pre>
 *  offset  size  field
 *       0     4  length
 *       4     I  body
 *     4+I        (end)
 * </pre>
 *
 * <ul>
 *   <li>{@code length}: the key's or value's length in bytes (u32, little-endian).</li>
 *   <li>{@code body}: if {@code length <= I}, the bytes themselves, followed by zeros; otherwise
 *       {@code heapRef}, the file offset (u64, little-endian, at {@link #HEAP_REF_OFFSET}) of a
 *       {@link HeapLayout} block holding the bytes, followed by zeros. Whether the body is inline
 *       follows from the length alone, so no flag is needed.</li>
 * </ul>
 *
 * A lookup compares the full key only after the tophash byte and the length matched. Growth moves
 * slots byte for byte: a heap reference stays valid because heap blocks never move.
 */
public final class VarSlotLayout {
    /** Byte 0 of a slot, 4 bytes: {@code length}, the key's or value's length in bytes. */
    public static final int LENGTH_OFFSET = 0;
    /** Byte 4 of a slot, I bytes: {@code body}, the inline bytes or the heap reference. */
    public static final int BODY_OFFSET = 4;
    /** Where a heap reference sits (inside the body). */
    public static final int HEAP_REF_OFFSET = BODY_OFFSET;
    /** Slot bytes beyond the inline width. */
    public static final int OVERHEAD = BODY_OFFSET;
    /** The body must hold a heap reference. */
    public static final int MIN_INLINE = 8;
    /** The slot must fit {@link BucketLayout#MAX_WIDTH}. */
    public static final int MAX_INLINE = BucketLayout.MAX_WIDTH - OVERHEAD;

    /**
     * Bytes of the slot that holds a fixed-width value kept out of line ({@link HeaderLayout#OUTLINE_VALUES}) in format
     * versions 5 to 7: its length and heap reference. Version 8 names the block by a 4-byte number instead
     * ({@link BlockNumberLayout}).
     */
    public static final int OUTLINE_SLOT_WIDTH = MIN_INLINE + OVERHEAD;

    private VarSlotLayout() {
    }

    /**
     * Whether a new index keeps fixed values of {@code width} bytes out of line unless told otherwise: when the
     * bytes a value slot reserves, at the average fill of a bucket, are more than a 12-byte reference slot plus the
     * heap block would take. Go's buckets are filled 6.5/8 before a doubling and half that after it; 5/8 of the slots
     * are used on average. Per entry, inline then costs {@code 8V/5} bytes, out of line {@code 8*12/5} plus the heap
     * block, whose size is that of V's class in a new file's {@link HeapClasses#PAGE_FIT} scheme (a raw extent above
     * 2048 bytes): out of line where {@code 8(V - 12) > 5 * block(V)}. With those classes that is 38..40 and
     * 43..2048 bytes, then 2573..4096 (a value above 2048 bytes takes a whole page); every width up to 37, 41 and 42,
     * and 2049..2572 stay inline, and so do 8-byte values and the primitive {@code long} paths.
     *
     * <p>Why 12 bytes when a new file's slot takes 4 ({@link BlockNumberLayout}, format version 8): with 4 the bytes
     * alone would move 15, 16 and 20..37 bytes out of line too, but a hit out of line reads one more cache line, in
     * the heap, and for values that narrow the hit rate it costs was not measured on a quiet machine (16x32 at 1M:
     * 83.2 against 119.1 bytes per entry, hits 0.49-0.50 against 0.64-2.22 M/s on a busy one; docs/BENCHMARKS.md,
     * "outline"). So the default keeps the boundary it had with the 12-byte slots of versions 5 to 7, where the bytes
     * saved are larger than the value itself is likely to cost in reads; {@code Options.withValuesOutOfLine(true)}
     * takes the smaller files for narrower values. (With the power-of-two classes of versions 2 to 5 the boundary was
     * 53..64, 93..128, 173..256 and so on.)
     *
     * @param width the fixed value width, 0 to {@link BucketLayout#MAX_WIDTH}
     * @return true if values of that width go to the value heap by default
     */
    public static boolean outlinesByDefault(int width) {
        return width > MIN_INLINE && 8L * (width - OUTLINE_SLOT_WIDTH) > 5L * HeapClasses.PAGE_FIT.blockBytesFor(width);
    }

    /**
     * {@return the slot width for inline width {@code inline}: {@code 4 + inline}}
     *
     * @param inline the inline width I, {@link #MIN_INLINE} to {@link #MAX_INLINE}
     * @throws IllegalArgumentException if {@code inline} is out of range
     */
    public static int slotWidth(int inline) {
        if (inline < MIN_INLINE || inline > MAX_INLINE) {
            throw new IllegalArgumentException("inline width must be " + MIN_INLINE + ".." + MAX_INLINE + " bytes, got " + inline);
        }
        return inline + OVERHEAD;
    }

    /**
     * {@return the inline width I of a slot of {@code slotWidth} bytes: {@code slotWidth - 4}}
     *
     * @param slotWidth the slot width, as {@link #slotWidth} gave it
     */
    public static int inlineWidth(int slotWidth) {
        return slotWidth - OVERHEAD;
    }
}
