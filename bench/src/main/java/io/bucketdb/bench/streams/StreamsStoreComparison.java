package io.bucketdb.bench.streams;

import io.bucketdb.streams.BucketDBStores;
import io.bucketdb.streams.SingleNodeKafka;
import org.HdrHistogram.Histogram;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.StoreQueryParameters;
import org.apache.kafka.streams.StreamsBuilder;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.kstream.Consumed;
import org.apache.kafka.streams.kstream.Materialized;
import org.apache.kafka.streams.processor.StateRestoreListener;
import org.apache.kafka.streams.state.KeyValueBytesStoreSupplier;
import org.apache.kafka.streams.state.QueryableStoreTypes;
import org.apache.kafka.streams.state.ReadOnlyKeyValueStore;
import org.apache.kafka.streams.state.Stores;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Supplier;
import java.util.stream.Stream;

/**
 * The same Kafka Streams topology (count per key, {@code KEYS} keys, each seen {@code REPEATS} times) on BucketDB's
 * store and on Kafka's RocksDB store ({@code Stores.persistentKeyValueStore}, the non-timestamped one, so both go
 * through the same timestamp adapter), against one in-JVM broker (127.0.0.1). Per store: processing throughput
 * (start to every input offset committed; record cache as by default, commits every second), point-query latency
 * (interactive queries on random keys), restore rate (state directory deleted, then restored from the changelog,
 * first restore start to last restore end)
 * and disk bytes per entry (every file under the state directory after a clean close). Prints both and the
 * ratios BucketDB / RocksDB.
 *
 * <pre>
 * mvn -B -q -pl bench -am package -DskipTests
 * java --enable-native-access=ALL-UNNAMED -cp 'bench/target/benchmarks.jar:bench/target/lib/*' \
 *      io.bucketdb.bench.streams.StreamsStoreComparison [keys=1000000] [repeats=2] [queries=100000]
 * </pre>
 */
public final class StreamsStoreComparison {
    private static final String INPUT = "keys";
    private static final int PARTITIONS = 2;

    private StreamsStoreComparison() {
    }

    /** What one store did. */
    record Result(String store, double recordsPerSecond, double queryMeanMicros, double queryP99Micros,
                  double restoredPerSecond, long restored, double diskBytesPerEntry, long entries) {
    }

    public static void main(String[] args) throws Exception {
        int keys = arg(args, "keys", 1_000_000);
        int repeats = arg(args, "repeats", 2);
        int queries = arg(args, "queries", 100_000);
        Path work = Files.createTempDirectory("bucketdb-streams-bench");
        try (SingleNodeKafka kafka = SingleNodeKafka.start()) {
            long records = produce(kafka.bootstrapServers(), keys, repeats);
            List<Result> results = new ArrayList<>();
            results.add(run(kafka, "bucketdb", () -> BucketDBStores.keyValueStore("counts"), work, records, keys, queries));
            results.add(run(kafka, "rocksdb", () -> Stores.persistentKeyValueStore("counts"), work, records, keys, queries));
            print(keys, records, results);
        } finally {
            SingleNodeKafka.deleteRecursively(work);
        }
    }

    private static int arg(String[] args, String name, int dflt) {
        for (String a : args) {
            if (a.startsWith(name + "=")) {
                return Integer.parseInt(a.substring(name.length() + 1));
            }
        }
        return dflt;
    }

