package io.bucketdb.streams;

import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.common.utils.Bytes;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.StreamsBuilder;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.TestInputTopic;
import org.apache.kafka.streams.TestOutputTopic;
import org.apache.kafka.streams.Topology;
import org.apache.kafka.streams.TopologyTestDriver;
import org.apache.kafka.streams.kstream.Consumed;
import org.apache.kafka.streams.kstream.Grouped;
import org.apache.kafka.streams.kstream.KTable;
import org.apache.kafka.streams.kstream.Materialized;
import org.apache.kafka.streams.kstream.Produced;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.state.KeyValueBytesStoreSupplier;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.KeyValueStore;
import org.apache.kafka.streams.state.Stores;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Random;
import java.util.function.Function;

import static org.junit.jupiter.api.Assertions.*;

/**
 * Topologies run with {@link TopologyTestDriver}, each twice: once on BucketDB stores, once on Kafka's in-memory
 * stores; what they output and what their stores hold must be the same. Inputs are random (the seed is in every
 * failure message); the record cache stays on, as in production, so Kafka's caching layer merges its sorted
 * cache with the store's ordered iterators. The inputs are small because the driver commits after every
 * record, and each commit that follows a write makes the BucketDB store durable (a checkpoint with its forces).
 */
class TopologyComparisonTest {
    @TempDir
    Path tmp;

    private final long seed = new Random().nextLong();
    private final Random rnd = new Random(seed);

    /** The two kinds of store a topology is run on. */
    private static final Function<String, KeyValueBytesStoreSupplier> BUCKETDB = BucketDBStores::keyValueStore;
    private static final Function<String, KeyValueBytesStoreSupplier> IN_MEMORY = Stores::inMemoryKeyValueStore;

