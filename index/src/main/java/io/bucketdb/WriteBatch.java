package io.bucketdb;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Objects;

/**
 * An atomic group of puts and deletes: {@link BucketDB#write} applies all of them or none, also
 * across a crash (the journal frames it with batch begin and commit records, and replay applies
 * a batch only when its commit is there). Readers never see part of it. Not thread-safe while
 * being built; once passed to the index it must not be changed until acknowledged (the index
 * keeps a reference, not a copy).
 */
public final class WriteBatch {
    /** One operation of a batch: a closed set. */
    public sealed interface Op permits PutLong, DeleteLong, Put, Delete {
    }

    public record PutLong(long key, long value) implements Op {
    }

    public record DeleteLong(long key) implements Op {
    }

    /** The arrays are kept by reference; do not change them until the batch is acknowledged. */
    public record Put(byte[] key, byte[] value) implements Op {
        public Put {
            Objects.requireNonNull(key, "key");
            Objects.requireNonNull(value, "value");
        }
    }

    public record Delete(byte[] key) implements Op {
        public Delete {
            Objects.requireNonNull(key, "key");
        }
    }

    private final List<Op> ops = new ArrayList<>();

    public WriteBatch putLong(long key, long value) {
        ops.add(new PutLong(key, value));
        return this;
    }

    public WriteBatch deleteLong(long key) {
        ops.add(new DeleteLong(key));
        return this;
    }

    public WriteBatch put(byte[] key, byte[] value) {
        ops.add(new Put(key, value));
        return this;
    }

    public WriteBatch delete(byte[] key) {
        ops.add(new Delete(key));
        return this;
    }

    /** The operations in the order they are applied. */
    public List<Op> ops() {
        return Collections.unmodifiableList(ops);
    }

    public int size() {
        return ops.size();
    }
}
