/**
 * The bytes of a BucketDB index: layouts, FFM mapping, allocation and durable I/O.
 *
 * <p>Exported to everyone: {@code io.bucketdb.spi}, what users may plug in or catch
 * ({@link io.bucketdb.spi.DurableIO}, {@link io.bucketdb.spi.CorruptIndexException}), which appears in the public
 * API of {@code io.bucketdb.index}. The internals, {@code io.bucketdb.storage}, are exported by name to the BucketDB
 * modules built on them. The crash simulator is in this module's test jar, not here. {@link io.bucketdb.storage.NativeFileOps}
 * needs {@code --enable-native-access=io.bucketdb.storage} and works without it, on fallbacks.
 */
module io.bucketdb.storage {
    exports io.bucketdb.spi;
    exports io.bucketdb.storage to io.bucketdb.recovery, io.bucketdb.index, io.bucketdb.tools;
}
