package io.bucketdb.streams;

import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.StreamsBuilder;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.Topology;
import org.apache.kafka.streams.kstream.Consumed;
import org.apache.kafka.streams.kstream.Materialized;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Properties;
import java.util.concurrent.TimeUnit;

/**
 * The application of the broker tests: counts records per key of topic {@code input} in the BucketDB store
 * {@code counts}. Also runs as a child JVM ({@link #main}), which the tests kill with SIGKILL.
 */
final class CountingApp {
    static final String STORE = "counts";

    private CountingApp() {
    }

    static Topology topology(String inputTopic) {
        StreamsBuilder builder = new StreamsBuilder();
        builder.stream(inputTopic, Consumed.with(Serdes.String(), Serdes.String()))
                .groupByKey()
                .count(Materialized.as(BucketDBStores.keyValueStore(STORE)));
        return builder.build();
    }

    /**
     * Kafka Streams settings for a test run: at-least-once, commits every 200 ms, no record cache (every update
     * reaches the store and the changelog, so offsets move record by record).
     */
    static Properties config(String bootstrap, String applicationId, Path stateDir) {
        Properties p = new Properties();
        p.put(StreamsConfig.APPLICATION_ID_CONFIG, applicationId);
        p.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        p.put(StreamsConfig.STATE_DIR_CONFIG, stateDir.toString());
        p.put(StreamsConfig.COMMIT_INTERVAL_MS_CONFIG, 200);
        p.put(StreamsConfig.STATESTORE_CACHE_MAX_BYTES_CONFIG, 0);
        p.put(StreamsConfig.DEFAULT_KEY_SERDE_CLASS_CONFIG, Serdes.StringSerde.class);
        p.put(StreamsConfig.DEFAULT_VALUE_SERDE_CLASS_CONFIG, Serdes.StringSerde.class);
        // A killed instance leaves the group when its session times out: 4 s, so the restarted one joins soon.
        p.put(StreamsConfig.consumerPrefix("session.timeout.ms"), 4_000);
        p.put(StreamsConfig.consumerPrefix("heartbeat.interval.ms"), 500);
        return p;
    }

    /**
     * Child JVM: {@code bootstrap applicationId stateDir inputTopic}. Prints {@code RUNNING} once the instance
     * runs, and ends by itself when its parent goes away (stdin closes) or after two minutes.
     */
    public static void main(String[] args) throws IOException, InterruptedException {
        KafkaStreams streams = new KafkaStreams(topology(args[3]), config(args[0], args[1], Path.of(args[2])));
        streams.setStateListener((now, before) -> {
            if (now == KafkaStreams.State.RUNNING) {
                System.out.println("RUNNING");
                System.out.flush();
            }
        });
        streams.start();
        Thread watchdog = new Thread(() -> {
            try {
                while (System.in.read() >= 0) {
                    // the parent writes nothing: read until it is gone
                }
            } catch (IOException ignored) {
                // the parent is gone
            }
            Runtime.getRuntime().halt(3);
        });
        watchdog.setDaemon(true);
        watchdog.start();
        TimeUnit.MINUTES.sleep(2);
        Runtime.getRuntime().halt(4);
    }
}
