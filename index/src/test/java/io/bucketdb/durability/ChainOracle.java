package io.bucketdb.durability;

import io.bucketdb.BucketDB;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * What every life of a crash chain may find: each key whose last write was acknowledged holds exactly that
 * value (or is absent if deleted), and the one operation in flight at a crash (a put, a delete or a whole
 * {@link io.bucketdb.WriteBatch}) took effect completely or not at all. Unlike {@link CrashOracle} it learns
 * from each check which way an in-flight operation went, so the next life is held to that outcome: a write
 * that a recovery kept must not vanish in a later one.
 */
final class ChainOracle {
    /** How the chain's keys and values are stored and read back. */
    private final ChainShape shape;

    ChainShape shape() {
        return shape;
    }

    /** A write of a key: a value, or null for a delete. */
    record Write(long key, Long value) {
    }

    /** Acknowledged state of every key ever written: its value, or null if deleted. */
    private final Map<Long, Long> acked;
    /** The operation in flight (published, not acknowledged), applied as one; null if none. */
    private List<Write> inFlight;

    ChainOracle() {
        this(ChainShape.LONGS);
    }

    ChainOracle(ChainShape shape) {
        this(shape, new HashMap<>(), null);
    }

    private ChainOracle(ChainShape shape, Map<Long, Long> acked, List<Write> inFlight) {
        this.shape = shape;
        this.acked = acked;
        this.inFlight = inFlight;
    }

    /** An independent copy, for a chain that branches at a crash. */
    ChainOracle copy() {
        return new ChainOracle(shape, new HashMap<>(acked), inFlight == null ? null : List.copyOf(inFlight));
    }

    /** An operation is about to be published. An earlier one still unresolved must have been resolved by a check. */
    void begin(List<Write> writes) {
        if (inFlight != null) {
            throw new IllegalStateException("an operation is already in flight: " + inFlight);
        }
        inFlight = List.copyOf(writes);
    }

    void acknowledged() {
        apply(acked, inFlight);
        inFlight = null;
    }

    /** Whether an operation was in flight at the crash and no check has resolved it yet. */
    boolean unresolved() {
        return inFlight != null;
    }

    /** Entries acknowledged as present. */
    long present() {
        return acked.values().stream().filter(v -> v != null).count();
    }

    /** Acknowledged writes the next check verifies: every key ever written. */
    int keys() {
        return acked.size() + (inFlight == null ? 0 : inFlight.size());
    }

    /**
     * Checks a recovered index (not closed before or after: the caller goes on writing to it) and resolves the
     * operation in flight at the crash to what the index holds; fails if neither outcome matches.
     */
    void check(BucketDB db, String where) {
        Map<Long, Long> without = acked;
        Map<Long, Long> with = acked;
        if (inFlight != null) {
            with = new HashMap<>(acked);
            apply(with, inFlight);
        }
        boolean matchesWithout = matches(db, without);
        boolean matchesWith = inFlight != null && matches(db, with);
        if (!matchesWithout && !matchesWith) {
            throw new AssertionError(where + ": " + firstDifference(db, without)
                    + (inFlight == null ? "" : "; with the operation in flight " + inFlight + " applied: " + firstDifference(db, with)));
        }
        if (matchesWith && !matchesWithout) {
            apply(acked, inFlight);
        }
        inFlight = null;
    }

    private static void apply(Map<Long, Long> state, List<Write> writes) {
        for (Write w : writes) {
            state.put(w.key(), w.value());
        }
    }

    private boolean matches(BucketDB db, Map<Long, Long> state) {
        long present = 0;
        for (Map.Entry<Long, Long> e : state.entrySet()) {
            long got = shape.get(db, e.getKey(), Long.MIN_VALUE);
            long expected = e.getValue() == null ? Long.MIN_VALUE : e.getValue();
            if (got != expected) {
                return false;
            }
            if (e.getValue() != null) {
                present++;
            }
        }
        return db.size() == present;
    }

    private String firstDifference(BucketDB db, Map<Long, Long> state) {
        List<String> wrong = new ArrayList<>();
        long present = 0;
        for (Map.Entry<Long, Long> e : state.entrySet()) {
            long got = shape.get(db, e.getKey(), Long.MIN_VALUE);
            long expected = e.getValue() == null ? Long.MIN_VALUE : e.getValue();
            if (got != expected && wrong.size() < 3) {
                wrong.add("key " + e.getKey() + " holds " + (got == Long.MIN_VALUE ? "nothing" : got) + ", expected "
                        + (expected == Long.MIN_VALUE ? "nothing" : expected));
            }
            if (e.getValue() != null) {
                present++;
            }
        }
        return (wrong.isEmpty() ? "" : String.join(", ", wrong) + "; ") + "size " + db.size() + ", expected " + present;
    }
}
