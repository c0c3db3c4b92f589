package io.bucketdb.streams;

import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.header.internals.RecordHeader;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.common.record.TimestampType;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.common.utils.Bytes;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.errors.InvalidStateStoreException;
import org.apache.kafka.streams.errors.ProcessorStateException;
import org.apache.kafka.streams.processor.internals.RecordBatchingStateRestoreCallback;
import org.apache.kafka.streams.query.FailureReason;
import org.apache.kafka.streams.query.KeyQuery;
import org.apache.kafka.streams.query.Position;
import org.apache.kafka.streams.query.PositionBound;
import org.apache.kafka.streams.query.Query;
import org.apache.kafka.streams.query.QueryConfig;
import org.apache.kafka.streams.query.QueryResult;
import org.apache.kafka.streams.query.RangeQuery;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.KeyValueStore;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.TreeMap;

import static org.junit.jupiter.api.Assertions.*;

/** The store on its own: the KeyValueStore contract against a TreeMap model, durability, restore, IQv2, bad input. */
class BucketDBKeyValueStoreTest {
    @TempDir
    Path stateDir;

    private final List<KeyValueStore<Bytes, byte[]>> opened = new ArrayList<>();

    @AfterEach
    void closeStores() {
        opened.forEach(KeyValueStore::close);
    }

    private KeyValueStore<Bytes, byte[]> open(TestStoreContext context) {
        KeyValueStore<Bytes, byte[]> store = BucketDBStores.keyValueStore("store").get();
        store.init(context, store);
        opened.add(store);
        return store;
    }

    private static Bytes b(int... bytes) {
        byte[] out = new byte[bytes.length];
        for (int i = 0; i < bytes.length; i++) {
            out[i] = (byte) bytes[i];
        }
        return Bytes.wrap(out);
    }

    private static List<KeyValue<Bytes, byte[]>> drain(KeyValueIterator<Bytes, byte[]> it) {
        try (it) {
            List<KeyValue<Bytes, byte[]>> out = new ArrayList<>();
            it.forEachRemaining(out::add);
            return out;
        }
    }

    private static List<String> render(List<KeyValue<Bytes, byte[]>> entries) {
        return entries.stream().map(kv -> kv.key + "=" + Bytes.wrap(kv.value)).toList();
    }

    private static List<String> render(Iterable<Map.Entry<Bytes, byte[]>> entries) {
        List<String> out = new ArrayList<>();
        entries.forEach(e -> out.add(e.getKey() + "=" + Bytes.wrap(e.getValue())));
        return out;
    }

    @Test
    void randomOperationsMatchASortedMapIncludingEveryOrderedCall() {
        long seed = new Random().nextLong();
        Random rnd = new Random(seed);
        KeyValueStore<Bytes, byte[]> store = open(new TestStoreContext(stateDir, 0));
        TreeMap<Bytes, byte[]> model = new TreeMap<>();
        int[] alphabet = {0x00, 0x01, 0x7f, 0x80, 0xfe, 0xff};
        for (int op = 0; op < 3000; op++) {
            int[] k = new int[rnd.nextInt(4)];
            for (int i = 0; i < k.length; i++) {
                k[i] = alphabet[rnd.nextInt(alphabet.length)];
            }
            Bytes key = b(k);
            byte[] value = rnd.nextInt(10) == 0 ? null : ("v" + op).getBytes(StandardCharsets.UTF_8);
            String where = "op " + op + " on key " + key + " (seed " + seed + ")";
            switch (rnd.nextInt(5)) {
                case 0, 1 -> {
                    store.put(key, value);
                    if (value == null) {
                        model.remove(key);
                    } else {
                        model.put(key, value);
                    }
                }
                case 2 -> assertArrayEquals(value == null ? model.get(key) : model.putIfAbsent(key, value),
                        store.putIfAbsent(key, value), where);
                case 3 -> assertArrayEquals(model.remove(key), store.delete(key), where);
                default -> {
                    List<KeyValue<Bytes, byte[]>> batch = List.of(KeyValue.pair(key, value), KeyValue.pair(b(0xff, 0xff), null));
                    store.putAll(batch);
                    batch.forEach(kv -> {
                        if (kv.value == null) {
                            model.remove(kv.key);
                        } else {
                            model.put(kv.key, kv.value);
                        }
                    });
                }
            }
            assertArrayEquals(model.get(key), store.get(key), where);
            if (op % 100 == 0) {
                Bytes lo = b(alphabet[rnd.nextInt(alphabet.length)]);
                Bytes hi = b(alphabet[rnd.nextInt(alphabet.length)], 0xff);
                assertEquals(model.size(), store.approximateNumEntries(), where);
                assertEquals(render(model.entrySet()), render(drain(store.all())), where);
                assertEquals(render(model.descendingMap().entrySet()), render(drain(store.reverseAll())), where);
                List<String> expectedRange = lo.compareTo(hi) > 0 ? List.of() : render(model.subMap(lo, true, hi, true).entrySet());
                assertEquals(expectedRange, render(drain(store.range(lo, hi))), where + " range " + lo + ".." + hi);
                assertEquals(expectedRange.reversed(), render(drain(store.reverseRange(lo, hi))), where);
                assertEquals(render(model.headMap(hi, true).entrySet()), render(drain(store.range(null, hi))), where);
                assertEquals(render(model.tailMap(lo, true).entrySet()), render(drain(store.range(lo, null))), where);
                List<String> prefixed = render(model.entrySet().stream()
                        .filter(e -> e.getKey().get().length > 0 && e.getKey().get()[0] == lo.get()[0]).map(Map.Entry::copyOf).toList());
                assertEquals(prefixed, render(drain(store.prefixScan(lo.get(), Serdes.ByteArray().serializer()))), where);
            }
        }
    }

