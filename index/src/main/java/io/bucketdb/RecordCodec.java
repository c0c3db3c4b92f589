package io.bucketdb;

import java.util.Arrays;
import java.util.List;
import java.util.Objects;
import java.util.OptionalInt;
import java.util.function.Function;

/**
 * A fixed-width codec made of fixed-width fields laid end to end, in order, with no padding:
 * what {@link Codec#record} returns.
 *
 * <pre>
 *  0        w0       w0+w1            width
 *  +--------+--------+-- ... --+--------+
 *  | field0 | field1 |         | fieldN |
 *  +--------+--------+-- ... --+--------+
 * </pre>
 */
final class RecordCodec<R> implements Codec<R> {
    private final Codec<Object>[] fields;
    private final Function<? super R, ?>[] getters;
    private final int[] offsets;
    private final int width;
    private final OptionalInt fixedWidth;
    private final Function<Object[], ? extends R> constructor;

    @SuppressWarnings("unchecked")
    RecordCodec(List<? extends Codec<?>> fields, List<? extends Function<? super R, ?>> getters,
                Function<Object[], ? extends R> constructor) {
        this.fields = fields.toArray(new Codec[0]);
        this.getters = getters.toArray(new Function[0]);
        this.constructor = constructor;
        this.offsets = new int[this.fields.length + 1];
        for (int i = 0; i < this.fields.length; i++) {
            Codec<?> f = Objects.requireNonNull(this.fields[i], "codec of field " + i);
            OptionalInt w = f.fixedWidth();
            if (w.isEmpty()) {
                throw new IllegalArgumentException("field " + i + " of a record codec is variable-length (" + f
                        + "); record codecs lay out fixed-width fields only");
            }
            offsets[i + 1] = Math.addExact(offsets[i], w.getAsInt());
        }
        this.width = offsets[this.fields.length];
        this.fixedWidth = OptionalInt.of(width);
    }

    @Override
    public byte[] encode(R value) {
        Objects.requireNonNull(value, "value");
        byte[] out = new byte[width];
        for (int i = 0; i < fields.length; i++) {
            Object field = getters[i].apply(value);
            if (field == null) {
                throw new NullPointerException("field " + i + " of " + value + " is null");
            }
            byte[] b = fields[i].encode(field);
            int w = offsets[i + 1] - offsets[i];
            if (b.length != w) {
                throw new IllegalArgumentException(fields[i] + " promised " + w + " bytes but encoded " + b.length);
            }
            System.arraycopy(b, 0, out, offsets[i], w);
        }
        return out;
    }

    @Override
    public R decode(byte[] bytes) {
        if (bytes.length != width) {
            throw new IllegalArgumentException("record codec " + this + " decodes exactly " + width + " bytes, got " + bytes.length);
        }
        Object[] values = new Object[fields.length];
        for (int i = 0; i < fields.length; i++) {
            values[i] = fields[i].decode(Arrays.copyOfRange(bytes, offsets[i], offsets[i + 1]));
        }
        return constructor.apply(values);
    }

    @Override
    public OptionalInt fixedWidth() {
        return fixedWidth;
    }

    @Override
    public String toString() {
        StringBuilder sb = new StringBuilder("Codec.record(");
        for (int i = 0; i < fields.length; i++) {
            sb.append(i == 0 ? "" : ", ").append(fields[i]);
        }
        return sb.append(")[").append(width).append(" bytes]").toString();
    }
}
