package io.bucketdb.streams;

import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.common.record.TimestampType;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.common.utils.Bytes;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.processor.internals.ChangelogRecordDeserializationHelper;
import org.apache.kafka.streams.processor.internals.RecordBatchingStateRestoreCallback;
import org.apache.kafka.streams.query.KeyQuery;
import org.apache.kafka.streams.query.Position;
import org.apache.kafka.streams.query.PositionBound;
import org.apache.kafka.streams.query.Query;
import org.apache.kafka.streams.query.QueryConfig;
import org.apache.kafka.streams.query.QueryResult;
import org.apache.kafka.streams.query.RangeQuery;
import org.apache.kafka.streams.query.VersionedKeyQuery;
import org.apache.kafka.streams.query.WindowKeyQuery;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.KeyValueStore;
import org.apache.kafka.streams.state.Stores;
import org.apache.kafka.streams.state.internals.PositionSerde;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.Random;
import java.util.function.Function;

import static org.junit.jupiter.api.Assertions.*;

/**
 * Every {@link KeyValueStore} and {@link org.apache.kafka.streams.processor.StateStore} call made on BucketDB's store
 * and on Kafka's RocksDB store ({@code Stores.persistentKeyValueStore}, the store users swap out), side by side:
 * the results, the exceptions' types and the IQ positions must be the same. Where Kafka's in-memory store answers
 * otherwise, RocksDB is the reference (the comment at the call says where).
 */
class RocksDBConformanceTest {
    @TempDir
    Path stateDir;

    private final List<KeyValueStore<Bytes, byte[]>> opened = new ArrayList<>();

    @AfterEach
    void closeStores() {
        opened.forEach(KeyValueStore::close);
    }

    /** The two stores, each in its own state directory with its own context, driven by the same calls. */
    private final class Pair {
        final TestStoreContext bucketContext = new TestStoreContext(stateDir.resolve("bucketdb-run"), 0);
        final TestStoreContext rocksContext = new TestStoreContext(stateDir.resolve("rocksdb-run"), 0)
                .withConfig(StreamsConfig.METRICS_RECORDING_LEVEL_CONFIG, "INFO"); // RocksDB's statistics read it
        final KeyValueStore<Bytes, byte[]> bucket = BucketDBStores.keyValueStore("store").get();
        final KeyValueStore<Bytes, byte[]> rocks = Stores.persistentKeyValueStore("store").get();

        Pair init() {
            bucket.init(bucketContext, bucket);
            opened.add(bucket);
            rocks.init(rocksContext, rocks);
            opened.add(rocks);
            return this;
        }

        /** Sets the record being processed in both contexts. */
        void processing(String topic, int partition, long offset) {
            bucketContext.processing(topic, partition, offset);
            rocksContext.processing(topic, partition, offset);
        }

        /** Runs {@code call} on RocksDB, then on BucketDB, and asserts the same outcome; returns it. */
        String same(String what, Function<KeyValueStore<Bytes, byte[]>, Object> call) {
            String expected = outcome(rocks, call);
            String actual = outcome(bucket, call);
            assertEquals(expected, actual, what);
            return actual;
        }

        /** As {@link #same}, also comparing the positions the stores report afterwards. */
        String sameWithPosition(String what, Function<KeyValueStore<Bytes, byte[]>, Object> call) {
            String out = same(what, call);
            assertEquals(rocks.getPosition(), bucket.getPosition(), "position after " + what);
            return out;
        }
    }

    private static String outcome(KeyValueStore<Bytes, byte[]> store, Function<KeyValueStore<Bytes, byte[]>, Object> call) {
        try {
            return render(call.apply(store));
        } catch (RuntimeException e) {
            return "throws " + e.getClass().getName();
        }
    }

    private static String render(Object result) {
        return switch (result) {
            case null -> "null";
            case byte[] value -> "'" + Bytes.wrap(value) + "'";
            case KeyValueIterator<?, ?> it -> {
                List<String> entries = new ArrayList<>();
                try (it) {
                    while (it.hasNext()) {
                        KeyValue<?, ?> kv = it.next();
                        entries.add(render(kv.key) + "=" + render(kv.value));
                    }
                }
                yield entries.toString();
            }
            case QueryResult<?> r -> (r.isSuccess() ? "ok " + render(r.getResult()) : "failed " + r.getFailureReason())
                    + " at " + r.getPosition();
            default -> String.valueOf(result);
        };
    }

