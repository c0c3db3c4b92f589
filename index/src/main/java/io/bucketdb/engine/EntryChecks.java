package io.bucketdb.engine;

import io.bucketdb.Codec;
import io.bucketdb.WriteBatch;
import io.bucketdb.table.HashTable;

import java.nio.file.Path;
import java.util.OptionalInt;

/**
 * The one place that says which keys and values an index takes: a fixed width, or a variable length up to the
 * limits of {@code Options.withMaxLengths}. Checked on the caller's thread before anything is published, so a
 * wrong key throws from the call (naming the index, the width or the limit) instead of failing in the writer
 * role; the write pipeline checks its writes and gated reads here, a read-only view its reads, and the
 * {@code asMap} view its codecs and encodings. (The journal refuses records beyond its format's limits, the
 * highest an open may set, as the last guard of its own format; it reads with those too, so lower limits on a
 * reopen never make a record written before unreadable.)
 */
public final class EntryChecks {
    private final String index;
    private final int keyWidth;
    private final int valueWidth;
    private final boolean varKeys;
    private final boolean varValues;
    private final int maxKeyLength;
    private final int maxValueLength;
    private final boolean longWidths;
    private final HashTable table;

    private EntryChecks(String index, HashTable table, int maxKeyLength, int maxValueLength) {
        this.index = index;
        this.table = table;
        this.keyWidth = table.keyWidth();
        // Fixed-width values kept out of line are variable-length to the table, fixed-width to the API.
        this.varValues = table.fixedValueWidth() < 0;
        this.valueWidth = varValues ? table.valueWidth() : table.fixedValueWidth();
        this.varKeys = table.varKeys();
        this.maxKeyLength = maxKeyLength;
        this.maxValueLength = maxValueLength;
        this.longWidths = keyWidth == 8 && valueWidth == 8 && !varKeys && !varValues;
    }

    /**
     * The checks of an index: {@code table}'s widths and the open's length limits.
     *
     * @param dir            the index directory, named in every message
     * @param table          the table, whose widths a fixed-width key or value must have
     * @param maxKeyLength   the longest variable-length key accepted
     * @param maxValueLength the longest variable-length value accepted
     * @return the checks
     */
    public static EntryChecks of(Path dir, HashTable table, int maxKeyLength, int maxValueLength) {
        return new EntryChecks("index " + dir, table, maxKeyLength, maxValueLength);
    }

    /**
     * The checks of a bare table (a pipeline without an index around it): its widths, no length limit.
     *
     * @param table the table
     * @return the checks
     */
    public static EntryChecks of(HashTable table) {
        return new EntryChecks("the table", table, Integer.MAX_VALUE, Integer.MAX_VALUE);
    }

    /** Throws unless keys and values are fixed 8-byte ones, as the long API needs. */
    public void requireLong() {
        if (!longWidths) {
            throw new IllegalArgumentException("the long API needs 8-byte keys and values; " + index + " has "
                    + keyWidth + "-byte keys and " + valueWidth + "-byte values");
        }
    }

    /**
     * Throws unless {@code key} is a key of this index.
     *
     * @param key the key
     */
    public void checkKey(byte[] key) {
        checkKeyLength(key.length);
    }

    /**
     * Throws unless a key of {@code length} bytes is a key of this index.
     *
     * @param length the key's length
     */
    public void checkKeyLength(int length) {
        if (varKeys) {
            if (length > maxKeyLength) {
                throw new IllegalArgumentException("key of " + length + " bytes exceeds the limit of " + maxKeyLength
                        + " bytes for " + index + " (Options.withMaxLengths); nothing was written");
            }
        } else if (length != keyWidth) {
            throw new IllegalArgumentException("key must be " + keyWidth + " bytes for " + index + ", got " + length);
        }
    }

    /**
     * Throws unless {@code value} is a value of this index.
     *
     * @param value the value
     */
    public void checkValue(byte[] value) {
        if (varValues) {
            if (value.length > maxValueLength) {
                throw new IllegalArgumentException("value of " + value.length + " bytes exceeds the limit of " + maxValueLength
                        + " bytes for " + index + " (Options.withMaxLengths); nothing was written");
            }
        } else if (value.length != valueWidth) {
            throw new IllegalArgumentException("value must be " + valueWidth + " bytes for " + index + ", got " + value.length);
        }
    }

