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
 *
 * <h2>Where the store differs from RocksDB's</h2>
 * An iterator's keys are fixed when it is made, but it reads each value when it gets there: a key deleted after
 * that is skipped and a key written after that shows its new value, as with Kafka's in-memory store, whereas a
 * RocksDB iterator reads the snapshot taken when it was made. {@code prefixScan} returns exactly the keys that
 * start with the prefix: RocksDB's scan of [prefix, prefix + 1) also returns the shorter keys in between when the
 * prefix ends in 0xff (0x80 for the prefix 7f ff). A key or value longer than the index's limits (keys 64 KiB at
 * most) is refused with a {@link org.apache.kafka.streams.errors.ProcessorStateException}; RocksDB has no such
 * limit. {@code approximateNumEntries} is exact. {@code delete} and {@code putAll} on a closed store throw
 * {@link org.apache.kafka.streams.errors.InvalidStateStoreException}, as every other call does (RocksDB's throw a
 * {@code NullPointerException}). The rest answers as RocksDB's store does, call by call, results, exceptions and
 * IQ positions alike ({@code RocksDBConformanceTest} in the tests).
 */
package io.bucketdb.streams;
