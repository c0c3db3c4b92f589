package io.bucketdb.streams;

import org.apache.kafka.common.utils.Bytes;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.errors.InvalidStateStoreException;
import org.apache.kafka.streams.state.KeyValueIterator;

import java.util.List;
import java.util.NoSuchElementException;
import java.util.function.Function;

/**
 * Iterates a sorted snapshot of keys and reads each value when the iterator reaches its key, as Kafka's
 * in-memory store iterates its key set: keys deleted after the snapshot are skipped, and a key's value is
 * the one it has when reached. Memory is the snapshot's keys; one point lookup per key.
 */
final class SortedKeyIterator implements KeyValueIterator<Bytes, byte[]> {
    private final String storeName;
    private final List<byte[]> keys;
    private final Function<byte[], byte[]> lookup;
    private final Runnable checkStoreOpen;
    private int next;
    private KeyValue<Bytes, byte[]> current;
    private boolean closed;

    /**
     * @param keys   the keys in the order to return them
     * @param lookup a key's value now, or null if it is gone
     * @param checkStoreOpen throws {@link InvalidStateStoreException} once the store this iterator reads is closed
     */
    SortedKeyIterator(String storeName, List<byte[]> keys, Function<byte[], byte[]> lookup, Runnable checkStoreOpen) {
        this.storeName = storeName;
        this.keys = keys;
        this.lookup = lookup;
        this.checkStoreOpen = checkStoreOpen;
    }

    @Override
    public boolean hasNext() {
        if (closed) {
            throw new InvalidStateStoreException("an iterator of store " + storeName + " was used after it was closed");
        }
        checkStoreOpen.run();
        while (current == null && next < keys.size()) {
            byte[] key = keys.get(next++);
            byte[] value = lookup.apply(key);
            if (value != null) {
                current = KeyValue.pair(Bytes.wrap(key), value);
            }
        }
        return current != null;
    }

    @Override
    public KeyValue<Bytes, byte[]> next() {
        if (!hasNext()) {
            throw new NoSuchElementException("no more entries in this iterator of store " + storeName);
        }
        KeyValue<Bytes, byte[]> kv = current;
        current = null;
        return kv;
    }

    @Override
    public Bytes peekNextKey() {
        if (!hasNext()) {
            throw new NoSuchElementException("no more entries in this iterator of store " + storeName);
        }
        return current.key;
    }

    @Override
    public void close() {
        closed = true;
    }
}
