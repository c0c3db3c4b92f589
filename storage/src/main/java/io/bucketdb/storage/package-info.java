/**
 * The bytes of an index (docs/DESIGN.md, "The table" and "Durability"; docs/FILE-FORMATS.md): one layout class per binary structure
 * ({@link io.bucketdb.storage.HeaderLayout}, {@link io.bucketdb.storage.BucketLayout}, ...; each with a
 * byte diagram that a test checks against its offsets), the table file mapped private through the FFM API
 * in power-of-two chunks ({@link io.bucketdb.storage.TableFile}, {@link io.bucketdb.storage.ChunkedMapping}),
 * the allocator of its space ({@link io.bucketdb.storage.ExtentAllocator}), the pages changed since the
 * last checkpoint ({@link io.bucketdb.storage.DirtyPages}), and {@link io.bucketdb.spi.DurableIO}, the
 * interface every durable byte goes through.
 *
 * <p>Users of {@code io.bucketdb.BucketDB} meet none of it: what they may plug in or catch
 * ({@link io.bucketdb.spi.DurableIO}, {@link io.bucketdb.spi.CorruptIndexException}) is in {@code io.bucketdb.spi}.
 * This package is exported only to the BucketDB modules built on it.
 */
package io.bucketdb.storage;
