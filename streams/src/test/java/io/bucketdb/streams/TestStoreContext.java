package io.bucketdb.streams;

import org.apache.kafka.common.metrics.Metrics;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.common.utils.Time;
import org.apache.kafka.streams.StreamsMetrics;
import org.apache.kafka.streams.processor.CommitCallback;
import org.apache.kafka.streams.processor.StateRestoreCallback;
import org.apache.kafka.streams.processor.StateStore;
import org.apache.kafka.streams.processor.StateStoreContext;
import org.apache.kafka.streams.processor.TaskId;
import org.apache.kafka.streams.processor.internals.metrics.StreamsMetricsImpl;
import org.apache.kafka.streams.processor.api.RecordMetadata;

import java.io.File;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;

/**
 * A task's context for a store under test, without Kafka around it: keeps the restore and commit callbacks the
 * store registers (Kafka's MockProcessorContext drops them) and lets a test set the record being processed.
 */
final class TestStoreContext implements StateStoreContext {
    private final Path stateDir;
    private final TaskId taskId;
    private final Map<String, Object> configs = new HashMap<>();
    private RecordMetadata record;
    private StreamsMetricsImpl metrics;
    StateRestoreCallback restoreCallback;
    CommitCallback commitCallback;

    TestStoreContext(Path stateDir, int partition) {
        this.stateDir = stateDir;
        this.taskId = new TaskId(0, partition);
    }

    TestStoreContext withConfig(String key, Object value) {
        configs.put(key, value);
        return this;
    }

    /** Sets the record being processed, as Kafka does before it calls a processor. */
    void processing(String topic, int partition, long offset) {
        record = new RecordMetadata() {
            @Override
            public String topic() {
                return topic;
            }

            @Override
            public int partition() {
                return partition;
            }

            @Override
            public long offset() {
                return offset;
            }
        };
    }

    @Override
    public String applicationId() {
        return "test-app";
    }

    @Override
    public TaskId taskId() {
        return taskId;
    }

    @Override
    public Optional<RecordMetadata> recordMetadata() {
        return Optional.ofNullable(record);
    }

    @Override
    public Serde<?> keySerde() {
        return Serdes.ByteArray();
    }

    @Override
    public Serde<?> valueSerde() {
        return Serdes.ByteArray();
    }

    @Override
    public File stateDir() {
        return stateDir.toFile();
    }

    /** BucketDB's store uses no metrics; Kafka's RocksDB store, the reference of the conformance tests, needs these. */
    @Override
    public StreamsMetrics metrics() {
        if (metrics == null) {
            metrics = new StreamsMetricsImpl(new Metrics(), "test-client", Time.SYSTEM);
        }
        return metrics;
    }

    @Override
    public void register(StateStore store, StateRestoreCallback callback) {
        register(store, callback, () -> { });
    }

    @Override
    public void register(StateStore store, StateRestoreCallback callback, CommitCallback checkpoint) {
        this.restoreCallback = callback;
        this.commitCallback = checkpoint;
    }

    @Override
    public Map<String, Object> appConfigs() {
        return configs;
    }

    @Override
    public Map<String, Object> appConfigsWithPrefix(String prefix) {
        Map<String, Object> out = new HashMap<>();
        configs.forEach((k, v) -> {
            if (k.startsWith(prefix)) {
                out.put(k.substring(prefix.length()), v);
            }
        });
        return out;
    }
}
