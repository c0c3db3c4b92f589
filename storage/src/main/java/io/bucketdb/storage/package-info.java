/**
 * The bytes of an index (DESIGN.md, sections 1 and 3): one layout class per binary structure
 * ({@link io.bucketdb.storage.HeaderLayout}, {@link io.bucketdb.storage.BucketLayout}, ...; each with a
 * byte diagram that a test checks against its offsets), the table file mapped private through the FFM API
 * in power-of-two chunks ({@link io.bucketdb.storage.TableFile}, {@link io.bucketdb.storage.ChunkedMapping}),
 * the allocator of its space ({@link io.bucketdb.storage.ExtentAllocator}), the pages changed since the
 * last checkpoint ({@link io.bucketdb.storage.DirtyPages}), and {@link io.bucketdb.storage.DurableIO}, the
 * interface every durable byte goes through.
 *
 * <p>For users of {@code io.bucketdb.BucketDB}, two types matter: {@link io.bucketdb.storage.CorruptIndexException},
 * raised for a damaged file with the file, offset and what was expected, and {@link io.bucketdb.storage.DurableIO},
 * which tests replace with the crash simulator of {@code io.bucketdb.storage.sim}.
 */
package io.bucketdb.storage;
