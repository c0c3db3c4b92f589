package io.bucketdb.streams;

import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.processor.internals.RecordBatchingStateRestoreCallback;

import java.util.Collection;

/**
 * Restores a store from its changelog, one {@link io.bucketdb.WriteBatch} per batch of records Kafka hands
 * over (a consumer poll's worth): one journal group and one acknowledgement per batch instead of one per
 * record, and the batch lands whole or not at all across a crash.
 *
 * <p>Kafka calls {@link #restoreBatch} on callbacks of its internal {@code RecordBatchingStateRestoreCallback}
 * type, which is how its own stores see the records' headers (the IQ position); the public
 * {@link org.apache.kafka.streams.processor.BatchingStateRestoreCallback#restoreAll restoreAll} path, without
 * headers, applies batches the same way. This class is the only place that depends on that internal interface.
 */
final class ChangelogRestorer implements RecordBatchingStateRestoreCallback {
    private final BucketDBKeyValueStore store;
    private final boolean consistencyEnabled;

    ChangelogRestorer(BucketDBKeyValueStore store, boolean consistencyEnabled) {
        this.store = store;
        this.consistencyEnabled = consistencyEnabled;
    }

    @Override
    public void restoreBatch(Collection<ConsumerRecord<byte[], byte[]>> records) {
        store.restore(records, ConsumerRecord::key, ConsumerRecord::value, consistencyEnabled ? ChangelogPositions::mergeInto : null);
    }

    @Override
    public void restoreAll(Collection<KeyValue<byte[], byte[]>> records) {
        store.restore(records, kv -> kv.key, kv -> kv.value, null);
    }
}
