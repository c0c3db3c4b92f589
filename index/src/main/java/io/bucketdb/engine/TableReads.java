package io.bucketdb.engine;

import io.bucketdb.pipeline.WritePipeline;
import io.bucketdb.table.HashTable;

import java.lang.foreign.MemorySegment;
import java.util.function.Function;

/**
 * The one reader of an index's table, chosen at open: a writable index reads through its write pipeline, whose
 * batch gate keeps a read from showing part of an atomic batch; a read-only view reads the table of the image it
 * shows now (replaced by a refresh), where no batch is ever applied in part. Both check the key first
 * ({@link EntryChecks}) and allocate nothing.
 */
public sealed interface TableReads permits TableReads.Gated, TableReads.OfView {
    /**
     * The reads of a writable index.
     *
     * @param pipeline its write pipeline
     * @return reads through the pipeline's batch gate
     */
    static TableReads gated(WritePipeline pipeline) {
        return new Gated(pipeline);
    }

    /**
     * The reads of a read-only view.
     *
     * @param view   the view
     * @param checks the index's key checks
     * @return reads of the table the view shows at each call
     */
    static TableReads of(ReadOnlyView view, EntryChecks checks) {
        return new OfView(view, checks);
    }

    /**
     * {@return the value of {@code key}, or {@code missing}}
     *
     * @param key     the key
     * @param missing what to return when it is absent
     */
    long getLong(long key, long missing);

    /**
     * {@return whether {@code key} is present}
     *
     * @param key the key
     */
    boolean containsLong(long key);

    /**
     * Copies the fixed-width value of {@code key} into {@code dst}.
     *
     * @param key the key
     * @param dst exactly a value's width
     * @return whether the key was present
     */
    boolean get(byte[] key, byte[] dst);

    /**
     * Copies the value of the whole key segment {@code key} into {@code dst} at 0, if it fits.
     *
     * @param key    the key's bytes
     * @param keyLen the key's length
     * @param dst    where the value goes
     * @return the value's length, or -1 if absent
     */
    long get(MemorySegment key, int keyLen, MemorySegment dst);

    /**
     * Passes a view of the value of {@code key} to {@code reader}, again if the entry changed meanwhile.
     *
     * @param key     the key's bytes
     * @param keyLen  the key's length
     * @param reader  reads the value
     * @param missing what to return when the key is absent
     * @param <R>     what the reader returns
     * @return what {@code reader} returned for a consistent value, or {@code missing}
     */
    <R> R read(MemorySegment key, int keyLen, Function<? super MemorySegment, ? extends R> reader, R missing);

    /**
     * A copy of the value of {@code key}, or null if absent. With variable-length values: the length first, then a
     * copy into an array of exactly that length, so memory is allocated only for a length that a validated read
     * returned; if the value changed length in between, it asks again.
     *
     * @param key        the key
     * @param varValues  whether values are variable-length
     * @param valueWidth the width of a fixed-width value
     * @return a copy of the value, or null
     */
    default byte[] copy(byte[] key, boolean varValues, int valueWidth) {
        MemorySegment k = MemorySegment.ofArray(key);
        if (varValues) {
            for (; ; ) {
                long n = get(k, key.length, MemorySegment.NULL);
                if (n < 0) {
                    return null;
                }
                byte[] out = new byte[(int) n];
                if (get(k, key.length, MemorySegment.ofArray(out)) == n) {
                    return out;
                }
            }
        }
        byte[] out = new byte[valueWidth];
        return get(key, out) ? out : null;
    }

    /**
     * A writable index's reads: through the pipeline, which checks the key and validates against the batch gate.
     *
     * @param pipeline the index's write pipeline
     */
    record Gated(WritePipeline pipeline) implements TableReads {
        @Override
        public long getLong(long key, long missing) {
            return pipeline.getLong(key, missing);
        }

        @Override
        public boolean containsLong(long key) {
            return pipeline.containsLong(key);
        }

        @Override
        public boolean get(byte[] key, byte[] dst) {
            return pipeline.get(key, dst);
        }

        @Override
        public long get(MemorySegment key, int keyLen, MemorySegment dst) {
            return pipeline.get(key, keyLen, dst, dst.byteSize());
        }

        @Override
        public <R> R read(MemorySegment key, int keyLen, Function<? super MemorySegment, ? extends R> reader, R missing) {
            return pipeline.read(key, keyLen, reader, missing);
        }
    }

    /**
     * A read-only view's reads: the table of the image the view shows at the call.
     *
     * @param view   the view
     * @param checks the index's key checks
     */
    record OfView(ReadOnlyView view, EntryChecks checks) implements TableReads {
        private HashTable table() {
            return view.image().table();
        }

        @Override
        public long getLong(long key, long missing) {
            checks.requireLong();
            return table().getLong(key, missing);
        }

        @Override
        public boolean containsLong(long key) {
            checks.requireLong();
            HashTable table = table();
            // Two probes with different defaults tell "absent" from a stored value equal to one of them.
            return table.getLong(key, 0) != 0 || table.getLong(key, 1) != 1;
        }

        @Override
        public boolean get(byte[] key, byte[] dst) {
            checks.checkKey(key);
            // The key's own length: with variable-length keys it is not the slot width.
            return table().get(MemorySegment.ofArray(key), 0, key.length, MemorySegment.ofArray(dst), 0, dst.length) >= 0;
        }

        @Override
        public long get(MemorySegment key, int keyLen, MemorySegment dst) {
            checks.checkKeyLength(keyLen);
            return table().get(key, 0, keyLen, dst, 0, dst.byteSize());
        }

        @Override
        public <R> R read(MemorySegment key, int keyLen, Function<? super MemorySegment, ? extends R> reader, R missing) {
            checks.checkKeyLength(keyLen);
            return table().read(key, 0, keyLen, reader, missing);
        }
    }
}
