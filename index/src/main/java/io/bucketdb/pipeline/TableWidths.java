package io.bucketdb.pipeline;

import io.bucketdb.WriteBatch;
import io.bucketdb.table.HashTable;

/**
 * The key and value widths a pipeline's table accepts, checked on the caller's thread before a
 * publish, so a wrong width throws from the call instead of failing in the writer role. Fixed
 * widths only: variable-length limits are the caller's (BucketDB's options).
 */
final class TableWidths {
    private final HashTable table;
    private final boolean longWidths;

    TableWidths(HashTable table) {
        this.table = table;
        this.longWidths = table.keyWidth() == 8 && table.valueWidth() == 8 && !table.varKeys() && !table.varValues();
    }

    void requireLong() {
        if (!longWidths) {
            throw new IllegalArgumentException("the long API needs 8-byte keys and values; the table has "
                    + table.keyWidth() + "-byte keys and " + table.valueWidth() + "-byte values");
        }
    }

    void checkKey(byte[] key) {
        checkKeyLength(key.length);
    }

    void checkKeyLength(int length) {
        if (!table.varKeys() && length != table.keyWidth()) {
            throw new IllegalArgumentException("key must be " + table.keyWidth() + " bytes, got " + length);
        }
    }

    void checkValue(byte[] value) {
        if (!table.varValues() && value.length != table.valueWidth()) {
            throw new IllegalArgumentException("value must be " + table.valueWidth() + " bytes, got " + value.length);
        }
    }

    void checkBatch(WriteBatch batch) {
        for (WriteBatch.Op op : batch.ops()) {
            switch (op) {
                case WriteBatch.PutLong p -> requireLong();
                case WriteBatch.DeleteLong d -> requireLong();
                case WriteBatch.Put p -> {
                    checkKey(p.key());
                    checkValue(p.value());
                }
                case WriteBatch.Delete d -> checkKey(d.key());
            }
        }
    }
}