    private static long produce(String bootstrap, int keys, int repeats) throws Exception {
        Properties p = new Properties();
        p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        try (Admin admin = Admin.create(p)) {
            admin.createTopics(List.of(new NewTopic(INPUT, PARTITIONS, (short) 1))).all().get();
        }
        p.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class);
        p.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, StringSerializer.class);
        p.put(ProducerConfig.LINGER_MS_CONFIG, 20);
        p.put(ProducerConfig.BATCH_SIZE_CONFIG, 256 << 10);
        long n = 0;
        try (KafkaProducer<String, String> producer = new KafkaProducer<>(p)) {
            for (int r = 0; r < repeats; r++) {
                for (int k = 0; k < keys; k++) {
                    producer.send(new ProducerRecord<>(INPUT, key(k), ""));
                    n++;
                }
            }
            producer.flush();
        }
        return n;
    }

    private static String key(int k) {
        return "key-" + k;
    }

    private static Properties config(String bootstrap, String app, Path stateDir) {
        Properties p = new Properties();
        p.put(StreamsConfig.APPLICATION_ID_CONFIG, app);
        p.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        p.put(StreamsConfig.STATE_DIR_CONFIG, stateDir.toString());
        p.put(StreamsConfig.consumerPrefix("auto.offset.reset"), "earliest");
        // Committed offsets are how the run sees progress: commit every second rather than every 30 s (both stores).
        p.put(StreamsConfig.COMMIT_INTERVAL_MS_CONFIG, 1000);
        return p;
    }

    private static KafkaStreams start(String bootstrap, String app, Path stateDir,
                                      Supplier<KeyValueBytesStoreSupplier> store, StateRestoreListener restores) throws InterruptedException {
        StreamsBuilder builder = new StreamsBuilder();
        builder.stream(INPUT, Consumed.with(Serdes.String(), Serdes.String()))
                .groupByKey()
                .count(Materialized.<String, Long>as(store.get()).withKeySerde(Serdes.String()).withValueSerde(Serdes.Long()));
        KafkaStreams streams = new KafkaStreams(builder.build(), config(bootstrap, app, stateDir));
        if (restores != null) {
            streams.setGlobalStateRestoreListener(restores);
        }
        streams.start();
        while (streams.state() != KafkaStreams.State.RUNNING) {
            if (streams.state() == KafkaStreams.State.ERROR) {
                throw new IllegalStateException(app + " failed");
            }
            Thread.sleep(20);
        }
        return streams;
    }

    private static Result run(SingleNodeKafka kafka, String name, Supplier<KeyValueBytesStoreSupplier> store, Path work,
                              long records, int keys, int queries) throws Exception {
        String bootstrap = kafka.bootstrapServers();
        String app = "bench-" + name;
        Path stateDir = work.resolve(name);
        long t0 = System.nanoTime();
        double throughput;
        Histogram latency = new Histogram(3);
        try (KafkaStreams streams = start(bootstrap, app, stateDir, store, null)) {
            while (committed(bootstrap, app) < records) {
                Thread.sleep(50);
            }
            throughput = records / ((System.nanoTime() - t0) / 1e9);
            ReadOnlyKeyValueStore<String, Long> view = streams.store(
                    StoreQueryParameters.fromNameAndType("counts", QueryableStoreTypes.keyValueStore()));
            Random rnd = new Random(42);
            for (int i = 0; i < queries; i++) {
                String k = key(rnd.nextInt(keys));
                long q = System.nanoTime();
                Long v = view.get(k);
                latency.recordValue(Math.max(1, (System.nanoTime() - q) / 1000));
                if (v == null) {
                    throw new IllegalStateException(name + ": no count for " + k);
                }
            }
        }
        long bytes = diskBytes(stateDir);
        SingleNodeKafka.deleteRecursively(stateDir);
        AtomicLong restored = new AtomicLong();
        // Restore time: from the first partition's restore start to the last one's end (not the rebalance before).
        AtomicLong firstStart = new AtomicLong(Long.MAX_VALUE);
        AtomicLong lastEnd = new AtomicLong();
        StateRestoreListener listener = new StateRestoreListener() {
            @Override
            public void onRestoreStart(TopicPartition p, String s, long start, long end) {
                firstStart.accumulateAndGet(System.nanoTime(), Math::min);
            }

            @Override
            public void onBatchRestored(TopicPartition p, String s, long end, long n) {
                restored.addAndGet(n);
            }

            @Override
            public void onRestoreEnd(TopicPartition p, String s, long total) {
                lastEnd.accumulateAndGet(System.nanoTime(), Math::max);
            }
        };
        try (KafkaStreams streams = start(bootstrap, app, stateDir, store, listener)) {
            double seconds = (lastEnd.get() - firstStart.get()) / 1e9;
            streams.close();
            return new Result(name, throughput, latency.getMean(), latency.getValueAtPercentile(99),
                    restored.get() / seconds, restored.get(), (double) bytes / keys, keys);
        } finally {
            SingleNodeKafka.deleteRecursively(stateDir);
        }
    }

    private static long committed(String bootstrap, String group) throws Exception {
        Properties p = new Properties();
        p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        try (Admin admin = Admin.create(p)) {
            return admin.listConsumerGroupOffsets(group).partitionsToOffsetAndMetadata().get(30, TimeUnit.SECONDS)
                    .values().stream().mapToLong(o -> o == null ? 0 : o.offset()).sum();
        }
    }

    private static long diskBytes(Path dir) throws Exception {
        try (Stream<Path> files = Files.walk(dir)) {
            return files.filter(Files::isRegularFile).mapToLong(f -> {
                try {
                    return Files.size(f);
                } catch (java.io.IOException e) {
                    throw new java.io.UncheckedIOException(e);
                }
            }).sum();
        }
    }

    private static void print(int keys, long records, List<Result> results) {
        System.out.printf("Kafka Streams count per key: %,d keys, %,d records, %d partitions, one stream thread%n", keys, records, PARTITIONS);
        System.out.printf("%-9s %14s %12s %11s %14s %12s %12s%n", "store", "records/s", "query mean", "query p99",
                "restored/s", "restored", "disk B/entry");
        for (Result r : results) {
            System.out.printf("%-9s %,14.0f %10.1fus %9.0fus %,14.0f %,12d %12.1f%n", r.store(), r.recordsPerSecond(),
                    r.queryMeanMicros(), r.queryP99Micros(), r.restoredPerSecond(), r.restored(), r.diskBytesPerEntry());
        }
        Result b = results.get(0);
        Result k = results.get(1);
        System.out.printf("ratio bucketdb/rocksdb: throughput %.2f, query mean %.2f, query p99 %.2f, restore rate %.2f, disk per entry %.2f%n",
                b.recordsPerSecond() / k.recordsPerSecond(), b.queryMeanMicros() / k.queryMeanMicros(),
                b.queryP99Micros() / k.queryP99Micros(), b.restoredPerSecond() / k.restoredPerSecond(),
                b.diskBytesPerEntry() / k.diskBytesPerEntry());
    }
}
