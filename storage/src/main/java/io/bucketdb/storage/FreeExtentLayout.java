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
    public static final int NEXT_OFFSET = 0;
    public static final int MAGIC_OFFSET = 8;
    public static final int EXTENT_CLASS_OFFSET = 12;
    public static final int SIZE = 16;

    private FreeExtentLayout() {
    }
}
