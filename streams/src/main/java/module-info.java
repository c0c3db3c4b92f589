/**
 * BucketDB as a Kafka Streams persistent key-value state store: {@link io.bucketdb.streams.BucketDBStores}.
 *
 * <p>Kafka's jars name no module, so they are automatic modules named after their files
 * ({@code kafka.streams}, {@code kafka.clients}). Kafka types appear in this module's API, hence
 * {@code requires transitive}. The core modules ({@code io.bucketdb.index} and below) know nothing of Kafka.
 */
module io.bucketdb.streams {
    requires transitive io.bucketdb.index;
    requires transitive kafka.streams;
    requires transitive kafka.clients;
    exports io.bucketdb.streams;
}
