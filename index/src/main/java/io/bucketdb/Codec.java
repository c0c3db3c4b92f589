package io.bucketdb;

import java.util.List;
import java.util.Objects;
import java.util.OptionalInt;
import java.util.function.BiFunction;
import java.util.function.Function;

/**
 * Converts values of type {@code T} to the bytes an index stores and back, for
 * {@link BucketDB#asMap(Codec, Codec)}.
 *
 * <pre>{@code
 * record Reading(int sensor, long time) {}
 * Codec<Reading> readings = Codec.record(Codec.INT, Reading::sensor, Codec.LONG, Reading::time, Reading::new);
 *
 * try (BucketDB db = BucketDB.open(dir, Options.defaults().withCodecs(Codec.UUID, readings))) { // 16-byte keys, 12-byte values
 *     ConcurrentMap<UUID, Reading> latest = db.asMap(Codec.UUID, readings);
 *     latest.put(id, new Reading(7, now));
 * }
 * }</pre>
 *
 * <p><b>Widths.</b> A codec is either <em>fixed-width</em> ({@link #fixedWidth()} present: every
 * encoding has exactly that many bytes) or <em>variable-length</em>. {@link Options#withCodecs}
 * creates an index whose slots fit the codecs: fixed slots of a fixed-width codec's width, and
 * variable-length keys or values (inline when short, else in the value heap) for a variable-length
 * codec. A variable-length codec on an index with fixed slots works only for encodings of exactly
 * that width ({@code "0123456789abcdef"} in a 16-byte index, but not {@code "abc"}, which the map
 * rejects with an {@link IllegalArgumentException} naming the width).
 *
 * <p><b>Contract.</b> A codec must be <em>canonical</em>: {@code decode(encode(x))} equals
 * {@code x}, and {@code encode(x)} and {@code encode(y)} have the same bytes exactly when
 * {@code x.equals(y)}. The map relies on it: it finds keys by their bytes and compares values by
 * their bytes ({@code remove(k, v)}, {@code replace(k, old, new)}, {@code containsValue}). The one
 * exception among the ready codecs is {@link #BYTES}: Java arrays compare by identity, so the map
 * compares byte-array keys and values by content, while its views ({@code equals} of entries and
 * maps) keep Java's identity semantics for arrays.
 *
 * <p>{@code encode} rejects {@code null} with {@link NullPointerException} (the map never passes
 * null) and returns an array the caller may keep but must not change; {@code decode} receives an
 * array that it may keep (the map hands over a fresh copy). Codecs are immutable and thread-safe.
 *
 * @param <T> the Java type
 */
public interface Codec<T> {
    /** Byte arrays as they are: variable-length, no copy on either side. */
    Codec<byte[]> BYTES = Codecs.BYTES;

    /**
     * Strings as UTF-8: variable-length. Encoding rejects strings that are not well-formed UTF-16
     * (an unpaired surrogate) and decoding rejects malformed UTF-8, both with
     * {@link IllegalArgumentException}, so that no two strings share an encoding.
     */
    Codec<String> UTF8 = Codecs.UTF8;

    /**
     * {@code long} values as 8 bytes, little-endian: the byte order of {@link BucketDB#putLong} and
     * {@link BucketDB#getLong}, so a map of {@code LONG → LONG} and the primitive API see the same
     * entries.
     */
    Codec<Long> LONG = Codecs.LONG;

    /** {@code int} values as 4 bytes, little-endian. */
    Codec<Integer> INT = Codecs.INT;

    /**
     * UUIDs as 16 bytes: the most significant half first, each half big-endian (the binary form
     * of RFC 9562), so the bytes read in the order of {@link java.util.UUID#toString()}.
     */
    Codec<java.util.UUID> UUID = Codecs.UUID;

    /**
     * Encodes {@code value}.
     *
     * @param value the value, not null
     * @return its bytes, which the caller may keep but must not change
     * @throws NullPointerException     if {@code value} is null
     * @throws IllegalArgumentException if the codec cannot encode {@code value}
     */
    byte[] encode(T value);

    /**
     * Decodes {@code bytes}.
     *
     * @param bytes an encoding of this codec, which the codec may keep
     * @return the value
     * @throws IllegalArgumentException if {@code bytes} is not an encoding of this codec, for
     *                                  instance of the wrong length for a fixed-width codec
     */
    T decode(byte[] bytes);

    /**
     * The width of every encoding, for a fixed-width codec.
     *
     * @return the width in bytes, or empty if this codec is variable-length
     */
    OptionalInt fixedWidth();

    // ---------------------------------------------------------------- records

    /**
     * A fixed-width codec for a type with one field: the field's bytes, nothing else.
     *
     * @param a           the field's codec; must be fixed-width
     * @param getA        reads the field
     * @param constructor builds the value from the field
     * @param <R>         the type encoded
     * @param <A>         the field's type
     * @return a codec as wide as {@code a}
     * @throws IllegalArgumentException if the field's codec is variable-length
     */
    static <R, A> Codec<R> record(Codec<A> a, Function<? super R, ? extends A> getA,
                                  Function<? super A, ? extends R> constructor) {
        Objects.requireNonNull(constructor, "constructor");
        return new RecordCodec<>(List.of(a), List.of(getA), f -> constructor.apply(cast(f[0])));
    }