    @Test
    void orderedCallsSortBytesUnsignedAndIteratorsSkipKeysDeletedMeanwhile() {
        KeyValueStore<Bytes, byte[]> store = open(new TestStoreContext(stateDir, 0));
        for (Bytes k : List.of(b(0xff), b(0x80), b(0x01), b(0x01, 0x00), b(0x7f))) {
            store.put(k, k.get());
        }
        assertEquals(List.of(b(0x01), b(0x01, 0x00), b(0x7f), b(0x80), b(0xff)),
                drain(store.all()).stream().map(kv -> kv.key).toList(), "0x80 and 0xff sort after 0x7f: bytes are unsigned");
        try (KeyValueIterator<Bytes, byte[]> it = store.range(b(0x7f), b(0xff))) {
            assertEquals(b(0x7f), it.peekNextKey());
            store.delete(b(0x80));
            store.put(b(0xff), new byte[]{42});
            assertEquals(b(0x7f), it.next().key);
            KeyValue<Bytes, byte[]> last = it.next();
            assertEquals(b(0xff), last.key, "0x80 was deleted after the snapshot: skipped");
            assertArrayEquals(new byte[]{42}, last.value, "values are read when the iterator reaches them");
            assertFalse(it.hasNext());
        }
        assertEquals(List.of(), drain(store.range(b(0xff), b(0x01))), "from > to is an empty range, as in Kafka's stores");
    }

    @Test
    void aRangeWithFromAboveToWarnsWithKafkasMessage() {
        KeyValueStore<Bytes, byte[]> store = open(new TestStoreContext(stateDir, 0));
        store.put(b(1), new byte[]{1});
        // Kafka's stores log this warning, which users search for when negative numbers' serdes invert a range.
        String kafkas = "Returning empty iterator for fetch with invalid key range: from > to. This may be due to range "
                + "arguments set in the wrong order, or serdes that don't preserve ordering when lexicographically comparing "
                + "the serialized bytes. Note that the built-in numerical serdes do not follow this for negative numbers";
        java.util.logging.Logger logger = java.util.logging.Logger.getLogger(BucketDBKeyValueStore.class.getName());
        List<java.util.logging.LogRecord> logged = new ArrayList<>();
        java.util.logging.Handler capture = new java.util.logging.Handler() {
            @Override
            public void publish(java.util.logging.LogRecord record) {
                logged.add(record);
            }

            @Override
            public void flush() {
            }

            @Override
            public void close() {
            }
        };
        logger.addHandler(capture);
        try {
            assertEquals(List.of(), drain(store.range(b(2), b(1))));
            assertEquals(List.of(), drain(store.reverseRange(b(2), b(1))));
            assertEquals(1, drain(store.range(b(1), b(1))).size());
        } finally {
            logger.removeHandler(capture);
        }
        assertEquals(2, logged.size(), "one warning per inverted range, none for the others");
        for (java.util.logging.LogRecord r : logged) {
            assertEquals(java.util.logging.Level.WARNING, r.getLevel());
            assertEquals(kafkas + " (store store)", r.getMessage());
        }
    }