    private static Bytes b(int... bytes) {
        byte[] out = new byte[bytes.length];
        for (int i = 0; i < bytes.length; i++) {
            out[i] = (byte) bytes[i];
        }
        return Bytes.wrap(out);
    }

    private static byte[] v(String s) {
        return s.getBytes(java.nio.charset.StandardCharsets.UTF_8);
    }

    /** Keys around every byte boundary Kafka's order has: the empty key, 0x00, the sign bit, 0xff runs. */
    private static final List<Bytes> KEYS = List.of(b(), b(0x00), b(0x00, 0x00), b(0x01), b(0x01, 0xff), b(0x7f), b(0x7f, 0xff),
            b(0x80), b(0xfe, 0xff), b(0xff), b(0xff, 0x00), b(0xff, 0xff), b(0xff, 0xff, 0xff));

    private Pair filled() {
        Pair p = new Pair().init();
        for (Bytes k : KEYS) {
            p.same("put " + k, s -> {
                s.put(k, v("v" + k));
                return null;
            });
        }
        return p;
    }

    @Test
    void pointWritesReturnWhatRocksDBReturnsWithTombstonesEmptyValuesAndPositions() {
        Pair p = new Pair().init();
        p.processing("in", 0, 1);
        Bytes k = b(1);
        p.same("get of an absent key", s -> s.get(k));
        p.sameWithPosition("put of an empty value", s -> {
            s.put(k, new byte[0]);
            return s.get(k);
        });
        p.same("an empty value is a value, not a tombstone", s -> s.all());
        p.processing("in", 0, 2);
        p.sameWithPosition("put of null deletes", s -> {
            s.put(k, null);
            return s.get(k);
        });
        p.processing("in", 0, 3);
        p.sameWithPosition("put of null on an absent key", s -> {
            s.put(k, null);
            return s.all();
        });
        p.processing("in", 0, 4);
        p.sameWithPosition("delete of an absent key", s -> s.delete(k));
        p.processing("in", 0, 5);
        p.sameWithPosition("putIfAbsent of null on an absent key", s -> s.putIfAbsent(k, null));
        p.processing("in", 0, 6);
        p.sameWithPosition("putIfAbsent on an absent key", s -> s.putIfAbsent(k, v("first")));
        p.processing("in", 0, 7);
        p.sameWithPosition("putIfAbsent on a present key returns the value and keeps it", s -> s.putIfAbsent(k, v("second")));
        p.same("get after putIfAbsent", s -> s.get(k));
        p.processing("in", 0, 8);
        p.sameWithPosition("putIfAbsent of null on a present key", s -> s.putIfAbsent(k, null));
        p.processing("in", 0, 9);
        p.sameWithPosition("delete of a present key returns its value", s -> s.delete(k));
        p.same("get after delete", s -> s.get(k));
        p.processing("in", 0, 10);
        p.sameWithPosition("putAll of nothing", s -> {
            s.putAll(List.of());
            return s.all();
        });
        p.processing("in", 0, 11);
        p.sameWithPosition("putAll applies its entries in order: the last one of a key wins", s -> {
            s.putAll(List.of(KeyValue.pair(b(2), v("a")), KeyValue.pair(b(2), v("b")),
                    KeyValue.pair(b(3), v("c")), KeyValue.pair(b(3), null),
                    KeyValue.pair(b(4), null), KeyValue.pair(b(4), v("d")),
                    KeyValue.pair(b(5), new byte[0])));
            return s.all();
        });
        p.sameWithPosition("putAll of tombstones only", s -> {
            s.putAll(List.of(KeyValue.pair(b(2), null), KeyValue.pair(b(9), null)));
            return s.all();
        });
        assertEquals(Position.emptyPosition().withComponent("in", 0, 11L), p.bucket.getPosition());
    }