    private Properties config(String run) {
        Properties p = new Properties();
        p.put(StreamsConfig.APPLICATION_ID_CONFIG, "comparison");
        p.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, "unused:9092");
        p.put(StreamsConfig.STATE_DIR_CONFIG, tmp.resolve(run).toString());
        return p;
    }

    private List<String> words(int n) {
        String[] vocabulary = {"kafka", "streams", "bucket", "db", "hash", "index", "état", "日本", "", "a", "zz"};
        List<String> out = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            out.add(vocabulary[rnd.nextInt(vocabulary.length)] + (rnd.nextInt(4) == 0 ? rnd.nextInt(50) : ""));
        }
        return out;
    }

    /** What one run produced: the output topic's records and, per store, its entries in iteration order. */
    private record Outcome(List<KeyValue<String, String>> output, Map<String, List<String>> stores) {
    }

    private Outcome run(Topology topology, String run, List<String> storeNames,
                        java.util.function.Consumer<TopologyTestDriver> feed, String outputTopic) {
        try (TopologyTestDriver driver = new TopologyTestDriver(topology, config(run))) {
            feed.accept(driver);
            TestOutputTopic<String, String> out = driver.createOutputTopic(outputTopic, new StringDeserializer(), new StringDeserializer());
            List<KeyValue<String, String>> output = out.readKeyValuesToList();
            Map<String, List<String>> stores = new LinkedHashMap<>();
            for (String name : storeNames) {
                KeyValueStore<Object, Object> store = driver.getKeyValueStore(name);
                List<String> entries = new ArrayList<>();
                try (KeyValueIterator<Object, Object> it = store.all()) {
                    it.forEachRemaining(kv -> entries.add(kv.key + "=" + kv.value));
                }
                stores.put(name, entries);
            }
            return new Outcome(output, stores);
        }
    }

    private static Topology wordCount(Function<String, KeyValueBytesStoreSupplier> stores) {
        StreamsBuilder builder = new StreamsBuilder();
        builder.stream("sentences", Consumed.with(Serdes.String(), Serdes.String()))
                .flatMapValues(s -> Arrays.asList(s.split(" ", -1)))
                .groupBy((k, word) -> word, Grouped.with(Serdes.String(), Serdes.String()))
                .count(Materialized.<String, Long>as(stores.apply("counts")).withKeySerde(Serdes.String()).withValueSerde(Serdes.Long()))
                .toStream()
                .mapValues(String::valueOf)
                .to("word-counts", Produced.with(Serdes.String(), Serdes.String()));
        return builder.build();
    }

    private void feedSentences(TopologyTestDriver driver, List<String> sentences) {
        TestInputTopic<String, String> in = driver.createInputTopic("sentences", new StringSerializer(), new StringSerializer());
        sentences.forEach(s -> in.pipeInput(null, s, Instant.EPOCH));
    }

    @Test
    void wordCountMaterializedInBucketDBCountsWhatTheInMemoryStoreCounts() {
        List<String> sentences = new ArrayList<>();
        for (int i = 0; i < 30; i++) {
            sentences.add(String.join(" ", words(1 + rnd.nextInt(5))));
        }
        Outcome bucket = run(wordCount(BUCKETDB), "bucketdb", List.of("counts"), d -> feedSentences(d, sentences), "word-counts");
        Outcome memory = run(wordCount(IN_MEMORY), "in-memory", List.of("counts"), d -> feedSentences(d, sentences), "word-counts");
        assertFalse(memory.stores().get("counts").isEmpty());
        assertEquals(memory, bucket, "seed " + seed);
    }

    @Test
    void interactiveQueriesOnTheWordCountsAnswerAsTheInMemoryStore() {
        List<String> sentences = new ArrayList<>();
        for (int i = 0; i < 25; i++) {
            sentences.add(String.join(" ", words(1 + rnd.nextInt(5))));
        }
        Map<String, List<String>> answers = new LinkedHashMap<>();
        for (var kind : List.of(Map.entry("bucketdb", BUCKETDB), Map.entry("in-memory", IN_MEMORY))) {
            List<String> got = new ArrayList<>();
            try (TopologyTestDriver driver = new TopologyTestDriver(wordCount(kind.getValue()), config(kind.getKey()))) {
                feedSentences(driver, sentences);
                KeyValueStore<String, Long> counts = driver.getKeyValueStore("counts");
                for (String w : List.of("kafka", "hash", "état", "", "absent")) {
                    got.add("get " + w + " = " + counts.get(w));
                }
                got.add("size " + counts.approximateNumEntries());
                for (String[] range : List.of(new String[]{"b", "i"}, new String[]{"a", "zz"}, new String[]{"k", "k"})) {
                    got.add("range " + List.of(range) + " = " + list(counts.range(range[0], range[1])));
                    got.add("reverseRange " + List.of(range) + " = " + list(counts.reverseRange(range[0], range[1])));
                }
                got.add("reverseAll = " + list(counts.reverseAll()));
                got.add("prefix kafka = " + list(counts.prefixScan("kafka", new StringSerializer())));
            }
            answers.put(kind.getKey(), got);
        }
        assertEquals(answers.get("in-memory"), answers.get("bucketdb"), "seed " + seed);
    }

    private static List<String> list(KeyValueIterator<String, Long> it) {
        try (it) {
            List<String> out = new ArrayList<>();
            it.forEachRemaining(kv -> out.add(kv.key + "=" + kv.value));
            return out;
        }
    }

    private static Topology tableJoin(Function<String, KeyValueBytesStoreSupplier> stores) {
        StreamsBuilder builder = new StreamsBuilder();
        KTable<String, String> users = builder.table("users", Consumed.with(Serdes.String(), Serdes.String()),
                Materialized.<String, String>as(stores.apply("users")).withKeySerde(Serdes.String()).withValueSerde(Serdes.String()));
        KTable<String, String> regions = builder.table("regions", Consumed.with(Serdes.String(), Serdes.String()),
                Materialized.<String, String>as(stores.apply("regions")).withKeySerde(Serdes.String()).withValueSerde(Serdes.String()));
        users.join(regions, (user, region) -> user + "@" + region,
                        Materialized.<String, String>as(stores.apply("joined")).withKeySerde(Serdes.String()).withValueSerde(Serdes.String()))
                .toStream()
                .to("user-regions", Produced.with(Serdes.String(), Serdes.String()));
        return builder.build();
    }

    @Test
    void aKTableKTableJoinOnBucketDBStoresJoinsAsOnInMemoryStores() {
        List<String[]> updates = new ArrayList<>();
        for (int i = 0; i < 80; i++) {
            String topic = rnd.nextBoolean() ? "users" : "regions";
            String value = rnd.nextInt(8) == 0 ? null : topic.charAt(0) + String.valueOf(i); // null: a tombstone
            updates.add(new String[]{topic, "id" + rnd.nextInt(20), value});
        }
        java.util.function.Consumer<TopologyTestDriver> feed = d -> {
            Map<String, TestInputTopic<String, String>> in = Map.of(
                    "users", d.createInputTopic("users", new StringSerializer(), new StringSerializer()),
                    "regions", d.createInputTopic("regions", new StringSerializer(), new StringSerializer()));
            updates.forEach(u -> in.get(u[0]).pipeInput(u[1], u[2], Instant.EPOCH));
        };
        List<String> stores = List.of("users", "regions", "joined");
        Outcome bucket = run(tableJoin(BUCKETDB), "bucketdb", stores, feed, "user-regions");
        Outcome memory = run(tableJoin(IN_MEMORY), "in-memory", stores, feed, "user-regions");
        assertFalse(memory.stores().get("joined").isEmpty());
        assertEquals(memory, bucket, "seed " + seed);
    }

    /** Forwards an event only the first time its id is seen: a store of ids seen, read and written per record. */
    private static final class Deduplicator implements Processor<String, String, String, String> {
        private KeyValueStore<String, Long> seen;
        private ProcessorContext<String, String> context;

        @Override
        public void init(ProcessorContext<String, String> context) {
            this.context = context;
            this.seen = context.getStateStore("seen");
        }

        @Override
        public void process(Record<String, String> event) {
            String id = event.value().substring(0, event.value().indexOf(':'));
            if (seen.putIfAbsent(id, event.timestamp()) == null) {
                context.forward(event);
            }
        }
    }

    private static Topology dedup(Function<String, KeyValueBytesStoreSupplier> stores) {
        Topology topology = new Topology();
        topology.addSource("events", Serdes.String().deserializer(), Serdes.String().deserializer(), "events");
        topology.addProcessor("dedup", Deduplicator::new, "events");
        topology.addStateStore(Stores.keyValueStoreBuilder(stores.apply("seen"), Serdes.String(), Serdes.Long()), "dedup");
        topology.addSink("unique", "unique-events", Serdes.String().serializer(), Serdes.String().serializer(), "dedup");
        return topology;
    }

    @Test
    void aDeduplicatingProcessorOnBucketDBForwardsWhatItForwardsOnTheInMemoryStore() {
        List<String> events = new ArrayList<>();
        for (int i = 0; i < 120; i++) {
            events.add("e" + rnd.nextInt(50) + ":" + i);
        }
        java.util.function.Consumer<TopologyTestDriver> feed = d -> {
            TestInputTopic<String, String> in = d.createInputTopic("events", new StringSerializer(), new StringSerializer());
            for (int i = 0; i < events.size(); i++) {
                in.pipeInput("k", events.get(i), Instant.ofEpochMilli(i)); // the store keeps timestamps: fix them
            }
        };
        Outcome bucket = run(dedup(BUCKETDB), "bucketdb", List.of("seen"), feed, "unique-events");
        Outcome memory = run(dedup(IN_MEMORY), "in-memory", List.of("seen"), feed, "unique-events");
        assertEquals(events.stream().map(e -> e.substring(0, e.indexOf(':'))).distinct().count(), memory.output().size());
        assertEquals(memory, bucket, "seed " + seed);
    }

    @Test
    void theStoreSitsInItsOwnDirectoryUnderTheTaskStateDirectory() {
        try (TopologyTestDriver driver = new TopologyTestDriver(wordCount(BUCKETDB), config("layout"))) {
            feedSentences(driver, List.of("a b"));
            assertTrue(java.nio.file.Files.isDirectory(tmp.resolve("layout").resolve("comparison").resolve("0_0")
                    .resolve("bucketdb").resolve("counts")), "state.dir/application.id/task/bucketdb/<store name>");
            assertEquals(2L, driver.<String, Long>getKeyValueStore("counts").approximateNumEntries());
        }
    }
}
