package io.bucketdb.storage;

/**
 * Byte layout of one bucket, Go's {@code bmap} with fixed-width keys and values, in one of two arrangements chosen by
 * the file's format version. Both start with the eight tophash bytes, so a lookup reads one 8-byte word to find
 * candidate slots, and keep the eight keys together and the eight values together (no padding between a key and its
 * value); they differ in where the file offset of the next overflow bucket (0 = none) sits.
 *
 * <p>Format version 4 ({@link #of(int, int)}, every table created since; header flag
 * {@link HeaderLayout#OVERFLOW_FIRST}): the overflow reference right after the tophash bytes.
 *
 * <pre>
 *  offset  size  field
 *       0     8  tophash
 *       8     8  overflow
 *      16    8K  keys
 *   16+8K    8V  values
 * 16+8K+8V       (end)
 * </pre>
 *
 * <p>Why (issue 19): a lookup of an absent key in a full bucket must read the overflow reference to know the chain
 * ends. At the bucket's end that is a second cache line of a 144-byte 8x8 bucket, fetched behind a branch on the
 * tophash compare that cannot be predicted; next to the tophash word it lies in the same 16 bytes, and the miss is
 * decided with the line the tophash compare has already fetched. (Pieces start page-aligned; where K + V is even,
 * as for 8-byte keys and values, a bucket is a multiple of 16 bytes, so those 16 bytes never straddle a cache line.)
 *
 * <p>Format versions 1 to 3 ({@link #of(int, int, boolean)} with {@code false}): the overflow reference at the end,
 * Go's own arrangement. Files of those versions keep it for life; the table reads and writes both through the
 * offsets of this class.
 *
 * <pre>
 *  offset  size  field
 *       0     8  tophash
 *       8    8K  keys
 *    8+8K    8V  values
 * 8+8K+8V     8  overflow
 * 16+8K+8V       (end)
 * </pre>
 *
 * K is the key width and V the value width chosen at creation; the size is {@code 16 + 8K + 8V} either way. V is a
 * slot's width: a {@link VarSlotLayout} slot's for variable-length values, and for fixed values kept out of line
 * ({@link HeaderLayout#OUTLINE_VALUES}) the 4-byte slot of their heap block's number ({@link BlockNumberLayout},
 * format version 8; versions 5 to 7: the 12-byte slot of their length and heap reference), so a 16x100 bucket takes
 * 176 bytes (240 in versions 5 to 7) instead of 944. Tophash
 * byte {@code i} belongs to slot {@code i}; its values below {@link #MIN_TOPHASH} are slot states.
 */
public final class BucketLayout {
    /**
     * Slots (key/value pairs) in one bucket, as in Go's map: one tophash byte each, so the tophashes fill one 8-byte
     * word.
     */
    public static final int SLOTS = 8;

    /** Slot empty, and so is every later slot and overflow bucket of the chain. */
    public static final int EMPTY_REST = 0;
    /** Slot empty, but later slots may be used. */
    public static final int EMPTY_ONE = 1;
    /** Old bucket slot moved to the first (X) half of the new array. */
    public static final int EVACUATED_X = 2;
    /** Old bucket slot moved to the second (Y) half of the new array. */
    public static final int EVACUATED_Y = 3;
    /** Old bucket slot was empty when the bucket was evacuated. */
    public static final int EVACUATED_EMPTY = 4;
    /** Smallest tophash of a used slot; real tophashes below it are bumped up by this much. */
    public static final int MIN_TOPHASH = 5;

    /** Byte 0 of a bucket, {@link #SLOTS} bytes: {@code tophash}, one byte per slot (every format version). */
    public static final int TOPHASH_OFFSET = 0;
    /** Bytes of the overflow reference. */
    public static final int OVERFLOW_SIZE = 8;

    /** Largest key or value width kept inline in a slot. */
    public static final int MAX_WIDTH = 4096;

    private final int keyWidth;
    private final int valueWidth;
    private final boolean overflowFirst;
    private final int keysOffset;
    private final int valuesOffset;
    private final int overflowOffset;
    private final int size;

    private BucketLayout(int keyWidth, int valueWidth, boolean overflowFirst) {
        this.keyWidth = keyWidth;
        this.valueWidth = valueWidth;
        this.overflowFirst = overflowFirst;
        int afterTophash = TOPHASH_OFFSET + SLOTS;
        this.keysOffset = overflowFirst ? afterTophash + OVERFLOW_SIZE : afterTophash;
        this.valuesOffset = keysOffset + SLOTS * keyWidth;
        this.overflowOffset = overflowFirst ? afterTophash : valuesOffset + SLOTS * valueWidth;
        this.size = afterTophash + OVERFLOW_SIZE + SLOTS * (keyWidth + valueWidth);
    }

