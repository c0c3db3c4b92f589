package io.bucketdb.durability;

import io.bucketdb.BucketDB;

import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.*;

/**
 * What a crash may and may not do to a single-writer workload: every key whose last write was
 * acknowledged holds exactly that value (or is absent if deleted); the one write in flight at the
 * crash may or may not have happened; keys never written do not exist (no phantoms).
 */
final class CrashOracle {
    /** Acknowledged state: key → value, or null for an acknowledged delete. */
    private final Map<Long, Long> acked = new HashMap<>();
    private final Set<Long> touched = new HashSet<>();
    private Long inFlightKey;
    private Long inFlightValue;
    private boolean inFlightDelete;

    void begin(long key, Long valueOrNullForDelete) {
        inFlightKey = key;
        inFlightValue = valueOrNullForDelete;
        inFlightDelete = valueOrNullForDelete == null;
        touched.add(key);
    }

    void acknowledged() {
        acked.put(inFlightKey, inFlightValue);
        inFlightKey = null;
    }

    int acknowledgedLive() {
        return (int) acked.values().stream().filter(v -> v != null).count();
    }

    /** Checks a recovered index against what was acknowledged. */
    void check(BucketDB db, String where) {
        long present = 0;
        for (long key : touched) {
            long got = db.getLong(key, Long.MIN_VALUE);
            Long expected = acked.get(key);
            long exp = expected == null ? Long.MIN_VALUE : expected;
            if (inFlightKey != null && inFlightKey == key) {
                long alt = inFlightDelete ? Long.MIN_VALUE : inFlightValue;
                assertTrue(got == exp || got == alt, where + ": key " + key + " in flight holds " + got + ", expected " + exp + " or " + alt);
            } else {
                assertEquals(exp, got, where + ": acknowledged key " + key);
            }
            if (got != Long.MIN_VALUE) {
                present++;
            }
        }
        assertEquals(present, db.size(), where + ": size counts exactly the keys written (no phantoms)");
    }
}
