package io.bucketdb.streams;

import io.bucketdb.Options;
import org.apache.kafka.common.utils.Bytes;
import org.apache.kafka.streams.state.KeyValueBytesStoreSupplier;
import org.apache.kafka.streams.state.KeyValueStore;

/** Supplies one new {@link BucketDBKeyValueStore} per call: Kafka asks once per task. */
final class BucketDBStoreSupplier implements KeyValueBytesStoreSupplier {
    /** The metrics scope of the stores, as "rocksdb" is RocksDB's. */
    static final String METRICS_SCOPE = "bucketdb";

    private final String name;
    private final Options options;

    BucketDBStoreSupplier(String name, Options options) {
        this.name = name;
        this.options = options;
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public KeyValueStore<Bytes, byte[]> get() {
        return new BucketDBKeyValueStore(name, options);
    }

    @Override
    public String metricsScope() {
        return METRICS_SCOPE;
    }
}
