package io.bucketdb.storage;

/**
 * Byte layout of the start of a free extent: the link of its class's free list. The rest of a
 * free extent holds no user data (evacuation and delete zero keys and values), but it is not
 * guaranteed to be zero: whoever allocates an extent initializes it.
 *
 * <pre>
 *  offset  size  field
 *       0     8  next
 *       8     4  magic
 *      12     4  extentClass
 *      16        (end)
 * </pre>
 */
public final class FreeExtentLayout {
    /** "FREE" little-endian. */
    public static final int MAGIC = 0x45455246;
    /** Byte 0, 8 bytes: {@code next}, file offset of the next free extent of the class, 0 for the last. */
    public static final int NEXT_OFFSET = 0;
    /** Byte 8, 4 bytes: {@code magic}, always {@link #MAGIC}. */
    public static final int MAGIC_OFFSET = 8;
    /** Byte 12, 4 bytes: {@code extentClass}, the class whose free list holds the extent. */
    public static final int EXTENT_CLASS_OFFSET = 12;
    /** Bytes of the free-list link (16); allocation zeroes them. */
    public static final int SIZE = 16;

    private FreeExtentLayout() {
    }
}
