/**
 * BucketDB as a Kafka Streams persistent key-value state store.
 *
 * <pre>{@code
 * KTable<String, Long> counts = words.groupByKey()
 *         .count(Materialized.as(BucketDBStores.keyValueStore("counts")));
 * }</pre>
 *
 * <h2>What the store is</h2>
 * {@link io.bucketdb.streams.BucketDBStores#keyValueStore(String)} supplies a
 * {@code KeyValueStore<Bytes, byte[]>} that Kafka Streams wraps as it wraps RocksDB (metering, changelogging,
 * caching) and partitions by task: each task's store is its own BucketDB index, a directory
 * {@code <state.dir>/<application.id>/<task>/bucketdb/<store name>}. Keys and values are the bytes Kafka's serdes
 * produce, of any length; a null value deletes.
 *
 * <h2>Durability</h2>
 * The changelog topic is the source of truth, so the index runs with {@link io.bucketdb.Durability#ASYNC}: no
 * force per put. Kafka's commit calls {@code flush()}, which writes a BucketDB checkpoint (journal forced, dirty
 * pages written back) before Kafka records the changelog offset in its checkpoint file; so the offset Kafka
 * remembers never runs ahead of what the index holds on disk. After a crash the index reopens by its own
 * recovery (journal replay) and Kafka restores only the changelog after its checkpointed offset; restoring
 * applies each batch Kafka hands over as one {@link io.bucketdb.WriteBatch}.
 *
 * <h2>Order</h2>
 * A hash index has no key order, but Kafka's {@code range}, {@code reverseRange}, {@code all},
 * {@code reverseAll} and {@code prefixScan} return keys in unsigned lexicographic byte order. Each such call
 * walks the whole index once, copies the keys that fall in the range, sorts them, and reads each value when the
 * iterator reaches its key: O(n) for the walk whatever the range, O(m log m) for the m keys returned, and memory
 * for those m keys. Point operations ({@code get}, {@code put}, {@code delete}) are what the store is for.
 * Measured against Kafka's RocksDB store at 1M entries (one run on a shared two-core machine,
 * {@code StreamsOrderedCalls} in the bench module, docs/BENCHMARKS.md): {@code all()} 5.4x RocksDB's time,
 * {@code range} over 1% of the keys 48x, a one-byte {@code prefixScan} 91x, {@code get} 0.17x.
 */
package io.bucketdb.streams;
