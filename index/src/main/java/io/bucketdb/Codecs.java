package io.bucketdb;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.StandardCharsets;
import java.util.Objects;
import java.util.OptionalInt;
import java.util.UUID;

/** The ready codecs behind {@link Codec#BYTES}, {@link Codec#UTF8}, {@link Codec#LONG}, {@link Codec#INT} and {@link Codec#UUID}. */
final class Codecs {
    private Codecs() {
    }

    private static final OptionalInt VARIABLE = OptionalInt.empty();
    private static final VarHandle LONG_LE = MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.LITTLE_ENDIAN);
    private static final VarHandle INT_LE = MethodHandles.byteArrayViewVarHandle(int[].class, ByteOrder.LITTLE_ENDIAN);
    private static final VarHandle LONG_BE = MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.BIG_ENDIAN);

    static final Codec<byte[]> BYTES = new Codec<>() {
        @Override
        public byte[] encode(byte[] value) {
            return Objects.requireNonNull(value, "value");
        }

        @Override
        public byte[] decode(byte[] bytes) {
            return Objects.requireNonNull(bytes, "bytes");
        }

        @Override
        public OptionalInt fixedWidth() {
            return VARIABLE;
        }

        @Override
        public String toString() {
            return "Codec.BYTES";
        }
    };

    static final Codec<String> UTF8 = new Codec<>() {
        @Override
        public byte[] encode(String value) {
            requireWellFormed(value);
            return value.getBytes(StandardCharsets.UTF_8);
        }

        @Override
        public String decode(byte[] bytes) {
            try {
                // newDecoder() reports malformed input instead of replacing it, as String(byte[], UTF_8) would.
                return StandardCharsets.UTF_8.newDecoder().decode(ByteBuffer.wrap(bytes)).toString();
            } catch (CharacterCodingException e) {
                throw new IllegalArgumentException("not UTF-8: " + e.getMessage(), e);
            }
        }

        @Override
        public OptionalInt fixedWidth() {
            return VARIABLE;
        }

        @Override
        public String toString() {
            return "Codec.UTF8";
        }
    };

    /** getBytes would turn an unpaired surrogate into '?', so two strings would share one encoding. */
    private static void requireWellFormed(String s) {
        for (int i = 0, n = s.length(); i < n; i++) {
            char c = s.charAt(i);
            if (Character.isHighSurrogate(c) && i + 1 < n && Character.isLowSurrogate(s.charAt(i + 1))) {
                i++;
            } else if (Character.isSurrogate(c)) {
                throw new IllegalArgumentException("string is not well-formed UTF-16: unpaired surrogate U+"
                        + Integer.toHexString(c).toUpperCase() + " at index " + i);
            }
        }
    }

    static final Codec<Long> LONG = new Fixed<>(8, "Codec.LONG") {
        @Override
        public byte[] encode(Long value) {
            byte[] b = new byte[8];
            LONG_LE.set(b, 0, (long) value);
            return b;
        }

        @Override
        public Long decode(byte[] bytes) {
            return (long) LONG_LE.get(checkLength(bytes), 0);
        }
    };

    static final Codec<Integer> INT = new Fixed<>(4, "Codec.INT") {
        @Override
        public byte[] encode(Integer value) {
            byte[] b = new byte[4];
            INT_LE.set(b, 0, (int) value);
            return b;
        }

        @Override
        public Integer decode(byte[] bytes) {
            return (int) INT_LE.get(checkLength(bytes), 0);
        }
    };

    static final Codec<UUID> UUID = new Fixed<>(16, "Codec.UUID") {
        @Override
        public byte[] encode(java.util.UUID value) {
            byte[] b = new byte[16];
            LONG_BE.set(b, 0, value.getMostSignificantBits());
            LONG_BE.set(b, 8, value.getLeastSignificantBits());
            return b;
        }

        @Override
        public java.util.UUID decode(byte[] bytes) {
            checkLength(bytes);
            return new java.util.UUID((long) LONG_BE.get(bytes, 0), (long) LONG_BE.get(bytes, 8));
        }
    };

    /** A fixed-width codec: holds the width and checks it when decoding. */
    abstract static class Fixed<T> implements Codec<T> {
        private final int width;
        private final OptionalInt fixedWidth;
        private final String name;

        Fixed(int width, String name) {
            this.width = width;
            this.fixedWidth = OptionalInt.of(width);
            this.name = name;
        }

        @Override
        public final OptionalInt fixedWidth() {
            return fixedWidth;
        }

        final byte[] checkLength(byte[] bytes) {
            if (bytes.length != width) {
                throw new IllegalArgumentException(name + " decodes exactly " + width + " bytes, got " + bytes.length);
            }
            return bytes;
        }

        @Override
        public String toString() {
            return name;
        }
    }
}