    @Test
    void randomCallsReturnWhatRocksDBReturns() {
        long seed = Long.getLong("bucketdb.seed", new Random().nextLong()); // every message names it, to rerun with it
        Random rnd = new Random(seed);
        Pair p = new Pair().init();
        int[] alphabet = {0x00, 0x01, 0x7f, 0x80, 0xfe, 0xff};
        java.util.function.Supplier<Bytes> key = () -> {
            int[] k = new int[rnd.nextInt(4)];
            for (int i = 0; i < k.length; i++) {
                k[i] = alphabet[rnd.nextInt(alphabet.length)];
            }
            return b(k);
        };
        for (int op = 0; op < 1500; op++) {
            Bytes k = key.get();
            Bytes other = key.get();
            byte[] value = rnd.nextInt(8) == 0 ? null : rnd.nextInt(8) == 0 ? new byte[0] : v("v" + op);
            // drawn here, not in the calls, which run once per store
            List<KeyValue<Bytes, byte[]>> batch = List.of(KeyValue.pair(k, value),
                    KeyValue.pair(other, rnd.nextBoolean() ? null : v("o")), KeyValue.pair(k, rnd.nextBoolean() ? value : null));
            Bytes from = rnd.nextBoolean() ? k : null;
            p.processing("in", rnd.nextInt(2), op);
            String what = "op " + op + " (-Dbucketdb.seed=" + seed + ")";
            switch (rnd.nextInt(9)) {
                case 0, 1 -> p.sameWithPosition(what + " put " + k, s -> {
                    s.put(k, value);
                    return s.get(k);
                });
                case 2 -> p.sameWithPosition(what + " putIfAbsent " + k, s -> s.putIfAbsent(k, value));
                case 3 -> p.sameWithPosition(what + " delete " + k, s -> s.delete(k));
                case 4 -> p.sameWithPosition(what + " putAll " + k + ", " + other, s -> {
                    s.putAll(batch);
                    return null;
                });
                case 5 -> p.same(what + " range " + k + ".." + other, s -> s.range(k, other));
                case 6 -> p.same(what + " reverseRange " + from + ".." + other, s -> s.reverseRange(from, other));
                case 7 -> p.same(what + " prefixScan " + k, s -> k.get().length > 0 && k.get()[k.get().length - 1] == (byte) 0xff
                        ? "skipped: RocksDB also returns keys without a prefix that ends in 0xff" // see the prefixScan test
                        : s.prefixScan(k.get(), Serdes.ByteArray().serializer()));
                default -> p.same(what + " get " + k, s -> s.get(k));
            }
        }
        p.same("all (-Dbucketdb.seed=" + seed + ")", KeyValueStore::all);
        p.same("reverseAll (-Dbucketdb.seed=" + seed + ")", KeyValueStore::reverseAll);
    }

    @Test
    void rangesWithOpenEqualAndInvertedBoundsReturnWhatRocksDBReturns() {
        Pair p = filled();
        p.same("all", KeyValueStore::all);
        p.same("reverseAll", KeyValueStore::reverseAll);
        List<Bytes> bounds = new ArrayList<>(KEYS);
        bounds.add(null);
        bounds.add(b(0x00, 0x00, 0x00)); // between keys
        bounds.add(b(0xff, 0xff, 0xff, 0xff)); // above every key
        for (Bytes from : bounds) {
            for (Bytes to : bounds) {
                // from > to is an empty iterator, no exception (RocksDB logs a warning)
                p.same("range " + from + ".." + to, s -> s.range(from, to));
                p.same("reverseRange " + from + ".." + to, s -> s.reverseRange(from, to));
            }
        }
    }