    /**
     * A fixed-width codec for a record (or any type) of two fields: their encodings one after the
     * other, in the order given, with no padding. Widths add up; a field may itself be a record
     * codec, which is how layouts of more than four fields are built.
     *
     * <pre>{@code
     * record Point(int x, long y) {}
     * Codec<Point> points = Codec.record(Codec.INT, Point::x, Codec.LONG, Point::y, Point::new); // 12 bytes
     * }</pre>
     *
     * @param a           the first field's codec; must be fixed-width
     * @param getA        reads the first field
     * @param b           the second field's codec; must be fixed-width
     * @param getB        reads the second field
     * @param constructor builds the value from the fields, typically a record's canonical constructor
     * @param <R>         the type encoded
     * @param <A>         the first field's type
     * @param <B>         the second field's type
     * @return a codec whose width is the sum of the fields' widths
     * @throws IllegalArgumentException if a field's codec is variable-length
     */
    static <R, A, B> Codec<R> record(Codec<A> a, Function<? super R, ? extends A> getA,
                                     Codec<B> b, Function<? super R, ? extends B> getB,
                                     BiFunction<? super A, ? super B, ? extends R> constructor) {
        Objects.requireNonNull(constructor, "constructor");
        return new RecordCodec<>(List.of(a, b), List.of(getA, getB), f -> constructor.apply(cast(f[0]), cast(f[1])));
    }

    /**
     * A fixed-width codec for a type of three fields, laid out in the order given; see
     * {@link #record(Codec, Function, Codec, Function, BiFunction)}.
     *
     * @param a           the first field's codec; must be fixed-width
     * @param getA        reads the first field
     * @param b           the second field's codec; must be fixed-width
     * @param getB        reads the second field
     * @param c           the third field's codec; must be fixed-width
     * @param getC        reads the third field
     * @param constructor builds the value from the fields, typically a record's canonical constructor
     * @param <R>         the type encoded
     * @param <A>         the first field's type
     * @param <B>         the second field's type
     * @param <C>         the third field's type
     * @return a codec whose width is the sum of the fields' widths
     * @throws IllegalArgumentException if a field's codec is variable-length
     */
    static <R, A, B, C> Codec<R> record(Codec<A> a, Function<? super R, ? extends A> getA,
                                        Codec<B> b, Function<? super R, ? extends B> getB,
                                        Codec<C> c, Function<? super R, ? extends C> getC,
                                        Constructor3<? super A, ? super B, ? super C, ? extends R> constructor) {
        Objects.requireNonNull(constructor, "constructor");
        return new RecordCodec<>(List.of(a, b, c), List.of(getA, getB, getC),
                f -> constructor.apply(cast(f[0]), cast(f[1]), cast(f[2])));
    }

    /**
     * A fixed-width codec for a type of four fields, laid out in the order given; see
     * {@link #record(Codec, Function, Codec, Function, BiFunction)}. For more fields, nest record
     * codecs.
     *
     * @param a           the first field's codec; must be fixed-width
     * @param getA        reads the first field
     * @param b           the second field's codec; must be fixed-width
     * @param getB        reads the second field
     * @param c           the third field's codec; must be fixed-width
     * @param getC        reads the third field
     * @param d           the fourth field's codec; must be fixed-width
     * @param getD        reads the fourth field
     * @param constructor builds the value from the fields, typically a record's canonical constructor
     * @param <R>         the type encoded
     * @param <A>         the first field's type
     * @param <B>         the second field's type
     * @param <C>         the third field's type
     * @param <D>         the fourth field's type
     * @return a codec whose width is the sum of the fields' widths
     * @throws IllegalArgumentException if a field's codec is variable-length
     */
    static <R, A, B, C, D> Codec<R> record(Codec<A> a, Function<? super R, ? extends A> getA,
                                           Codec<B> b, Function<? super R, ? extends B> getB,
                                           Codec<C> c, Function<? super R, ? extends C> getC,
                                           Codec<D> d, Function<? super R, ? extends D> getD,
                                           Constructor4<? super A, ? super B, ? super C, ? super D, ? extends R> constructor) {
        Objects.requireNonNull(constructor, "constructor");
        return new RecordCodec<>(List.of(a, b, c, d), List.of(getA, getB, getC, getD),
                f -> constructor.apply(cast(f[0]), cast(f[1]), cast(f[2]), cast(f[3])));
    }

    /**
     * Builds a value from three decoded fields, as a record's canonical constructor does.
     *
     * @param <A> the first field's type
     * @param <B> the second field's type
     * @param <C> the third field's type
     * @param <R> the built type
     */
    @FunctionalInterface
    interface Constructor3<A, B, C, R> {
        /**
         * Builds the value.
         *
         * @param a the first field
         * @param b the second field
         * @param c the third field
         * @return the value
         */
        R apply(A a, B b, C c);
    }

    /**
     * Builds a value from four decoded fields, as a record's canonical constructor does.
     *
     * @param <A> the first field's type
     * @param <B> the second field's type
     * @param <C> the third field's type
     * @param <D> the fourth field's type
     * @param <R> the built type
     */
    @FunctionalInterface
    interface Constructor4<A, B, C, D, R> {
        /**
         * Builds the value.
         *
         * @param a the first field
         * @param b the second field
         * @param c the third field
         * @param d the fourth field
         * @return the value
         */
        R apply(A a, B b, C c, D d);
    }

    // Each field value was decoded by the field codec at the same position, so the cast holds.
    @SuppressWarnings("unchecked")
    private static <X> X cast(Object o) {
        return (X) o;
    }
}
