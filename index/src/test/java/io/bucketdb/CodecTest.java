package io.bucketdb;

import io.bucketdb.storage.testkit.Seeds;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.HexFormat;
import java.util.List;
import java.util.OptionalInt;
import java.util.SplittableRandom;
import java.util.UUID;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class CodecTest {
    @TempDir
    Path tmp;

    record Point(int x, long y) {
    }

    record Reading(int sensor, long time, UUID id) {
    }

    record Tagged(Point point, int tag) {
    }

    record One(long v) {
    }

    record Four(int a, int b, long c, UUID d) {
    }

    static final Codec<Point> POINT = Codec.record(Codec.INT, Point::x, Codec.LONG, Point::y, Point::new);

    @Test
    void shouldReportWidths() {
        assertEquals(OptionalInt.empty(), Codec.BYTES.fixedWidth());
        assertEquals(OptionalInt.empty(), Codec.UTF8.fixedWidth());
        assertEquals(OptionalInt.of(8), Codec.LONG.fixedWidth());
        assertEquals(OptionalInt.of(4), Codec.INT.fixedWidth());
        assertEquals(OptionalInt.of(16), Codec.UUID.fixedWidth());
        assertEquals(OptionalInt.of(12), POINT.fixedWidth());
    }

    /** withCodecs: fixed slots of a fixed-width codec's width, variable-length slots for the others. */
    @Test
    void shouldCreateSlotsThatFitTheCodecs() throws Exception {
        try (BucketDB db = BucketDB.open(tmp.resolve("fixed"), Options.defaults().withCodecs(Codec.UUID, POINT))) {
            assertEquals(16, db.keyWidth());
            assertEquals(12, db.valueWidth());
            assertTrue(!db.variableKeys() && !db.variableValues());
            java.util.concurrent.ConcurrentMap<UUID, Point> map = db.asMap(Codec.UUID, POINT);
            UUID id = new UUID(1, 2);
            map.put(id, new Point(3, 4));
            assertEquals(new Point(3, 4), map.get(id));
        }
        try (BucketDB db = BucketDB.open(tmp.resolve("var"), Options.defaults().withCodecs(Codec.UTF8, Codec.BYTES))) {
            assertTrue(db.variableKeys() && db.variableValues());
            java.util.concurrent.ConcurrentMap<String, byte[]> map = db.asMap(Codec.UTF8, Codec.BYTES);
            String longKey = "k".repeat(1_000); // beyond the inline width: in the heap
            map.put("", new byte[0]);
            map.put(longKey, new byte[70_000]);
            assertArrayEquals(new byte[0], map.get(""));
            assertEquals(70_000, map.get(longKey).length);
        }
        try (BucketDB db = BucketDB.open(tmp.resolve("mixed"), Options.defaults().withCodecs(Codec.UTF8, Codec.LONG))) {
            assertTrue(db.variableKeys() && !db.variableValues());
            assertEquals(8, db.valueWidth());
        }
    }

    @Test
    void shouldEncodeLongLittleEndianLikeThePrimitiveApi() throws Exception {
        long v = 0x0102030405060708L;
        assertArrayEquals(ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(v).array(), Codec.LONG.encode(v));
        try (BucketDB db = BucketDB.open(tmp.resolve("long"))) {
            db.putLong(v, -5);
            assertArrayEquals(Codec.LONG.encode(-5L), db.get(Codec.LONG.encode(v)));
            db.put(Codec.LONG.encode(7L), Codec.LONG.encode(Long.MIN_VALUE));
            assertEquals(Long.MIN_VALUE, db.getLong(7, 0));
        }
    }

    @Test
    void shouldEncodeIntLittleEndianAndUuidInRfcOrder() {
        assertEquals("04030201", HexFormat.of().formatHex(Codec.INT.encode(0x01020304)));
        UUID id = UUID.fromString("00112233-4455-6677-8899-aabbccddeeff");
        assertEquals("00112233445566778899aabbccddeeff", HexFormat.of().formatHex(Codec.UUID.encode(id)));
        assertEquals(id, Codec.UUID.decode(HexFormat.of().parseHex("00112233445566778899aabbccddeeff")));
    }

    @Test
    void shouldRoundTripRandomValues() throws Exception {
        long seed = Seeds.seed();
        Seeds.run(seed, () -> roundTrip(new SplittableRandom(seed)));
    }

    private static void roundTrip(SplittableRandom rnd) {
        for (int i = 0; i < 1000; i++) {
            long l = rnd.nextLong();
            int n = rnd.nextInt();
            UUID u = new UUID(rnd.nextLong(), rnd.nextLong());
            assertEquals(l, Codec.LONG.decode(Codec.LONG.encode(l)));
            assertEquals(n, Codec.INT.decode(Codec.INT.encode(n)));
            assertEquals(u, Codec.UUID.decode(Codec.UUID.encode(u)));
            Reading r = new Reading(n, l, u);
            Codec<Reading> readings = Codec.record(Codec.INT, Reading::sensor, Codec.LONG, Reading::time, Codec.UUID, Reading::id, Reading::new);
            assertEquals(r, readings.decode(readings.encode(r)));
        }
    }

    @Test
    void shouldRoundTripUtf8IncludingSupplementaryCharacters() {
        for (String s : List.of("", "a", "héllo", "€", "😀 grinning", "日本語")) {
            byte[] b = Codec.UTF8.encode(s);
            assertArrayEquals(s.getBytes(StandardCharsets.UTF_8), b);
            assertEquals(s, Codec.UTF8.decode(b));
        }
    }

    @Test
    void shouldRejectStringsThatWouldShareAnEncoding() {
        // String.getBytes maps every unpaired surrogate to '?': without the check these would collide with "a?".
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Codec.UTF8.encode("a\uD800"));
        assertTrue(e.getMessage().contains("U+D800"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> Codec.UTF8.encode("\uDC00a"));
        assertThrows(IllegalArgumentException.class, () -> Codec.UTF8.encode("\uD800\uD800"));
        assertThrows(IllegalArgumentException.class, () -> Codec.UTF8.decode(new byte[]{(byte) 0xC3}));
        assertThrows(IllegalArgumentException.class, () -> Codec.UTF8.decode(new byte[]{(byte) 0xC0, (byte) 0x80})); // overlong NUL
        assertThrows(IllegalArgumentException.class, () -> Codec.UTF8.decode(new byte[]{(byte) 0xED, (byte) 0xA0, (byte) 0x80})); // encoded surrogate
    }

    @Test
    void shouldPassBytesThrough() {
        byte[] b = {1, 2, 3};
        assertSame(b, Codec.BYTES.encode(b));
        assertSame(b, Codec.BYTES.decode(b));
    }

    @Test
    void shouldRejectNullWithNpe() {
        assertThrows(NullPointerException.class, () -> Codec.BYTES.encode(null));
        assertThrows(NullPointerException.class, () -> Codec.UTF8.encode(null));
        assertThrows(NullPointerException.class, () -> Codec.LONG.encode(null));
        assertThrows(NullPointerException.class, () -> Codec.INT.encode(null));
        assertThrows(NullPointerException.class, () -> Codec.UUID.encode(null));
        assertThrows(NullPointerException.class, () -> POINT.encode(null));
        record Holder(UUID id) {
        }
        Codec<Holder> holders = Codec.record(Codec.UUID, Holder::id, Holder::new);
        NullPointerException e = assertThrows(NullPointerException.class, () -> holders.encode(new Holder(null)));
        assertTrue(e.getMessage().contains("field 0"), e.getMessage());
    }

    @Test
    void shouldRejectWrongLengthsWhenDecodingFixedWidth() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Codec.LONG.decode(new byte[7]));
        assertTrue(e.getMessage().contains("8 bytes"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> Codec.INT.decode(new byte[8]));
        assertThrows(IllegalArgumentException.class, () -> Codec.UUID.decode(new byte[15]));
        e = assertThrows(IllegalArgumentException.class, () -> POINT.decode(new byte[13]));
        assertTrue(e.getMessage().contains("12 bytes"), e.getMessage());
    }

    @Test
    void shouldLayOutRecordFieldsInOrderWithoutPadding() {
        byte[] b = POINT.encode(new Point(0x01020304, 0x05060708090A0B0CL));
        assertEquals("04030201" + "0c0b0a0908070605", HexFormat.of().formatHex(b));
        assertEquals(new Point(0x01020304, 0x05060708090A0B0CL), POINT.decode(b));
    }

    @Test
    void shouldComposeOneToFourFieldsAndNestRecords() {
        Codec<One> one = Codec.record(Codec.LONG, One::v, One::new);
        assertEquals(OptionalInt.of(8), one.fixedWidth());
        assertEquals(new One(-1), one.decode(one.encode(new One(-1))));
        // One wraps a LONG, so it has LONG's bytes.
        assertArrayEquals(Codec.LONG.encode(-1L), one.encode(new One(-1)));

        Codec<Four> four = Codec.record(Codec.INT, Four::a, Codec.INT, Four::b, Codec.LONG, Four::c, Codec.UUID, Four::d, Four::new);
        assertEquals(OptionalInt.of(32), four.fixedWidth());
        Four f = new Four(1, -2, 3, new UUID(4, 5));
        assertEquals(f, four.decode(four.encode(f)));

        Codec<Tagged> tagged = Codec.record(POINT, Tagged::point, Codec.INT, Tagged::tag, Tagged::new);
        assertEquals(OptionalInt.of(16), tagged.fixedWidth());
        Tagged t = new Tagged(new Point(9, 10), 11);
        assertEquals(t, tagged.decode(tagged.encode(t)));
        assertEquals("Codec.record(Codec.record(Codec.INT, Codec.LONG)[12 bytes], Codec.INT)[16 bytes]", tagged.toString());
    }

    @Test
    void shouldRefuseVariableLengthFields() {
        record Named(String name, long id) {
        }
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> Codec.record(Codec.UTF8, Named::name, Codec.LONG, Named::id, Named::new));
        assertTrue(e.getMessage().contains("field 0") && e.getMessage().contains("Codec.UTF8"), e.getMessage());
    }

    @Test
    void shouldRefuseAFieldCodecThatBreaksItsWidth() {
        Codec<Long> liar = new Codec<>() {
            @Override
            public byte[] encode(Long value) {
                return new byte[3];
            }

            @Override
            public Long decode(byte[] bytes) {
                return 0L;
            }

            @Override
            public OptionalInt fixedWidth() {
                return OptionalInt.of(8);
            }

            @Override
            public String toString() {
                return "liar";
            }
        };
        Codec<One> one = Codec.record(liar, One::v, One::new);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> one.encode(new One(1)));
        assertTrue(e.getMessage().contains("liar") && e.getMessage().contains("8"), e.getMessage());
    }

    @Test
    void shouldGiveDistinctValuesDistinctBytes() {
        assertNotEquals(HexFormat.of().formatHex(Codec.UTF8.encode("é")), HexFormat.of().formatHex(Codec.UTF8.encode("e\u0301")));
    }
}
