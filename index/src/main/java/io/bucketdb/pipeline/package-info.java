/**
 * The write pipeline (docs/DESIGN.md, "Threads"): callers publish operations into a multi-producer
 * LMAX Disruptor ring; whoever holds the writer role (a blocking caller that found it free, or
 * the {@code bucketdb-background} thread for asynchronous leftovers) appends a group to the
 * journal, writes once and (in {@code SYNC}) forces once, applies it and acknowledges the callers. Not exported: {@link io.bucketdb.BucketDB} delegates to it.
 */
package io.bucketdb.pipeline;
