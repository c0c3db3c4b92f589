/**
 * The engine behind {@link io.bucketdb.BucketDB}: internal, not exported. Today it holds the read-only view
 * ({@link io.bucketdb.engine.ReadOnlyView}); opening, recovery, checkpoint scheduling and the close sequence move
 * here from {@code BucketDB} as the architecture issue asks.
 */
package io.bucketdb.engine;
