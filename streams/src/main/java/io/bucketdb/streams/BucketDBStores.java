package io.bucketdb.streams;

import io.bucketdb.Durability;
import io.bucketdb.Options;
import org.apache.kafka.streams.state.KeyValueBytesStoreSupplier;

import java.util.Objects;

/**
 * Factory of BucketDB state stores for Kafka Streams, the counterpart of Kafka's
 * {@code Stores.persistentKeyValueStore}.
 *
 * <pre>{@code
 * builder.stream("words", Consumed.with(Serdes.String(), Serdes.String()))
 *        .groupByKey()
 *        .count(Materialized.as(BucketDBStores.keyValueStore("counts")));
 * }</pre>
 *
 * <p>See the package documentation for where the stores live, what {@code flush()} makes durable and what
 * the ordered operations cost.
 */
public final class BucketDBStores {
    private BucketDBStores() {
    }

    /**
     * The options a store gets from {@link #keyValueStore(String)}: variable-length keys and values (Kafka's
     * are arbitrary bytes) and {@link Durability#ASYNC} durability (the changelog is the source of truth, and
     * Kafka's commit makes the store durable through {@code flush()}); every other setting is BucketDB's default.
     *
     * @return the default options of a Kafka Streams store
     */
    public static Options defaultOptions() {
        return Options.defaults().withVariableKeys().withVariableValues().withDurability(Durability.ASYNC);
    }

    /**
     * A supplier of persistent key-value stores named {@code name}, with {@link #defaultOptions()}.
     *
     * @param name the store's name: Kafka's store name, its changelog topic's suffix and its directory's name
     * @return a supplier for {@code Materialized.as}, {@code Stores.keyValueStoreBuilder} and the like
     * @throws NullPointerException if {@code name} is null
     * @throws IllegalArgumentException if {@code name} cannot name a directory
     */
    public static KeyValueBytesStoreSupplier keyValueStore(String name) {
        return keyValueStore(name, defaultOptions());
    }

    /**
     * A supplier of persistent key-value stores named {@code name}, each opened with {@code options}. Kafka's
     * keys and values have any length, so the options should keep
     * {@linkplain Options#withVariableKeys() variable-length keys} and
     * {@linkplain Options#withVariableValues() values} unless the serdes produce fixed widths; a put that does
     * not fit the index fails with a {@link org.apache.kafka.streams.errors.ProcessorStateException}. The
     * durability mode is taken as given: start from {@link #defaultOptions()} to keep {@link Durability#ASYNC}.
     * Options that only matter when an index is created (widths, expected entries) apply to new stores only.
     *
     * @param name    the store's name: Kafka's store name, its changelog topic's suffix and its directory's name
     * @param options how each store's index is opened
     * @return a supplier for {@code Materialized.as}, {@code Stores.keyValueStoreBuilder} and the like
     * @throws NullPointerException if an argument is null
     * @throws IllegalArgumentException if {@code name} cannot name a directory, or {@code options} open read-only
     */
    public static KeyValueBytesStoreSupplier keyValueStore(String name, Options options) {
        Objects.requireNonNull(name, "store name cannot be null");
        Objects.requireNonNull(options, "options cannot be null");
        StoreDirectory.checkName(name);
        if (options.readOnly()) {
            throw new IllegalArgumentException("a state store is written by Kafka Streams: options for store " + name
                    + " must not be read-only");
        }
        return new BucketDBStoreSupplier(name, options);
    }
}
