package io.bucketdb.storage;

/**
 * Byte layout of one bucket, Go's {@code bmap} with fixed-width keys and values: the eight
 * tophash bytes first, so a lookup reads one 8-byte word to find candidate slots, then the eight
 * keys together and the eight values together (no padding between a key and its value), then the
 * file offset of the next overflow bucket (0 = none).
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
 * K is the key width and V the value width chosen at creation. Tophash byte {@code i} belongs to
 * slot {@code i}; its values below {@link #MIN_TOPHASH} are slot states.
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

    /** Byte 0 of a bucket, {@link #SLOTS} bytes: {@code tophash}, one byte per slot. */
    public static final int TOPHASH_OFFSET = 0;
    /** Byte 8 of a bucket, {@code 8K} bytes: {@code keys}, slot {@code i}'s key at {@code 8 + i * K}. */
    public static final int KEYS_OFFSET = SLOTS;

    /** Largest key or value width kept inline in a slot. */
    public static final int MAX_WIDTH = 4096;

    private final int keyWidth;
    private final int valueWidth;
    private final int valuesOffset;
    private final int overflowOffset;
    private final int size;

    private BucketLayout(int keyWidth, int valueWidth) {
        this.keyWidth = keyWidth;
        this.valueWidth = valueWidth;
        this.valuesOffset = KEYS_OFFSET + SLOTS * keyWidth;
        this.overflowOffset = valuesOffset + SLOTS * valueWidth;
        this.size = overflowOffset + 8;
    }

    /**
     * The layout for keys of {@code keyWidth} bytes and values of {@code valueWidth} bytes.
     *
     * @param keyWidth the key width K, 1 to {@link #MAX_WIDTH}
     * @param valueWidth the value width V, 0 to {@link #MAX_WIDTH}
     * @return the layout
     * @throws IllegalArgumentException if a width is out of range
     */
    public static BucketLayout of(int keyWidth, int valueWidth) {
        if (keyWidth < 1 || keyWidth > MAX_WIDTH) {
            throw new IllegalArgumentException("key width must be 1.." + MAX_WIDTH + " bytes, got " + keyWidth);
        }
        if (valueWidth < 0 || valueWidth > MAX_WIDTH) {
            throw new IllegalArgumentException("value width must be 0.." + MAX_WIDTH + " bytes, got " + valueWidth);
        }
        return new BucketLayout(keyWidth, valueWidth);
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
        return KEYS_OFFSET + (long) i * keyWidth;
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
