package io.bucketdb;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Objects;

/**
 * An atomic group of puts and deletes: {@link BucketDB#write} applies all of them or none, also
 * across a crash (the journal frames it with batch begin and commit records, and replay applies
 * a batch only when its commit is there). Readers never see part of it. Not thread-safe while
 * being built. {@link BucketDB#write} and {@link BucketDB#writeAsync} take a copy of its list of
 * operations, so the batch may be changed or reused as soon as the call returns, also while the write
 * it was passed to is pending; the key and value arrays are kept by reference, so leave them unchanged
 * until the write is acknowledged.
 */
public final class WriteBatch {
    /** One operation of a batch: a closed set. */
    public sealed interface Op permits PutLong, DeleteLong, Put, Delete {
    }

    /**
     * Put {@code key → value} in an index with 8-byte keys and values.
     *
     * @param key   the key
     * @param value the value
     */
    public record PutLong(long key, long value) implements Op {
    }

    /**
     * Delete {@code key} from an index with 8-byte keys and values (the long API's indexes, as
     * {@link BucketDB#deleteLong}; with wider values, {@link Delete} takes the key's 8 bytes).
     *
     * @param key the key
     */
    public record DeleteLong(long key) implements Op {
    }

    /**
     * Put {@code key → value}. The arrays are kept by reference; do not change them until the batch is
     * acknowledged.
     *
     * @param key   the key
     * @param value the value
     */
    public record Put(byte[] key, byte[] value) implements Op {
        /** Rejects null arrays; widths are checked when the batch is written. */
        public Put {
            Objects.requireNonNull(key, "key");
            Objects.requireNonNull(value, "value");
        }
    }

    /**
     * Delete {@code key}. The array is kept by reference; do not change it until the batch is acknowledged.
     *
     * @param key the key
     */
    public record Delete(byte[] key) implements Op {
        /** Rejects a null array; its width is checked when the batch is written. */
        public Delete {
            Objects.requireNonNull(key, "key");
        }
    }

    private final List<Op> ops = new ArrayList<>();

    /** An empty batch. */
    public WriteBatch() {
    }

    /**
     * Adds a put of {@code key → value} (8-byte keys and values).
     *
     * @param key the key
     * @param value the value
     * @return this batch
     */
    public WriteBatch putLong(long key, long value) {
        ops.add(new PutLong(key, value));
        return this;
    }

    /**
     * Adds a delete of {@code key} (8-byte keys and values, as {@link BucketDB#deleteLong}).
     *
     * @param key the key
     * @return this batch
     */
    public WriteBatch deleteLong(long key) {
        ops.add(new DeleteLong(key));
        return this;
    }

    /**
     * Adds a put of {@code key → value}; the arrays are kept by reference.
     *
     * @param key the key
     * @param value the value
     * @return this batch
     */
    public WriteBatch put(byte[] key, byte[] value) {
        ops.add(new Put(key, value));
        return this;
    }

    /**
     * Adds a delete of {@code key}; the array is kept by reference.
     *
     * @param key the key
     * @return this batch
     */
    public WriteBatch delete(byte[] key) {
        ops.add(new Delete(key));
        return this;
    }

    /**
     * The batch the index writes: a copy of the list of operations, taken when it is passed to the index, so that a
     * caller that goes on adding to this batch (or reuses it) while the write is pending cannot change what is
     * checked, journaled and applied. Journal and apply read the list at different times, and an operation added in
     * between, never checked, once reached the journal with the wrong width and made the index unopenable.
     */
    WriteBatch frozen() {
        WriteBatch copy = new WriteBatch();
        copy.ops.addAll(ops);
        return copy;
    }

    /** {@return the operations in the order they are applied, unmodifiable} */
    public List<Op> ops() {
        return Collections.unmodifiableList(ops);
    }

    /** {@return the number of operations} */
    public int size() {
        return ops.size();
    }
}
