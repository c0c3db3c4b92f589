/**
 * The bytes of a BucketDB index: layouts, FFM mapping, allocation and durable I/O.
 *
 * <p>Exported to everyone: {@code io.bucketdb.storage}, whose {@link io.bucketdb.storage.CorruptIndexException}
 * and {@link io.bucketdb.storage.DurableIO} appear in the public API of {@code io.bucketdb.index}.
 * {@code io.bucketdb.storage.sim} holds the crash simulator; it ships in main code because the tests of
 * the modules above run on it, and is exported to those modules only. {@link io.bucketdb.storage.NativeFileOps}
 * needs {@code --enable-native-access=io.bucketdb.storage} and works without it, on fallbacks.
 */
module io.bucketdb.storage {
    exports io.bucketdb.storage;
    exports io.bucketdb.storage.sim to io.bucketdb.index, io.bucketdb.tools; // their tests crash-simulate
}
