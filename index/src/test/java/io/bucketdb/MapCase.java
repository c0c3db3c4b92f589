package io.bucketdb;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.SplittableRandom;
import java.util.UUID;
import java.util.function.Function;

/**
 * A key codec and a value codec with generators of values that fit an index's widths: the codec
 * pairs the map tests run against.
 */
record MapCase<K, V>(String name, Codec<K> keys, Codec<V> values, int keyWidth, int valueWidth,
                     Function<SplittableRandom, K> keyGen, Function<SplittableRandom, V> valueGen) {

    record Reading(int sensor, long time, UUID id) {
    }

    record Part(long id, int part) {
    }

    static final Codec<Reading> READING = Codec.record(Codec.INT, Reading::sensor, Codec.LONG, Reading::time,
            Codec.UUID, Reading::id, Reading::new);
    static final Codec<Part> PART = Codec.record(Codec.LONG, Part::id, Codec.INT, Part::part, Part::new);

    static List<MapCase<?, ?>> all() {
        return List.of(
                new MapCase<>("LONG→LONG", Codec.LONG, Codec.LONG, 8, 8, SplittableRandom::nextLong, SplittableRandom::nextLong),
                new MapCase<>("UUID→LONG", Codec.UUID, Codec.LONG, 16, 8, MapCase::uuid, SplittableRandom::nextLong),
                new MapCase<>("INT→record(INT,LONG,UUID)", Codec.INT, READING, 4, 28, SplittableRandom::nextInt,
                        r -> new Reading(r.nextInt(100), r.nextLong(), uuid(r))),
                new MapCase<>("UTF8[16]→UTF8[12]", Codec.UTF8, Codec.UTF8, 16, 12, r -> utf8(r, 16), r -> utf8(r, 12)),
                new MapCase<>("record(LONG,INT)→INT", PART, Codec.INT, 12, 4, r -> new Part(r.nextLong(4), r.nextInt()),
                        SplittableRandom::nextInt));
    }

    Options options(long hashSeed) {
        return Options.defaults().withKeyWidth(keyWidth).withValueWidth(valueWidth).withHashSeed(hashSeed).withDurability(Durability.ASYNC);
    }

    /** {@code n} distinct keys. */
    List<K> keyPool(SplittableRandom rnd, int n) {
        return distinct(rnd, n, keyGen);
    }

    /** {@code n} distinct values. */
    List<V> valuePool(SplittableRandom rnd, int n) {
        return distinct(rnd, n, valueGen);
    }

    private static <T> List<T> distinct(SplittableRandom rnd, int n, Function<SplittableRandom, T> gen) {
        LinkedHashSet<T> set = new LinkedHashSet<>();
        while (set.size() < n) {
            set.add(gen.apply(rnd));
        }
        return new ArrayList<>(set);
    }

    static UUID uuid(SplittableRandom r) {
        return new UUID(r.nextLong(), r.nextLong());
    }

    private static final String[] PIECES = {"a", "z", "0", "-", "é", "ß", "€", "日", "😀", "\u0301"};

    /** A random string of exactly {@code width} UTF-8 bytes, mixing 1- to 4-byte characters. */
    static String utf8(SplittableRandom r, int width) {
        StringBuilder sb = new StringBuilder();
        int left = width;
        while (left > 0) {
            String p = PIECES[r.nextInt(PIECES.length)];
            int w = p.getBytes(StandardCharsets.UTF_8).length;
            if (w <= left) {
                sb.append(p);
                left -= w;
            }
        }
        return sb.toString();
    }

    @Override
    public String toString() {
        return name;
    }
}