    @Test
    void prefixScansAtTheFFBoundaryReturnTheKeysWithThePrefixAsRocksDBDoesWhereItKeepsToItsJavadoc() {
        Pair p = filled();
        // Kafka's in-memory store throws IndexOutOfBoundsException for the empty prefix and for all-0xff prefixes
        // (Bytes.increment overflows); RocksDB scans to the end of the key space, and so does BucketDB.
        for (Bytes prefix : List.of(b(), b(0x00), b(0x01), b(0x7f), b(0x80), b(0xfe), b(0xff), b(0xff, 0xff),
                b(0xff, 0xff, 0xff), b(0xff, 0xff, 0xff, 0xff), b(0x01, 0xff, 0x00))) {
            p.same("prefixScan " + prefix, s -> s.prefixScan(prefix.get(), Serdes.ByteArray().serializer()));
        }
        p.same("prefixScan with a serializer", s -> s.prefixScan("\u00ff", Serdes.String().serializer()));
        // A prefix that ends in 0xff: RocksDB scans [prefix, Bytes.increment(prefix)), and the increment carries
        // (7f ff -> 80 00), so it also returns the keys in between that lack the prefix (0x80). prefixScan's Javadoc
        // promises "all keys with the specified prefix": BucketDB returns those, which are RocksDB's others.
        for (Bytes prefix : List.of(b(0x7f, 0xff), b(0xfe, 0xff))) {
            List<Bytes> rocks = keys(p.rocks.prefixScan(prefix.get(), Serdes.ByteArray().serializer()));
            List<Bytes> withPrefix = rocks.stream().filter(k -> startsWith(k, prefix)).toList();
            assertNotEquals(rocks, withPrefix, "RocksDB returns a key without the prefix " + prefix);
            assertEquals(withPrefix, keys(p.bucket.prefixScan(prefix.get(), Serdes.ByteArray().serializer())), "prefix " + prefix);
        }
    }

    private static List<Bytes> keys(KeyValueIterator<Bytes, byte[]> it) {
        List<Bytes> out = new ArrayList<>();
        try (it) {
            it.forEachRemaining(kv -> out.add(kv.key));
        }
        return out;
    }

    private static boolean startsWith(Bytes key, Bytes prefix) {
        return key.get().length >= prefix.get().length
                && Arrays.equals(key.get(), 0, prefix.get().length, prefix.get(), 0, prefix.get().length);
    }

    @Test
    void iteratorsPeekEndRefuseRemoveAndCloseAsRocksDBs() {
        Pair p = filled();
        p.same("peekNextKey twice, then next", s -> {
            try (KeyValueIterator<Bytes, byte[]> it = s.range(b(0x7f), b(0x80))) {
                return List.of(it.peekNextKey(), it.peekNextKey(), it.next().key, it.peekNextKey(), it.next().key,
                        it.next().key, it.hasNext());
            }
        });
        p.same("peekNextKey at the end", s -> {
            try (KeyValueIterator<Bytes, byte[]> it = s.range(b(0xff, 0xff, 0xff), null)) {
                it.next();
                return it.peekNextKey();
            }
        });
        p.same("next at the end", s -> {
            try (KeyValueIterator<Bytes, byte[]> it = s.reverseRange(null, b())) {
                it.next();
                return it.next();
            }
        });
        p.same("peekNextKey of an empty iterator", s -> {
            try (KeyValueIterator<Bytes, byte[]> it = s.range(b(0x02), b(0x03))) {
                return it.peekNextKey();
            }
        });
        p.same("remove", s -> {
            try (KeyValueIterator<Bytes, byte[]> it = s.all()) {
                it.next();
                it.remove();
                return null;
            }
        });
        p.same("hasNext after the iterator's close", s -> {
            KeyValueIterator<Bytes, byte[]> it = s.all();
            it.close();
            return it.hasNext();
        });
        p.same("next after the iterator's close", s -> {
            KeyValueIterator<Bytes, byte[]> it = s.prefixScan(new byte[]{(byte) 0xff}, Serdes.ByteArray().serializer());
            it.peekNextKey();
            it.close();
            return it.next();
        });
    }