    /**
     * The layout of format version 4 (the overflow reference after the tophash bytes) for keys of {@code keyWidth}
     * bytes and values of {@code valueWidth} bytes.
     *
     * @param keyWidth the key width K, 1 to {@link #MAX_WIDTH}
     * @param valueWidth the value width V, 0 to {@link #MAX_WIDTH}
     * @return the layout
     * @throws IllegalArgumentException if a width is out of range
     */
    public static BucketLayout of(int keyWidth, int valueWidth) {
        return of(keyWidth, valueWidth, true);
    }

    /**
     * The layout of the table whose header is {@code h}: its widths, and the arrangement its format version names
     * ({@link Header#overflowFirst()}).
     *
     * @param h the table's header
     * @return the layout
     * @throws IllegalArgumentException if a width is out of range
     */
    public static BucketLayout of(Header h) {
        return of(h.keyWidth, h.valueWidth, h.overflowFirst());
    }

    /**
     * The layout for keys of {@code keyWidth} bytes and values of {@code valueWidth} bytes in either arrangement.
     *
     * @param keyWidth the key width K, 1 to {@link #MAX_WIDTH}
     * @param valueWidth the value width V, 0 to {@link #MAX_WIDTH}
     * @param overflowFirst true for format version 4 (overflow reference at byte 8), false for versions 1 to 3
     *     (overflow reference at the end)
     * @return the layout
     * @throws IllegalArgumentException if a width is out of range
     */
    public static BucketLayout of(int keyWidth, int valueWidth, boolean overflowFirst) {
        if (keyWidth < 1 || keyWidth > MAX_WIDTH) {
            throw new IllegalArgumentException("key width must be 1.." + MAX_WIDTH + " bytes, got " + keyWidth);
        }
        if (valueWidth < 0 || valueWidth > MAX_WIDTH) {
            throw new IllegalArgumentException("value width must be 0.." + MAX_WIDTH + " bytes, got " + valueWidth);
        }
        return new BucketLayout(keyWidth, valueWidth, overflowFirst);
    }

    /** {@return true if the overflow reference follows the tophash bytes (format version 4), false if it ends the bucket} */
    public boolean overflowFirst() {
        return overflowFirst;
    }

    /** {@return the offset of the first key slot in a bucket: 16 in format version 4, 8 before} */
    public int keysOffset() {
        return keysOffset;
    }

    /** {@return the key width in bytes} */
    public int keyWidth() {
        return keyWidth;
    }

    /** {@return the value width in bytes} */
    public int valueWidth() {
        return valueWidth;
    }

    /** {@return the offset of the first value slot in a bucket} */
    public int valuesOffset() {
        return valuesOffset;
    }

    /** {@return the offset of the overflow reference in a bucket} */
    public int overflowOffset() {
        return overflowOffset;
    }

    /** {@return bytes of one bucket: {@code 16 + 8K + 8V}} */
    public int size() {
        return size;
    }

    /**
     * {@return the offset of slot {@code i}'s key from the bucket start}
     *
     * @param i the slot, 0 to {@link #SLOTS} - 1
     */
    public long keyOffset(int i) {
        return keysOffset + (long) i * keyWidth;
    }

    /**
     * {@return the offset of slot {@code i}'s value from the bucket start}
     *
     * @param i the slot, 0 to {@link #SLOTS} - 1
     */
    public long valueOffset(int i) {
        return valuesOffset + (long) i * valueWidth;
    }

    /**
     * {@return true for tophash bytes that mark an empty slot (emptyRest, emptyOne, evacuatedEmpty)}
     *
     * @param tophash a tophash byte, 0 to 255
     */
    public static boolean isEmpty(int tophash) {
        return tophash <= EMPTY_ONE || tophash == EVACUATED_EMPTY;
    }

    /**
     * {@return true if a bucket whose first tophash byte is {@code first} has been evacuated}
     *
     * @param first the bucket's tophash byte of slot 0, 0 to 255
     */
    public static boolean isEvacuated(int first) {
        return first > EMPTY_ONE && first < MIN_TOPHASH;
    }

    /**
     * Go's tophash: the top 8 bits of the hash, bumped above the reserved slot states.
     *
     * @param hash a key's 64-bit hash
     * @return the tophash byte, {@link #MIN_TOPHASH} to 255
     */
    public static int tophash(long hash) {
        int top = (int) (hash >>> 56);
        return top < MIN_TOPHASH ? top + MIN_TOPHASH : top;
    }

    /**
     * A name for a tophash byte, for dumps.
     *
     * @param tophash a tophash byte, 0 to 255
     * @return the slot state's name (such as {@code emptyRest}), or the byte in hex for a used slot
     */
    public static String stateName(int tophash) {
        return switch (tophash) {
            case EMPTY_REST -> "emptyRest";
            case EMPTY_ONE -> "emptyOne";
            case EVACUATED_X -> "evacuatedX";
            case EVACUATED_Y -> "evacuatedY";
            case EVACUATED_EMPTY -> "evacuatedEmpty";
            default -> String.format("0x%02x", tophash);
        };
    }
}