    @Test
    void flushThenCloseAndReopenKeepsEntriesAndPosition() throws IOException {
        TestStoreContext context = new TestStoreContext(stateDir, 3);
        KeyValueStore<Bytes, byte[]> store = open(context);
        context.processing("input", 3, 41);
        store.put(b(1), new byte[]{1});
        context.processing("input", 3, 42);
        store.put(b(2), new byte[]{2});
        store.flush();
        context.commitCallback.onCommit();
        assertTrue(Files.isDirectory(stateDir.resolve("bucketdb").resolve("store")), "the index lives in bucketdb/<store name>");
        store.close();
        assertFalse(store.isOpen());

        KeyValueStore<Bytes, byte[]> again = open(new TestStoreContext(stateDir, 3));
        assertArrayEquals(new byte[]{2}, again.get(b(2)));
        assertEquals(2, again.approximateNumEntries());
        assertEquals(Position.emptyPosition().withComponent("input", 3, 42L), again.getPosition(),
                "the position is saved at commit and close and read back at init");
        assertTrue(again.persistent());
    }

    @Test
    void restoreAppliesChangelogBatchesWithTombstonesAndMergesTheirPositionsWhenConsistencyIsOn() {
        TestStoreContext context = new TestStoreContext(stateDir, 0)
                .withConfig(StreamsConfig.InternalConfig.IQ_CONSISTENCY_OFFSET_VECTOR_ENABLED, true);
        KeyValueStore<Bytes, byte[]> store = open(context);
        RecordBatchingStateRestoreCallback restore = assertInstanceOf(RecordBatchingStateRestoreCallback.class,
                context.restoreCallback, "Kafka hands batches of records, headers included, to this kind of callback");
        restore.restoreBatch(List.of(
                changelogRecord(0, b(1), new byte[]{10}, Position.emptyPosition().withComponent("in", 0, 5L)),
                changelogRecord(1, b(2), new byte[]{20}, Position.emptyPosition().withComponent("in", 0, 6L)),
                changelogRecord(2, b(1), null, Position.emptyPosition().withComponent("in", 0, 7L))));
        restore.restoreAll(List.of(KeyValue.pair(new byte[]{3}, new byte[]{30}), KeyValue.pair(new byte[]{2}, null)));
        assertNull(store.get(b(1)), "a null value in the changelog deletes");
        assertNull(store.get(b(2)));
        assertArrayEquals(new byte[]{30}, store.get(b(3)));
        assertEquals(Position.emptyPosition().withComponent("in", 0, 7L), store.getPosition());
    }

    private static ConsumerRecord<byte[], byte[]> changelogRecord(long offset, Bytes key, byte[] value, Position position) {
        RecordHeaders headers = new RecordHeaders();
        headers.add(new RecordHeader(ChangelogPositions.VERSION_HEADER, new byte[]{0}));
        headers.add(new RecordHeader(ChangelogPositions.POSITION_HEADER, encode(position)));
        return new ConsumerRecord<>("app-store-changelog", 0, offset, 0L, TimestampType.CREATE_TIME, 0, 0,
                key.get(), value, headers, Optional.empty());
    }

    /** Kafka's own header format (its PositionSerde), written out here so the test checks our reader against it. */
    private static byte[] encode(Position position) {
        ByteBuffer out = ByteBuffer.allocate(1024);
        out.put((byte) 0).putInt(position.getTopics().size());
        for (String topic : position.getTopics()) {
            byte[] name = topic.getBytes(StandardCharsets.UTF_8);
            out.putInt(name.length).put(name).putInt(position.getPartitionPositions(topic).size());
            position.getPartitionPositions(topic).forEach((p, o) -> out.putInt(p).putLong(o));
        }
        return java.util.Arrays.copyOf(out.array(), out.position());
    }

