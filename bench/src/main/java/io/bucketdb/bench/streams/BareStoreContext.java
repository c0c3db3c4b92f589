package io.bucketdb.bench.streams;

import org.apache.kafka.common.metrics.Metrics;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.common.utils.Time;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.StreamsMetrics;
import org.apache.kafka.streams.processor.CommitCallback;
import org.apache.kafka.streams.processor.StateRestoreCallback;
import org.apache.kafka.streams.processor.StateStore;
import org.apache.kafka.streams.processor.StateStoreContext;
import org.apache.kafka.streams.processor.TaskId;
import org.apache.kafka.streams.processor.api.RecordMetadata;
import org.apache.kafka.streams.processor.internals.metrics.StreamsMetricsImpl;

import java.io.File;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;

/**
 * The task context a bare state store needs to {@code init} outside Kafka Streams: a state directory, a task id,
 * Kafka's default configs, no changelog (the restore and commit callbacks are dropped). Kafka's RocksDB store records its
 * metrics through {@link StreamsMetricsImpl}, the only implementation it accepts, so this context supplies one;
 * the streams module's {@code TestStoreContext} throws there, and is package-private.
 */
final class BareStoreContext implements StateStoreContext {
    private final Path stateDir;
    /** Kafka's defaults, as a task's context hands them over (originals, then every value with its default). */
    private final Map<String, Object> configs = new HashMap<>();
    private final StreamsMetricsImpl metrics = new StreamsMetricsImpl(new Metrics(), "bench", Time.SYSTEM);

    BareStoreContext(Path stateDir) {
        this.stateDir = stateDir;
        StreamsConfig config = new StreamsConfig(Map.of(StreamsConfig.APPLICATION_ID_CONFIG, "bench",
                StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, "unused:9092"));
        configs.putAll(config.originals());
        configs.putAll(config.values());
    }

    @Override
    public String applicationId() {
        return "bench";
    }

    @Override
    public TaskId taskId() {
        return new TaskId(0, 0);
    }

    @Override
    public Optional<RecordMetadata> recordMetadata() {
        return Optional.empty();
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

    @Override
    public StreamsMetrics metrics() {
        return metrics;
    }

    @Override
    public void register(StateStore store, StateRestoreCallback callback) {
    }

    @Override
    public void register(StateStore store, StateRestoreCallback callback, CommitCallback checkpoint) {
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
