/** The bytes of a BucketDB index: layouts, FFM mapping, allocation and durable I/O. */
module io.bucketdb.storage {
    exports io.bucketdb.storage;
}