    /**
     * Throws unless {@code value} is a value of this index ({@link #checkValue}) and the index has room to put it: a
     * table whose values are named by 4-byte block numbers (format version 8) refuses puts once its value heap nears
     * the numbers' reach ({@link HashTable#valueHeapNearItsEnd}), before anything is journaled.
     *
     * @param value the value to put
     * @throws IllegalStateException if the index is full
     */
    public void checkPutValue(byte[] value) {
        checkValue(value);
        if (table.valueHeapNearItsEnd()) {
            throw new IllegalStateException(index + " is full: its values are named by 4-byte block numbers (format version 8),"
                    + " and its value heap nears their reach; nothing was written (bucketdb compact makes room only after deletes)");
        }
    }

    /**
     * Checks every operation of a batch before any is published: a bad one rejects the whole batch.
     *
     * @param batch the batch
     */
    public void checkBatch(WriteBatch batch) {
        for (WriteBatch.Op op : batch.ops()) {
            switch (op) {
                case WriteBatch.Put p -> {
                    checkKey(p.key());
                    checkPutValue(p.value());
                }
                case WriteBatch.Delete d -> checkKey(d.key());
                case WriteBatch.PutLong p -> requireLong();
                case WriteBatch.DeleteLong d -> requireLong();
            }
        }
    }

    /**
     * {@return whether a key of {@code length} bytes is one this index can hold} A key that cannot is simply
     * absent from it.
     *
     * @param length the key's length
     */
    public boolean keyFits(int length) {
        return varKeys ? length <= maxKeyLength : length == keyWidth;
    }

    /**
     * {@return whether a value of {@code length} bytes is one this index can hold}
     *
     * @param length the value's length
     */
    public boolean valueFits(int length) {
        return varValues ? length <= maxValueLength : length == valueWidth;
    }

    /**
     * Refuses a key codec that could never store a key here: a fixed width other than the index's fixed key width,
     * or above its limit for variable-length keys.
     *
     * @param codec the key codec
     * @throws IllegalArgumentException naming the codec, its width and the index's width or limit
     */
    public void checkKeyCodec(Codec<?> codec) {
        checkCodec("key", codec, varKeys, keyWidth, maxKeyLength);
    }

    /**
     * Refuses a value codec that could never store a value here; see {@link #checkKeyCodec}.
     *
     * @param codec the value codec
     * @throws IllegalArgumentException naming the codec, its width and the index's width or limit
     */
    public void checkValueCodec(Codec<?> codec) {
        checkCodec("value", codec, varValues, valueWidth, maxValueLength);
    }

    private void checkCodec(String what, Codec<?> codec, boolean variable, int width, int limit) {
        OptionalInt w = codec.fixedWidth();
        if (w.isEmpty()) {
            return;
        }
        if (!variable && w.getAsInt() != width) {
            throw new IllegalArgumentException(what + " codec " + codec + " is " + w.getAsInt() + " bytes wide but " + index
                    + " has " + width + "-byte " + what + "s");
        }
        if (variable && w.getAsInt() > limit) {
            throw new IllegalArgumentException(what + " codec " + codec + " is " + w.getAsInt() + " bytes wide but " + index
                    + " takes variable-length " + what + "s of at most " + limit + " bytes (Options.withMaxLengths)");
        }
    }

    /**
     * The bytes of a key or value that a map call is about to store: returned if they fit a fixed width (the
     * variable-length limits are checked by the write itself), else refused naming the width.
     *
     * @param key   true for a key, false for a value
     * @param bytes the encoding
     * @return {@code bytes}
     */
    public byte[] encodedToStore(boolean key, byte[] bytes) {
        String what = key ? "key" : "value";
        int width = key ? keyWidth : valueWidth;
        if (!(key ? varKeys : varValues) && bytes.length != width) {
            throw new IllegalArgumentException(what + " encodes to " + bytes.length + " bytes but " + index
                    + " has " + width + "-byte " + what + "s: with today's fixed-width indexes every " + what
                    + " must encode to exactly " + width + " bytes (create the index with Options.withVariable"
                    + (key ? "Keys" : "Values") + " for variable-length " + what + "s)");
        }
        return bytes;
    }
}
