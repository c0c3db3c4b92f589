/**
 * The write pipeline (DESIGN.md section 4): callers publish operations into a multi-producer
 * LMAX Disruptor ring; a journal stage appends them and, once per batch, writes and (in
 * {@code SYNC}) forces; an apply stage gated on it mutates the table on the one writer thread
 * and acknowledges the callers. Not exported: {@link io.bucketdb.BucketDB} delegates to it.
 */
package io.bucketdb.pipeline;