    @Test
    void interactiveQueriesAnswerKeyAndRangeQueriesOnlyOnceThePositionReachesTheBound() {
        TestStoreContext context = new TestStoreContext(stateDir, 1);
        KeyValueStore<Bytes, byte[]> store = open(context);
        context.processing("words", 1, 9);
        store.put(b(2), new byte[]{2});
        store.put(b(1), new byte[]{1});
        Position at9 = Position.emptyPosition().withComponent("words", 1, 9L);

        QueryResult<byte[]> key = store.query(KeyQuery.withKey(b(2)), PositionBound.at(at9), new QueryConfig(true));
        assertTrue(key.isSuccess(), key::toString);
        assertArrayEquals(new byte[]{2}, key.getResult());
        assertEquals(at9, key.getPosition());
        assertFalse(key.getExecutionInfo().isEmpty(), "execution info when asked for");

        QueryResult<KeyValueIterator<Bytes, byte[]>> range = store.query(RangeQuery.<Bytes, byte[]>withNoBounds().withDescendingKeys(),
                PositionBound.unbounded(), new QueryConfig(false));
        assertEquals(List.of(b(2), b(1)), drain(range.getResult()).stream().map(kv -> kv.key).toList());

        Position ahead = Position.emptyPosition().withComponent("words", 1, 10L);
        QueryResult<byte[]> tooEarly = store.query(KeyQuery.withKey(b(2)), PositionBound.at(ahead), new QueryConfig(false));
        assertEquals(FailureReason.NOT_UP_TO_BOUND, tooEarly.getFailureReason());
        Position otherPartition = Position.emptyPosition().withComponent("words", 0, 1000L);
        assertTrue(store.query(KeyQuery.withKey(b(2)), PositionBound.at(otherPartition), new QueryConfig(false)).isSuccess(),
                "a bound on another partition does not hold back this task's store");

        Query<String> unknown = new Query<>() { };
        assertEquals(FailureReason.UNKNOWN_QUERY_TYPE,
                store.query(unknown, PositionBound.unbounded(), new QueryConfig(false)).getFailureReason());
    }

    @Test
    void aClosedStoreAndItsIteratorsThrowInvalidStateStoreException() {
        KeyValueStore<Bytes, byte[]> store = open(new TestStoreContext(stateDir, 0));
        store.put(b(1), new byte[]{1});
        store.put(b(2), new byte[]{2});
        KeyValueIterator<Bytes, byte[]> open = store.all();
        store.close();
        store.close(); // a second close does nothing
        for (Runnable call : List.<Runnable>of(() -> store.get(b(1)), () -> store.put(b(1), new byte[0]), () -> store.all(),
                () -> store.delete(b(1)), store::approximateNumEntries, open::next)) {
            InvalidStateStoreException e = assertThrows(InvalidStateStoreException.class, call::run);
            assertEquals("Store store is currently closed.", e.getMessage());
        }
    }

    @Test
    void anIteratorUsedAfterItsCloseThrows() {
        KeyValueStore<Bytes, byte[]> store = open(new TestStoreContext(stateDir, 0));
        store.put(b(1), new byte[]{1});
        KeyValueIterator<Bytes, byte[]> it = store.all();
        it.close();
        InvalidStateStoreException e = assertThrows(InvalidStateStoreException.class, it::hasNext);
        assertTrue(e.getMessage().contains("after it was closed"), e.getMessage());
    }

    @Test
    void aNullKeyIsRejectedWithTheKeyValueStoreContractsNullPointerException() {
        KeyValueStore<Bytes, byte[]> store = open(new TestStoreContext(stateDir, 0));
        for (Runnable call : List.<Runnable>of(() -> store.get(null), () -> store.put(null, new byte[1]),
                () -> store.putIfAbsent(null, new byte[1]), () -> store.delete(null),
                () -> store.putAll(List.of(KeyValue.pair(b(1), new byte[1]), KeyValue.pair(null, new byte[1]))))) {
            NullPointerException e = assertThrows(NullPointerException.class, call::run);
            assertEquals("key cannot be null (store store)", e.getMessage());
        }
        assertNull(store.get(b(1)), "a putAll with a null key writes nothing");
    }