    @Test
    void anIteratorOpenWhenItsStoreClosesThrowsInvalidStateStoreException() {
        Pair p = filled();
        List<KeyValueIterator<Bytes, byte[]>> bucketIterators = new ArrayList<>();
        List<KeyValueIterator<Bytes, byte[]>> rocksIterators = new ArrayList<>();
        for (var its : List.of(bucketIterators, rocksIterators)) {
            KeyValueStore<Bytes, byte[]> s = its == bucketIterators ? p.bucket : p.rocks;
            KeyValueIterator<Bytes, byte[]> peeked = s.all();
            peeked.peekNextKey(); // the next entry is already read
            its.add(peeked);
            its.add(s.reverseAll());
        }
        p.bucket.close();
        p.rocks.close();
        for (String when : List.of("after the close", "after the store was initialized again")) {
            for (int i = 0; i < 2; i++) {
                int n = i;
                for (Function<KeyValueIterator<Bytes, byte[]>, Object> call : List.<Function<KeyValueIterator<Bytes, byte[]>, Object>>of(
                        KeyValueIterator::hasNext, KeyValueIterator::next, KeyValueIterator::peekNextKey)) {
                    String rocks = outcome(null, s -> call.apply(rocksIterators.get(n)));
                    assertEquals("throws org.apache.kafka.streams.errors.InvalidStateStoreException", rocks, when);
                    assertEquals(rocks, outcome(null, s -> call.apply(bucketIterators.get(n))), "iterator " + n + " " + when);
                }
            }
            if (!p.bucket.isOpen()) {
                p.init();
            }
        }
    }

    @Test
    void nameOpenPersistentCloseAndFlushAsRocksDB() {
        Pair p = new Pair();
        p.same("name before init", KeyValueStore::name);
        p.same("isOpen before init", KeyValueStore::isOpen);
        p.same("persistent", KeyValueStore::persistent);
        p.init();
        p.same("isOpen", KeyValueStore::isOpen);
        p.same("flush with nothing written", s -> {
            s.flush();
            return null;
        });
        p.same("close", s -> {
            s.close();
            return s.isOpen();
        });
        p.same("close again", s -> {
            s.close();
            return s.isOpen();
        });
        // RocksDBStore.flush returns quietly on a closed store (and the in-memory store's flush does nothing):
        // Kafka may flush a store that an error closed, before it closes the task.
        p.same("flush after close", s -> {
            s.flush();
            return null;
        });
        p.same("persistent after close", KeyValueStore::persistent);
    }

    @Test
    void everyCallBeforeInitThrowsInvalidStateStoreExceptionAsInRocksDB() {
        Pair p = new Pair();
        bothRefuseReadsAndPuts(p);
        p.same("flush before init does nothing", s -> {
            s.flush();
            return s.isOpen();
        });
        p.same("close before init does nothing", s -> {
            s.close();
            return s.isOpen();
        });
        p.init();
        p.same("init after all that", s -> s.get(b(1)));
    }

    /** Reads, puts and putIfAbsent on a store that is not open: both stores throw InvalidStateStoreException. */
    private static void bothRefuseReadsAndPuts(Pair p) {
        List<Function<KeyValueStore<Bytes, byte[]>, Object>> calls = List.of(s -> s.get(b(1)),
                s -> {
                    s.put(b(1), v("x"));
                    return null;
                },
                s -> s.putIfAbsent(b(1), v("x")), KeyValueStore::all, KeyValueStore::reverseAll,
                s -> s.range(b(1), b(2)), s -> s.reverseRange(null, null), KeyValueStore::approximateNumEntries,
                s -> s.prefixScan(new byte[]{1}, Serdes.ByteArray().serializer()));
        for (int i = 0; i < calls.size(); i++) {
            assertEquals("throws org.apache.kafka.streams.errors.InvalidStateStoreException", p.same("call " + i, calls.get(i)));
        }
    }

    @Test
    void everyCallOnAClosedStoreThrowsInvalidStateStoreException() {
        Pair p = filled();
        p.bucket.close();
        p.rocks.close();
        // RocksDB fails delete and putAll on a closed store with a NullPointerException: BucketDB's
        // InvalidStateStoreException is what the KeyValueStore contract asks for. Every other call: as RocksDB.
        bothRefuseReadsAndPuts(p);
        for (Function<KeyValueStore<Bytes, byte[]>, Object> call : List.<Function<KeyValueStore<Bytes, byte[]>, Object>>of(
                s -> s.delete(b(1)), s -> {
                    s.putAll(List.of(KeyValue.pair(b(1), v("x"))));
                    return null;
                })) {
            assertEquals("throws org.apache.kafka.streams.errors.InvalidStateStoreException", outcome(p.bucket, call));
        }
        // Both of Kafka's stores answer from > to with an empty iterator before they look at the store.
        p.same("range from > to", s -> s.range(b(2), b(1)));
        p.same("reverseRange from > to", s -> s.reverseRange(b(2), b(1)));
    }

