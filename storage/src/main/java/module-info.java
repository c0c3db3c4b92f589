/**
 * The bytes of a BucketDB index: layouts, FFM mapping, allocation and durable I/O.
 *
 * <p>{@code io.bucketdb.storage.sim} holds the crash simulator; it ships in main code because the tests of
 * every other module run on it. {@link io.bucketdb.storage.NativeFileOps} needs
 * {@code --enable-native-access=io.bucketdb.storage} and works without it, on fallbacks.
 */
module io.bucketdb.storage {
    exports io.bucketdb.storage;
    exports io.bucketdb.storage.sim;
}
