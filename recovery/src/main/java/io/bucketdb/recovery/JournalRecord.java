package io.bucketdb.recovery;

import java.util.Arrays;
import java.util.HexFormat;

/**
 * One logical journal record (docs/DESIGN.md, "The journal, and group commit"). Replaying the same records on the same table
 * image gives the same bytes, so these say what happened, never which pages changed.
 *
 * <p>Records holding byte arrays compare them by content. They do not copy: a decoded record owns its
 * arrays, and a caller that passes arrays to {@link JournalWriter#append} must not change them before
 * the call returns (the writer copies them into its buffer).
 */
public sealed interface JournalRecord {

    /**
     * Maps {@code key} to {@code value}.
     *
     * @param key the key's bytes
     * @param value the value's bytes
     */
    record Put(byte[] key, byte[] value) implements JournalRecord {
        /**
         * Checks the components.
         *
         * @throws NullPointerException if an array is null
         */
        public Put {
            if (key == null || value == null) {
                throw new NullPointerException("key and value must not be null");
            }
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof Put p && Arrays.equals(key, p.key) && Arrays.equals(value, p.value);
        }

        @Override
        public int hashCode() {
            return 31 * Arrays.hashCode(key) + Arrays.hashCode(value);
        }

        @Override
        public String toString() {
            return "Put[key=" + HexFormat.of().formatHex(key) + ", value=" + value.length + " bytes]";
        }
    }

    /**
     * Removes {@code key}.
     *
     * @param key the key's bytes
     */
    record Delete(byte[] key) implements JournalRecord {
        /**
         * Checks the components.
         *
         * @throws NullPointerException if the key is null
         */
        public Delete {
            if (key == null) {
                throw new NullPointerException("key must not be null");
            }
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof Delete d && Arrays.equals(key, d.key);
        }

        @Override
        public int hashCode() {
            return Arrays.hashCode(key);
        }

        @Override
        public String toString() {
            return "Delete[key=" + HexFormat.of().formatHex(key) + "]";
        }
    }

    /**
     * The next {@code count} records form one atomic batch, ended by {@link BatchCommit}.
     *
     * @param count the records in the batch, at least 0
     */
    record BatchBegin(int count) implements JournalRecord {
        /**
         * Checks the components.
         *
         * @throws IllegalArgumentException if {@code count} is negative
         */
        public BatchBegin {
            if (count < 0) {
                throw new IllegalArgumentException("negative batch count: " + count);
            }
        }
    }

    /** Ends the batch opened by the last {@link BatchBegin}. */
    record BatchCommit() implements JournalRecord {
    }

    /**
     * Growth starts: to {@code 2^newB} buckets, or a same-size grow that packs overflow chains.
     *
     * @param newB log2 of the bucket count after the growth, 0 to 63
     * @param sameSize true for a same-size growth (B stays), false for a doubling
     */
    record GrowBegin(int newB, boolean sameSize) implements JournalRecord {
        /**
         * Checks the components.
         *
         * @throws IllegalArgumentException if {@code newB} is outside [0, 63]
         */
        public GrowBegin {
            if (newB < 0 || newB > 63) {
                throw new IllegalArgumentException("B out of range [0, 63]: " + newB);
            }
        }
    }

    /**
     * Old bucket {@code oldBucket} has been evacuated during the current growth.
     *
     * @param oldBucket the index of the old bucket, at least 0
     */
    record Evacuated(long oldBucket) implements JournalRecord {
        /**
         * Checks the components.
         *
         * @throws IllegalArgumentException if {@code oldBucket} is negative
         */
        public Evacuated {
            if (oldBucket < 0) {
                throw new IllegalArgumentException("negative bucket index: " + oldBucket);
            }
        }
    }

    /** The current growth has finished: every old bucket is evacuated. */
    record GrowEnd() implements JournalRecord {
    }

    /**
     * A checkpoint covering every record up to {@code checkpointLsn} has been made durable.
     *
     * @param checkpointLsn the LSN the checkpoint's table image includes
     */
    record Checkpoint(long checkpointLsn) implements JournalRecord {
        /**
         * Checks the components.
         *
         * @throws IllegalArgumentException if {@code checkpointLsn} is negative
         */
        public Checkpoint {
            if (checkpointLsn < 0) {
                throw new IllegalArgumentException("negative checkpoint LSN: " + checkpointLsn);
            }
        }
    }
}