    @Test
    void nullArgumentsThrowNullPointerExceptionAsInRocksDB() {
        Pair p = filled();
        List<Function<KeyValueStore<Bytes, byte[]>, Object>> calls = List.of(s -> s.get(null),
                s -> {
                    s.put(null, v("x"));
                    return null;
                },
                s -> s.putIfAbsent(null, v("x")), s -> s.delete(null),
                s -> {
                    s.putAll(List.of(KeyValue.pair(b(0x42), v("x")), KeyValue.pair(null, v("x"))));
                    return null;
                },
                s -> s.prefixScan(null, Serdes.ByteArray().serializer()), s -> s.prefixScan(new byte[0], null));
        for (int i = 0; i < calls.size(); i++) {
            assertEquals("throws java.lang.NullPointerException", p.same("call " + i, calls.get(i)));
        }
        p.same("a putAll with a null key wrote nothing", s -> s.get(b(0x42)));
        p.same("null bounds are open bounds", s -> s.range(null, null));
    }

    private static ConsumerRecord<byte[], byte[]> changelog(long offset, Bytes key, byte[] value) {
        return new ConsumerRecord<>("app-store-changelog", 0, offset, 0L, TimestampType.CREATE_TIME, 0, 0,
                key.get(), value, new RecordHeaders(), Optional.empty());
    }

    @Test
    void restoredBatchesWithTombstonesAndRepeatedKeysEndAsInRocksDB() {
        Pair p = new Pair().init();
        p.same("a put before the restore", s -> {
            s.put(b(7), v("before"));
            return null;
        });
        List<ConsumerRecord<byte[], byte[]>> batch = List.of(changelog(0, b(1), v("a")), changelog(1, b(1), v("b")),
                changelog(2, b(2), v("c")), changelog(3, b(2), null), changelog(4, b(3), null),
                changelog(5, b(3), v("d")), changelog(6, b(7), null), changelog(7, b(), new byte[0]));
        for (TestStoreContext c : List.of(p.bucketContext, p.rocksContext)) {
            ((RecordBatchingStateRestoreCallback) c.restoreCallback).restoreBatch(batch);
            ((RecordBatchingStateRestoreCallback) c.restoreCallback).restoreBatch(List.of());
        }
        p.same("after the restore", KeyValueStore::all);
        assertEquals(3, p.bucket.approximateNumEntries(), "exact, where RocksDB's is an estimate");
    }

    @Test
    void restoredPositionsWithConsistencyOnMatchRocksDBsForKafkasOwnHeaders() {
        Pair p = new Pair();
        p.bucketContext.withConfig(StreamsConfig.InternalConfig.IQ_CONSISTENCY_OFFSET_VECTOR_ENABLED, true);
        p.rocksContext.withConfig(StreamsConfig.InternalConfig.IQ_CONSISTENCY_OFFSET_VECTOR_ENABLED, true);
        p.init();
        // Headers written by Kafka's own code (PositionSerde, ChangelogRecordDeserializationHelper): records that carry
        // a position, one without headers (none), one of a newer format version (skipped, as Kafka skips it).
        List<ConsumerRecord<byte[], byte[]>> batch = new ArrayList<>();
        long offset = 0;
        for (Position at : List.of(Position.emptyPosition().withComponent("in", 0, 5L).withComponent("other", 3, 1L),
                Position.emptyPosition().withComponent("in", 0, 9L), Position.emptyPosition().withComponent("in", 1, 2L))) {
            ConsumerRecord<byte[], byte[]> r = changelog(offset++, b((int) offset), v("x"));
            r.headers().add(ChangelogRecordDeserializationHelper.CHANGELOG_VERSION_HEADER_RECORD_CONSISTENCY);
            r.headers().add(ChangelogRecordDeserializationHelper.CHANGELOG_POSITION_HEADER_KEY,
                    PositionSerde.serialize(at).array());
            batch.add(r);
        }
        batch.add(changelog(offset++, b(0x10), null));
        ConsumerRecord<byte[], byte[]> newer = changelog(offset, b(0x11), v("y"));
        newer.headers().add(ChangelogRecordDeserializationHelper.CHANGELOG_VERSION_HEADER_KEY, new byte[]{1});
        batch.add(newer);
        for (TestStoreContext c : List.of(p.bucketContext, p.rocksContext)) {
            ((RecordBatchingStateRestoreCallback) c.restoreCallback).restoreBatch(batch);
        }
        p.sameWithPosition("after the restore", KeyValueStore::all);
        assertEquals(Position.emptyPosition().withComponent("in", 0, 9L).withComponent("in", 1, 2L).withComponent("other", 3, 1L),
                p.bucket.getPosition());
    }

