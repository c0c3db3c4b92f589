package io.bucketdb.streams;

import io.bucketdb.BucketDB;
import io.bucketdb.Cursor;
import io.bucketdb.Options;
import io.bucketdb.WriteBatch;
import org.apache.kafka.common.serialization.Serializer;
import org.apache.kafka.common.utils.Bytes;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.errors.InvalidStateStoreException;
import org.apache.kafka.streams.errors.ProcessorStateException;
import org.apache.kafka.streams.processor.StateStore;
import org.apache.kafka.streams.processor.StateStoreContext;
import org.apache.kafka.streams.query.Position;
import org.apache.kafka.streams.query.PositionBound;
import org.apache.kafka.streams.query.Query;
import org.apache.kafka.streams.query.QueryConfig;
import org.apache.kafka.streams.query.QueryResult;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.KeyValueStore;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.List;
import java.util.Objects;
import java.util.function.BiConsumer;
import java.util.function.Function;
import java.util.function.Supplier;

/**
 * A Kafka Streams {@code KeyValueStore<Bytes, byte[]>} on one BucketDB index (see the package documentation).
 *
 * <p>Threads: Kafka writes a store from its stream thread only; interactive queries read from other threads.
 * Reads go straight to the index, which readers share lock-free with its writer. Writes and queries hold the
 * {@link #position} monitor, as Kafka's own stores do, so a query's result and the position it reports belong
 * together; a write holds it for one acknowledged index write (ASYNC: no force).
 *
 * <p>Errors: every call on a closed (or not yet initialized) store throws {@link InvalidStateStoreException}, but
 * {@code flush} and {@code close}, which do nothing, and a range whose lower bound is above its upper, which is
 * empty, as in RocksDB's store; a null key
 * {@link NullPointerException} (the {@link KeyValueStore} contract); anything the index reports (an I/O
 * failure, a key or value that does not fit its options) a {@link ProcessorStateException} naming the store.
 */
final class BucketDBKeyValueStore implements KeyValueStore<Bytes, byte[]> {
    private static final System.Logger LOG = System.getLogger(BucketDBKeyValueStore.class.getName());
    /** Kafka's stores' words, word for word: users search for them. */
    private static final String INVERTED_RANGE = "Returning empty iterator for fetch with invalid key range: from > to. "
            + "This may be due to range arguments set in the wrong order, or serdes that don't preserve ordering when "
            + "lexicographically comparing the serialized bytes. Note that the built-in numerical serdes do not follow "
            + "this for negative numbers";

    private final String name;
    private final Options options;
    /**
     * Kafka's stores lock their position to pair query results with it; so do we. Guarded by itself. Replaced by
     * {@link #init} with the position saved on disk, as RocksDB's store does: Kafka initializes the same store
     * object again after it wiped a corrupted task's state, and the old position must not outlive the data.
     */
    private volatile Position position = Position.emptyPosition();
    private volatile BucketDB db;
    private volatile boolean open;
    /** Set by writes, cleared by {@link #flush}: a commit with nothing new writes no checkpoint. */
    private volatile boolean unflushed;
    private StateStoreContext context;
    private PositionFile positionFile;
    private StoreQueries queries;

