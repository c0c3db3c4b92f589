package io.bucketdb.bench;

import org.junit.jupiter.api.Test;

import java.nio.ByteBuffer;
import java.util.HashSet;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class KeysTest {
    @Test
    void byteKeysCarryTheirLongAndAreDistinct() {
        Set<ByteBuffer> seen = new HashSet<>();
        for (int n = 0; n < 100_000; n++) {
            long k = Keys.key(n);
            byte[] b = Keys.keyBytes(k, 16);
            assertEquals(k, Keys.longOf(b), "key " + n);
            assertTrue(seen.add(ByteBuffer.wrap(b)), "key " + n + " repeats an earlier key's bytes");
        }
    }

    @Test
    void byteValuesReadBackAsTheirLongInEveryWidth() {
        for (int width : new int[] {8, 16, 17, 100, 101}) {
            for (int n = 0; n < 1000; n++) {
                long v = Keys.valueOf(Keys.key(n));
                assertEquals(v, Keys.valueLongOf(Keys.valueBytes(v, width)), "width " + width + ", value " + n);
            }
        }
    }

    @Test
    void aValueWhoseEndsDisagreeReadsAsMissing() {
        long v = Keys.valueOf(Keys.key(7));
        byte[] head = Keys.valueBytes(v, 100);
        head[3] ^= 1;
        assertEquals(Keys.MISSING, Keys.valueLongOf(head));
        byte[] tail = Keys.valueBytes(v, 100);
        tail[99] ^= 1;
        assertEquals(Keys.MISSING, Keys.valueLongOf(tail));
    }
}