    @Test
    void interactiveQueriesAnswerAsRocksDB() {
        Pair p = filled();
        p.processing("in", 0, 5);
        p.same("put at offset 5", s -> {
            s.put(b(0x42), v("x"));
            return null;
        });
        QueryConfig plain = new QueryConfig(false);
        PositionBound at5 = PositionBound.at(Position.emptyPosition().withComponent("in", 0, 5L));
        PositionBound at6 = PositionBound.at(Position.emptyPosition().withComponent("in", 0, 6L));
        PositionBound otherTopic = PositionBound.at(Position.emptyPosition().withComponent("other", 0, 1L));
        List<Query<?>> queries = List.of(KeyQuery.withKey(b(0x42)), KeyQuery.withKey(b(0x43)), KeyQuery.withKey(b()),
                RangeQuery.withNoBounds(), RangeQuery.<Bytes, byte[]>withNoBounds().withDescendingKeys(),
                RangeQuery.withRange(b(0x01), b(0x7f, 0xff)), RangeQuery.<Bytes, byte[]>withRange(b(0x01), b(0x7f, 0xff)).withDescendingKeys(),
                RangeQuery.withRange(b(0x80), b(0x01)), RangeQuery.withLowerBound(b(0xff)),
                RangeQuery.<Bytes, byte[]>withUpperBound(b(0x01)).withDescendingKeys(), RangeQuery.withRange(null, null),
                new Query<String>() { },
                // query types Kafka's stores know, but for window and versioned stores only
                WindowKeyQuery.withKeyAndWindowStartRange(b(1), Instant.EPOCH, Instant.EPOCH), VersionedKeyQuery.withKey(b(1)));
        for (Query<?> q : queries) {
            for (PositionBound bound : List.of(PositionBound.unbounded(), at5, at6, otherTopic)) {
                p.same(q + " within " + bound, s -> s.query(q, bound, plain));
            }
        }
        p.bucket.close();
        p.rocks.close();
        for (Query<?> q : queries) {
            p.same(q + " on a closed store", s -> s.query(q, PositionBound.unbounded(), plain));
        }
    }

    @Test
    void aStoreInitializedAgainAfterItsStateWasWipedStartsFromAnEmptyPosition() throws Exception {
        Pair p = new Pair().init();
        p.processing("in", 0, 42);
        p.sameWithPosition("put at offset 42", s -> {
            s.put(b(1), v("x"));
            return null;
        });
        p.bucket.close();
        p.rocks.close();
        // Kafka revives a corrupted task so: it closes the stores, deletes the task directory and initializes the
        // same store objects again, then restores them from the changelog.
        for (Path dir : List.of(stateDir.resolve("bucketdb-run"), stateDir.resolve("rocksdb-run"))) {
            try (var files = java.nio.file.Files.walk(dir)) {
                for (Path f : files.sorted(java.util.Comparator.reverseOrder()).toList()) {
                    java.nio.file.Files.delete(f);
                }
            }
        }
        p.init();
        p.same("get after the wipe", s -> s.get(b(1)));
        p.sameWithPosition("position after the wipe", KeyValueStore::getPosition);
        assertEquals(Position.emptyPosition(), p.bucket.getPosition());
    }
}