    @Test
    void aKeyOrValueOverTheIndexsLimitsFailsWithProcessorStateExceptionAndWritesNothing() {
        // RocksDB takes keys and values of any length; an index has limits (keys up to 64 KiB at most): a write over
        // them is refused whole, naming the store, and leaves the store and its position as they were.
        TestStoreContext context = new TestStoreContext(stateDir, 0);
        KeyValueStore<Bytes, byte[]> store = BucketDBStores.keyValueStore("store",
                BucketDBStores.defaultOptions().withMaxLengths(64, 1024)).get();
        store.init(context, store);
        opened.add(store);
        context.processing("in", 0, 1);
        store.put(b(1), new byte[]{1});
        context.processing("in", 0, 2);
        Bytes longKey = Bytes.wrap(new byte[65]);
        byte[] longValue = new byte[1025];
        List<Runnable> writes = List.of(() -> store.put(longKey, new byte[]{2}), () -> store.put(b(1), longValue),
                () -> store.putIfAbsent(longKey, new byte[]{2}), () -> store.putIfAbsent(b(2), longValue),
                () -> store.putAll(List.of(KeyValue.pair(b(1), new byte[]{2}), KeyValue.pair(b(3), longValue))),
                () -> store.putAll(List.of(KeyValue.pair(b(3), new byte[]{3}), KeyValue.pair(longKey, null))),
                () -> ((RecordBatchingStateRestoreCallback) context.restoreCallback).restoreAll(
                        List.of(KeyValue.pair(new byte[]{1}, null), KeyValue.pair(new byte[65], new byte[]{2}))));
        for (Runnable write : writes) {
            ProcessorStateException e = assertThrows(ProcessorStateException.class, write::run);
            assertTrue(e.getMessage().startsWith("store store (BucketDB index "), e.getMessage());
            assertTrue(e.getMessage().contains("exceeds the limit"), e.getMessage());
        }
        assertEquals(List.of(b(1) + "=" + b(1)), render(drain(store.all())), "nothing of a refused write was applied");
        assertEquals(Position.emptyPosition().withComponent("in", 0, 1L), store.getPosition(), "a refused write moves no position");
    }

    @Test
    void aStoreDirectoryThatIsNotAnIndexIsRefusedAndLeftAsItWas() throws IOException {
        Path dir = Files.createDirectories(stateDir.resolve("bucketdb"));
        Files.writeString(dir.resolve("store"), "a file where the index should be");
        ProcessorStateException file = assertThrows(ProcessorStateException.class, () -> open(new TestStoreContext(stateDir, 0)));
        assertTrue(file.getMessage().contains("it is a file, not a directory"), file.getMessage());
        assertEquals("a file where the index should be", Files.readString(dir.resolve("store")), "left as it was");

        Files.delete(dir.resolve("store"));
        Files.createDirectories(dir.resolve("store"));
        Files.writeString(dir.resolve("store").resolve("000042.sst"), "someone else's data");
        ProcessorStateException foreign = assertThrows(ProcessorStateException.class, () -> open(new TestStoreContext(stateDir, 0)));
        assertTrue(foreign.getMessage().startsWith("state store store cannot open its directory " + dir.resolve("store")
                + " as a BucketDB index: BucketDB cannot open it: no index in"), foreign.getMessage());
        assertEquals(List.of(dir.resolve("store").resolve("000042.sst")), Files.list(dir.resolve("store")).toList(),
                "nothing was created among the foreign files");
    }

    @Test
    void aDamagedPositionFileIsRefusedWithItsNameAndTheStoreClosesItsIndex() throws IOException {
        KeyValueStore<Bytes, byte[]> store = open(new TestStoreContext(stateDir, 0));
        store.put(b(1), new byte[]{1});
        store.close();
        Path positionFile = stateDir.resolve("bucketdb").resolve("store.position");
        Files.writeString(positionFile, "bucketdb-position 1\nwords zero 12\n");
        ProcessorStateException e = assertThrows(ProcessorStateException.class, () -> open(new TestStoreContext(stateDir, 0)));
        assertEquals("IQ position file " + positionFile + " is damaged at line 2: expected a partition and an offset in decimal; "
                + "delete it to start the store's position afresh", e.getMessage());
        Files.delete(positionFile);
        assertArrayEquals(new byte[]{1}, open(new TestStoreContext(stateDir, 0)).get(b(1)),
                "the failed init released the index's lock, and the data is intact");
    }

    @Test
    void aStoreNameThatCannotNameADirectoryIsRejectedUpFront() {
        for (String bad : List.of("", ".", "..", "a/b", "a\\b")) {
            assertThrows(IllegalArgumentException.class, () -> BucketDBStores.keyValueStore(bad), bad);
        }
        assertThrows(IllegalArgumentException.class,
                () -> BucketDBStores.keyValueStore("ro", BucketDBStores.defaultOptions().withReadOnly(true)));
    }
}