    BucketDBKeyValueStore(String name, Options options) {
        this.name = name;
        this.options = options;
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public void init(StateStoreContext context, StateStore root) {
        if (open) {
            throw new IllegalStateException("store " + name + " is already initialized");
        }
        StoreDirectory dir = new StoreDirectory(context.stateDir().toPath(), name, options.durableIO());
        this.positionFile = new PositionFile(dir.positionFile(), options.durableIO());
        this.db = dir.open(options);
        try {
            position = positionFile.read();
        } catch (RuntimeException e) {
            closeQuietly(e);
            throw e;
        }
        this.context = context;
        this.queries = new StoreQueries(this, context);
        boolean consistency = StreamsConfig.InternalConfig.getBoolean(context.appConfigs(),
                StreamsConfig.InternalConfig.IQ_CONSISTENCY_OFFSET_VECTOR_ENABLED, false);
        open = true;
        try {
            // Kafka calls the commit callback after flush() when it checkpoints, before it writes its checkpoint file.
            context.register(root, new ChangelogRestorer(this, consistency), this::writePosition);
        } catch (RuntimeException e) {
            open = false;
            closeQuietly(e); // a store Kafka refused must not keep its index locked
            throw e;
        }
    }

    @Override
    public boolean persistent() {
        return true;
    }

    @Override
    public boolean isOpen() {
        return open;
    }

    @Override
    public Position getPosition() {
        return position;
    }

    @Override
    public <R> QueryResult<R> query(Query<R> query, PositionBound positionBound, QueryConfig config) {
        return queries.run(query, positionBound, config);
    }

    // ------------------------------------------------------------------------------------------ reads

    @Override
    public byte[] get(Bytes key) {
        byte[] k = requireKey(key);
        return call(() -> db.get(k));
    }

    @Override
    public KeyValueIterator<Bytes, byte[]> range(Bytes from, Bytes to) {
        return ordered(KeyRange.between(bytesOrNull(from), bytesOrNull(to)), false);
    }

    @Override
    public KeyValueIterator<Bytes, byte[]> reverseRange(Bytes from, Bytes to) {
        return ordered(KeyRange.between(bytesOrNull(from), bytesOrNull(to)), true);
    }

    @Override
    public KeyValueIterator<Bytes, byte[]> all() {
        return ordered(KeyRange.ALL, false);
    }

    @Override
    public KeyValueIterator<Bytes, byte[]> reverseAll() {
        return ordered(KeyRange.ALL, true);
    }

    @Override
    public <PS extends Serializer<P>, P> KeyValueIterator<Bytes, byte[]> prefixScan(P prefix, PS prefixKeySerializer) {
        Objects.requireNonNull(prefix, "prefix cannot be null");
        Objects.requireNonNull(prefixKeySerializer, "prefixKeySerializer cannot be null");
        byte[] p = prefixKeySerializer.serialize(null, prefix);
        return ordered(KeyRange.withPrefix(p), false);
    }

    /**
     * Walks the whole index once, keeps the keys in {@code range}, sorts them in Kafka's order and returns an
     * iterator that reads each value when it gets there: O(n) for the walk, O(m log m) for the m keys kept.
     */
    private KeyValueIterator<Bytes, byte[]> ordered(KeyRange range, boolean descending) {
        if (range.isEmpty()) {
            // As Kafka's stores: from > to (often serdes whose bytes do not sort like their values) is no error, but a
            // warning; both answer it before they look at the store, so an IQ range query answers it on a closed
            // store too.
            LOG.log(System.Logger.Level.WARNING, INVERTED_RANGE + " (store " + name + ")");
            return new SortedKeyIterator(name, List.of(), k -> null, () -> { });
        }
        validateOpen();
        List<byte[]> keys = call(() -> {
            List<byte[]> kept = new ArrayList<>();
            Cursor c = db.cursor();
            while (c.next()) {
                byte[] key = c.key();
                if (range.contains(key)) {
                    kept.add(key);
                }
            }
            return kept;
        });
        keys.sort(descending ? (a, b) -> Arrays.compareUnsigned(b, a) : Arrays::compareUnsigned);
        BucketDB index = db;
        // Checked on every step, so an iterator left open when the store closes (or closes and opens again) fails
        // as RocksDB's does, which closes a store's open iterators with it; even one whose next entry is read.
        return new SortedKeyIterator(name, keys, k -> call(() -> index.get(k)), () -> {
            if (db != index) {
                throw closed();
            }
            validateOpen();
        });
    }

    @Override
    public long approximateNumEntries() {
        return call(() -> db.size());
    }

    // ------------------------------------------------------------------------------------------ writes

    @Override
    public void put(Bytes key, byte[] value) {
        byte[] k = requireKey(key);
        synchronized (position) {
            call(() -> value == null ? db.delete(k) : db.put(k, value));
            wrote();
        }
    }

    @Override
    public byte[] putIfAbsent(Bytes key, byte[] value) {
        byte[] k = requireKey(key);
        synchronized (position) {
            byte[] old = call(() -> db.get(k));
            if (old == null) {
                put(key, value);
            }
            return old;
        }
    }

    /** Applies every entry as one {@link WriteBatch}: all or none, also across a crash. */
    @Override
    public void putAll(List<KeyValue<Bytes, byte[]>> entries) {
        WriteBatch batch = new WriteBatch();
        for (KeyValue<Bytes, byte[]> e : entries) {
            byte[] k = requireKey(e.key);
            if (e.value == null) {
                batch.delete(k);
            } else {
                batch.put(k, e.value);
            }
        }
        synchronized (position) {
            call(() -> {
                db.write(batch);
                return null;
            });
            wrote();
        }
    }

    @Override
    public byte[] delete(Bytes key) {
        byte[] k = requireKey(key);
        synchronized (position) {
            byte[] old = call(() -> db.get(k));
            if (old != null) {
                call(() -> db.delete(k));
            }
            wrote();
            return old;
        }
    }

    /** Records the write in the position, as Kafka's stores do, from the record being processed (if any). */
    private void wrote() {
        unflushed = true;
        context.recordMetadata().ifPresent(m -> {
            if (m.topic() != null) {
                position.withComponent(m.topic(), m.partition(), m.offset());
            }
        });
    }

    /**
     * Applies a batch of changelog records as one {@link WriteBatch} (null values delete) and, with
     * {@code positions}, merges each record's position; see {@link ChangelogRestorer}.
     */
    <T> void restore(Collection<T> records, Function<T, byte[]> key, Function<T, byte[]> value, BiConsumer<Position, T> positions) {
        validateOpen();
        WriteBatch batch = new WriteBatch();
        for (T r : records) {
            byte[] k = Objects.requireNonNull(key.apply(r), "changelog record with a null key");
            byte[] v = value.apply(r);
            if (v == null) {
                batch.delete(k);
            } else {
                batch.put(k, v);
            }
        }
        synchronized (position) {
            call(() -> {
                db.write(batch);
                return null;
            });
            unflushed = true;
            if (positions != null) {
                for (T r : records) {
                    positions.accept(position, r);
                }
            }
        }
    }

    // ------------------------------------------------------------------------------------------ durability

    /**
     * Makes every write so far durable with a BucketDB checkpoint (the journal forced, dirty pages written back),
     * so the changelog offset Kafka checkpoints next never runs ahead of the index on disk. Nothing to do, and
     * no I/O, if nothing was written since the last flush. On a closed store it returns quietly, as RocksDB's
     * store does (the in-memory store's flush does nothing either): the close already made everything durable.
     */
    @Override
    public void flush() {
        if (!open) {
            return;
        }
        if (unflushed) {
            unflushed = false;
            try {
                call(() -> {
                    db.checkpoint();
                    return null;
                });
            } catch (RuntimeException e) {
                unflushed = true;
                throw e;
            }
        }
    }

    /** Kafka's commit callback: the position, after {@link #flush} made the data it describes durable. */
    private void writePosition() throws IOException {
        Position snapshot;
        synchronized (position) {
            snapshot = position.copy();
        }
        positionFile.write(snapshot);
    }

    /** Closes the index (its close checkpoints: the next open replays nothing) and saves the position. */
    @Override
    public void close() {
        if (!open) {
            return;
        }
        open = false;
        try {
            db.close();
            writePosition();
        } catch (IOException | RuntimeException e) {
            throw new ProcessorStateException("closing store " + name + " in " + db.directory() + " failed: " + e
                    + "; the next open recovers the index from its journal", e);
        }
    }

    private void closeQuietly(Throwable cause) {
        try {
            db.close();
        } catch (IOException | RuntimeException e) {
            cause.addSuppressed(e);
        }
    }

    // ------------------------------------------------------------------------------------------ checks

    private byte[] requireKey(Bytes key) {
        Objects.requireNonNull(key, () -> "key cannot be null (store " + name + ")");
        validateOpen();
        return key.get();
    }

    private static byte[] bytesOrNull(Bytes b) {
        return b == null ? null : b.get();
    }

    void validateOpen() {
        if (!open) {
            throw closed();
        }
    }

    private InvalidStateStoreException closed() {
        return new InvalidStateStoreException("Store " + name + " is currently closed.");
    }

    /**
     * Runs an index call, turning what the index throws into Kafka's exceptions: a closed index (closed under
     * a concurrent query) into {@link InvalidStateStoreException}, anything else into
     * {@link ProcessorStateException} naming the store.
     */
    private <T> T call(Supplier<T> op) {
        validateOpen();
        try {
            return op.get();
        } catch (IllegalStateException e) {
            if (!open) {
                throw closed();
            }
            throw failed(e);
        } catch (UncheckedIOException | IllegalArgumentException e) {
            throw failed(e);
        }
    }

    private ProcessorStateException failed(RuntimeException e) {
        return new ProcessorStateException("store " + name + " (BucketDB index " + db.directory() + "): " + e.getMessage(), e);
    }
}
