package io.bucketdb.hash;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;

/**
 * Little-endian reads from one kind of input, for the hash algorithms of this package. Two
 * implementations, both singletons, so each algorithm is written once for arrays and segments and
 * allocates nothing; a read call sees at most these two receiver types, and C2 inlines both. The
 * caller has checked the bounds.
 */
sealed interface LittleEndianInput<T> permits LittleEndianInput.ArrayInput, LittleEndianInput.SegmentInput {
    long getLong(T src, long pos);

    long getUnsignedInt(T src, long pos);

    long getUnsignedByte(T src, long pos);

    /** Reads from a {@code byte[]}; positions fit in an int, the caller checked them against its length. */
    enum ArrayInput implements LittleEndianInput<byte[]> {
        INSTANCE;

        private static final VarHandle LONG_LE = MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.LITTLE_ENDIAN);
        private static final VarHandle INT_LE = MethodHandles.byteArrayViewVarHandle(int[].class, ByteOrder.LITTLE_ENDIAN);

        @Override
        public long getLong(byte[] src, long pos) {
            return (long) LONG_LE.get(src, (int) pos);
        }

        @Override
        public long getUnsignedInt(byte[] src, long pos) {
            return Integer.toUnsignedLong((int) INT_LE.get(src, (int) pos));
        }

        @Override
        public long getUnsignedByte(byte[] src, long pos) {
            return Byte.toUnsignedLong(src[(int) pos]);
        }
    }

    /** Reads from a {@link MemorySegment}, heap or native. */
    enum SegmentInput implements LittleEndianInput<MemorySegment> {
        INSTANCE;

        private static final ValueLayout.OfLong LONG_LE = ValueLayout.JAVA_LONG_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
        private static final ValueLayout.OfInt INT_LE = ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

        @Override
        public long getLong(MemorySegment src, long pos) {
            return src.get(LONG_LE, pos);
        }

        @Override
        public long getUnsignedInt(MemorySegment src, long pos) {
            return Integer.toUnsignedLong(src.get(INT_LE, pos));
        }

        @Override
        public long getUnsignedByte(MemorySegment src, long pos) {
            return Byte.toUnsignedLong(src.get(ValueLayout.JAVA_BYTE, pos));
        }
    }
}
