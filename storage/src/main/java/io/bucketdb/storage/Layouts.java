package io.bucketdb.storage;

import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;

/**
 * The value layouts every file of an index is read and written with, declared once: little-endian
 * and unaligned (keys of odd widths put later fields at any offset, and a journal record's CRC follows
 * a payload of any length). The table, the journal and the checkpoint files all use these. On x86 and
 * ARM64 unaligned access within a cache line costs nothing extra.
 */
public final class Layouts {
    /** One byte (tophash bytes, key and value bytes). */
    public static final ValueLayout.OfByte BYTE = ValueLayout.JAVA_BYTE;
    /** A 2-byte little-endian short at any offset. */
    public static final ValueLayout.OfShort SHORT = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    /** A 4-byte little-endian int at any offset. */
    public static final ValueLayout.OfInt INT = ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    /** An 8-byte little-endian long at any offset. */
    public static final ValueLayout.OfLong LONG = ValueLayout.JAVA_LONG_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    private Layouts() {
    }
}
