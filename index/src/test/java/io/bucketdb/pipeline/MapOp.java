package io.bucketdb.pipeline;

import java.util.List;

/**
 * One call on a {@code long → long} map together with what it returned, as a history records it.
 * A closed set: the {@link LinearizabilityChecker}'s model has a rule for each.
 */
sealed interface MapOp {
    /** The keys this operation reads or writes. */
    long[] keys();

    /** {@code get(key)}: absent, or present with {@code value}. */
    record Get(long key, boolean found, long value) implements MapOp {
        static Get absent(long key) {
            return new Get(key, false, 0);
        }

        static Get of(long key, long value) {
            return new Get(key, true, value);
        }

        @Override
        public long[] keys() {
            return new long[]{key};
        }

        @Override
        public String toString() {
            return "get(" + key + ") -> " + (found ? Long.toString(value) : "absent");
        }
    }

    /** {@code contains(key)}. */
    record Contains(long key, boolean present) implements MapOp {
        @Override
        public long[] keys() {
            return new long[]{key};
        }

        @Override
        public String toString() {
            return "contains(" + key + ") -> " + present;
        }
    }

    /** {@code put(key, value)}, which returned whether the key was new. */
    record Put(long key, long value, boolean wasNew) implements MapOp {
        @Override
        public long[] keys() {
            return new long[]{key};
        }

        @Override
        public String toString() {
            return "put(" + key + ", " + value + ") -> " + (wasNew ? "new" : "replaced");
        }
    }

    /** {@code delete(key)}, which returned whether the key was present. */
    record Delete(long key, boolean wasPresent) implements MapOp {
        @Override
        public long[] keys() {
            return new long[]{key};
        }

        @Override
        public String toString() {
            return "delete(" + key + ") -> " + (wasPresent ? "deleted" : "absent");
        }
    }

    /** An atomic batch of puts and deletes, applied in order; returns nothing. */
    record Batch(List<Write> writes) implements MapOp {
        public Batch {
            writes = List.copyOf(writes);
            if (writes.isEmpty()) {
                throw new IllegalArgumentException("an empty batch touches no key");
            }
        }

        @Override
        public long[] keys() {
            return writes.stream().mapToLong(Write::key).distinct().toArray();
        }

        @Override
        public String toString() {
            StringBuilder b = new StringBuilder("batch{");
            for (int i = 0; i < writes.size(); i++) {
                b.append(i == 0 ? "" : ", ").append(writes.get(i));
            }
            return b.append('}').toString();
        }
    }

    /** One write of a {@link Batch}: a put of {@code value}, or a delete. */
    record Write(long key, boolean delete, long value) {
        static Write put(long key, long value) {
            return new Write(key, false, value);
        }

        static Write delete(long key) {
            return new Write(key, true, 0);
        }

        @Override
        public String toString() {
            return delete ? "delete " + key : "put " + key + "=" + value;
        }
    }
}
