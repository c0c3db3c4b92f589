package io.bucketdb;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Iterator;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.*;

/**
 * A cursor used the wrong way gets a clear error instead of bytes that are no entry: before its first entry, past
 * its last, on an index closed meanwhile, and the long accessors on an index whose keys or values are not 8 bytes.
 */
class CursorMisuseTest {
    @TempDir
    Path tmp;

    @Test
    void theAccessorsNeedACurrentEntry() throws IOException {
        try (BucketDB db = BucketDB.open(tmp.resolve("idx"))) {
            db.putLong(1, 10);
            Cursor c = db.cursor();
            IllegalStateException before = assertThrows(IllegalStateException.class, c::key);
            assertTrue(before.getMessage().contains("call next() first"), before.getMessage());
            assertThrows(IllegalStateException.class, c::value);
            assertThrows(IllegalStateException.class, c::keyLong);
            assertThrows(IllegalStateException.class, c::valueLong);
            assertTrue(c.next());
            assertEquals(1, c.keyLong());
            assertEquals(10, c.valueLong());
            assertFalse(c.next());
            assertThrows(IllegalStateException.class, c::key, "past the last entry");
            assertThrows(IllegalStateException.class, c::value);
            assertThrows(IllegalStateException.class, c::keyLong);
            assertThrows(IllegalStateException.class, c::valueLong);
            assertFalse(c.next(), "the end stays the end");
        }
    }

    @Test
    void aCursorOfAClosedIndexRefusesToMove() throws IOException {
        Path dir = tmp.resolve("closed");
        try (BucketDB db = BucketDB.open(dir)) {
            for (long k = 0; k < 100; k++) {
                db.putLong(k, k);
            }
        }
        for (boolean readOnly : new boolean[]{false, true}) {
            BucketDB db = BucketDB.open(dir, Options.defaults().withReadOnly(readOnly));
            Cursor c = db.cursor();
            assertTrue(c.next());
            Iterator<Map.Entry<Long, Long>> it = db.asMap(Codec.LONG, Codec.LONG).entrySet().iterator();
            it.next();
            db.close();
            IllegalStateException e = assertThrows(IllegalStateException.class, c::next, "read-only " + readOnly);
            assertTrue(e.getMessage().contains("is closed"), e.getMessage());
            assertThrows(IllegalStateException.class, () -> {
                while (it.hasNext()) {
                    it.next();
                }
            }, "the map's iterator walks a cursor; read-only " + readOnly);
        }
    }

    @Test
    void theLongAccessorsNeedEightByteKeysOrValues() throws IOException {
        try (BucketDB db = BucketDB.open(tmp.resolve("wide"), Options.defaults().withKeyWidth(16).withValueWidth(8))) {
            byte[] key = new byte[16];
            key[0] = 1;
            db.put(key, new byte[]{5, 0, 0, 0, 0, 0, 0, 0});
            Cursor c = db.cursor();
            assertTrue(c.next());
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, c::keyLong);
            assertTrue(e.getMessage().contains("8-byte keys") && e.getMessage().contains("16-byte keys"), e.getMessage());
            assertEquals(5, c.valueLong(), "the values are 8 bytes");
            assertArrayEquals(key, c.key());
        }
        try (BucketDB db = BucketDB.open(tmp.resolve("var"), Options.defaults().withVariableKeys().withVariableValues())) {
            db.put("k".getBytes(), "value".getBytes());
            Cursor c = db.cursor();
            assertTrue(c.next());
            IllegalArgumentException k = assertThrows(IllegalArgumentException.class, c::keyLong);
            assertTrue(k.getMessage().contains("variable-length keys"), k.getMessage());
            IllegalArgumentException v = assertThrows(IllegalArgumentException.class, c::valueLong);
            assertTrue(v.getMessage().contains("variable-length values"), v.getMessage());
        }
    }
}
