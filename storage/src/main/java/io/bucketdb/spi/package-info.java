/**
 * What a user of BucketDB may plug in or catch: {@link io.bucketdb.spi.DurableIO}, the one door through which
 * every durable byte passes (with {@link io.bucketdb.spi.DurableFile}, the open file it hands out), which
 * {@code Options.withDurableIO} replaces (a counting or fault-injecting layer, a crash simulator), and
 * {@link io.bucketdb.spi.CorruptIndexException}, raised for a damaged file with the file, the offset and what
 * was expected. It is the only package of {@code io.bucketdb.storage} exported to everyone; the rest of the
 * module is exported by name to the BucketDB modules that build on it.
 */
package io.bucketdb.spi;
