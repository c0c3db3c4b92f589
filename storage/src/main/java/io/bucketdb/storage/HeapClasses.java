package io.bucketdb.storage;

import java.util.Arrays;

/**
 * The value heap's small size classes of one file: which block a value of a given length takes. A file keeps the
 * scheme it was created with for life ({@link HeaderLayout#FINE_HEAP_CLASSES}), because a slot names its block only by
 * the length and the reference, so the class must follow from the length alone, the same way at every open.
 *
 * <ul>
 *   <li>{@link #POWERS_OF_TWO} (format versions 2 to 5): 16, 32, ..., 2048 bytes. A 100-byte value takes 128 bytes;
 *       on average a block is a third larger than what it holds.</li>
 *   <li>{@link #PAGE_FIT} (format version 6): every multiple of 8 that is the largest multiple of 8 with its count of
 *       blocks per 4 KiB page: 8, 16, ..., 208 in steps of 8, then 224, 240, 256, 272, 288, 312, 336, 368, 408, 448,
 *       512, 584, 680, 816, 1024, 1360, 2048 (43 classes). Blocks are carved from whole pages and never straddle one,
 *       so what a block of {@code s} bytes really costs is {@code 4096 / floor(4096 / s)}; a block of 1536 or 1792
 *       bytes would cost as much as one of 2048 (two per page), so such sizes are no classes, and each class is as
 *       large as its count per page allows. That makes every length take the fewest page bytes any 8-byte-aligned
 *       carving of pages can give it. Against the scheme issue 19 sketched (8-byte steps to 128, then four classes
 *       per doubling), lengths 9..2048 taken evenly cost 1195 page bytes on average instead of 1237 (16% over the
 *       length instead of 20%; 129..512: 5% instead of 11%), and a 100-byte value 105 bytes in both (104-byte blocks,
 *       39 per page) instead of 128.</li>
 * </ul>
 *
 * <p>The class of a length is one table look-up ({@link #classFor}), so allocation and freeing stay O(1).
 * Immutable; the two instances are shared.
 */
public final class HeapClasses {
    /** Bytes of the 8-byte steps the page-fit classes are built from (also their alignment within a page). */
    public static final int STEP = 8;
    /** The classes of format versions 2 to 5: 16, 32, ..., 2048 bytes. */
    public static final HeapClasses POWERS_OF_TWO = new HeapClasses(powersOfTwo(), false);
    /** The classes of format version 6 ({@link HeaderLayout#FINE_HEAP_CLASSES}): see the class comment. */
    public static final HeapClasses PAGE_FIT = new HeapClasses(pageFit(), true);
    /** The most classes a scheme has (the page-fit scheme's 43): the length of the header's per-class arrays. */
    public static final int MAX_CLASSES = 43;

    private final int[] bytes;
    /** Class of each length rounded up to {@link #STEP}, indexed by {@code (length + 7) / 8}. */
    private final byte[] classOfSteps;
    private final boolean fine;

    static {
        if (PAGE_FIT.count() != MAX_CLASSES) {
            throw new ExceptionInInitializerError("page-fit classes: " + PAGE_FIT.count() + ", MAX_CLASSES " + MAX_CLASSES);
        }
    }

    private HeapClasses(int[] bytes, boolean fine) {
        this.bytes = bytes;
        this.fine = fine;
        this.classOfSteps = new byte[HeapLayout.MAX_SMALL_BLOCK / STEP + 1];
        int c = 0;
        for (int i = 0; i < classOfSteps.length; i++) {
            while (bytes[c] < i * STEP) {
                c++;
            }
            classOfSteps[i] = (byte) c;
        }
    }

    /**
     * {@return the scheme of a file with these header flags: {@link #PAGE_FIT} with
     * {@link HeaderLayout#FINE_HEAP_CLASSES}, else {@link #POWERS_OF_TWO}}
     *
     * @param flags the header's {@code flags}
     */
    public static HeapClasses of(int flags) {
        return (flags & HeaderLayout.FINE_HEAP_CLASSES) != 0 ? PAGE_FIT : POWERS_OF_TWO;
    }

    /** {@return the number of small classes, numbered 0 up} */
    public int count() {
        return bytes.length;
    }

    /** {@return whether this is the page-fit scheme of format version 6} */
    public boolean fine() {
        return fine;
    }

    /**
     * {@return the small class of a block holding {@code length} bytes, the smallest that holds it, or -1 if it needs
     * a raw extent (longer than {@link HeapLayout#MAX_SMALL_BLOCK})}
     *
     * @param length the bytes the block must hold, at least 0
     */
    public int classFor(long length) {
        return length > HeapLayout.MAX_SMALL_BLOCK ? -1 : classOfSteps[(int) (length + STEP - 1) >>> 3];
    }

    /**
     * {@return bytes of a block of small class {@code c}}
     *
     * @param c the small class, 0 to {@link #count()} - 1
     */
    public int blockBytes(int c) {
        return bytes[c];
    }

    /**
     * {@return blocks of class {@code c} carved from one page ({@link HeapLayout#CARVE_PAGE}); the rest of the page,
     * less than one block, stays unused}
     *
     * @param c the small class, 0 to {@link #count()} - 1
     */
    public int blocksPerPage(int c) {
        return HeapLayout.CARVE_PAGE / bytes[c];
    }

    /**
     * {@return bytes a block holding {@code length} bytes occupies: its small class's block size, or its raw extent's
     * size}
     *
     * @param length the bytes to hold, 0 to 256 MiB
     */
    public long blockBytesFor(long length) {
        int c = classFor(length);
        return c >= 0 ? bytes[c] : ExtentClasses.bytes(ExtentClasses.rawClassFor(length), 0);
    }

    /**
     * Whether {@code ref} is where a block of class {@code c} can start: a whole number of blocks from the start of
     * its page, with the block ending within the page (blocks are carved from pages and never straddle one).
     *
     * @param ref a file offset
     * @param c the small class, 0 to {@link #count()} - 1
     * @return true if a carved block of that class could start at {@code ref}
     */
    public boolean isBlockStart(long ref, int c) {
        long inPage = ref & (HeapLayout.CARVE_PAGE - 1);
        return ref >= HeaderLayout.DATA_START && inPage % bytes[c] == 0 && inPage + bytes[c] <= HeapLayout.CARVE_PAGE;
    }

    @Override
    public String toString() {
        return (fine ? "page-fit" : "power-of-two") + " heap classes " + Arrays.toString(bytes);
    }

    private static int[] powersOfTwo() {
        int[] b = new int[8];
        for (int c = 0; c < b.length; c++) {
            b[c] = 16 << c;
        }
        return b;
    }

    /** Each multiple of 8 up to 2048 that is the largest with its count of blocks per page. */
    private static int[] pageFit() {
        int page = HeapLayout.CARVE_PAGE;
        return java.util.stream.IntStream.iterate(STEP, s -> s <= HeapLayout.MAX_SMALL_BLOCK, s -> s + STEP)
                .filter(s -> s == HeapLayout.MAX_SMALL_BLOCK || page / (s + STEP) < page / s)
                .toArray();
    }
}
